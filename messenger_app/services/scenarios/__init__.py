"""Chat-bot scenarios (B1): the draft, its triggers, validation and immutable published versions.

The graph JSON (React Flow's nodes and edges, /work/notes/scenario-format.md) is stored as-is.
`save_draft` checks its shape only (a draft may be unfinished); `problems` lists what keeps it
from being published, each problem naming its step; `publish` copies the draft into the next
version. A run in progress keeps the version it started on (services/bot.py)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from messenger_app import db
from messenger_app.channels import registry
from messenger_app.clock import utcnow
from messenger_app.lib.errors import DomainError
from messenger_app.models import Channel, CrmField, Folder
from messenger_app.models.scenario import ENDED, BotRun, Scenario, ScenarioVersion

MAX_NAME = 200
MAX_NODES = 300
MAX_EDGES = 1000
MAX_GRAPH_BYTES = 400_000
MAX_TEXT = 4096
MAX_KEYWORDS = 50
MAX_KEYWORD = 64
MAX_WAIT_MINUTES = 60 * 24 * 90  # 90 days
NODE_TYPES = ("send", "ask", "branch", "act", "wait", "handover", "goto", "end")
ACT_OPS = ("set_var", "set_tag1", "set_tag2", "add_folder", "remove_folder")
BUILTIN_VARS = ("first_name", "last_name", "name", "phone", "tag1", "tag2", "id")
BRANCH_ONLY_FIELDS = ("time_of_day", "weekday")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}\s]{1,64})\}")
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class ScenarioError(DomainError):
    code = "scenario"


@dataclass
class Problem:
    node_id: str  # "" = the whole scenario
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ScenarioSummary:
    id: int
    name: str
    triggers: str  # a short text: "/start, меню · first message: Telegram"
    status: str  # draft | published
    running: int
    versions: list[tuple[int, int]]  # (number, runs in progress on it)
    edited_by: int | None
    edited_at: datetime


@dataclass
class VersionView:
    number: int
    published_at: datetime
    published_by: int | None
    running: int


@dataclass
class ScenarioDetail:
    id: int
    name: str
    draft: dict
    triggers: dict
    versions: list[VersionView]
    edited_by: int | None
    edited_at: datetime


def empty_graph() -> dict:
    return {"format": 1, "start": "", "nodes": [], "edges": []}


# ---------------------------------------------------------------- shape (save_draft)

def _clean_name(name: Any) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise ScenarioError("scenario name is empty", code="scenario_name_empty")
    if len(name) > MAX_NAME:
        raise ScenarioError(f"scenario name too long (max {MAX_NAME})", code="too_long", limit=MAX_NAME)
    return name


def _bad(why: str) -> ScenarioError:
    return ScenarioError(f"scenario graph: {why}", code="scenario_graph", why=why)


def check_shape(graph: Any) -> dict:
    """The graph if its shape is usable (unknown extra keys are kept), else ScenarioError."""
    if not isinstance(graph, dict):
        raise _bad("not an object")
    try:
        size = len(json.dumps(graph, ensure_ascii=False))
    except (TypeError, ValueError):
        raise _bad("not JSON") from None
    if size > MAX_GRAPH_BYTES:
        raise _bad("too large")
    if graph.get("format", 1) != 1:
        raise _bad("unknown format")
    nodes, edges = graph.get("nodes", []), graph.get("edges", [])
    if not isinstance(nodes, list) or not isinstance(edges, list):
        raise _bad("nodes and edges must be lists")
    if len(nodes) > MAX_NODES or len(edges) > MAX_EDGES:
        raise _bad("too many steps")
    ids = set()
    for n in nodes:
        if not isinstance(n, dict) or not isinstance(n.get("id"), str) or not _ID.match(n["id"]):
            raise _bad("a step without a valid id")
        if n["id"] in ids:
            raise _bad(f"two steps with id {n['id']}")
        ids.add(n["id"])
        if n.get("type") not in NODE_TYPES:
            raise _bad(f"unknown step type {n.get('type')!r}")
        if not isinstance(n.get("data", {}), dict):
            raise _bad("step data must be an object")
    for e in edges:
        if not isinstance(e, dict) or not isinstance(e.get("source"), str) \
                or not isinstance(e.get("target"), str):
            raise _bad("an edge without source and target")
        if e.get("sourceHandle") is not None and not isinstance(e.get("sourceHandle"), str):
            raise _bad("an edge handle must be text")
    start = graph.get("start", "")
    if start is not None and not isinstance(start, str):
        raise _bad("start must be a step id")
    return {**graph, "format": 1, "start": start or "", "nodes": nodes, "edges": edges}


def clean_triggers(triggers: Any) -> dict:
    if not isinstance(triggers, dict):
        raise ScenarioError("triggers must be an object", code="scenario_triggers")
    out: dict[str, list] = {"first_message_channels": [], "keywords": [], "start_payloads": []}
    chans = triggers.get("first_message_channels") or []
    if not isinstance(chans, list) or not all(isinstance(c, int) and not isinstance(c, bool) for c in chans):
        raise ScenarioError("first_message_channels must be channel ids", code="scenario_triggers")
    out["first_message_channels"] = sorted(set(chans))
    for key in ("keywords", "start_payloads"):
        items = triggers.get(key) or []
        if not isinstance(items, list) or len(items) > MAX_KEYWORDS:
            raise ScenarioError(f"{key} must be a list", code="scenario_triggers")
        seen: list[str] = []
        for raw in items:
            word = " ".join(str(raw or "").split())
            if not word:
                continue
            if len(word) > MAX_KEYWORD:
                raise ScenarioError(f"keyword too long (max {MAX_KEYWORD})", code="too_long",
                                    limit=MAX_KEYWORD)
            if word.casefold() not in (w.casefold() for w in seen):
                seen.append(word)
        out[key] = seen
    if out["first_message_channels"]:
        with db.session() as s:
            known = set(s.exec(select(Channel.id).where(Channel.id.in_(out["first_message_channels"]))).all())
        if set(out["first_message_channels"]) - known:
            raise ScenarioError("unknown channel in triggers", code="scenario_triggers")
    return out


# ---------------------------------------------------------------- problems (publish)

def node_exits(node: dict) -> list[str]:
    """The exits a step has (edge sourceHandle values), in display order."""
    t, d = node.get("type"), node.get("data") or {}
    buttons = [b for b in (d.get("buttons") or []) if isinstance(b, dict)]
    if t == "send":
        return [f"btn:{b.get('id')}" for b in buttons] if buttons else ["next"]
    if t == "ask":
        out = [f"btn:{b.get('id')}" for b in buttons]
        if d.get("free_answer") or not buttons:
            out.append("answer")
        out.append("invalid")
        if d.get("timeout_minutes"):
            out.append("timeout")
        return out
    if t == "branch":
        conds = [c for c in (d.get("conditions") or []) if isinstance(c, dict)]
        return [f"cond:{c.get('id')}" for c in conds] + ["else"]
    if t in ("act", "wait"):
        return ["next"]
    return []


OPTIONAL_EXITS = ("invalid", "timeout")


def edge_map(graph: dict) -> dict[tuple[str, str], str]:
    """(source, handle) -> target; an edge without a handle is the source's "next"."""
    out = {}
    for e in graph.get("edges") or []:
        out[(e["source"], e.get("sourceHandle") or "next")] = e["target"]
    return out


