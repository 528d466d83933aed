"""Inbound messages: `receive()` stores one, `receive_many()` a batch, in ONE transaction,
and then publish.

identity -> contact (created if new, joined by phone when the channel gives one) -> dialog
-> message -> counters. Idempotent on (channel, external_id): a replayed poll batch or a
repeated webhook stores each message once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import timezone
from types import SimpleNamespace

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from messenger_app import db, settings
from messenger_app.channels.base import InboundMessage
from messenger_app.clock import utcnow
from messenger_app.lib import storable
from messenger_app.models import ChannelIdentity, Contact, Dialog, Message
from messenger_app.models.message import IN, OUT, RECEIVED
from messenger_app.services import bot_jobs, events, jobs, stats
from messenger_app.services.event_types import DialogChanged, JobsQueued, MessageChanged
from messenger_app.lib import phones

PREVIEW_CHARS = 140
MAX_ID_CHARS = 200  # Message.external_id, ChannelIdentity.external_id


class Rejected(ValueError):
    """This message cannot be stored as the channel gave it; the text says why. Nothing
    was written. Callers record it on the channel's health and go on with the next one."""


@dataclass
class Received:
    message_id: int
    dialog_id: int
    contact_id: int
    identity_id: int
    created: bool  # False when this (channel, external_id) was already stored
    new_identity: bool


def preview_of(text: str, attachments: list | None = None) -> str:
    flat = " ".join((text or "").split())
    if not flat and attachments:
        flat = "📎 " + (attachments[0].get("file_name") or attachments[0].get("kind") or "file")
    return flat[:PREVIEW_CHARS]


def checked(msg: InboundMessage) -> InboundMessage:
    """A copy of `msg` that every database can store, or Rejected. Strings lose lone
    surrogates and NUL; the text is cut at INBOUND_MAX_CHARS; ids must be there and short."""
    if msg.problem:
        raise Rejected(storable.text(msg.problem)[:300])
    ext, ident = storable.text(msg.external_id).strip(), storable.text(msg.identity_external_id).strip()
    if not ext or not ident:
        raise Rejected("no message id or sender id")
    if len(ext) > MAX_ID_CHARS or len(ident) > MAX_ID_CHARS:
        raise Rejected(f"message id or sender id longer than {MAX_ID_CHARS} characters")
    attachments = storable.value(msg.attachments) if isinstance(msg.attachments, list) else []
    return replace(
        msg, external_id=ext, identity_external_id=ident,
        text=storable.text(msg.text)[:settings.get().inbound_max_chars],
        display_name=storable.text(msg.display_name), first_name=storable.text(msg.first_name),
        last_name=storable.text(msg.last_name), username=storable.text(msg.username),
        phone=storable.text(msg.phone)[:64], avatar_url=storable.text(msg.avatar_url)[:500],
        subject=" ".join(storable.text(msg.subject).split())[:998],
        attachments=[a for a in attachments if isinstance(a, dict)])


def receive(channel_id: int, channel_kind: str, msg: InboundMessage,
            fetch_profile: bool = True) -> Received:
    """Store one inbound message (one transaction), then tell the open tabs. Raises Rejected
    (nothing written) when it cannot be stored. In the same transaction, the background work
    it causes is added as durable jobs (the new client's profile, media to download), so a
    crash right after the commit loses none of it."""
    return receive_many(channel_id, channel_kind, [msg], fetch_profile)[0]


def receive_many(channel_id: int, channel_kind: str, messages: list[InboundMessage],
                 fetch_profile: bool = True) -> list[Received]:
    """Store a poll or webhook batch in ONE transaction, then publish one event per new
    message. The same idempotency as one by one: a message already stored (or twice in the
    batch) is returned with created=False and changes nothing. One Received per message,
    in order. If another worker stores the same message or client at the same moment, the
    whole batch is retried once and finds it. A message that cannot be stored raises
    Rejected before anything is written."""
    messages = [checked(m) for m in messages]
    if not messages:
        return []
    for attempt in range(2):
        try:
            results = _store(channel_id, channel_kind, messages, fetch_profile)
            break
        except IntegrityError:
            if attempt:
                raise
    return results


def match_choice(text: str, choices: list[dict]) -> str:
    """The id of the choice a client typed: its label or its number ("2", "2.", "2)")."""
    typed = " ".join((text or "").split()).casefold().rstrip(".!)")
    if not typed or not choices:
        return ""
    if typed.isdigit() and 1 <= int(typed) <= len(choices):
        return str(choices[int(typed) - 1].get("id") or "")
    for c in choices:
        if " ".join(str(c.get("label") or "").split()).casefold().rstrip(".!)") == typed:
            return str(c.get("id") or "")
    return ""


