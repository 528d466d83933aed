"""/scenarios/<id> (B1): the visual editor of one scenario's draft.

The draft graph lives in a backend var (`_graph`, the exact JSON services/scenarios stores);
every change is one pure step of states/scenario_graph on a copy, saved at once with
`scenarios.save_draft`, then `_refresh` rebuilds what the screen shows: the canvas's nodes and
edges, the side panel of the selected step, the list of steps for the keyboard selects.

This module holds the state's vars, loading and what the screen shows; its event handlers
are mixins: states/scenario_canvas (the canvas), scenario_step_fields and scenario_step_lists
(the side panel), scenario_publishing (name, triggers, check, publish).
"""

from __future__ import annotations

import copy
from urllib.parse import urlsplit
from dataclasses import dataclass, field as dc_field

import reflex as rx
from sqlmodel import select

from messenger_app import db
from messenger_app.i18n.errors import error_text
from messenger_app.lib.errors import DomainError
from messenger_app.models import Channel, CrmField, Folder
from messenger_app.services import filters, scenarios
from messenger_app.states import scenario_graph as G
from messenger_app.states.auth import AuthState
from messenger_app.states.scenario_canvas import ScenarioCanvas
from messenger_app.states.scenario_publishing import ScenarioPublishing
from messenger_app.states.scenario_step_fields import ScenarioStepFields
from messenger_app.states.scenario_step_lists import ScenarioStepLists
from messenger_app.states.scenarios import _sid, operator_names

SUMMARY = 90


@dataclass
class Leaf:
    idx: int = 0
    field: str = ""
    op: str = ""
    value: str = ""
    value2: str = ""
    needs_value: bool = True
    needs_second: bool = False


@dataclass
class CondView:
    id: str = ""
    label: str = ""
    join: str = "and"
    flat: bool = True
    text: str = ""  # the condition in words (for a grouped one the editor cannot flatten)
    leaves: list[Leaf] = dc_field(default_factory=list)


@dataclass
class ActionView:
    idx: int = 0
    op: str = ""
    key: str = ""
    value: str = ""
    folder: str = ""


def _short(text: str) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= SUMMARY else text[:SUMMARY - 1] + "…"


