"""The walk through a scenario graph, one step at a time, without any I/O (B1).

`Engine.step(state, event, host)` moves a run by ONE step and returns what the step does as
effects (send this, store that, arm a timer, hand over, end). The runtime (services/bot/)
applies the effects idempotently and saves the state after each step, so a crash between two
steps repeats at most the last one, whose message has the same dedup key. "Try it"
(`Simulation`) uses the same engine with a host that only reads, so the editor plays exactly
what the workers would do.

Events: "enter" (run the step the state is on), "answer" (text and/or a pressed button),
"timeout" (an ask's "no answer within" ran out), "timer" (a wait ended).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time as dtime
from typing import Any, Protocol

from messenger_app.services.scenarios.shape import edge_map

DEFAULT_MAX_ATTEMPTS = 3
MAX_ATTEMPTS = 10
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}\s]{1,64})\}")


@dataclass
class RunState:
    step: str
    waiting_for: str = ""  # "" | answer | button | timer
    attempts: int = 0
    seq: int = 0
    variables: dict[str, Any] = field(default_factory=dict)
    ended: str = ""  # the outcome once the run is over
    handed_over: bool = False


@dataclass
class Out:
    """A message to send; `attempt` tells a re-ask from the first question (dedup key)."""
    node_id: str
    seq: int
    attempt: int
    text: str
    buttons: list[dict] = field(default_factory=list)
    template_id: int | None = None
    file: dict | None = None


@dataclass
class Store:
    store: dict  # {"kind": "crm", "key": ...} | {"kind": "tag1"} | {"kind": "tag2"}
    value: str


@dataclass
class Action:
    action: dict


@dataclass
class Timer:
    kind: str  # "timeout" | "timer"
    seq: int
    minutes: int


@dataclass
class Handover:
    node_id: str
    note: str


@dataclass
class Goto:
    scenario_id: int


@dataclass
class End:
    outcome: str  # completed | handover | goto | invalid | no_answer | error


class Host(Protocol):
    def render(self, text: str, variables: dict) -> str: ...
    def parse(self, store: dict | None, text: str) -> tuple[bool, str]: ...
    def condition(self, filt: dict, variables: dict) -> bool: ...


def buttons_of(data: dict) -> list[dict]:
    return [{"id": str(b.get("id")), "label": str(b.get("label") or "")}
            for b in (data.get("buttons") or []) if isinstance(b, dict) and b.get("id")]


def var_name(store: dict | None, node_id: str) -> str:
    if isinstance(store, dict):
        if store.get("kind") == "crm" and store.get("key"):
            return str(store["key"])
        if store.get("kind") in ("tag1", "tag2"):
            return str(store["kind"])
    return node_id


class Engine:
    def __init__(self, graph: dict):
        self.graph = graph or {}
        self.nodes = {n["id"]: n for n in self.graph.get("nodes") or [] if isinstance(n, dict) and "id" in n}
        self.edges = edge_map(self.graph)
        self.start = self.graph.get("start") or ""

    def node(self, node_id: str) -> dict | None:
        return self.nodes.get(node_id)

    def _follow(self, state: RunState, node_id: str, exit_: str, fallback: str = "completed") -> list:
        target = self.edges.get((node_id, exit_))
        state.waiting_for, state.attempts = "", 0
        if target not in self.nodes:
            state.ended = fallback
            return [End(fallback)]
        state.step = target
        state.seq += 1
        return []

    def step(self, state: RunState, event: str, host: Host, text: str = "",
             choice_id: str = "") -> list:
        """One step. Afterwards: state.ended set -> over; state.waiting_for set -> wait for an
        event; else call step(state, "enter") again."""
        if state.ended:
            return []
        node = self.nodes.get(state.step)
        if node is None:
            state.ended = "error"
            return [End("error")]
        nid, t, d = node["id"], node.get("type"), node.get("data") or {}
        if event == "enter":
            return self._enter(state, nid, t, d, host)
        if event == "answer" and state.waiting_for in ("answer", "button"):
            return self._answer(state, nid, t, d, host, text, choice_id)
        if event == "timeout" and state.waiting_for in ("answer", "button") and t == "ask":
            return self._follow(state, nid, "timeout", "no_answer")
        if event == "timer" and state.waiting_for == "timer":
            return self._follow(state, nid, "next")
        return []  # not what this step waits for: nothing happens

    def _enter(self, state, nid, t, d, host) -> list:
        v = state.variables
        if t in ("send", "ask"):
            buttons = buttons_of(d)
            out = [Out(nid, state.seq, 0, host.render(str(d.get("text") or ""), v), buttons,
                       d.get("template_id") if t == "send" else None, d.get("file") if t == "send" else None)]
            if t == "send" and not buttons:
                return out + self._follow(state, nid, "next")
            state.waiting_for = "answer" if t == "ask" and (d.get("free_answer") or not buttons) else "button"
            state.attempts = 0
            tm = d.get("timeout_minutes") if t == "ask" else None
            if isinstance(tm, int) and not isinstance(tm, bool) and tm > 0:
                out.append(Timer("timeout", state.seq, tm))
            return out
        if t == "branch":
            for c in d.get("conditions") or []:
                if isinstance(c, dict) and host.condition(c.get("filter") or {}, v):
                    return self._follow(state, nid, f"cond:{c.get('id')}")
            return self._follow(state, nid, "else")
        if t == "act":
            out = []
            for a in d.get("actions") or []:
                if not isinstance(a, dict):
                    continue
                out.append(Action(a))
                if a.get("op") == "set_var" and a.get("key"):
                    v[str(a["key"])] = str(a.get("value") or "")
                elif a.get("op") in ("set_tag1", "set_tag2"):
                    v[a["op"][4:]] = str(a.get("value") or "")
            return out + self._follow(state, nid, "next")
        if t == "wait":
            minutes = d.get("minutes")
            if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 1:
                return self._follow(state, nid, "next")
            state.waiting_for = "timer"
            return [Timer("timer", state.seq, minutes)]
        if t == "handover":
            state.handed_over = True
            state.ended = "handover"
            return [Handover(nid, host.render(str(d.get("note") or ""), v))]
        if t == "goto":
            state.ended = "goto"
            sid = d.get("scenario_id")
            return [Goto(sid)] if isinstance(sid, int) else [End("error")]
        state.ended = "completed"
        return [End("completed")]

    def _answer(self, state, nid, t, d, host, text, choice_id) -> list:
        buttons = buttons_of(d)
        store = d.get("store") if t == "ask" else None
        pressed = next((b for b in buttons if b["id"] == choice_id), None) if choice_id else None
        if pressed is not None:
            ok, value = host.parse(store, pressed["label"])
            out = []
            state.variables[var_name(store, nid)] = value if ok else pressed["label"]
            if ok and store:
                out.append(Store(store, value))
            return out + self._follow(state, nid, f"btn:{pressed['id']}")
        text = (text or "").strip()
        if t == "ask" and (d.get("free_answer") or not buttons) and text:
            ok, value = host.parse(store, text)
            if ok:
                state.variables[var_name(store, nid)] = value
                return ([Store(store, value)] if store else []) + self._follow(state, nid, "answer")
        state.attempts += 1
        limit = d.get("max_attempts")
        limit = limit if isinstance(limit, int) and not isinstance(limit, bool) and 1 <= limit <= MAX_ATTEMPTS \
            else DEFAULT_MAX_ATTEMPTS
        if state.attempts >= limit:
            return self._follow(state, nid, "invalid", "invalid")
        reask = str(d.get("reask_text") or "").strip() or str(d.get("text") or "")
        return [Out(nid, state.seq, state.attempts, host.render(reask, state.variables), buttons)]


# ------------------------------------------------------------------- conditions in Python

def time_leaf(leaf: dict, now_local: datetime) -> bool | None:
    """time_of_day / weekday leaves (branch only), in the workspace's local time; None if the
    leaf is not one of them."""
    key, op, value = leaf.get("field"), leaf.get("op"), leaf.get("value")
    if key == "time_of_day":
        try:
            a, b = (dtime.fromisoformat(str(x)) for x in value)
        except (TypeError, ValueError):
            return False
        now = now_local.time().replace(second=0, microsecond=0)
        inside = a <= now < b if a <= b else (now >= a or now < b)  # across midnight
        return inside if op in ("between", None) else not inside
    if key == "weekday":
        days = value if isinstance(value, list) else [value]
        try:
            days = {int(x) for x in days}
        except (TypeError, ValueError):
            return False
        inside = now_local.isoweekday() in days
        return inside if op in ("in", "in_list", "equals", None) else not inside
    return None


def normalise_filter(filt: Any) -> dict:
    """The L5 filter JSON ({"join", "conditions"}); {"op": "and", "items": [...]} is read too."""
    if not isinstance(filt, dict):
        return {"join": "and", "conditions": []}
    if "conditions" in filt or "items" in filt:
        items = filt.get("conditions", filt.get("items")) or []
        join = filt.get("join") or (filt.get("op") if filt.get("op") in ("and", "or") else "and")
        return {"join": join, "conditions": [normalise_filter(i) if isinstance(i, dict) and
                                             ("conditions" in i or "items" in i) else i for i in items]}
    return {"join": "and", "conditions": [filt]}


def _leaf_value(key: str, variables: dict) -> str:
    name = key[4:] if key.startswith("var:") else key
    return str(variables.get(name, "") or "")


def python_leaf(leaf: dict, variables: dict) -> bool:
    """A filter leaf over the simulation's variables (no client in the database)."""
    have = _leaf_value(str(leaf.get("field") or ""), variables)
    op, want = leaf.get("op"), leaf.get("value")
    h, w = have.casefold(), str(want if want is not None else "").casefold()
    if op == "is_empty":
        return not have
    if op == "is_not_empty":
        return bool(have)
    if op in ("is_true", "is_false"):
        return (h in ("yes", "1", "true", "да")) == (op == "is_true")
    if op == "equals":
        return h == w
    if op == "not_equals":
        return h != w
    if op == "contains":
        return w in h
    if op == "not_contains":
        return w not in h
    if op == "starts_with":
        return h.startswith(w)
    if op == "in_list":
        return h in {str(x).casefold() for x in (want or [])} if isinstance(want, list) else h == w
    if op in ("gt", "gte", "lt", "lte", "between"):
        try:
            x = float(have.replace(",", "."))
            if op == "between":
                lo, hi = (float(v) for v in want)
                return lo <= x <= hi
            y = float(str(want).replace(",", "."))
        except (TypeError, ValueError):
            return False
        return {"gt": x > y, "gte": x >= y, "lt": x < y, "lte": x <= y}[op]
    return False


def python_filter(filt: Any, variables: dict, now_local: datetime) -> bool:
    group = normalise_filter(filt)
    results = []
    for item in group["conditions"]:
        if isinstance(item, dict) and "conditions" in item:
            results.append(python_filter(item, variables, now_local))
        elif isinstance(item, dict):
            t = time_leaf(item, now_local)
            results.append(t if t is not None else python_leaf(item, variables))
    if not results:
        return True
    return all(results) if group["join"] == "and" else any(results)


def render_plain(text: str, variables: dict) -> str:
    """Placeholders from a dict; an unknown one stays visible."""
    def sub(m: re.Match) -> str:
        tok = m.group(0)
        if tok in ("{{", "}}"):
            return tok[0]
        key = m.group(1)
        return str(variables[key]) if key in variables else tok
    return _TOKEN.sub(sub, text or "")