def _typed_choice(conn, dialog_id: int, text: str) -> str:
    """A typed answer to the buttons of the last message we sent (channels without buttons,
    or a client who types instead of pressing)."""
    if not text or len(text) > 200 or dialog_id is None:
        return ""
    last = conn.execute(_LAST_CHOICES, {"d": dialog_id}).scalar()
    return match_choice(text, list(last or []))


def needs_download(attachments: list | None) -> bool:
    """Whether an inbound message's attachments still point at the channel (not yet stored)."""
    return any(isinstance(a, dict) and not str(a.get("url") or "").startswith("/files/")
               and not a.get("error") for a in attachments or [])


def _add_jobs(conn, channel_id: int, identity_id: int, msg: InboundMessage,
              profile: bool) -> bool:
    """The message's background work as jobs in its transaction; True when there is any."""
    if profile:
        jobs.add_in(conn, "profile", f"profile:{identity_id}",
                 {"channel_id": channel_id, "identity_id": identity_id,
                  "external_id": msg.identity_external_id})
    if needs_download(msg.attachments):
        digest = hashlib.sha1(msg.external_id.encode("utf-8", "replace")).hexdigest()[:24]
        jobs.add_in(conn, "media", f"media:{channel_id}:{digest}",
                 {"channel_id": channel_id, "external_id": msg.external_id})
    return profile or needs_download(msg.attachments)


_M, _I, _C, _D = (Message.__table__, ChannelIdentity.__table__, Contact.__table__,
                  Dialog.__table__)
# Built once, executed with parameters: SQLAlchemy then reuses the compiled statement.
_INSERT_MESSAGE = _M.insert()
_BUMP_DIALOG = _D.update().where(_D.c.id == bindparam("b_id")).values(
    last_message_at=bindparam("b_now"), activity_at=bindparam("b_now"),
    last_preview=bindparam("b_preview"), last_channel_kind=bindparam("b_kind"),
    last_direction=IN, unread_count=_D.c.unread_count + bindparam("b_n"))
_FIRST_MESSAGE = _C.update().where(_C.c.id == bindparam("b_id"), _C.c.first_message_at.is_(None)
                                   ).values(first_message_at=bindparam("b_now"))
_REACHED = _I.update().where(_I.c.id == bindparam("b_id")).values(
    last_inbound_at=bindparam("b_now"), reachable=True, unreachable_reason="")
_KNOWN = sa_select(_M.c.id, _M.c.dialog_id, _M.c.contact_id, _M.c.identity_id, _M.c.external_id).where(
    _M.c.channel_id == bindparam("ch"), _M.c.external_id.in_(bindparam("ext", expanding=True)))
_IDENTS = sa_select(_I.c.id, _I.c.contact_id, _I.c.external_id).where(
    _I.c.channel_id == bindparam("ch"), _I.c.external_id.in_(bindparam("ext", expanding=True)))
_DIALOGS = sa_select(_D.c.contact_id, _D.c.id).where(
    _D.c.contact_id.in_(bindparam("contacts", expanding=True)))
_LAST_CHOICES = sa_select(_M.c.choices).where(_M.c.dialog_id == bindparam("d"), _M.c.direction == OUT
                                              ).order_by(_M.c.id.desc()).limit(1)


