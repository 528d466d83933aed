"""The filter builder's editing handlers: add and remove conditions and groups, the joins,
a condition's field, operator and value.

Mixed into states/filter_builder.FilterBuilderState: each handler changes a copy of its model
(`_edit`) and stores it with `_commit`."""

from __future__ import annotations

import reflex as rx

from messenger_app.services import filters
from messenger_app.states.auth import operator_required
from messenger_app.states.filter_rows import DATES, masked_date, _new_cond


class FilterEdits(rx.State, mixin=True):
    """Editing handlers of FilterBuilderState (uses its `_model`, `ops`, `_edit`, `_commit`)."""

    # -- editing ---------------------------------------------------------------------------
    @rx.event
    @operator_required
    def add_condition(self):
        m = self._edit()
        m["blocks"].append(self._block(group=False))
        self._commit(m)

    @rx.event
    @operator_required
    def add_group(self):
        m = self._edit()
        m["blocks"].append(self._block(group=True, join="or" if m["join"] == "and" else "and"))
        self._commit(m)

    @rx.event
    @operator_required
    def add_to_group(self, block_id: str):
        m = self._edit()
        for b in m["blocks"]:
            if b["id"] == block_id and b["group"]:
                b["conds"].append(_new_cond(self._id("c")))
        self._commit(m)

    @rx.event
    @operator_required
    def remove_condition(self, cond_id: str):
        m = self._edit()
        for b in m["blocks"]:
            b["conds"] = [c for c in b["conds"] if c["id"] != cond_id]
        m["blocks"] = [b for b in m["blocks"] if b["conds"]]
        self._commit(m)

    @rx.event
    @operator_required
    def remove_group(self, block_id: str):
        m = self._edit()
        m["blocks"] = [b for b in m["blocks"] if b["id"] != block_id]
        self._commit(m)

    @rx.event
    @operator_required
    def toggle_top_join(self):
        m = self._edit()
        m["join"] = "or" if m["join"] == "and" else "and"
        self._commit(m)

    @rx.event
    @operator_required
    def set_group_join(self, block_id: str, join: str):
        if join not in ("and", "or"):
            return
        m = self._edit()
        for b in m["blocks"]:
            if b["id"] == block_id:
                b["join"] = join
        self._commit(m)

    @rx.event
    @operator_required
    def toggle_join(self, cond_id: str):
        """The AND / OR before a condition: the join of the group it is in (or the top)."""
        m = self._edit()
        b, _ = self._find(m, cond_id)
        if b is None:
            return
        if b["group"]:
            b["join"] = "or" if b["join"] == "and" else "and"
        else:
            m["join"] = "or" if m["join"] == "and" else "and"
        self._commit(m)

    @rx.event
    @operator_required
    def set_field(self, cond_id: str, fld: str):
        m = self._edit()
        _, c = self._find(m, cond_id)
        if c is None or (fld and fld not in self.ops):
            return
        if fld != c["field"]:
            c["field"] = fld
            ops = self.ops.get(fld, [])
            c["op"] = ops[0]["value"] if ops else ""
            c["value"], c["value2"], c["values"] = "", "", []
        c["error"] = ""
        self._commit(m)

    @rx.event
    @operator_required
    def set_op(self, cond_id: str, op: str):
        m = self._edit()
        _, c = self._find(m, cond_id)
        if c is None or op not in {o["value"] for o in self.ops.get(c["field"], [])}:
            return
        before = self._kind(c["field"], c["op"])
        c["op"] = op
        after = self._kind(c["field"], op)
        if before != after:
            if before == "choice" and after == "choices" and c["value"]:
                c["values"] = [c["value"]]
            elif before == "choices" and after == "choice" and c["values"]:
                c["value"] = c["values"][0]
            if after not in (before, "choices"):
                keep = c["value"] if {before, after} <= {"text", "list"} or \
                    {before, after} <= {"number", "number_range"} or \
                    {before, after} <= {"date", "date_range"} else ""
                c["value"], c["value2"] = keep, ""
        c["error"] = ""
        self._commit(m)

    @rx.event
    @operator_required
    def set_value(self, cond_id: str, value: str):
        self._set(cond_id, "value", str(value)[:filters.MAX_TEXT])

    @rx.event
    @operator_required
    def set_value2(self, cond_id: str, value: str):
        self._set(cond_id, "value2", str(value)[:filters.MAX_TEXT])

    def _set(self, cond_id: str, key: str, value: str) -> None:
        m = self._edit()
        _, c = self._find(m, cond_id)
        if c is None:
            return
        if self._kind(c["field"], c["op"]) in DATES:
            value = masked_date(value)
        c[key], c["error"] = value, ""
        self._commit(m)

    @rx.event
    @operator_required
    def toggle_value(self, cond_id: str, value: str):
        m = self._edit()
        _, c = self._find(m, cond_id)
        if c is None:
            return
        value = str(value)
        c["values"] = [v for v in c["values"] if v != value] if value in c["values"] \
            else c["values"] + [value]
        c["error"] = ""
        self._commit(m)
