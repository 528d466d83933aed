"""The fields a filter condition can use, for the filter builder (L5): each with its type,
operators (and what their value input looks like) and options."""

from __future__ import annotations

from sqlmodel import select as sm_select

from messenger_app import db
from messenger_app.models import Channel, Folder, Tag2Option
from messenger_app.services.filters.describe import LABELS, OP_LABELS, WORDS, _lang
from messenger_app.services.filters.model import (BUILTIN, KIND_LABELS, KNOWN_KINDS, NO_VALUE,
                                                  OPERATOR_FOLDER, TYPE_OPS, _crm_select)


def _value_kind(ftype: str, op: str, has_options: bool) -> str:
    """What the value input looks like: none | text | number | date | choice | choices |
    list | number_range | date_range."""
    if op in NO_VALUE:
        return "none"
    if op == "between":
        return "date_range" if ftype == "date" else "number_range"
    if op == "in_list":
        return "choices" if has_options else "list"
    if ftype in ("number", "date"):
        return ftype
    if has_options and op in ("equals", "not_equals"):
        return "choice"
    return "text"


def _entry(key: str, label: str, ftype: str, ops, options: list[dict], lang: str) -> dict:
    return {"field": key, "label": label, "type": ftype, "options": options,
            "ops": [{"op": op, "label": OP_LABELS[lang][op],
                     "value": _value_kind(ftype, op, bool(options))} for op in ops]}


def fields_catalog(lang: str = "en") -> list[dict]:
    """Every field a condition can use, with its type, operators and options (for the UI).
    Option values are strings (folder ids too); validate() turns them into what it needs."""
    lang = _lang(lang)
    with db.session() as s:
        kinds = list(s.exec(sm_select(Channel.kind).distinct()).all())
        folders = s.exec(sm_select(Folder.id, Folder.name).order_by(Folder.position, Folder.id)).all()
        tag2 = s.exec(sm_select(Tag2Option.value).order_by(Tag2Option.position, Tag2Option.id)).all()
        crm = s.exec(_crm_select()).all()
    kinds = list(KNOWN_KINDS) + sorted(k for k in set(kinds) if k not in KNOWN_KINDS)
    kind_opts = [{"value": k, "label": KIND_LABELS.get(k, k)} for k in kinds]
    folder_opts = ([{"value": OPERATOR_FOLDER, "label": WORDS[lang]["operator"]}]
                   + [{"value": str(fid), "label": name} for fid, name in folders])
    options = {"channel": kind_opts, "last_channel": kind_opts, "folder": folder_opts,
               "tag2": [{"value": v, "label": v} for v in tag2]}
    out = [_entry(key, LABELS[lang][key], ftype, ops, options.get(key, []), lang)
           for key, (ftype, ops) in BUILTIN.items()]
    for f in crm:
        ftype = f.type if f.type in TYPE_OPS else "text"
        opts = []
        if ftype == "select":
            for o in f.options or []:
                if isinstance(o, dict):
                    v = str(o.get("value", o.get("label", "")))
                    opts.append({"value": v, "label": str(o.get("label", v))})
                else:
                    opts.append({"value": str(o), "label": str(o)})
        out.append(_entry(f"var:{f.key}", f.label or f.key, ftype, TYPE_OPS[ftype], opts, lang))
    return out