def _store(channel_id: int, channel_kind: str, messages: list[InboundMessage],
           fetch_profile: bool = True) -> list[Received]:
    """SQL Core rather than ORM objects: no model construction, no flushes. The batch's
    known messages, identities and dialogs are read in one SELECT each; each new message
    is one INSERT; the dialogs', clients' and identities' counters are written once per
    batch (executemany), from the batch's last message."""
    ext_ids = [m.external_id for m in messages]
    who = list({m.identity_external_id for m in messages})
    out: list[Received] = []
    with db.session() as s:
        conn = s.connection()
        known = {r.external_id: r for r in conn.execute(
            _KNOWN, {"ch": channel_id, "ext": ext_ids})}
        idents = {r.external_id: (r.id, r.contact_id) for r in conn.execute(
            _IDENTS, {"ch": channel_id, "ext": who})}
        dialogs = dict(conn.execute(_DIALOGS, {"contacts": sorted({c for _, c in idents.values()})}
                                    ).all()) if idents else {}
        bumps: dict[int, dict] = {}  # dialog id -> its counters after this batch
        reached: dict[int, object] = {}  # identity id -> its last message's time
        firsts: dict[int, object] = {}  # contact id -> its first message's time in the batch
        bots: bool | None = None  # is any scenario published (asked once per batch)
        jobs_added = False  # the job runner is woken only when the batch queued jobs
        for msg in messages:
            hit = known.get(msg.external_id)
            if hit is not None:
                out.append(Received(hit.id, hit.dialog_id, hit.contact_id, hit.identity_id or 0,
                                    created=False, new_identity=False))
                continue
            new_identity = msg.identity_external_id not in idents
            if new_identity:
                idents[msg.identity_external_id] = _new_identity(conn, channel_id, msg)
            else:
                _fill_phone(conn, idents[msg.identity_external_id][1], msg)
            identity_id, contact_id = idents[msg.identity_external_id]
            dialog_id = dialogs.get(contact_id) or _dialog_id(conn, contact_id)
            dialogs[contact_id] = dialog_id
            now = utcnow()
            sent_at = msg.sent_at or now
            if sent_at.tzinfo is None:
                sent_at = sent_at.replace(tzinfo=timezone.utc)
            choice_id = msg.choice_id or _typed_choice(conn, dialog_id, msg.text)
            message_id = conn.execute(_INSERT_MESSAGE, dict(
                dialog_id=dialog_id, contact_id=contact_id, identity_id=identity_id,
                channel_id=channel_id, channel_kind=channel_kind, direction=IN,
                sender_kind="client", text=msg.text or "", attachments=msg.attachments or [],
                status=RECEIVED, error="", external_id=msg.external_id, status_history=[],
                attempts=0, created_at=now, sent_at=sent_at, updated_at=now, choices=[],
                choice_id=choice_id[:256], claimed_by="",
                subject=msg.subject or "")).inserted_primary_key[0]
            if _add_jobs(conn, channel_id, identity_id, msg, new_identity and fetch_profile):
                jobs_added = True
            if bots is None:
                bots = bot_jobs.any_published(conn)
            if bots:  # the chat-bot's turn, after this commit (services/bot.py)
                bot_jobs.add_inbound_job(conn, contact_id, message_id, now)
                jobs_added = True
            n = bumps[dialog_id]["b_n"] + 1 if dialog_id in bumps else 1
            bumps[dialog_id] = {"b_id": dialog_id, "b_now": now, "b_n": n, "b_kind": channel_kind,
                                "b_preview": preview_of(msg.text, msg.attachments)}
            reached[identity_id] = now
            firsts.setdefault(contact_id, now)
            out.append(Received(message_id, dialog_id, contact_id, identity_id, True, new_identity))
            known[msg.external_id] = SimpleNamespace(id=message_id, dialog_id=dialog_id,
                                                     contact_id=contact_id, identity_id=identity_id)
        if bumps:
            stats.received(conn, [r.message_id for r in out if r.created])
            conn.execute(_BUMP_DIALOG, list(bumps.values()))
            conn.execute(_REACHED, [{"b_id": i, "b_now": t} for i, t in reached.items()])
            conn.execute(_FIRST_MESSAGE, [{"b_id": c, "b_now": t} for c, t in firsts.items()])
        events.on_commit(s, *[DialogChanged(dialog_id=r.dialog_id, contact_id=r.contact_id,
                                            reason="inbound", message_id=r.message_id)
                              for r in out if r.created])
        if jobs_added:
            events.on_commit(s, JobsQueued())
        s.commit()
    return out


def _new_identity(conn, channel_id: int, msg: InboundMessage) -> tuple[int, int]:
    """A client seen for the first time in this channel: joined by phone to the client who
    has it in another channel (S1), else a new client. Returns (identity id, contact id)."""
    e164 = phones.try_normalize(msg.phone) if msg.phone else ""
    contact_id = None
    if e164:
        contact_id = conn.execute(sa_select(_C.c.id).where(_C.c.phone == e164)
                                  .order_by(_C.c.id).limit(1)).scalar()
    if contact_id is None:
        first, last = msg.first_name, msg.last_name
        if not first and not last and msg.display_name:
            first = msg.display_name
        contact_id = conn.execute(_C.insert().values(
            first_name=first[:200], last_name=last[:200], phone=e164,
            phone_raw=msg.phone if e164 else "", phone_digits=phones.digits(e164))
        ).inserted_primary_key[0]
        stats.contact_created(conn, contact_id)
    identity_id = conn.execute(_I.insert().values(
        contact_id=contact_id, channel_id=channel_id, external_id=msg.identity_external_id,
        display_name=msg.display_name[:300], username=msg.username[:200])).inserted_primary_key[0]
    return identity_id, contact_id


