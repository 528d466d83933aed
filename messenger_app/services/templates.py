"""Message templates (C5, C6): CRUD, search and rendering for one client.

Placeholders: {first_name} {last_name} {name} {phone} {tag1} {tag2} {id} and every CRM
field by its key, e.g. {city}. `{{` and `}}` are literal braces. A placeholder that names
nothing stays visible in the text ("{foo}") and is listed in Rendered.unknown so the UI can
warn before sending; nothing is dropped silently.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import select

from messenger_app import db
from messenger_app.clock import utcnow
from messenger_app.models import Contact, ContactValue, CrmField
from messenger_app.models.template import MessageTemplate
from messenger_app.services import events
from messenger_app.services.event_types import TemplatesChanged
from messenger_app.lib import phones
from messenger_app.lib.errors import DomainError

MAX_TITLE = 100
MAX_BODY = 4096
MAX_LIST = 500
BUILTINS = ("first_name", "last_name", "name", "phone", "tag1", "tag2", "id")

# "{{" / "}}" escapes, or one placeholder: no braces or whitespace inside, at most 64 chars
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}\s]{1,64})\}")


class TemplateError(DomainError):
    """Bad template input; `code` + `params` say what is wrong (services/errors.py)."""

    code = "template"


@dataclass
class TemplateView:
    id: int
    title: str
    body: str
    created_by: int | None
    created_at: datetime
    updated_at: datetime


@dataclass
class Rendered:
    text: str
    unknown: list[str] = field(default_factory=list)  # placeholder names that name nothing
    empty: list[str] = field(default_factory=list)  # known, but this client has no value


def fold(text: str) -> str:
    """The search form of a text: NFKC, casefolded (any script), ё -> е."""
    return unicodedata.normalize("NFKC", text or "").casefold().replace("ё", "е")


def _clean(title: str, body: str) -> tuple[str, str]:
    title = " ".join((title or "").split())
    body = (body or "").strip()
    if not title:
        raise TemplateError("template title is empty", code="tpl_title_empty")
    if len(title) > MAX_TITLE:
        raise TemplateError(f"template title too long (max {MAX_TITLE} characters)", code="too_long",
                            limit=MAX_TITLE)
    if not body:
        raise TemplateError("template text is empty", code="tpl_text_empty")
    if len(body) > MAX_BODY:
        raise TemplateError(f"template text too long (max {MAX_BODY} characters)", code="too_long",
                            limit=MAX_BODY)
    return title, body


def _view(t: MessageTemplate) -> TemplateView:
    return TemplateView(t.id, t.title, t.body, t.created_by, t.created_at, t.updated_at)


def create(title: str, body: str, created_by: int | None = None) -> TemplateView:
    title, body = _clean(title, body)
    now = utcnow()
    with db.session() as s:
        t = MessageTemplate(title=title, body=body, search_key=fold(f"{title}\n{body}"),
                            created_by=created_by, created_at=now, updated_at=now)
        s.add(t)
        s.flush()
        events.on_commit(s, TemplatesChanged(template_id=t.id, reason="created"))
        s.commit()
        out = _view(t)
    return out


def update(template_id: int, title: str, body: str) -> TemplateView:
    title, body = _clean(title, body)
    with db.session() as s:
        t = s.get(MessageTemplate, template_id)
        if t is None:
            raise TemplateError("template not found", code="tpl_missing")
        t.title, t.body, t.search_key = title, body, fold(f"{title}\n{body}")
        t.updated_at = utcnow()
        s.add(t)
        events.on_commit(s, TemplatesChanged(template_id=t.id, reason="updated"))
        s.commit()
        out = _view(t)
    return out


def delete(template_id: int) -> bool:
    with db.session() as s:
        t = s.get(MessageTemplate, template_id)
        if t is None:
            return False
        s.delete(t)
        events.on_commit(s, TemplatesChanged(template_id=template_id, reason="deleted"))
        s.commit()
    return True


def get(template_id: int) -> TemplateView | None:
    with db.session() as s:
        t = s.get(MessageTemplate, template_id)
        return _view(t) if t is not None else None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_templates(search: str = "", limit: int = MAX_LIST) -> "list[TemplateView]":
    """All templates by title, or those whose title or text contains every word of `search`
    (case-insensitive in any script, ё = е)."""
    q = select(MessageTemplate).order_by(MessageTemplate.title, MessageTemplate.id).limit(limit)
    for word in fold(search).split()[:10]:
        q = q.where(MessageTemplate.search_key.like(f"%{_like_escape(word)}%", escape="\\"))
    with db.session() as s:
        return [_view(t) for t in s.exec(q).all()]


list = list_templates  # noqa: A001  the brief's name; the module never uses the builtin


def placeholders() -> "list[dict]":
    """What the composer/template editor can offer: [{"key", "label"}], built-ins first."""
    with db.session() as s:
        fields = s.exec(select(CrmField).order_by(CrmField.position, CrmField.id)).all()
    return ([{"key": k, "label": k} for k in BUILTINS]
            + [{"key": f.key, "label": f.label} for f in fields if f.key not in BUILTINS])


def _values(contact_id: int) -> dict[str, str]:
    with db.session() as s:
        c = s.get(Contact, contact_id)
        if c is None:
            raise TemplateError("client not found", code="no_client")
        rows = s.exec(select(CrmField.key, ContactValue.value_text)
                      .join(ContactValue, (ContactValue.field_id == CrmField.id)
                            & (ContactValue.contact_id == contact_id), isouter=True)).all()
    values = {key: text or "" for key, text in rows}
    name = f"{c.first_name} {c.last_name}".strip() or phones.display(c.phone) or c.phone_raw
    values.update({
        "first_name": c.first_name, "last_name": c.last_name, "name": name,
        "phone": phones.display(c.phone) or c.phone_raw, "tag1": c.tag1, "tag2": c.tag2,
        "id": str(c.id),
    })
    return values


def render(template_body: str, contact_id: int | None) -> Rendered:
    """Fill the placeholders for this client. With contact_id None (an editor preview),
    known placeholders stay as they are and only unknown ones are reported."""
    if contact_id is None:
        with db.session() as s:
            keys = set(s.exec(select(CrmField.key)).all())
        values = None
        known = keys | set(BUILTINS)
    else:
        values = _values(contact_id)
        known = set(values)
    unknown: dict[str, None] = {}
    empty: dict[str, None] = {}

    def sub(m: re.Match) -> str:
        token = m.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        key = m.group(1)
        if key not in known and key.lower() in known:
            key = key.lower()
        if key not in known:
            unknown[m.group(1)] = None
            return token
        if values is None:
            return token
        value = values.get(key, "")
        if not value:
            empty[key] = None
        return value

    text = _TOKEN.sub(sub, template_body or "")
    return Rendered(text, [*unknown], [*empty])
