"""Turn service rows into what the components render, in the operator's time zone and
language: typed rows (states/rows.py) for the thread, the list, the card and the widget,
plain string dicts for the rest."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from messenger_app.clock import utcnow
from messenger_app.i18n.strings import EN
from messenger_app.services.dialogs import Card, DialogRow, MessageView
from messenger_app.services import message_details
from messenger_app.states.rows import (AttachmentItem, CardItem, ChoiceItem, DialogItem, MessageItem,
                                        WidgetItem)


def zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except Exception:
        return ZoneInfo("UTC")


def local(dt: datetime | None, tz: str) -> datetime | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(zone(tz))


def short_time(dt: datetime | None, tz: str, now: datetime | None = None) -> str:
    """List time: 14:05 today, 23.11 this year, 23.11.25 before."""
    d = local(dt, tz)
    if d is None:
        return ""
    n = local(now or utcnow(), tz)
    if d.date() == n.date():
        return d.strftime("%H:%M")
    if d.year == n.year:
        return d.strftime("%d.%m")
    return d.strftime("%d.%m.%y")


def day_label(dt: datetime, tz: str, t: dict, now: datetime | None = None) -> str:
    d = local(dt, tz).date()
    n = local(now or utcnow(), tz).date()
    if d == n:
        return t.get("today", "Today")
    if (n - d).days == 1:
        return t.get("yesterday", "Yesterday")
    return d.strftime("%d.%m.%Y")


def initials(name: str) -> str:
    # a word counts when it starts with a letter: "Петрова-Сидорова" and "O'Neil" too
    parts = [p for p in name.replace("+", " ").split() if p[0].isalpha()]
    return "".join(p[0] for p in parts[:2]).upper() or "#"


def dialog_row(r: DialogRow, tz: str) -> DialogItem:
    return DialogItem(
        id=str(r.id),
        name=r.name,
        avatar=r.avatar,
        initials=initials(r.name),
        channel=r.channel_kind or "unknown",  # L2: no message yet -> question mark
        preview=r.preview,
        out=r.last_direction == "out",
        time=short_time(r.last_message_at, tz),
        unread=r.unread or 0,
        activity=r.activity_at.isoformat(),
        tag1=getattr(r, "tag1", ""),
        tag2=getattr(r, "tag2", ""),
        blacklisted=bool(getattr(r, "blacklisted", False)),
    )


LONG_CHARS = 1500


def attachment_item(row: dict[str, str]) -> AttachmentItem:
    """One row of message_details.attachment_rows, typed."""
    return AttachmentItem(**{**row, "inline": row["inline"] == "1"})


def attachments(attachments) -> list[AttachmentItem]:
    """A message's files as the thread shows them (C5/C4)."""
    return [attachment_item(a) for a in message_details.attachment_rows(attachments)]


def widget_item(m: dict) -> WidgetItem:
    """One message of services.widget.view as the widget page renders it."""
    return WidgetItem(id=m["id"], dir=m["dir"], text=m["text"], time=m["time"],
                      atts=[attachment_item(a) for a in m["atts"]],
                      choices=[ChoiceItem(id=c["id"], label=c["label"]) for c in m["choices"]])


def message(m: MessageView, tz: str, t: dict = EN) -> MessageItem:
    d = local(m.created_at, tz)
    if m.sender_kind == "client":
        sender = t.get("sender_client", "Client")
    elif getattr(m, "origin_kind", "") == "mailing":
        sender = t.get("sender_mailing", "Mailing «{name}»").format(name=m.origin_label)
    elif m.sender_kind == "bot":
        sender = t.get("sender_bot", "Bot")
        if m.sender_name not in ("", "bot"):  # C3: the scenario that sent it
            sender = f"{sender} · {m.sender_name}"
    elif m.sender_name in ("", "operator"):  # no operator recorded (imported, demo)
        sender = t.get("role_operator", "Operator")
    else:
        sender = m.sender_name
    return MessageItem(
        id=str(m.id),
        dir=m.direction,
        sender=sender,
        channel=m.channel_kind or "unknown",
        text=m.text,
        subject=m.subject,
        # a long message shows its first LONG_CHARS characters and "Show all" (C2)
        short=(m.text[:LONG_CHARS].rstrip() + "…") if len(m.text) > LONG_CHARS else "",
        time=d.strftime("%H:%M"),
        day=day_label(m.created_at, tz, t),
        status=m.status if m.direction == "out" else "",
        status_label=t.get(f"status_{m.status}", m.status) if m.direction == "out" else "",
        error=m.error,
        atts=attachments(m.attachments),  # C5/C4: the message's files, display-ready
    )


def with_day_separators(rows: list[MessageItem]) -> list[MessageItem]:
    prev = None
    for r in rows:
        r.new_day = r.day != prev
        prev = r.day
    return rows


def card(c: Card, tz: str) -> CardItem:
    created = local(c.created_at, tz)
    return CardItem(
        id=str(c.contact_id),
        name=c.name,
        initials=initials(c.name),
        avatar=c.avatar,
        phone=c.phone,
        phone_display=c.phone_display,
        subscribed=created.strftime("%d.%m.%Y %H:%M"),
        blacklisted=c.blacklisted,
    )
