"""The filter builder (L5): conditions (field, operator, value) joined by AND / OR, with one
level of explicit groups, turned into the filter JSON of services/filters/.

The editable model is a plain backend dict (`_model`); what the screen shows is rebuilt from
it after every change (`blocks`, `meaning`). A top-level item is a block: one condition, or a
group ("all of" / "any of") of conditions. "Apply" validates every condition (inline errors),
then hands `filters.to_url(filter)` (with the operator's time zone when it compares dates) to `InboxState.apply_filter`, which keeps it in the URL.

The rows and the typed text are in states/filter_rows.py, the editing handlers in
states/filter_edits.py (a mixin); this module opens the builder, shows it, and applies it.
"""

from __future__ import annotations

import copy

import reflex as rx

from messenger_app.i18n.errors import error_text
from messenger_app.services import filters
from messenger_app.states.auth import operator_required
from messenger_app.states.filter_edits import FilterEdits
from messenger_app.states.filter_rows import (DATES, RANGES, Block, Cond, _new_cond, _number, iso_date,
                                             shown_date)
from messenger_app.states.inbox import InboxState


class FilterBuilderState(FilterEdits, InboxState):
    fb_open: bool = False
    fields: list[dict[str, str]] = []  # {value: the field key, label, type}
    ops: dict[str, list[dict[str, str]]] = {}  # field -> [{value: the op, label, kind: the input}]
    opts: dict[str, list[dict[str, str]]] = {}  # field -> [{value, label}]
    top_join: str = "and"
    blocks: list[Block] = []
    meaning: str = ""
    fb_error: str = ""
    _model: dict = {}
    _seq: int = 0

    # -- opening -------------------------------------------------------------------------
    @rx.event
    @operator_required
    def open_builder(self):
        catalog = filters.fields_catalog(self.lang)
        self.fields = [{"value": e["field"], "label": e["label"], "type": e["type"]} for e in catalog]
        self.ops = {"": [], **{e["field"]: [{"value": o["op"], "label": o["label"], "kind": o["value"]}
                                            for o in e["ops"]] for e in catalog}}
        self.opts = {"": [], **{e["field"]: [{"value": str(o["value"]), "label": str(o["label"])}
                                             for o in e["options"]] for e in catalog}}
        self.fb_error = ""
        self._model = self._from_filter(self._filter() or filters.empty())
        if not self._model["blocks"]:
            self._model["blocks"].append(self._block(group=False))
        self._sync()
        self.fb_open = True

    @rx.event
    @operator_required
    def set_fb_open(self, value: bool):
        self.fb_open = bool(value)

    def _id(self, prefix: str) -> str:
        self._seq += 1
        return f"{prefix}{self._seq}"

    def _block(self, group: bool, join: str = "or", conds: list[dict] | None = None) -> dict:
        return {"id": self._id("b"), "group": group, "join": join,
                "conds": conds if conds is not None else [_new_cond(self._id("c"))]}

    def _from_filter(self, filt: dict) -> dict:
        """The service's filter JSON -> the editable model (one level of groups)."""
        model = {"join": filt.get("join", "and"), "blocks": []}
        nested = False
        for item in filt.get("conditions", []):
            if "conditions" in item:
                leaves = [self._leaf_to_cond(i) for i in item["conditions"] if "conditions" not in i]
                nested = nested or len(leaves) < len(item["conditions"])
                if leaves:
                    model["blocks"].append(self._block(True, item.get("join", "and"), leaves))
            else:
                model["blocks"].append(self._block(False, conds=[self._leaf_to_cond(item)]))
        if nested:
            self.fb_error = self.t["fb_nested"]
        return model

    def _leaf_to_cond(self, leaf: dict) -> dict:
        c = _new_cond(self._id("c"))
        c["field"], c["op"] = leaf.get("field", ""), leaf.get("op", "")
        value = leaf.get("value")
        kind = self._kind(c["field"], c["op"])
        if kind in RANGES and isinstance(value, list) and len(value) == 2:
            c["value"], c["value2"] = str(value[0]), str(value[1])
        elif kind == "choices" and isinstance(value, list):
            c["values"] = [str(v) for v in value]
        elif kind == "list" and isinstance(value, list):
            c["value"] = ", ".join(str(v) for v in value)
        elif value is not None:
            c["value"] = str(value)
        if kind in DATES:
            c["value"], c["value2"] = shown_date(c["value"]), shown_date(c["value2"])
        return c

    def _kind(self, fld: str, op: str) -> str:
        for o in self.ops.get(fld, []):
            if o["value"] == op:
                return o["kind"]
        return "none"

    # -- the screen ------------------------------------------------------------------------
    def _sync(self) -> None:
        """Rebuild what the screen shows from the model."""
        m = self._model
        self.top_join = m["join"]
        self.blocks = [Block(id=b["id"], group=b["group"], join=b["join"],
                             conds=[Cond(id=c["id"], field=c["field"], op=c["op"],
                                         kind=self._kind(c["field"], c["op"]), value=c["value"],
                                         value2=c["value2"], picked=list(c["values"]),
                                         error=c["error"]) for c in b["conds"]])
                       for b in m["blocks"]]
        try:
            self.meaning = filters.describe(filters.readable(self._to_filter(draft=True)), self.lang)
        except Exception:  # a half-typed condition: the words come back with the next change
            self.meaning = ""

    def _edit(self) -> dict:
        """A copy of the model to change; `_commit` stores it (backend vars are replaced,
        never changed in place, so the state manager sees every change)."""
        return copy.deepcopy(self._model)

    def _commit(self, model: dict) -> None:
        self._model = model
        self._sync()

    def _find(self, model: dict, cond_id: str):
        for b in model["blocks"]:
            for c in b["conds"]:
                if c["id"] == cond_id:
                    return b, c
        return None, None

    # -- the filter ------------------------------------------------------------------------
    def _leaf(self, c: dict, draft: bool = False) -> dict | None:
        if not c["field"] or not c["op"]:
            return None
        kind = self._kind(c["field"], c["op"])
        leaf = {"field": c["field"], "op": c["op"]}
        gap = "…" if draft else ""
        if kind == "none":
            return leaf
        if kind == "date_range":
            leaf["value"] = [iso_date(c["value"]) or gap, iso_date(c["value2"]) or gap]
        elif kind == "date":
            leaf["value"] = iso_date(c["value"]) or gap
        elif kind in RANGES:
            leaf["value"] = [c["value"] or gap, c["value2"] or gap]
        elif kind == "choices":
            leaf["value"] = list(c["values"]) or ([gap] if draft else [])
        else:
            leaf["value"] = c["value"] or gap
        if draft and kind in ("number", "number_range"):  # 18, not "18", in the words
            v = leaf["value"]
            leaf["value"] = [_number(x) for x in v] if isinstance(v, list) else _number(v)
        return leaf

    def _to_filter(self, draft: bool = False) -> dict:
        items = []
        for b in self._model["blocks"]:
            leaves = [leaf for leaf in (self._leaf(c, draft) for c in b["conds"]) if leaf]
            if b["group"] and len(leaves) > 1:
                items.append({"join": b["join"], "conditions": leaves})
            else:
                items += leaves
        return {"join": self._model["join"], "conditions": items}

    def _check(self, c: dict) -> str:
        """The inline error of one condition ("" = fine), in the operator's language."""
        t = self.t
        if not c["field"] or not c["op"]:
            return t["fb_err_field"]
        kind = self._kind(c["field"], c["op"])
        if kind == "choices" and not c["values"]:
            return t["fb_err_choose"]
        if kind in RANGES and not (c["value"].strip() and c["value2"].strip()):
            return t["fb_err_range"]
        if kind in ("text", "number", "date", "choice", "list") and not c["value"].strip():
            return t["fb_err_date"] if kind == "date" else t["fb_err_value"]
        try:
            filters.validate({"join": "and", "conditions": [self._leaf(c)]})
        except filters.FilterError as e:
            if e.code == "filter_number":
                return t["fb_err_number"]
            if e.code == "filter_date":
                return t["fb_err_date"]
            if e.code == "filter_order":
                return t["fb_err_order"]
            return error_text(e, self.lang)
        return ""

    @rx.event
    @operator_required
    def apply_builder(self):
        m = self._edit()
        # an untouched empty condition is simply dropped
        for b in m["blocks"]:
            b["conds"] = [c for c in b["conds"] if c["field"] or c["value"] or c["values"]]
        m["blocks"] = [b for b in m["blocks"] if b["conds"]]
        bad = False
        for b in m["blocks"]:
            for c in b["conds"]:
                c["error"] = self._check(c)
                bad = bad or bool(c["error"])
        self._commit(m)
        if bad:
            self.fb_error = self.t["fb_err_fix"]
            return
        try:
            filt = filters.validate(filters.with_zone(self._to_filter(), self.tz))  # days where the operator is
        except filters.FilterError as e:
            self.fb_error = error_text(e, self.lang)
            return
        self.fb_error, self.fb_open = "", False
        return InboxState.apply_filter(filters.to_url(filt))

    @rx.event
    @operator_required
    def reset_filter(self):
        self._model = {"join": "and", "blocks": [self._block(group=False)]}
        self._sync()
        self.fb_error, self.fb_open = "", False
        return InboxState.apply_filter("")