def placeholders(text: str) -> list[str]:
    return [m.group(1) for m in _PLACEHOLDER.finditer(text or "") if m.group(1)]


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


# ---------------------------------------------------------------- the service API

def _get(s, scenario_id: int) -> Scenario:
    sc = s.get(Scenario, scenario_id) if isinstance(scenario_id, int) else None
    if sc is None or sc.deleted_at is not None:
        raise ScenarioError("no such scenario", code="scenario_missing")
    return sc


def create(name: str, by: int | None = None) -> int:
    name = _clean_name(name)
    with db.session() as s:
        sc = Scenario(name=name, draft=empty_graph(), triggers=clean_triggers({}), edited_by=by)
        s.add(sc)
        s.commit()
        return sc.id


def _running_by_version(s) -> dict[int, int]:
    rows = s.exec(select(BotRun.version_id, func.count()).where(BotRun.status != ENDED)
                  .group_by(BotRun.version_id)).all()
    return {v: n for v, n in rows}


def triggers_text(triggers: dict, channel_names: dict[int, str]) -> str:
    parts = list(triggers.get("keywords") or [])
    parts += [f"/start {p}" for p in triggers.get("start_payloads") or []]
    parts += [f"⇢ {channel_names.get(c, '#' + str(c))}" for c in triggers.get("first_message_channels") or []]
    return ", ".join(parts)


