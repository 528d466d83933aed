"""The feeder: hands a running mailing's recipients to the outbox a few at a time (at most
`window(channel)` queued per channel), each exactly once by its dedup key, and marks a
mailing done when none is left."""

from __future__ import annotations

import functools
import logging

from sqlalchemy import bindparam, func, select, update

from messenger_app import db
from messenger_app.channels import registry
from messenger_app.channels.base import Choice
from messenger_app.models import Channel, Contact, Message
from messenger_app.models.mailing import (ACTIVE, DONE, PAUSED, R_FAILED, R_PENDING, R_QUEUED, R_SKIPPED,
                                          R_STARTED, RUNNING, Mailing, MailingRecipient)
from messenger_app.models.message import OUTBOUND, QUEUED, SENDING
from messenger_app.services import outbox, rollups, templates
from messenger_app.services.mailings.control import PAUSED_UNTIL
from messenger_app.services.mailings.drafts import _changed, _now

log = logging.getLogger("messenger.mailings")


def window(channel_kind: str) -> int:
    """How many mailing messages may wait in one channel's lane: two seconds of its rate."""
    rate = registry.capabilities(channel_kind).rate_per_second
    return max(5, min(200, int(rate * 2)))


def _dedup_key(mailing_id: int, contact_id: int, occurrence: str) -> str:
    return f"mailing:{mailing_id}:{contact_id}" + (f":{occurrence}" if occurrence else "")


@functools.cache
def _any_running_query():
    """Is a mailing running? Built once: feed() asks twice a second, and the answer is
    usually no (an ORM session and a statement built each time were ~10 % of an idle
    backend's CPU, issue 11)."""
    return select(Mailing.id).where(Mailing.status.in_([RUNNING, ACTIVE])).limit(1)


def feed(limit: int = 1000) -> int:
    """Hand the next recipients of every running mailing to the outbox, as far as each
    channel's window allows; finish mailings with nothing left. Returns how many were handed."""
    handed = 0
    with db.reading() as conn:
        if conn.execute(_any_running_query()).first() is None:  # the usual case
            return 0
    with db.session() as s:
        running = list(s.exec(select(Mailing).where(Mailing.status.in_([RUNNING, ACTIVE]))).scalars())
        if not running:
            return 0
        kinds = dict(s.exec(select(Channel.id, Channel.kind)).all())
    for m in running:
        if handed >= limit:
            break
        handed += _feed_one(m, kinds, limit - handed)
    return handed


def _feed_one(m: Mailing, kinds: dict, limit: int) -> int:
    R = MailingRecipient
    with db.session() as s:
        lanes = list(s.exec(select(R.channel_id).where(R.mailing_id == m.id, R.status == R_PENDING)
                            .distinct()).scalars())
        room = {}
        for cid in lanes:
            busy = s.scalar(select(func.count()).select_from(Message).where(
                OUTBOUND, Message.channel_id == cid, Message.status.in_([QUEUED, SENDING]),
                Message.origin_kind == "mailing"))
            room[cid] = max(0, window(kinds.get(cid, "")) - busy)
        batch = []
        for cid, n in room.items():
            if n and len(batch) < limit:
                batch += list(s.exec(
                    select(R.id, R.contact_id, R.dialog_id, R.identity_id, R.occurrence,
                           Contact.blacklisted)
                    .join(Contact, Contact.id == R.contact_id)
                    .where(R.mailing_id == m.id, R.status == R_PENDING,
                           (R.channel_id == cid) if cid is not None else R.channel_id.is_(None))
                    .order_by(R.id).limit(min(n, limit - len(batch)))).all())
    results = [_hand_over(m, *row) for row in batch]
    if results:  # one transaction for the batch (a crash before it: the dedup keys hold)
        T = MailingRecipient.__table__
        with db.session() as s:
            conn = s.connection()
            conn.execute(update(T).where(T.c.id == bindparam("b_id"), T.c.status == R_PENDING)
                         .values(status=bindparam("b_status"), skip_reason=bindparam("b_skip"),
                                 message_id=bindparam("b_msg"), error=bindparam("b_error")),
                         results)
            for status, metric in ((R_SKIPPED, "mailing_skipped"), (R_FAILED, "mailing_failed")):
                n = sum(1 for r in results if r["b_status"] == status)
                if n:
                    rollups.record(conn, metric, _now(), key=m.id, n=n)
            if lanes:
                _changed(s, m.id)
            s.commit()
    if not lanes:
        _maybe_done(m)
    return len(batch)


def _hand_over(m: Mailing, rid: int, contact_id: int, dialog_id: int, identity_id, occurrence,
               blacklisted: bool) -> dict:
    """Queue one recipient's message; returns the recipient's new values (never raises)."""
    values: dict
    if blacklisted:  # blacklisted after the mailing started: the service that sends says no
        values = {"status": R_SKIPPED, "skip_reason": "blacklisted"}
    elif identity_id is None:
        values = {"status": R_SKIPPED, "skip_reason": "no_channel"}
    elif m.scenario_id:  # B1 from a mailing: the bot takes it from here, through the outbox
        try:
            from messenger_app.services import bot

            bot.start(contact_id, m.scenario_id, by="mailing")
            values = {"status": R_STARTED}
        except Exception as e:  # one recipient's failure never stops the others
            log.warning("mailing %s recipient %s: scenario: %s: %s", m.id, rid, type(e).__name__, e)
            values = {"status": R_FAILED, "error": f"{type(e).__name__}: {e}"[:500]}
    else:
        try:
            text = templates.render(m.text, contact_id).text if "{" in m.text else m.text
            mid = outbox.queue(
                dialog_id, None, text, identity_id=identity_id, attachments=m.attachments or [],
                sender_kind="bot", choices=[Choice(c["id"], c["label"]) for c in m.choices or []],
                origin=outbox.Origin("mailing", m.id, m.name, {"recipient": rid}),
                dedup_key=_dedup_key(m.id, contact_id, occurrence), touch_list=False)
            if m.status == PAUSED:
                with db.session() as s:
                    s.exec(update(Message).where(Message.id == mid, Message.status == QUEUED)
                           .values(next_attempt_at=PAUSED_UNTIL))
                    s.commit()
            values = {"status": R_QUEUED, "message_id": mid}
        except outbox.SendRefused as e:
            reason = {"send_unreachable": "unreachable"}.get(e.code)
            values = ({"status": R_SKIPPED, "skip_reason": reason} if reason
                      else {"status": R_FAILED, "error": (e.code or str(e))[:500]})
        except Exception as e:  # one recipient's failure never stops the others
            log.warning("mailing %s recipient %s: %s: %s", m.id, rid, type(e).__name__, e)
            values = {"status": R_FAILED, "error": f"{type(e).__name__}: {e}"[:500]}
    return {"b_id": rid, "b_status": values["status"], "b_skip": values.get("skip_reason", ""),
            "b_msg": values.get("message_id"), "b_error": values.get("error", "")}


def _maybe_done(m: Mailing) -> None:
    if m.trigger:
        return  # an automatic mailing stays active
    with db.session() as s:
        waiting = s.scalar(select(func.count()).select_from(Message).where(
            OUTBOUND, Message.origin_kind == "mailing", Message.origin_id == m.id,
            Message.status.in_([QUEUED, SENDING])))
        if waiting:
            return
        now = _now()
        res = s.exec(update(Mailing).where(Mailing.id == m.id, Mailing.status == RUNNING)
                     .values(status=DONE, finished_at=now, updated_at=now))
        if res.rowcount:
            _changed(s, m.id)
        s.commit()
