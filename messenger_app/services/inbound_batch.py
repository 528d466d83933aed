"""One inbound batch stored in ONE transaction (inbox.receive_many calls store()).

identity -> contact (created if new, joined by phone when the channel gives one) -> dialog
-> message -> counters, statistics, jobs, and the events sent after the commit. Idempotent
on (channel, external_id). SQL Core statements built once at import and run with
parameters: on this path building a statement cost more CPU than running it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timezone

from sqlalchemy import and_, bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session

from messenger_app import db
from messenger_app.channels.base import InboundMessage
from messenger_app.clock import utcnow
from messenger_app.lib import phones
from messenger_app.models import ChannelIdentity, Contact, Dialog, Message
from messenger_app.models.message import IN, OUT, RECEIVED
from messenger_app.services import bot_jobs, events, jobs, rollup_days, stats
from messenger_app.services.event_types import DialogChanged, JobsQueued
from messenger_app.services.sql_direct import Direct, DirectInsert
from messenger_app.services.sql_lists import OneOrMany

PREVIEW_CHARS = 140


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


def _typed_choice(text: str, last_choices: list | None) -> str:
    """A typed answer to the buttons of the last message we sent (channels without buttons,
    or a client who types instead of pressing)."""
    if not text or len(text) > 200:
        return ""
    return match_choice(text, list(last_choices or []))


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
# Built once, executed with parameters; those of one message's path run as Direct statements
# (sql_direct: SQLAlchemy's execution path cost more than SQLite's work on this path).
_MESSAGE_KEYS = ("dialog_id", "contact_id", "identity_id", "channel_id", "channel_kind", "direction",
                 "sender_kind", "text", "attachments", "status", "error", "external_id", "status_history",
                 "attempts", "created_at", "sent_at", "updated_at", "choices", "choice_id", "claimed_by",
                 "origin_kind", "origin_label", "subject")  # every value of a new inbound row
_INSERT_MESSAGE = Direct(_M.insert().returning(_M.c.id), keys=_MESSAGE_KEYS)
_BUMP_DIALOG = Direct(_D.update().where(_D.c.id == bindparam("b_id")).values(
    last_message_at=bindparam("b_now"), activity_at=bindparam("b_now"),
    last_preview=bindparam("b_preview"), last_channel_kind=bindparam("b_kind"),
    last_direction=IN, unread_count=_D.c.unread_count + bindparam("b_n")))
_FIRST_MESSAGE = Direct(_C.update().where(_C.c.id == bindparam("b_id"), _C.c.first_message_at.is_(None)
                                          ).values(first_message_at=bindparam("b_now")))
_REACHED = Direct(_I.update().where(_I.c.id == bindparam("b_id")).values(
    last_inbound_at=bindparam("b_now"), reachable=True, unreachable_reason=""))
# The batch's first statement: its messages already stored, and with them what the path
# would otherwise ask in two more statements for every batch: the day statistics' kept zone
# and whether any scenario is published. A one-row select LEFT JOINed to the messages, so
# that row comes back even when none is stored yet.
_CONTEXT = sa_select(rollup_days.ZONE.label("zone"), bot_jobs.PUBLISHED.label("bots")).subquery("ctx")
_KNOWN = OneOrMany(lambda member: sa_select(
    _CONTEXT.c.zone, _CONTEXT.c.bots,
    _M.c.id, _M.c.dialog_id, _M.c.contact_id, _M.c.identity_id, _M.c.external_id,
).select_from(_CONTEXT.outerjoin(_M, and_(_M.c.channel_id == bindparam("ch"),
                                          member(_M.c.external_id, "ext")))))


def _last_choices(dialog_id):
    """The buttons of the last message we sent in a dialog (a typed answer to them is the
    button's choice)."""
    return sa_select(_M.c.choices).where(_M.c.dialog_id == dialog_id, _M.c.direction == OUT
                                         ).order_by(_M.c.id.desc()).limit(1)


_LAST_CHOICES = _last_choices(bindparam("d"))
# The batch's known senders with, in the same statement, what the path needs of each: the
# client's dialog, whether the client was ever billed (first_message_at) and the buttons of
# the last message we sent there (a typed answer to them is the button's choice).
_IDENTS = OneOrMany(lambda member: sa_select(
    _I.c.id, _I.c.contact_id, _I.c.external_id, _C.c.first_message_at, _C.c.phone,
    _D.c.id.label("dialog_id"),
    _last_choices(_D.c.id).correlate(_D).scalar_subquery().label("choices"),
).select_from(_I.join(_C, _C.c.id == _I.c.contact_id).outerjoin(_D, _D.c.contact_id == _C.c.id)).where(
    _I.c.channel_id == bindparam("ch"), member(_I.c.external_id, "ext")))
_INSERT_MESSAGES = _M.insert().returning(_M.c.id, sort_by_parameter_order=True)
# a new client's statements (about a third of storing a first message, by py-spy)
_INSERT_CONTACT = DirectInsert(_C, ("first_name", "last_name", "phone", "phone_raw", "phone_digits"),
                               returning=(_C.c.id, _C.c.created_at))
_INSERT_IDENTITY = DirectInsert(_I, ("contact_id", "channel_id", "external_id", "display_name",
                                     "username"), returning=(_I.c.id,))
_CONTACT_BY_PHONE = Direct(sa_select(_C.c.id).where(_C.c.phone == bindparam("e164"))
                           .order_by(_C.c.id).limit(1))
_DIALOG_OF = Direct(sa_select(_D.c.id).where(_D.c.contact_id == bindparam("c")))
_INSERT_DIALOG = DirectInsert(_D, ("contact_id",), returning=(_D.c.id,))
_FILL_PHONE = _C.update().where(_C.c.id == bindparam("b_id"), _C.c.phone == "").values(
    phone=bindparam("b_phone"), phone_raw=bindparam("b_raw"), phone_digits=bindparam("b_digits"))


@dataclass
class _Sender:
    """What the batch knows of one sender (read once, then kept up to date by the batch)."""
    identity_id: int
    contact_id: int
    dialog_id: int | None
    billed: bool  # the client's first message is already counted (first_message_at set)
    phone: bool  # the client has a phone (a channel that gives one has nothing to fill in)
    choices: list | None  # the buttons of the last message we sent in the dialog


def store(channel_id: int, channel_kind: str, messages: list[InboundMessage],
           fetch_profile: bool = True) -> list[Received]:
    """SQL Core rather than ORM objects: no model construction, no flushes. The batch's
    known messages and senders (with their dialogs) are read in one SELECT each; the new
    messages are one INSERT (executemany with RETURNING); the dialogs', clients' and
    identities' counters are written once per batch (executemany), from the batch's last
    message. About ten statements for one message, whatever the batch size for most."""
    ext_ids = [m.external_id for m in messages]
    who = list({m.identity_external_id for m in messages})
    out: list[Received | None] = []
    with db.session() as s:
        conn = s.connection()
        found = _KNOWN.rows(conn, {"ch": channel_id, "ext": ext_ids})
        known = {r.external_id: r for r in found if r.id is not None}
        senders = {r.external_id: _Sender(r.id, r.contact_id, r.dialog_id, r.first_message_at is not None,
                                          bool(r.phone), r.choices)
                   for r in _IDENTS.rows(conn, {"ch": channel_id, "ext": who})} if len(known) < len(
            messages) else {}
        rows: list[dict] = []  # the new messages, in batch order
        new: list[tuple[int, InboundMessage, _Sender, bool]] = []  # (slot in out, msg, sender, new?)
        seen: set[str] = set()  # the external ids this batch stores
        for msg in messages:
            hit = known.get(msg.external_id)
            if hit is not None:
                out.append(Received(hit.id, hit.dialog_id, hit.contact_id, hit.identity_id or 0,
                                    created=False, new_identity=False))
                continue
            if msg.external_id in seen:  # twice in one batch: stored once
                out.append(None)
                new.append((len(out) - 1, msg, None, False))
                continue
            sender = senders.get(msg.identity_external_id)
            new_identity = sender is None
            if new_identity:
                identity_id, contact_id = _new_identity(conn, channel_id, msg)
                has_phone = bool(msg.phone and phones.try_normalize(msg.phone))  # joined by it, or new with it
                sender = senders[msg.identity_external_id] = _Sender(identity_id, contact_id, None, False,
                                                                     has_phone, None)
            elif not sender.phone:
                sender.phone = _fill_phone(conn, sender.contact_id, msg)
            if sender.dialog_id is None:
                sender.dialog_id, existed = _dialog_id(conn, sender.contact_id)
                if existed:  # a new channel of a known client (joined by phone)
                    sender.choices = conn.execute(_LAST_CHOICES, {"d": sender.dialog_id}).scalar()
            now = utcnow()
            sent_at = msg.sent_at or now
            if sent_at.tzinfo is None:
                sent_at = sent_at.replace(tzinfo=timezone.utc)
            choice_id = msg.choice_id or _typed_choice(msg.text, sender.choices)
            rows.append(dict(
                dialog_id=sender.dialog_id, contact_id=sender.contact_id, identity_id=sender.identity_id,
                channel_id=channel_id, channel_kind=channel_kind, direction=IN,
                sender_kind="client", text=msg.text or "", attachments=msg.attachments or [],
                status=RECEIVED, error="", external_id=msg.external_id, status_history=[],
                attempts=0, created_at=now, sent_at=sent_at, updated_at=now, choices=[],
                choice_id=choice_id[:256], claimed_by="", origin_kind="", origin_label="",
                subject=msg.subject or ""))
            out.append(None)
            seen.add(msg.external_id)
            new.append((len(out) - 1, msg, sender, new_identity))
        if rows:
            ids = [r[0] for r in conn.execute(_INSERT_MESSAGES, rows)] if len(rows) > 1 else [
                _INSERT_MESSAGE.rows(conn, rows[0])[0].id]
            _after_insert(conn, channel_id, channel_kind, rows, ids, new, out, fetch_profile, s,
                          found[0].zone, bool(found[0].bots))
        s.commit()
    return out  # type: ignore[return-value]


def _after_insert(conn, channel_id: int, channel_kind: str, rows: list[dict], ids: list[int],
                  new: list, out: list, fetch_profile: bool, s: Session, zone: str | None,
                  bots: bool) -> None:
    """The new messages' consequences, in their transaction: the Received of each, the jobs
    they cause, the statistics, the counters of their dialogs, clients and identities, and
    the events sent after the commit. `zone` (the day statistics' kept zone) and `bots` (is
    any scenario published) were read by the batch's first statement."""
    stored = iter(zip(rows, ids))
    bumps: dict[int, dict] = {}  # dialog id -> its counters after this batch
    reached: dict[int, object] = {}  # identity id -> its last message's time
    unbilled: dict[int, object] = {}  # contact id -> its first message's time, if not billed yet
    first_of: dict[str, Received] = {}
    jobs_added = False  # the job runner is woken only when the batch queued jobs
    for slot, msg, sender, new_identity in new:
        if sender is None:  # the same message twice in the batch
            r = first_of[msg.external_id]
            out[slot] = Received(r.message_id, r.dialog_id, r.contact_id, r.identity_id, False, False)
            continue
        row, message_id = next(stored)
        now = row["created_at"]
        out[slot] = first_of[msg.external_id] = Received(
            message_id, sender.dialog_id, sender.contact_id, sender.identity_id, True, new_identity)
        if _add_jobs(conn, channel_id, sender.identity_id, msg, new_identity and fetch_profile):
            jobs_added = True
        if bots:  # the chat-bot's turn, after this commit (services/bot.py)
            bot_jobs.add_inbound_job(conn, sender.contact_id, message_id, now)
            jobs_added = True
        n = bumps[sender.dialog_id]["b_n"] + 1 if sender.dialog_id in bumps else 1
        bumps[sender.dialog_id] = {"b_id": sender.dialog_id, "b_now": now, "b_n": n, "b_kind": channel_kind,
                                   "b_preview": preview_of(msg.text, msg.attachments)}
        reached[sender.identity_id] = now
        if not sender.billed:
            unbilled.setdefault(sender.contact_id, now)
    stats.received(conn, [(r["dialog_id"], r["contact_id"], channel_id, r["created_at"]) for r in rows],
                   unbilled, zone)
    _BUMP_DIALOG.run(conn, list(bumps.values()))
    _REACHED.run(conn, [{"b_id": i, "b_now": t} for i, t in reached.items()])
    if unbilled:
        _FIRST_MESSAGE.run(conn, [{"b_id": c, "b_now": t} for c, t in unbilled.items()])
    events.on_commit(s, *[DialogChanged(dialog_id=r.dialog_id, contact_id=r.contact_id,
                                        reason="inbound", message_id=r.message_id)
                          for r in out if r.created])
    if jobs_added:
        events.on_commit(s, JobsQueued())


def _new_identity(conn, channel_id: int, msg: InboundMessage) -> tuple[int, int]:
    """A client seen for the first time in this channel: joined by phone to the client who
    has it in another channel (S1), else a new client. Returns (identity id, contact id)."""
    e164 = phones.try_normalize(msg.phone) if msg.phone else ""
    contact_id = None
    if e164:
        found = _CONTACT_BY_PHONE.rows(conn, {"e164": e164})
        contact_id = found[0].id if found else None
    if contact_id is None:
        first, last = msg.first_name, msg.last_name
        if not first and not last and msg.display_name:
            first = msg.display_name
        (contact_id, at), = _INSERT_CONTACT.rows(conn, dict(
            first_name=first[:200], last_name=last[:200], phone=e164,
            phone_raw=msg.phone if e164 else "", phone_digits=phones.digits(e164)))
        stats.contact_created(conn, contact_id, at)  # on its subscription date (the model's default)
    (identity_id,), = _INSERT_IDENTITY.rows(conn, dict(
        contact_id=contact_id, channel_id=channel_id, external_id=msg.identity_external_id,
        display_name=msg.display_name[:300], username=msg.username[:200]))
    return identity_id, contact_id


def _fill_phone(conn, contact_id: int, msg: InboundMessage) -> bool:
    """A known client without a phone whose channel now gives one: keep it. True when the
    client has one now."""
    e164 = phones.try_normalize(msg.phone) if msg.phone else ""
    if e164:
        conn.execute(_FILL_PHONE, {"b_id": contact_id, "b_phone": e164, "b_raw": msg.phone,
                                   "b_digits": phones.digits(e164)})
    return bool(e164)


def _dialog_id(conn, contact_id: int) -> tuple[int, bool]:
    """The client's dialog, created if it has none; and whether it existed."""
    found = _DIALOG_OF.rows(conn, {"c": contact_id})
    if found:
        return found[0].id, True
    return _INSERT_DIALOG.rows(conn, {"contact_id": contact_id})[0].id, False
