"""The filter builder (L5): conditions (field, operator, value) joined by AND / OR, with one
level of explicit groups, turned into the filter JSON of services/filters/.

The editable model is a plain backend dict (`_model`); what the screen shows is rebuilt from
it after every change (`blocks`, `meaning`). A top-level item is a block: one condition, or a
group ("all of" / "any of") of conditions. "Apply" validates every condition (inline errors),
then hands `filters.to_url(filter)` (with the operator's time zone when it compares dates) to `InboxState.apply_filter`, which keeps it in the URL.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from dataclasses import field as dc_field

import reflex as rx

from messenger_app.i18n.errors import error_text
from messenger_app.lib import values
from messenger_app.services import filters, left_panel
from messenger_app.states.auth import operator_required
from messenger_app.states.inbox import InboxState

RANGES = ("number_range", "date_range")
DATES = ("date", "date_range")
# Dates are typed as dd.mm.yyyy in both languages (what the app writes), whatever the
# browser's locale (a native date input shows mm/dd/yyyy in an en-US Chrome): the field is a
# text input, its digits get their dots as they are typed, and the filter gets YYYY-MM-DD.
_DAY_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DAY_SHOWN = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})")


def shown_date(value: str) -> str:
    """A filter's day (YYYY-MM-DD) as the field shows it (dd.mm.yyyy); other text as it is."""
    m = _DAY_ISO.fullmatch(value.strip())
    return f"{m[3]}.{m[2]}.{m[1]}" if m else value


def iso_date(text: str) -> str:
    """What was typed (dd.mm.yyyy, d.m.yyyy, dd/mm/yyyy) as the filter's YYYY-MM-DD; anything
    else goes as it is, and the filter's check says it is not a date."""
    m = _DAY_SHOWN.fullmatch(text.strip())
    return f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}" if m else text.strip()


def masked_date(text: str) -> str:
    """While typing: 01052024 → 01.05.2024, 0105 → 01.05, 01.052024 → 01.05.2024. Text with
    other characters (an ISO date pasted, a typo) is left for the check to judge."""
    t = text.strip()
    if re.fullmatch(r"\d{3,8}", t):
        digits = t
    elif re.fullmatch(r"\d{2}\.\d{3,6}", t):
        digits = t.replace(".", "")
    else:
        return text
    parts = [digits[:2], digits[2:4], digits[4:8]]
    return ".".join(p for p in parts if p)


@dataclass
class Cond:
    id: str = ""
    field: str = ""
    op: str = ""
    kind: str = "none"  # none | text | number | date | choice | choices | list | number_range | date_range
    value: str = ""
    value2: str = ""
    picked: list[str] = dc_field(default_factory=list)  # "choices": the options picked
    error: str = ""


@dataclass
class Block:
    id: str = ""
    group: bool = False
    join: str = "or"  # a group's own join
    conds: list[Cond] = dc_field(default_factory=list)


def _number(text: str):
    """The draft's number as the CRM and the filters read it (lib/values.py); as typed when
    it is not one yet."""
    try:
        n = float(values.parse_number(text))
    except values.BadValue:
        return text
    return int(n) if n.is_integer() and abs(n) < 2 ** 53 else n


def _new_cond(cid: str) -> dict:
    return {"id": cid, "field": "", "op": "", "value": "", "value2": "", "values": [], "error": ""}


class FilterBuilderState(InboxState):
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
            self.meaning = filters.describe(left_panel.readable(self._to_filter(draft=True)), self.lang)
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
