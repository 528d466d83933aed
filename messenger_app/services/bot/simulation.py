"""Try it: plays a scenario's graph in the editor as a client would, writing and sending
nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select

from messenger_app import db
from messenger_app.clock import utcnow
from messenger_app.models import CrmField, Tag2Option
from messenger_app.services import scenarios
from messenger_app.services.scenario_engine import (End, Engine, Goto, Handover, Out, RunState, Timer,
                                                    python_filter, render_plain)
from messenger_app.services.bot.host import _zone, parse_answer
from messenger_app.services.bot.runs import MAX_STEPS


@dataclass
class SimOutput:
    kind: str  # message | note | handover | end | wait
    text: str = ""
    buttons: list[dict] | None = None
    node_id: str = ""


class Simulation:
    """Plays a graph as a client would, in the editor: nothing is written or sent. Answers are
    checked against the CRM fields' types (read once); branches see the simulation's
    variables and the workspace's clock."""

    def __init__(self, graph: dict, variables: dict | None = None, now: datetime | None = None):
        self.engine = Engine(scenarios.check_shape(graph))
        self.state = RunState(step=self.engine.start, variables=dict(variables or {}))
        self._now = now
        with db.session() as s:
            self._fields = {f.key: (f.type, list(f.options or [])) for f in s.exec(select(CrmField)).all()}
            self._tag2 = list(s.exec(select(Tag2Option.value)).all())

    # the engine's host
    def render(self, text: str, variables: dict) -> str:
        return render_plain(text, variables)

    def parse(self, store: dict | None, text: str) -> tuple[bool, str]:
        """As a real run checks an answer (bot.host.parse_answer), with the fields read once; a
        field the draft names but the CRM lacks takes text here, so the walk can go on."""
        return parse_answer(store, text, lambda key: self._fields.get(key, ("text", [])), self._tag2)

    def condition(self, filt: dict, variables: dict) -> bool:
        return python_filter(filt, variables, (self._now or utcnow()).astimezone(_zone()),
                             {key: ftype for key, (ftype, _opts) in self._fields.items()})

    # the API
    @property
    def current_node(self) -> str | None:
        return None if self.state.ended else self.state.step

    @property
    def variables(self) -> dict:
        return dict(self.state.variables)

    def _play(self, event: str, text: str = "", choice_id: str = "") -> list[SimOutput]:
        out: list[SimOutput] = []
        effects = self.engine.step(self.state, event, self, text, choice_id)
        for _ in range(MAX_STEPS):
            for eff in effects:
                if isinstance(eff, Out):
                    out.append(SimOutput("message", eff.text, list(eff.buttons), eff.node_id))
                elif isinstance(eff, Timer) and eff.kind == "timer":
                    out.append(SimOutput("wait", str(eff.minutes), [], self.state.step))
                elif isinstance(eff, Handover):
                    out.append(SimOutput("note", eff.note, [], eff.node_id))
                    out.append(SimOutput("handover", eff.note, [], eff.node_id))
                elif isinstance(eff, Goto):
                    out.append(SimOutput("end", "goto", [], self.state.step))
                elif isinstance(eff, End):
                    out.append(SimOutput("end", eff.outcome, [], self.state.step))
            if self.state.ended or self.state.waiting_for:
                return out
            effects = self.engine.step(self.state, "enter", self)
        self.state.ended = "loop"
        out.append(SimOutput("end", "loop", [], self.state.step))
        return out

    def start(self) -> list[SimOutput]:
        self.state = RunState(step=self.engine.start, variables=self.state.variables)
        return self._play("enter")

    def answer(self, text: str | None = None, choice_id: str | None = None) -> list[SimOutput]:
        if not choice_id and text:
            node = self.engine.node(self.state.step) or {}
            from messenger_app.services.inbound_batch import match_choice
            choice_id = match_choice(text, (node.get("data") or {}).get("buttons") or [])
        return self._play("answer", text or "", choice_id or "")

    def timeout(self) -> list[SimOutput]:
        return self._play("timeout")

    def skip_wait(self) -> list[SimOutput]:
        return self._play("timer")
