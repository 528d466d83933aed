"""The scenario editor's side panel: the selected step's own fields (text, re-ask text, note,
free answer, where the answer is stored, attempts, timeout, wait, the scenario to go to).

Mixed into states/scenario_editor.ScenarioEditorState."""

from __future__ import annotations

import reflex as rx

from messenger_app.services import scenarios
from messenger_app.states import scenario_graph as G
from messenger_app.states.auth import admin_required
from messenger_app.states.scenarios import _sid


class ScenarioStepFields(rx.State, mixin=True):
    """Field handlers of ScenarioEditorState (uses its draft, `_edit`, `_save`)."""

    # -- the selected step's fields -------------------------------------------------------------
    def _set_data(self, key: str, value, remount: bool = False) -> None:
        g, n = self._edit()
        if n is None:
            return
        n.setdefault("data", {})[key] = value
        G.prune_edges(g)
        self._save(g, remount=remount)

    @rx.event
    @admin_required
    def set_text(self, value: str):
        self._set_data("text", G.clean_text(value))

    @rx.event
    @admin_required
    def set_reask(self, value: str):
        self._set_data("reask_text", G.clean_text(value))

    @rx.event
    @admin_required
    def set_note(self, value: str):
        self._set_data("note", G.clean_text(value, 1000))

    @rx.event
    @admin_required
    def set_free(self, value: bool):
        self._set_data("free_answer", bool(value))

    @rx.event
    @admin_required
    def set_store(self, value: str):
        value = str(value)
        if value.startswith("crm:") and any(o["value"] == value[4:] for o in self.crm_opts):
            self._set_data("store", {"kind": "crm", "key": value[4:]})
        elif value in ("tag1", "tag2"):
            self._set_data("store", {"kind": value})
        else:
            self._set_data("store", None)

    def _number(self, key: str, value, allow_empty: bool, high: int) -> None:
        text = str(value).strip()
        if allow_empty and not text:
            self._set_data(key, None)
            return
        n = G.positive_int(text, 1, high)
        if n is None:
            self.error = self.t["sc_bad_number"].format(max=high)
            return
        self._set_data(key, n)

    @rx.event
    @admin_required
    def set_attempts(self, value: str):
        self._number("max_attempts", value, False, 20)

    @rx.event
    @admin_required
    def set_timeout(self, value: str):
        self._number("timeout_minutes", value, True, scenarios.MAX_WAIT_MINUTES)

    @rx.event
    @admin_required
    def set_minutes(self, value: str):
        self._number("minutes", value, False, scenarios.MAX_WAIT_MINUTES)

    @rx.event
    @admin_required
    def set_goto(self, value: str):
        sid = _sid(value)
        if sid is None or any(o["value"] == str(sid) for o in self.scenario_opts):
            self._set_data("scenario_id", sid)
