"""Tag 2 (R7): the closed list of options an admin keeps, and the one check a client's Tag 2
goes through. Renaming or deleting an option rewrites the clients that had it; every change
sends `Tag2OptionsChanged` on commit (and `DialogsBulkChanged` when clients changed)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, select

from messenger_app import db
from messenger_app.models import Contact, Tag2Option
from messenger_app.services import events
from messenger_app.services.event_types import DialogsBulkChanged, Tag2OptionsChanged
from messenger_app.services.crm.values import TAG2_MAX, CrmError, clean_text, limited, set_positions


def tag2_canonical(s: Session, value: str) -> str:
    opts = s.exec(select(Tag2Option.value)).all()
    if value in opts:
        return value
    folded = {o.casefold(): o for o in opts}
    if value.casefold() in folded:
        return folded[value.casefold()]
    raise CrmError(f"{value[:50]!r} is not a Tag 2 option", code="tag2", value=value[:50])


def _clean_option(value: Any) -> str:
    text = limited(clean_text(value), TAG2_MAX, "Tag 2 option")
    if not text:
        raise CrmError("a Tag 2 option cannot be empty", code="tag2_empty")
    return text


def _option(s: Session, value: str) -> Tag2Option:
    opt = s.exec(select(Tag2Option).where(Tag2Option.value == value)).first()
    if opt is None:
        raise CrmError(f"no Tag 2 option {value!r}", code="tag2", value=value)
    return opt


def _changed(s: Session, reason: str, rewritten: int) -> None:
    """The admin list changed; when `rewritten` clients changed with it, their rows too."""
    events.on_commit(s, Tag2OptionsChanged(reason=reason))
    if rewritten:
        events.on_commit(s, DialogsBulkChanged(reason="tag2"))


def list_tag2_options() -> list[str]:
    with db.session() as s:
        return list(s.exec(select(Tag2Option.value)
                           .order_by(Tag2Option.position, Tag2Option.id)).all())


def add_tag2_option(value: str) -> str:
    value = _clean_option(value)
    with db.session() as s:
        existing = s.exec(select(Tag2Option.value)).all()
        if value.casefold() in {o.casefold() for o in existing}:
            raise CrmError(f"Tag 2 option {value!r} already exists", code="tag2_exists", value=value)
        top = s.exec(select(func.max(Tag2Option.position))).one()
        s.add(Tag2Option(value=value, position=(top or 0) + 1))
        events.on_commit(s, Tag2OptionsChanged(reason="added"))
        s.commit()
    return value


def rename_tag2_option(old: str, new: str) -> int:
    """Rename an option; clients that had it get the new value. Returns how many."""
    new = _clean_option(new)
    with db.session() as s:
        opt = _option(s, old)
        others = s.exec(select(Tag2Option.value).where(Tag2Option.id != opt.id)).all()
        if new.casefold() in {o.casefold() for o in others}:
            raise CrmError(f"Tag 2 option {new!r} already exists", code="tag2_exists", value=new)
        opt.value = new
        s.add(opt)
        res = s.exec(update(Contact).where(Contact.tag2 == old).values(tag2=new))
        n = res.rowcount or 0
        _changed(s, "renamed", n)
        s.commit()
    return n


def delete_tag2_option(value: str) -> int:
    """Delete an option; clients that had it are left with no Tag 2. Returns how many."""
    with db.session() as s:
        opt = _option(s, value)
        res = s.exec(update(Contact).where(Contact.tag2 == value).values(tag2=""))
        s.delete(opt)
        n = res.rowcount or 0
        _changed(s, "deleted", n)
        s.commit()
    return n


def reorder_tag2_options(values: list[str]) -> None:
    with db.session() as s:
        set_positions(s, {o.value: o for o in s.exec(select(Tag2Option)).all()}, values, "Tag 2 option")
        events.on_commit(s, Tag2OptionsChanged(reason="reordered"))
        s.commit()
