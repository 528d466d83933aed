"""Editing a scenario graph (the React Flow nodes/edges JSON of docs scenario-format): pure
functions the editor state calls, so every change is one small tested step.

The graph the editor stores is the one it renders: `{"format", "start", "nodes", "edges"}` with
React Flow's own node and edge shapes. Exits are the edges' `sourceHandle`s (`exits()`).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from messenger_app.services import scenarios

STEP_TYPES = ("send", "ask", "branch", "act", "wait", "handover", "goto", "end")
MAX_NODES = 200
MAX_BUTTONS = 10
MAX_CONDITIONS = 10
MAX_ACTIONS = 10
MAX_TEXT = 4096
MAX_LABEL = 64
ACTION_OPS = ("set_var", "set_tag1", "set_tag2", "add_folder", "remove_folder")
GAP_Y = 50  # between a step and the one added below it


def empty() -> dict:
    return scenarios.empty_graph()


def normal(graph: Any) -> dict:
    """A copy with the keys the editor relies on (a draft from an older save may lack some)."""
    g = copy.deepcopy(graph) if isinstance(graph, dict) else {}
    out = empty()
    out.update({k: v for k, v in g.items() if k in ("format", "start", "nodes", "edges")})
    out["nodes"] = [n for n in out.get("nodes") or [] if isinstance(n, dict) and n.get("id")]
    out["edges"] = [e for e in out.get("edges") or [] if isinstance(e, dict) and e.get("source")]
    return out


def default_data(kind: str) -> dict:
    return {
        "send": {"text": "", "template_id": None, "file": None, "buttons": []},
        "ask": {"text": "", "buttons": [], "free_answer": True, "store": None, "reask_text": "",
                "max_attempts": 3, "timeout_minutes": None},
        "branch": {"conditions": [{"id": "c1", "label": "", "filter": {"join": "and",
                                                                        "conditions": []}}]},
        "act": {"actions": []},
        "wait": {"minutes": 60},
        "handover": {"note": ""},
        "goto": {"scenario_id": None},
        "end": {},
    }[kind]


def node(graph: dict, node_id: str) -> dict | None:
    return next((n for n in graph["nodes"] if n.get("id") == node_id), None)


def exits(n: dict) -> list[tuple[str, str, str]]:
    """The node's exits in order (the runtime's own list, services/scenarios.node_exits):
    (handle id, kind, label). kind is next, btn, answer, invalid, timeout, cond or else; label
    is the button's or the condition's own text."""
    data = n.get("data") or {}
    labels = {"btn:" + str(b.get("id")): str(b.get("label") or "")
              for b in data.get("buttons") or [] if isinstance(b, dict)}
    labels.update({"cond:" + str(c.get("id")): str(c.get("label") or "")
                   for c in data.get("conditions") or [] if isinstance(c, dict)})
    return [(h, h.split(":", 1)[0], labels.get(h, "")) for h in scenarios.node_exits(n)]


def _seq(items, prefix: str) -> str:
    """The next free id like n7 / e12 / b3."""
    pat = re.compile(re.escape(prefix) + r"(\d+)$")
    nums = [int(m.group(1)) for i in items if (m := pat.match(str(i)))]
    return f"{prefix}{max(nums, default=0) + 1}"


def height(n: dict) -> int:
    """About how tall the canvas draws a step (head, text, one line per exit), in pixels."""
    return 80 + 23 * len(scenarios.node_exits(n))


def add_node(graph: dict, kind: str, after: str | None = None) -> str:
    """Adds a step of `kind` below `after` (or below the lowest step); the first step becomes
    the start. Returns the new id."""
    if kind not in STEP_TYPES:
        raise ValueError("unknown step type")
    if len(graph["nodes"]) >= MAX_NODES:
        raise ValueError("too many steps")
    nid = _seq([n["id"] for n in graph["nodes"]], "n")
    base = node(graph, after) if after else None
    if base is None and graph["nodes"]:
        base = max(graph["nodes"], key=lambda n: n["position"]["y"] + height(n))
    if base is not None:
        pos = {"x": base["position"]["x"], "y": base["position"]["y"] + height(base) + GAP_Y}
    else:
        pos = {"x": 0, "y": 0}
    graph["nodes"].append({"id": nid, "type": kind, "position": pos, "data": default_data(kind)})
    if not graph.get("start"):
        graph["start"] = nid
    return nid


def delete_node(graph: dict, node_id: str) -> None:
    graph["nodes"] = [n for n in graph["nodes"] if n["id"] != node_id]
    graph["edges"] = [e for e in graph["edges"]
                      if e.get("source") != node_id and e.get("target") != node_id]
    if graph.get("start") == node_id:
        graph["start"] = graph["nodes"][0]["id"] if graph["nodes"] else ""


def delete_edge(graph: dict, edge_id: str) -> None:
    graph["edges"] = [e for e in graph["edges"] if e.get("id") != edge_id]


def target_of(graph: dict, source: str, handle: str) -> str:
    return next((e["target"] for e in graph["edges"]
                 if e.get("source") == source and e.get("sourceHandle") == handle), "")


def connect(graph: dict, source: str, handle: str, target: str) -> None:
    """Points exit `handle` of `source` at `target` ("" = nowhere). One edge per exit: a new
    connection replaces the old one. Unknown nodes or exits change nothing (ValueError)."""
    src = node(graph, source)
    if src is None or handle not in [h for h, _, _ in exits(src)]:
        raise ValueError("unknown exit")
    if target and node(graph, target) is None:
        raise ValueError("unknown step")
    graph["edges"] = [e for e in graph["edges"]
                      if not (e.get("source") == source and e.get("sourceHandle") == handle)]
    if target:
        eid = _seq([e.get("id") for e in graph["edges"]], "e")
        graph["edges"].append({"id": eid, "source": source, "sourceHandle": handle,
                               "target": target})


def prune_edges(graph: dict) -> None:
    """Drops edges whose exit or target no longer exists (a button or condition removed)."""
    ids = {n["id"]: {h for h, _, _ in exits(n)} for n in graph["nodes"]}
    graph["edges"] = [e for e in graph["edges"]
                      if e.get("sourceHandle") in ids.get(e.get("source"), ()) and e.get("target") in ids]


def move_node(graph: dict, node_id: str, x: Any, y: Any) -> None:
    n = node(graph, node_id)
    try:
        x, y = round(float(x)), round(float(y))
    except (TypeError, ValueError):
        return
    if n is not None and abs(x) < 10 ** 6 and abs(y) < 10 ** 6:
        n["position"] = {"x": x, "y": y}


def add_item(items: list, prefix: str, item: dict, limit: int) -> str:
    if len(items) >= limit:
        raise ValueError("too many")
    iid = _seq([i.get("id") for i in items], prefix)
    items.append({"id": iid, **item})
    return iid


def clean_text(value: Any, limit: int = MAX_TEXT) -> str:
    return str(value if value is not None else "").replace("\x00", "")[:limit]


def positive_int(value: Any, low: int = 1, high: int = 10 ** 6) -> int | None:
    """An integer in [low, high] from typed text, or None when it isn't one."""
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return n if low <= n <= high else None


