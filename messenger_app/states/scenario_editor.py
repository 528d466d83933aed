"""/scenarios/<id> (B1): the visual editor of one scenario's draft.

The draft graph lives in a backend var (`_graph`, the exact JSON services/scenarios stores);
every change is one pure step of states/scenario_graph on a copy, saved at once with
`scenarios.save_draft`, then `_refresh` rebuilds what the screen shows: the canvas's nodes and
edges, the side panel of the selected step, the list of steps for the keyboard selects.
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
from messenger_app.states.auth import AuthState, admin_required
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


class ScenarioEditorState(AuthState):
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

    # -- selecting ---------------------------------------------------------------------------
    @rx.event
    @admin_required
    def select_node(self, node_id: str):
        if node_id == self.sel:
            return
        self.sel = str(node_id) if G.node(self._graph, str(node_id)) else ""
        self.panel_key += 1
        self._refresh()

    @rx.event
    @admin_required
    def focus_node(self, node_id: str):
        """From the step select or the problem list: select it and bring it into view."""
        self.sel = str(node_id) if G.node(self._graph, str(node_id)) else ""
        self.focus_id = self.sel
        self.panel_key += 1
        self._refresh()

    @rx.event
    @admin_required
    def clear_selection(self):
        if self.sel:
            self.sel = ""
            self._refresh()

    # -- the canvas ---------------------------------------------------------------------------
    @rx.event
    @admin_required
    def add_step(self, kind: str):
        g, _ = self._edit()
        try:
            nid = G.add_node(g, str(kind), after=self.sel or None)
        except ValueError:
            return
        self.sel = self.focus_id = nid
        self._save(g, remount=True)

    @rx.event
    @admin_required
    def delete_step(self):
        g, n = self._edit()
        if n is None:
            return
        G.delete_node(g, n["id"])
        self.sel = ""
        self._save(g)

    @rx.event
    @admin_required
    def delete_items(self, node_ids: list, edge_ids: list):
        g, _ = self._edit()
        for nid in (node_ids or [])[:G.MAX_NODES]:
            G.delete_node(g, str(nid))
        for eid in (edge_ids or [])[:1000]:
            G.delete_edge(g, str(eid))
        if G.node(g, self.sel) is None:
            self.sel = ""
        self._save(g)

    @rx.event
    @admin_required
    def move_node(self, node_id: str, x: float, y: float):
        g, _ = self._edit()
        G.move_node(g, str(node_id), x, y)
        self._save(g)

    @rx.event
    @admin_required
    def connect_exit(self, source: str, handle: str, target: str):
        g, _ = self._edit()
        try:
            G.connect(g, str(source), str(handle or "next"), str(target or ""))
        except ValueError:
            self._refresh()  # the canvas drops the edge it drew
            return
        self._save(g)

    @rx.event
    @admin_required
    def set_exit(self, handle: str, target: str):
        """The side panel's "next step" select: the keyboard way to draw an edge."""
        if self.sel:
            g, _ = self._edit()
            try:
                G.connect(g, self.sel, str(handle), str(target or ""))
            except ValueError:
                return
            self._save(g)

    @rx.event
    @admin_required
    def make_start(self):
        g, n = self._edit()
        if n is not None:
            g["start"] = n["id"]
            self._save(g)

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

    # buttons
    @rx.event
    @admin_required
    def add_button(self):
        g, n = self._edit()
        if n is None or n["type"] not in ("send", "ask"):
            return
        buttons = n["data"].setdefault("buttons", [])
        try:
            G.add_item(buttons, "b", {"label": self.t["sc_new_button"].format(n=len(buttons) + 1)},
                       G.MAX_BUTTONS)
        except ValueError:
            return
        G.prune_edges(g)
        self._save(g, remount=True)

    @rx.event
    @admin_required
    def set_button(self, button_id: str, label: str):
        g, n = self._edit()
        if n is None:
            return
        for b in n["data"].get("buttons") or []:
            if str(b.get("id")) == str(button_id):
                b["label"] = G.clean_text(label, G.MAX_LABEL)
        self._save(g)

    @rx.event
    @admin_required
    def remove_button(self, button_id: str):
        g, n = self._edit()
        if n is None:
            return
        n["data"]["buttons"] = [b for b in n["data"].get("buttons") or []
                                if str(b.get("id")) != str(button_id)]
        G.prune_edges(g)
        self._save(g, remount=True)

    # branch conditions
    def _cond(self, n: dict, cond_id: str) -> dict | None:
        return next((c for c in n["data"].get("conditions") or [] if str(c.get("id")) == str(cond_id)),
                    None)

    @rx.event
    @admin_required
    def add_condition(self):
        g, n = self._edit()
        if n is None or n["type"] != "branch":
            return
        conds = n["data"].setdefault("conditions", [])
        try:
            G.add_item(conds, "c", {"label": "", "filter": {"join": "and", "conditions": []}},
                       G.MAX_CONDITIONS)
        except ValueError:
            return
        self._save(g, remount=True)

    @rx.event
    @admin_required
    def remove_condition(self, cond_id: str):
        g, n = self._edit()
        if n is None:
            return
        n["data"]["conditions"] = [c for c in n["data"].get("conditions") or []
                                   if str(c.get("id")) != str(cond_id)]
        G.prune_edges(g)
        self._save(g, remount=True)

    @rx.event
    @admin_required
    def set_cond_label(self, cond_id: str, label: str):
        g, n = self._edit()
        c = self._cond(n, cond_id) if n else None
        if c is not None:
            c["label"] = G.clean_text(label, G.MAX_LABEL)
            self._save(g)

    def _leaves_edit(self, cond_id: str, change) -> None:
        g, n = self._edit()
        c = self._cond(n, cond_id) if n else None
        parsed = G.leaves_of(c.get("filter")) if c else None
        if parsed is None:
            return
        join, leaves = parsed
        join = change(join, leaves)
        c["filter"] = G.filter_json(join, leaves)
        # a leaf without field/op is not stored: keep the half-made one on screen meanwhile
        self._save(g, remount=True)

    @rx.event
    @admin_required
    def set_cond_join(self, cond_id: str, join: str):
        self._leaves_edit(cond_id, lambda j, leaves: "or" if join == "or" else "and")

    @rx.event
    @admin_required
    def add_leaf(self, cond_id: str):
        def change(join, leaves):
            if len(leaves) < 20:
                leaves.append({"field": "tag1", "op": "contains", "value": "", "value2": ""})
            return join
        self._leaves_edit(cond_id, change)

    @rx.event
    @admin_required
    def remove_leaf(self, cond_id: str, idx: int):
        def change(join, leaves):
            if isinstance(idx, int) and 0 <= idx < len(leaves):
                leaves.pop(idx)
            return join
        self._leaves_edit(cond_id, change)

    @rx.event
    @admin_required
    def set_leaf(self, cond_id: str, idx: int, key: str, value: str):
        if key not in ("field", "op", "value", "value2"):
            return

        def change(join, leaves):
            if isinstance(idx, int) and 0 <= idx < len(leaves):
                leaf = leaves[idx]
                leaf[key] = G.clean_text(value, 500)
                if key == "field":  # a new field: its first operator
                    ops = self.op_opts.get(leaf["field"]) or []
                    if leaf["field"] not in self.op_opts:
                        leaf["field"] = ""
                    leaf["op"] = ops[0]["value"] if ops else ""
            return join
        self._leaves_edit(cond_id, change)

    # act actions
    @rx.event
    @admin_required
    def add_action(self):
        g, n = self._edit()
        if n is None or n["type"] != "act":
            return
        actions = n["data"].setdefault("actions", [])
        if len(actions) < G.MAX_ACTIONS:
            actions.append({"op": "set_tag1", "value": ""})
            self._save(g, remount=True)

    @rx.event
    @admin_required
    def remove_action(self, idx: int):
        g, n = self._edit()
        actions = n["data"].get("actions") or [] if n else []
        if isinstance(idx, int) and 0 <= idx < len(actions):
            actions.pop(idx)
            self._save(g, remount=True)

    @rx.event
    @admin_required
    def set_action(self, idx: int, key: str, value: str):
        g, n = self._edit()
        actions = n["data"].get("actions") or [] if n else []
        if not (isinstance(idx, int) and 0 <= idx < len(actions)):
            return
        a, value = actions[idx], G.clean_text(value, 500)
        if key == "op" and value in G.ACTION_OPS:
            a.clear()
            a["op"] = value
            if value == "set_var":
                a.update(key=self.crm_opts[0]["value"] if self.crm_opts else "", value="")
            elif value in ("set_tag1", "set_tag2"):
                a["value"] = ""
            else:
                a["folder_id"] = int(self.folder_opts[0]["value"]) if self.folder_opts else None
        elif key == "key" and any(o["value"] == value for o in self.crm_opts):
            a["key"] = value
        elif key == "value" and a.get("op") in ("set_var", "set_tag1", "set_tag2"):
            a["value"] = value
        elif key == "folder" and any(o["value"] == value for o in self.folder_opts):
            a["folder_id"] = int(value)
        else:
            return
        self._save(g, remount=key == "op")

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
