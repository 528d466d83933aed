"""The scenario editor's header: the scenario's name and triggers, the check for problems
and publishing a version.

Mixed into states/scenario_editor.ScenarioEditorState."""

from __future__ import annotations

import reflex as rx

from messenger_app.i18n.errors import error_text
from messenger_app.lib.errors import DomainError
from messenger_app.services import scenarios
from messenger_app.states import scenario_graph as G
from messenger_app.states.auth import admin_required
from messenger_app.states.scenarios import _sid


class ScenarioPublishing(rx.State, mixin=True):
    """Name, trigger, check and publish handlers of ScenarioEditorState."""

    # -- the scenario: name, triggers ---------------------------------------------------------
    @rx.event
    @admin_required
    def rename(self, value: str):
        try:
            scenarios.rename(self.sid, str(value)[:500], by=self._operator().id)
        except DomainError as e:
            self.error = error_text(e, self.lang)
            self.panel_key += 1
            return
        self.name, self.error = " ".join(str(value).split()), ""

    def _save_triggers(self, triggers: dict) -> None:
        try:
            scenarios.set_triggers(self.sid, triggers, by=self._operator().id)
        except DomainError as e:
            self.error = error_text(e, self.lang)
            return
        self._load(self.sid)
        self.error = ""

    @staticmethod
    def _words(text: str) -> list[str]:
        return [w.strip() for w in str(text)[:5000].split(",") if w.strip()]

    @rx.event
    @admin_required
    def set_keywords(self, text: str):
        self._save_triggers({**self._triggers, "keywords": self._words(text)})

    @rx.event
    @admin_required
    def set_payloads(self, text: str):
        self._save_triggers({**self._triggers, "start_payloads": self._words(text)})

    @rx.event
    @admin_required
    def toggle_channel(self, channel_id: str, on: bool):
        cid = _sid(channel_id)
        if cid is None:
            return
        chans = [c for c in self._triggers.get("first_message_channels") or [] if c != cid]
        self._save_triggers({**self._triggers, "first_message_channels": chans + ([cid] if on else [])})

    # -- validation and publishing -----------------------------------------------------------
    def _check(self) -> None:
        found = scenarios.problems(self._graph)
        labels = {s["value"]: s["label"] for s in self.steps}
        self.problems = [{"node_id": p.node_id, "step": labels.get(p.node_id, ""),
                          "text": self._problem_text(p)} for p in found]
        self.problem_ids = sorted({p.node_id for p in found if p.node_id})
        self.checked = True

    def _problem_text(self, p) -> str:
        params = {k: (self.t.get("sc_exit_" + str(v).split(":")[0], str(v)) if k == "exit" else v)
                  for k, v in (p.params or {}).items()}
        if params.get("exit") and str(p.params.get("exit", "")).startswith(("btn:", "cond:")):
            n = G.node(self._graph, p.node_id) or {}
            params["exit"] = next((self._exit_label(k, lbl) for h, k, lbl in G.exits(n)
                                   if h == p.params["exit"]), p.params["exit"])
        template = self.t.get("sc_problem_" + p.code)
        if template is None:
            return p.code
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            return template

    @rx.event
    @admin_required
    def check(self):
        self._check()
        self._refresh()
        self.notice = self.t["sc_no_problems"] if not self.problems else ""

    @rx.event
    @admin_required
    def publish(self):
        self._check()
        self._refresh()
        if self.problems:
            self.notice = ""
            return
        try:
            number = scenarios.publish(self.sid, by=self._operator().id)
        except DomainError as e:
            self.error = error_text(e, self.lang)
            return
        self._load(self.sid)
        self.notice = self.t["sc_published"].format(n=number)
