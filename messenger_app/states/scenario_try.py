"""The editor's "Try it" panel (B1): plays the draft with `bot.Simulation` as a client would —
nothing is written or sent. The simulation is not kept in the state (it need not pickle):
the panel keeps what the tester did and replays it on a fresh Simulation of the current draft
for each new step (a scenario is a few steps long; a replay is microseconds per step)."""

from __future__ import annotations

import reflex as rx

from messenger_app.states import scenario_graph as G
from messenger_app.states.auth import admin_required
from messenger_app.states.scenario_editor import ScenarioEditorState

MAX_STEPS = 200
SAMPLE_VARS = {"first_name": "Anna", "last_name": "Ivanova", "name": "Anna Ivanova"}


class ScenarioTryState(ScenarioEditorState):
    try_open: bool = False
    try_log: list[dict[str, str]] = []  # {who: bot | client | note | handover | end | wait, text}
    try_buttons: list[dict[str, str]] = []
    try_mode: str = ""  # answer | wait | done
    try_can_timeout: bool = False
    try_node: str = ""
    try_vars: list[dict[str, str]] = []
    try_key: int = 0
    _try_steps: list = []

    def _sim(self):
        from messenger_app.services import bot  # the runtime (bot helper); imported when used
        return bot.Simulation(self._graph, variables=dict(SAMPLE_VARS))

    @staticmethod
    def _apply(sim, step: tuple):
        kind = step[0]
        if kind == "answer":
            return sim.answer(text=step[1] or None, choice_id=step[2] or None)
        if kind == "timeout":
            return sim.timeout()
        if kind == "skip":
            return sim.skip_wait()
        return sim.start()

    def _play(self, new_step: tuple | None) -> None:
        steps = list(self._try_steps) + ([new_step] if new_step else [])
        log: list[dict[str, str]] = []
        last: list = []
        try:
            sim = self._sim()
            for i, step in enumerate([("start",)] + steps):
                if step[0] == "answer":
                    log.append({"who": "client", "text": step[3] if len(step) > 3 else step[1]})
                elif step[0] == "timeout":
                    log.append({"who": "system", "text": self.t["sc_try_no_answer_done"]})
                elif step[0] == "skip":
                    log.append({"who": "system", "text": self.t["sc_try_skipped"]})
                last = self._apply(sim, step) or []
                log += [self._line(o) for o in last]
        except Exception as e:  # noqa: BLE001 — a draft the runtime cannot play: say so, keep the editor
            log.append({"who": "error", "text": self.t["sc_try_failed"].format(why=str(e)[:200])})
            self.try_log, self.try_buttons, self.try_mode, self.try_can_timeout = log, [], "done", False
            return
        self._try_steps = steps[:MAX_STEPS]
        self.try_log = log[-300:]
        kinds = [o.kind for o in last]
        node = sim.current_node
        self.try_node = node or ""
        asked = [o for o in last if o.kind == "message"]
        self.try_buttons = ([{"id": str(b.get("id")), "label": str(b.get("label"))}
                             for b in (asked[-1].buttons or [])] if asked else [])
        if node is None or any(k in ("end", "handover") for k in kinds):
            self.try_mode = "done"
        elif kinds and kinds[-1] == "wait":
            self.try_mode = "wait"
        else:
            self.try_mode = "answer"
        n = G.node(self._graph, node) if node else None
        self.try_can_timeout = bool(self.try_mode == "answer" and n is not None
                                    and (n.get("data") or {}).get("timeout_minutes"))
        self.try_vars = [{"key": str(k), "value": str(v)[:200]}
                         for k, v in (sim.variables or {}).items() if k not in SAMPLE_VARS]

    def _line(self, o) -> dict[str, str]:
        if o.kind == "message":
            return {"who": "bot", "text": o.text or ""}
        if o.kind == "note":
            return {"who": "note", "text": o.text or ""}
        if o.kind == "handover":
            return {"who": "handover", "text": self.t["sc_try_handover"]}
        if o.kind == "wait":
            return {"who": "wait", "text": self.t["sc_try_waiting"].format(n=o.text or "?")}
        return {"who": "end", "text": self.t["sc_try_end"]}

    @rx.event
    @admin_required
    def try_start(self):
        self.try_open = True
        self._try_steps = []
        self.try_key += 1
        self._play(None)
        return rx.scroll_to("sc-try-panel")  # on a phone the panel is below the canvas

    @rx.event
    @admin_required
    def set_try_open(self, value: bool):
        self.try_open = bool(value)

    @rx.event
    @admin_required
    def try_choose(self, button_id: str):
        label = next((b["label"] for b in self.try_buttons if b["id"] == str(button_id)), None)
        if self.try_mode == "answer" and label is not None:
            self._play(("answer", "", str(button_id), label))

    @rx.event
    @admin_required
    def try_answer(self, form: dict):
        text = G.clean_text(form.get("text", ""), 1000).strip()
        if self.try_mode == "answer" and text:
            self.try_key += 1
            self._play(("answer", text, "", text))

    @rx.event
    @admin_required
    def try_timeout(self):
        if self.try_can_timeout:
            self._play(("timeout",))

    @rx.event
    @admin_required
    def try_skip(self):
        if self.try_mode == "wait":
            self._play(("skip",))