# -- branch conditions: one flat list of leaves joined by AND or OR (the L5 filter JSON) ------
NO_VALUE = {"is_empty", "is_not_empty", "is_true", "is_false"}
BRANCH_ONLY = {"time_of_day": ("between",), "weekday": ("in",)}


def leaves_of(filt: Any) -> tuple[str, list[dict]] | None:
    """(join, [{field, op, value, value2}]) for a flat filter; None when it has groups (the
    editor then shows it read-only rather than flatten it)."""
    if not isinstance(filt, dict):
        return "and", []
    conds = filt.get("conditions", filt.get("items")) or []
    out = []
    for c in conds:
        if not isinstance(c, dict) or "field" not in c:
            return None
        v = c.get("value")
        v1, v2 = "", ""
        if isinstance(v, list):
            if c.get("op") == "between" and len(v) == 2:
                v1, v2 = str(v[0]), str(v[1])
            else:
                v1 = ", ".join(str(x) for x in v)
        elif v is not None:
            v1 = str(v)
        out.append({"field": str(c.get("field", "")), "op": str(c.get("op", "")),
                    "value": v1, "value2": v2})
    join = filt.get("join", filt.get("op", "and"))
    return ("or" if join == "or" else "and"), out


def _num(text: str):
    try:
        n = float(text.replace(",", ".").strip())
    except ValueError:
        return text.strip()
    return int(n) if n.is_integer() else n


def leaf_json(field: str, op: str, value: str, value2: str = "") -> dict:
    leaf: dict[str, Any] = {"field": field, "op": op}
    if op in NO_VALUE:
        return leaf
    if field == "weekday":
        leaf["value"] = [int(x) for x in re.findall(r"\d+", value) if 1 <= int(x) <= 7]
    elif op == "between":
        leaf["value"] = [value.strip(), value2.strip()] if field == "time_of_day" or ":" in value \
            else [_num(value), _num(value2)] if re.fullmatch(r"\s*-?[\d.,]+\s*", value or "x") \
            else [value.strip(), value2.strip()]
    elif op == "in_list":
        leaf["value"] = [x.strip() for x in value.split(",") if x.strip()]
    else:
        leaf["value"] = value.strip()
    return leaf


def filter_json(join: str, leaves: list[dict]) -> dict:
    return {"join": "or" if join == "or" else "and",
            "conditions": [leaf_json(x["field"], x["op"], x.get("value", ""), x.get("value2", ""))
                           for x in leaves if x.get("field") and x.get("op")]}