class ScenarioEditorState(ScenarioCanvas, ScenarioStepFields, ScenarioStepLists, ScenarioPublishing,
                          AuthState):
    sid: int = 0
    name: str = ""
    missing: bool = False
    _graph: dict = {}
    _triggers: dict = {}
    canvas_nodes: list[dict] = []
    canvas_edges: list[dict] = []
    steps: list[dict[str, str]] = []  # {value: id, label} for the "step" and "next step" selects
    sel: str = ""
    focus_id: str = ""
    sel_kind: str = ""
    sel_start: bool = False
    sel_text: str = ""
    sel_reask: str = ""
    sel_free: bool = True
    sel_store: str = ""
    sel_attempts: str = "3"
    sel_timeout: str = ""
    sel_minutes: str = "60"
    sel_note: str = ""
    sel_goto: str = ""
    sel_buttons: list[dict[str, str]] = []
    sel_exits: list[dict[str, str]] = []  # {id, label, target}
    sel_conds: list[CondView] = []
    sel_actions: list[ActionView] = []
    panel_key: int = 0  # remounts the side panel's inputs with fresh values
    # choices for the side panel
    store_opts: list[dict[str, str]] = []
    crm_opts: list[dict[str, str]] = []
    folder_opts: list[dict[str, str]] = []
    scenario_opts: list[dict[str, str]] = []
    field_opts: list[dict[str, str]] = []
    op_opts: dict[str, list[dict[str, str]]] = {}
    channel_opts: list[dict[str, str]] = []
    # triggers
    keywords: str = ""
    payloads: str = ""
    first_channels: list[str] = []
    # validation, publishing
    problems: list[dict[str, str]] = []
    problem_ids: list[str] = []
    checked: bool = False
    versions: list[dict[str, str]] = []
    notice: str = ""
    error: str = ""
    edited: str = ""

    # -- loading -----------------------------------------------------------------------------
    @rx.event
    def on_load(self):
        if (away := self._enter(admin=True)) is not None:
            return away
        # /scenarios/<id>: the id from the path (RouterData.page is deprecated in 0.10)
        sid = _sid(urlsplit(str(self.router.url)).path.rstrip("/").rsplit("/", 1)[-1])
        self.sel, self.focus_id, self.notice, self.error = "", "", "", ""
        self.problems, self.problem_ids, self.checked = [], [], False
        if sid is None or not self._load(sid):
            self.missing = True
            return
        self.missing = False
        self._choices()
        self._refresh()

    def _load(self, sid: int) -> bool:
        try:
            d = scenarios.get(sid)
        except DomainError:
            return False
        self.sid, self.name = d.id, d.name
        self._graph = G.normal(d.draft)
        self._triggers = dict(d.triggers or {})
        self.keywords = ", ".join(self._triggers.get("keywords") or [])
        self.payloads = ", ".join(self._triggers.get("start_payloads") or [])
        self.first_channels = [str(c) for c in self._triggers.get("first_message_channels") or []]
        self.versions = [{"number": str(v.number), "running": str(v.running),
                          "at": v.published_at.strftime("%d.%m.%Y %H:%M")}
                         for v in reversed(d.versions)]
        who = operator_names([d.edited_by]).get(d.edited_by, "") if d.edited_by else ""
        self.edited = d.edited_at.strftime("%d.%m.%Y %H:%M") + (" · " + who if who else "")
        return True

    def _choices(self) -> None:
        t = self.t
        with db.session() as s:
            crm = s.exec(select(CrmField.key, CrmField.label).order_by(CrmField.position,
                                                                       CrmField.id)).all()
            folders = s.exec(select(Folder.id, Folder.name).order_by(Folder.position, Folder.id)).all()
            chans = s.exec(select(Channel.id, Channel.name, Channel.kind).order_by(Channel.id)).all()
        self.crm_opts = [{"value": k, "label": lbl or k} for k, lbl in crm]
        self.store_opts = ([{"value": "", "label": t["sc_store_none"]},
                            {"value": "tag1", "label": t["sc_store_tag1"]},
                            {"value": "tag2", "label": t["sc_store_tag2"]}]
                           + [{"value": "crm:" + k, "label": lbl or k} for k, lbl in crm])
        self.folder_opts = [{"value": str(i), "label": n} for i, n in folders]
        self.channel_opts = [{"value": str(i), "label": n or k} for i, n, k in chans]
        self.scenario_opts = [{"value": str(i.id), "label": i.name} for i in scenarios.list_all()
                              if i.id != self.sid]
        catalog = filters.fields_catalog(self.lang)
        self.field_opts = ([{"value": e["field"], "label": e["label"]} for e in catalog]
                           + [{"value": "time_of_day", "label": t["sc_time_of_day"]},
                              {"value": "weekday", "label": t["sc_weekday"]}])
        self.op_opts = {"": [], **{e["field"]: [{"value": o["op"], "label": o["label"]}
                                                for o in e["ops"]] for e in catalog},
                        "time_of_day": [{"value": "between", "label": t["sc_between"]}],
                        "weekday": [{"value": "in", "label": t["sc_one_of"]}]}

    # -- what the screen shows ---------------------------------------------------------------
    def _exit_label(self, kind: str, label: str) -> str:
        if kind in ("btn", "cond"):
            return label or self.t["sc_unnamed"]
        return self.t["sc_exit_" + kind]

    def _summary(self, n: dict) -> str:
        d, kind, t = n.get("data") or {}, n.get("type"), self.t
        if kind in ("send", "ask"):
            return _short(d.get("text", ""))
        if kind == "wait":
            return t["sc_wait_summary"].format(n=d.get("minutes", ""))
        if kind == "handover":
            return _short(d.get("note", ""))
        if kind == "goto":
            sid = str(d.get("scenario_id") or "")
            return next((o["label"] for o in self.scenario_opts if o["value"] == sid), "")
        if kind == "act":
            return t["sc_actions_n"].format(n=len(d.get("actions") or []))
        return ""

    def _step_label(self, n: dict) -> str:
        s = self._summary(n)
        return f"{n['id']} · {self.t['sc_step_' + n['type']]}" + (f": {s[:40]}" if s else "")

    def _refresh(self) -> None:
        g, t = self._graph, self.t
        bad = set(self.problem_ids)
        self.canvas_nodes = [{
            "id": n["id"], "type": n["type"], "position": n["position"],
            "selected": n["id"] == self.sel,
            "data": {"kind": n["type"], "title": t["sc_step_" + n["type"]],
                     "summary": self._summary(n), "start": n["id"] == g.get("start"),
                     "startLabel": t["sc_start"], "problem": n["id"] in bad,
                     "exits": [{"id": h, "label": self._exit_label(k, lbl)}
                               for h, k, lbl in G.exits(n)]},
        } for n in g["nodes"]]
        self.canvas_edges = [{"id": e.get("id") or f"{e['source']}-{e.get('sourceHandle')}",
                              "source": e["source"], "sourceHandle": e.get("sourceHandle") or "next",
                              "target": e["target"], "targetHandle": "in"} for e in g["edges"]]
        self.steps = [{"value": n["id"], "label": self._step_label(n)} for n in g["nodes"]]
        n = G.node(g, self.sel) if self.sel else None
        if n is None:
            self.sel, self.sel_kind = "", ""
            return
        d = n.get("data") or {}
        self.sel_kind, self.sel_start = n["type"], n["id"] == g.get("start")
        self.sel_text = str(d.get("text") or "")
        self.sel_reask = str(d.get("reask_text") or "")
        self.sel_free = bool(d.get("free_answer"))
        store = d.get("store") if isinstance(d.get("store"), dict) else {}
        self.sel_store = ("crm:" + str(store.get("key")) if store.get("kind") == "crm"
                          else str(store.get("kind") or ""))
        self.sel_attempts = str(d.get("max_attempts") or 3)
        self.sel_timeout = str(d.get("timeout_minutes") or "")
        self.sel_minutes = str(d.get("minutes") or "")
        self.sel_note = str(d.get("note") or "")
        self.sel_goto = str(d.get("scenario_id") or "")
        self.sel_buttons = [{"id": str(b.get("id")), "label": str(b.get("label") or "")}
                            for b in d.get("buttons") or [] if isinstance(b, dict)]
        self.sel_exits = [{"id": h, "label": self._exit_label(k, lbl),
                           "target": G.target_of(g, n["id"], h)} for h, k, lbl in G.exits(n)]
        conds = []
        for c in d.get("conditions") or []:
            parsed = G.leaves_of(c.get("filter"))
            join, leaves = parsed if parsed is not None else ("and", [])
            try:
                text = filters.describe(c.get("filter"), self.lang) if parsed is None else ""
            except Exception:  # a condition the L5 describer does not know: show its JSON
                text = str(c.get("filter"))[:300]
            conds.append(CondView(id=str(c.get("id")), label=str(c.get("label") or ""), join=join,
                                  flat=parsed is not None, text=text, leaves=[
                                      Leaf(idx=i, field=x["field"], op=x["op"], value=x["value"],
                                           value2=x["value2"], needs_value=x["op"] not in G.NO_VALUE,
                                           needs_second=x["op"] == "between")
                                      for i, x in enumerate(leaves)]))
        self.sel_conds = conds
        self.sel_actions = [ActionView(idx=i, op=str(a.get("op", "")), key=str(a.get("key") or ""),
                                       value=str(a.get("value") or ""),
                                       folder=str(a.get("folder_id") or ""))
                            for i, a in enumerate(d.get("actions") or []) if isinstance(a, dict)]

    def _save(self, graph: dict, remount: bool = False) -> bool:
        """Stores the changed copy as the draft; a refused one changes nothing."""
        try:
            scenarios.save_draft(self.sid, graph, by=self._operator().id)
        except DomainError as e:
            self.error = error_text(e, self.lang)
            return False
        self._graph, self.error = graph, ""
        if self.checked:
            self._check()
        if remount:
            self.panel_key += 1
        self._refresh()
        return True

    def _edit(self) -> tuple[dict, dict | None]:
        g = copy.deepcopy(self._graph)
        return g, (G.node(g, self.sel) if self.sel else None)
