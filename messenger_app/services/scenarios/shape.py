"""What a scenario's graph and triggers may hold (checked on every save; a draft may be
unfinished), and the graph's structure: a step's exits, the edges, text placeholders."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlmodel import select

from messenger_app import db
from messenger_app.lib.errors import DomainError
from messenger_app.models import Channel


MAX_NODES = 300
MAX_EDGES = 1000
MAX_GRAPH_BYTES = 400_000
MAX_TEXT = 4096
MAX_KEYWORDS = 50
MAX_KEYWORD = 64
NODE_TYPES = ("send", "ask", "branch", "act", "wait", "handover", "goto", "end")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}\s]{1,64})\}")
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class ScenarioError(DomainError):
    code = "scenario"


def empty_graph() -> dict:
    return {"format": 1, "start": "", "nodes": [], "edges": []}


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
