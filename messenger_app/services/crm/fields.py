"""The CRM fields ("variables", R6) an admin defines: create, change, delete, reorder.
Every change is one transaction that sends `CrmFieldsChanged` on commit, plus
`DialogsBulkChanged` when it rewrote many clients' values."""

from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import delete, func
from sqlmodel import Session, select

from messenger_app import db
from messenger_app.models import ContactValue, CrmField
from messenger_app.models.crm import FIELD_TYPES
from messenger_app.services import events
from messenger_app.services.event_types import CrmFieldsChanged, DialogsBulkChanged
from messenger_app.services.crm.values import (KEY_RE, LABEL_MAX, OPTION_MAX, RESERVED_KEYS, CrmError,
                                               clean_text, limited, set_positions)


def _field_dict(f: CrmField) -> dict:
    return {"id": f.id, "key": f.key, "label": f.label, "type": f.type,
            "options": list(f.options or []), "position": f.position}


def _clean_options(ftype: str, options: Iterable[Any] | None) -> list[str]:
    if ftype != "select":
        return []
    out: list[str] = []
    seen: set[str] = set()
    for o in options or []:
        text = limited(clean_text(o), OPTION_MAX, "option")
        if not text:
            continue
        if text.casefold() in seen:
            raise CrmError(f"option {text!r} is listed twice", code="option_twice", option=text)
        seen.add(text.casefold())
        out.append(text)
    if not out:
        raise CrmError("a select field needs at least one option", code="select_options")
    return out


def _clean_label(label: Any) -> str:
    text = limited(clean_text(label), LABEL_MAX, "label")
    if not text:
        raise CrmError("a field needs a label", code="label_empty")
    return text


def get_field(s: Session, ref: str | int) -> CrmField:
    if isinstance(ref, int):
        f = s.get(CrmField, ref)
    else:
        f = s.exec(select(CrmField).where(CrmField.key == ref)).first()
    if f is None:
        raise CrmError(f"no field {ref!r}", code="no_field")
    return f


def list_fields() -> list[dict]:
    """Every field in order: {id, key, label, type, options, position}."""
    with db.session() as s:
        rows = s.exec(select(CrmField).order_by(CrmField.position, CrmField.id)).all()
    return [_field_dict(f) for f in rows]


def create_field(key: str, label: str, type: str = "text", options: Iterable[Any] | None = None) -> dict:
    key = (key or "").strip()
    if not KEY_RE.fullmatch(key):
        raise CrmError("a key is 1-64 characters: lowercase latin letters, digits and _",
                       code="key_format")
    if key in RESERVED_KEYS:
        raise CrmError(f"{key!r} is a built-in column; choose another key", code="key_reserved", key=key)
    if type not in FIELD_TYPES:
        raise CrmError(f"type must be one of: {', '.join(FIELD_TYPES)}", code="field_type")
    label = _clean_label(label)
    opts = _clean_options(type, options)
    with db.session() as s:
        if s.exec(select(CrmField.id).where(CrmField.key == key)).first() is not None:
            raise CrmError(f"a field with key {key!r} already exists", code="key_exists", key=key)
        top = s.exec(select(func.max(CrmField.position))).one()
        f = CrmField(key=key, label=label, type=type, options=opts, position=(top or 0) + 1)
        s.add(f)
        events.on_commit(s, CrmFieldsChanged(reason="created", key=key))
        s.commit()
        out = _field_dict(f)
    return out


def update_field(key: str | int, label: str | None = None, options: Iterable[Any] | None = None,
                 type: str | None = None) -> dict:
    """Change the label and/or the options of a select (values that are no longer an option
    are cleared). The type can change only while no client has a value. The key never
    changes: templates refer to it."""
    cleared = 0
    with db.session() as s:
        f = get_field(s, key)
        if label is not None:
            f.label = _clean_label(label)
        if type is not None and type != f.type:
            if type not in FIELD_TYPES:
                raise CrmError(f"type must be one of: {', '.join(FIELD_TYPES)}", code="field_type")
            used = s.exec(select(func.count()).select_from(ContactValue)
                          .where(ContactValue.field_id == f.id)).one()
            if used:
                raise CrmError(f"{used} clients have a value in this field; its type cannot change",
                               code="type_locked", count=used)
            f.type = type
            if options is None:
                options = f.options
        if options is not None or type is not None:
            f.options = _clean_options(f.type, options)
            if f.type == "select":
                res = s.exec(delete(ContactValue).where(ContactValue.field_id == f.id,
                                                        ContactValue.value_text.not_in(f.options)))
                cleared = res.rowcount or 0
        s.add(f)
        events.on_commit(s, CrmFieldsChanged(reason="updated", key=f.key))
        if cleared:
            events.on_commit(s, DialogsBulkChanged(reason="crm_field"))
        s.commit()
        out = _field_dict(f)
    return out


def delete_field(key: str | int) -> None:
    """Delete a field and every client's value of it."""
    with db.session() as s:
        f = get_field(s, key)
        s.exec(delete(ContactValue).where(ContactValue.field_id == f.id))
        s.delete(f)
        events.on_commit(s, CrmFieldsChanged(reason="deleted", key=f.key),
                         DialogsBulkChanged(reason="crm_field"))
        s.commit()


def reorder_fields(keys: list[str]) -> None:
    with db.session() as s:
        set_positions(s, {f.key: f for f in s.exec(select(CrmField)).all()}, keys, "field")
        events.on_commit(s, CrmFieldsChanged(reason="reordered"))
        s.commit()
