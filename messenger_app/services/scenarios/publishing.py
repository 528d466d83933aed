"""What keeps a scenario from being published, each problem naming its step."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import select

from messenger_app import db
from messenger_app.channels import registry
from messenger_app.models import Channel, CrmField, Folder
from messenger_app.models.scenario import Scenario
from messenger_app.services.scenarios.shape import (check_shape, edge_map, node_exits, OPTIONAL_EXITS,
                                                    placeholders, ScenarioError)


MAX_WAIT_MINUTES = 60 * 24 * 90  # 90 days
ACT_OPS = ("set_var", "set_tag1", "set_tag2", "add_folder", "remove_folder")
BUILTIN_VARS = ("first_name", "last_name", "name", "phone", "tag1", "tag2", "id")
BRANCH_ONLY_FIELDS = ("time_of_day", "weekday")


@dataclass
class Problem:
    node_id: str  # "" = the whole scenario
    code: str
    params: dict[str, Any] = field(default_factory=dict)


def _channel_limits() -> list[tuple[str, int, int]]:
    """(channel name, max buttons, max label) of every enabled channel."""
    with db.session() as s:
        chans = s.exec(select(Channel).where(Channel.enabled == True)).all()  # noqa: E712
    out = []
    for c in chans:
        caps = registry.capabilities(c.kind)
        out.append((c.name or c.kind, caps.max_choices, caps.max_choice_label))
    return out


def _filter_leaves(filt: Any):
    if isinstance(filt, dict):
        items = filt.get("conditions", filt.get("items"))
        if isinstance(items, list):
            for i in items:
                yield from _filter_leaves(i)
        else:
            yield filt


def problems(graph: dict) -> list[Problem]:
    """What keeps this graph from being published; [] = it can be."""
    try:
        graph = check_shape(graph)
    except ScenarioError as e:
        return [Problem("", "scenario_graph", {"why": e.params.get("why", "")})]
    nodes = {n["id"]: n for n in graph["nodes"]}
    out: list[Problem] = []
    if not graph["start"] or graph["start"] not in nodes:
        out.append(Problem("", "no_start"))
    with db.session() as s:
        crm_keys = set(s.exec(select(CrmField.key)).all())
        folder_ids = set(s.exec(select(Folder.id)).all())
        scenario_ids = set(s.exec(select(Scenario.id).where(Scenario.deleted_at == None)).all())  # noqa: E711
    known_vars = set(BUILTIN_VARS) | crm_keys
    limits = _channel_limits()
    edges = edge_map(graph)
    # reachability
    seen: set[str] = set()
    todo = [graph["start"]] if graph["start"] in nodes else []
    while todo:
        nid = todo.pop()
        if nid in seen:
            continue
        seen.add(nid)
        for ex in node_exits(nodes[nid]):
            target = edges.get((nid, ex))
            if target in nodes:
                todo.append(target)
    for nid, n in nodes.items():
        t, d = n["type"], n.get("data") or {}
        if graph["start"] in nodes and nid not in seen:
            out.append(Problem(nid, "unreachable"))
        for ex in node_exits(n):
            if ex in OPTIONAL_EXITS:
                target = edges.get((nid, ex))
                if target is not None and target not in nodes:
                    out.append(Problem(nid, "leads_nowhere", {"exit": ex}))
                continue
            if edges.get((nid, ex)) not in nodes:
                out.append(Problem(nid, "leads_nowhere", {"exit": ex}))
        if t in ("send", "ask"):
            text = str(d.get("text") or "")
            if t == "send" and not text.strip() and not d.get("template_id") and not d.get("file"):
                out.append(Problem(nid, "empty_text"))
            if t == "ask" and not text.strip():
                out.append(Problem(nid, "empty_text"))
            for name in placeholders(text) + placeholders(str(d.get("reask_text") or "")):
                if name not in known_vars:
                    out.append(Problem(nid, "unknown_placeholder", {"name": name}))
            buttons = [b for b in (d.get("buttons") or []) if isinstance(b, dict)]
            if any(not str(b.get("label") or "").strip() or not b.get("id") for b in buttons):
                out.append(Problem(nid, "empty_text"))
            for chan, max_n, max_len in limits:
                if len(buttons) > max_n:
                    out.append(Problem(nid, "too_many_buttons", {"channel": chan, "limit": max_n}))
                if any(len(str(b.get("label") or "")) > max_len for b in buttons):
                    out.append(Problem(nid, "button_label_too_long", {"channel": chan, "limit": max_len}))
            store = d.get("store")
            if t == "ask" and isinstance(store, dict) and store.get("kind") == "crm" \
                    and store.get("key") not in crm_keys:
                out.append(Problem(nid, "unknown_variable", {"name": str(store.get("key") or "")}))
            tm = d.get("timeout_minutes")
            if t == "ask" and tm is not None and (not isinstance(tm, int) or isinstance(tm, bool)
                                                  or not 1 <= tm <= MAX_WAIT_MINUTES):
                out.append(Problem(nid, "bad_wait"))
        elif t == "wait":
            m = d.get("minutes")
            if not isinstance(m, int) or isinstance(m, bool) or not 1 <= m <= MAX_WAIT_MINUTES:
                out.append(Problem(nid, "bad_wait"))
        elif t == "act":
            for a in d.get("actions") or []:
                op = a.get("op") if isinstance(a, dict) else None
                if op == "set_var" and a.get("key") not in crm_keys:
                    out.append(Problem(nid, "unknown_variable", {"name": str(a.get("key") or "")}))
                elif op in ("add_folder", "remove_folder") and a.get("folder_id") not in folder_ids:
                    out.append(Problem(nid, "unknown_folder"))
                elif op not in ACT_OPS:
                    out.append(Problem(nid, "unknown_variable", {"name": str(op)}))
        elif t == "goto":
            if d.get("scenario_id") not in scenario_ids:
                out.append(Problem(nid, "unknown_scenario"))
        elif t == "branch":
            for c in d.get("conditions") or []:
                for leaf in _filter_leaves((c or {}).get("filter") if isinstance(c, dict) else None):
                    key = str(leaf.get("field") or "")
                    if key.startswith("var:") and key[4:] not in crm_keys:
                        out.append(Problem(nid, "unknown_variable", {"name": key[4:]}))
                    if key == "folder":
                        vals = leaf.get("value") if isinstance(leaf.get("value"), list) else [leaf.get("value")]
                        if any(v not in folder_ids and str(v) not in map(str, folder_ids) for v in vals
                               if v not in (None, "")):
                            out.append(Problem(nid, "unknown_folder"))
    return out