def _fill_phone(conn, contact_id: int, msg: InboundMessage) -> None:
    """A known client's channel now gives the phone: keep it if the client had none."""
    e164 = phones.try_normalize(msg.phone) if msg.phone else ""
    if e164:
        conn.execute(_C.update().where(_C.c.id == contact_id, _C.c.phone == "").values(
            phone=e164, phone_raw=msg.phone, phone_digits=phones.digits(e164)))


def _dialog_id(conn, contact_id: int) -> int:
    found = conn.execute(sa_select(_D.c.id).where(_D.c.contact_id == contact_id)).scalar()
    if found is not None:
        return found
    return conn.execute(_D.insert().values(contact_id=contact_id)).inserted_primary_key[0]


def dialog_for(s: Session, contact_id: int) -> Dialog:
    dialog = s.exec(select(Dialog).where(Dialog.contact_id == contact_id)).first()
    if dialog is None:
        dialog = Dialog(contact_id=contact_id)
        s.add(dialog)
        s.flush()
    return dialog


def set_identity_profile(identity_id: int, display_name: str = "", avatar: str = "") -> None:
    """Store what the channel's profile call returned. The contact's avatar is the first
    channel's that has one (L1); names typed in the CRM are never overwritten (R6)."""
    with db.session() as s:
        identity = s.get(ChannelIdentity, identity_id)
        if identity is None:
            return
        if display_name:
            identity.display_name = display_name[:300]
        if avatar:
            identity.avatar = avatar
            contact = s.get(Contact, identity.contact_id)
            if contact is not None and not contact.avatar:
                contact.avatar = avatar
                s.add(contact)
        s.add(identity)
        dialog = s.exec(select(Dialog).where(Dialog.contact_id == identity.contact_id)).first()
        if dialog is not None:
            events.on_commit(s, DialogChanged(dialog_id=dialog.id, contact_id=identity.contact_id,
                                              reason="profile"))
        s.commit()


def find_message(channel_id: int, external_id: str) -> tuple[int, list[dict]] | None:
    """(message id, attachments) of a stored inbound message, or None."""
    with db.session() as s:
        row = s.exec(select(Message.id, Message.attachments).where(
            Message.channel_id == channel_id, Message.external_id == external_id)).first()
    return (row[0], list(row[1] or [])) if row else None


def set_attachments(message_id: int, attachments: list[dict]) -> None:
    """The downloaded media of an inbound message (workers.fetch_media)."""
    with db.session() as s:
        msg = s.get(Message, message_id)
        if msg is None:
            return
        msg.attachments = storable.value(attachments)
        s.add(msg)
        events.on_commit(s, MessageChanged(dialog_id=msg.dialog_id, contact_id=msg.contact_id,
                                           message_id=message_id, reason="media"))
        s.commit()


def set_reachable(channel_id: int, identity_external_id: str, reachable: bool,
                  reason: str = "") -> bool:
    """A channel told us the client (un)subscribed (Viber, WhatsApp failures) (C7)."""
    identity_external_id, reason = storable.text(identity_external_id), storable.text(reason)
    with db.session() as s:
        ident = s.exec(select(ChannelIdentity).where(
            ChannelIdentity.channel_id == channel_id,
            ChannelIdentity.external_id == identity_external_id)).first()
        if ident is None or (ident.reachable == reachable and ident.unreachable_reason == reason):
            return False
        ident.reachable, ident.unreachable_reason = reachable, ("" if reachable else reason[:500])
        s.add(ident)
        contact_id = ident.contact_id
        dialog = s.exec(select(Dialog).where(Dialog.contact_id == contact_id)).first()
        if dialog is not None:
            events.on_commit(s, DialogChanged(dialog_id=dialog.id, contact_id=contact_id,
                                              reason="reachable"))
        s.commit()
    return True


def mark_read(dialog_id: int) -> bool:
    """Opening a dialog reads it, in every tab (X2). Returns True when something changed."""
    with db.session() as s:
        dialog = s.get(Dialog, dialog_id)
        if dialog is None or dialog.unread_count == 0:
            return False
        dialog.unread_count = 0
        s.add(dialog)
        events.on_commit(s, DialogChanged(dialog_id=dialog_id, contact_id=dialog.contact_id,
                                          reason="read"))
        s.commit()
    return True