def list_all() -> list[ScenarioSummary]:
    with db.session() as s:
        scs = s.exec(select(Scenario).where(Scenario.deleted_at == None).order_by(Scenario.name, Scenario.id)).all()  # noqa: E711
        versions = s.exec(select(ScenarioVersion.scenario_id, ScenarioVersion.id, ScenarioVersion.number)
                          .order_by(ScenarioVersion.number)).all()
        running = _running_by_version(s)
        names = {c.id: (c.name or c.kind) for c in s.exec(select(Channel)).all()}
    by_sc: dict[int, list[tuple[int, int]]] = {}
    for sid, vid, num in versions:
        by_sc.setdefault(sid, []).append((num, running.get(vid, 0)))
    out = []
    for sc in scs:
        vs = by_sc.get(sc.id, [])
        out.append(ScenarioSummary(sc.id, sc.name, triggers_text(sc.triggers or {}, names),
                                   "published" if vs else "draft", sum(n for _, n in vs), vs,
                                   sc.edited_by, sc.edited_at))
    return out


def get(scenario_id: int) -> ScenarioDetail:
    with db.session() as s:
        sc = _get(s, scenario_id)
        vs = s.exec(select(ScenarioVersion).where(ScenarioVersion.scenario_id == sc.id)
                    .order_by(ScenarioVersion.number)).all()
        running = _running_by_version(s)
    return ScenarioDetail(sc.id, sc.name, sc.draft or empty_graph(), sc.triggers or clean_triggers({}),
                          [VersionView(v.number, v.published_at, v.published_by, running.get(v.id, 0))
                           for v in vs], sc.edited_by, sc.edited_at)


def save_draft(scenario_id: int, graph: dict, by: int | None = None) -> None:
    graph = check_shape(graph)
    with db.session() as s:
        sc = _get(s, scenario_id)
        sc.draft = graph
        sc.edited_by, sc.edited_at = by, utcnow()
        s.add(sc)
        s.commit()


def rename(scenario_id: int, name: str, by: int | None = None) -> None:
    name = _clean_name(name)
    with db.session() as s:
        sc = _get(s, scenario_id)
        sc.name, sc.edited_by, sc.edited_at = name, by, utcnow()
        s.add(sc)
        s.commit()


def set_triggers(scenario_id: int, triggers: dict, by: int | None = None) -> None:
    triggers = clean_triggers(triggers)
    with db.session() as s:
        sc = _get(s, scenario_id)
        sc.triggers, sc.edited_by, sc.edited_at = triggers, by, utcnow()
        s.add(sc)
        s.commit()


def publish(scenario_id: int, by: int | None = None) -> int:
    with db.session() as s:
        sc = _get(s, scenario_id)
        graph = sc.draft or empty_graph()
    found = problems(graph)
    if found:
        raise ScenarioError(f"scenario has {len(found)} problem(s)", code="scenario_invalid",
                            count=len(found))
    with db.session() as s:
        sc = _get(s, scenario_id)
        last = s.exec(select(func.max(ScenarioVersion.number))
                      .where(ScenarioVersion.scenario_id == sc.id)).one() or 0
        v = ScenarioVersion(scenario_id=sc.id, number=last + 1, graph=json.loads(json.dumps(graph)),
                            published_by=by)
        s.add(v)
        s.commit()
        return v.number


def delete(scenario_id: int) -> None:
    with db.session() as s:
        sc = _get(s, scenario_id)
        busy = s.exec(select(func.count()).select_from(BotRun)
                      .where(BotRun.scenario_id == sc.id, BotRun.status != ENDED)).one()
        if busy:
            raise ScenarioError("scenario has runs in progress", code="scenario_busy", count=busy)
        sc.deleted_at = utcnow()
        s.add(sc)
        s.commit()


# ---------------------------------------------------------------- for the runtime and the card

def latest_version(scenario_id: int) -> ScenarioVersion | None:
    with db.session() as s:
        return s.exec(select(ScenarioVersion).where(ScenarioVersion.scenario_id == scenario_id)
                      .order_by(ScenarioVersion.number.desc()).limit(1)).first()


def published() -> list[tuple[int, str]]:
    """(id, name) of every scenario with a published version (the card's "Start scenario…")."""
    with db.session() as s:
        rows = s.exec(select(Scenario.id, Scenario.name).where(
            Scenario.deleted_at == None,  # noqa: E711
            Scenario.id.in_(select(ScenarioVersion.scenario_id))).order_by(Scenario.name)).all()
    return [(i, n) for i, n in rows]
