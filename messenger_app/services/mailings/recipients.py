"""Fixing a mailing's recipients: one INSERT ... SELECT writes a row per client (and per
occurrence for automatic mailings) with its route and skip reason."""

from __future__ import annotations

from sqlalchemy import Integer, and_, exists, func, insert, literal, not_, select, update

from messenger_app import db
from messenger_app.models import Channel, ChannelIdentity, Contact, Dialog
from messenger_app.models.mailing import (DRAFT, R_PENDING, R_SKIPPED, RUNNING, SCHEDULED, Mailing,
                                          MailingRecipient)
from messenger_app.services import events, filters, mailing_audience, rollups
from messenger_app.services.event_types import MailingFeedChanged
from messenger_app.services.mailings.drafts import _changed, MailingError, _now


def fix_recipients(mailing_id: int, occurrence_condition=None, occurrence: str = "") -> int:
    """Write the recipients (one INSERT ... SELECT), mark the skipped, set the mailing running.
    Idempotent: a client already fixed for this occurrence is not added twice. Returns how
    many rows were added."""
    now = _now()
    with db.session() as s:
        conn = s.connection()
        m = conn.execute(select(Mailing.__table__).where(Mailing.id == mailing_id)).first()
        if m is None:
            raise MailingError("mailing not found", code="mailing_missing")
        if not m.trigger and m.status not in (DRAFT, SCHEDULED):
            return 0  # started already (a scheduled job run twice)
        channel = conn.execute(select(Channel.__table__).where(Channel.id == m.channel_id)).first() \
            if m.channel_id else None
        ident, skip = mailing_audience.columns(channel, now)
        R = MailingRecipient.__table__
        already = exists(select(R.c.id).where(R.c.mailing_id == mailing_id,
                                              R.c.contact_id == Contact.id,
                                              R.c.occurrence == occurrence).correlate(Contact))
        sel = mailing_audience.base(m.audience or filters.empty(), occurrence_condition)
        if m.trigger:  # automatic: today's run may meet clients fixed by an earlier run
            sel = sel.where(not_(already))
        sel = sel.with_only_columns(literal(mailing_id), Contact.id, Dialog.id, literal(occurrence),
                                    ident, literal(m.channel_id, type_=Integer), literal(R_PENDING), skip,
                                    literal(""), literal(now))
        fresh = and_(R.c.mailing_id == mailing_id, R.c.occurrence == occurrence)
        before = conn.execute(select(func.count()).select_from(R).where(fresh)).scalar_one()
        conn.execute(insert(R).from_select(
            ["mailing_id", "contact_id", "dialog_id", "occurrence", "identity_id", "channel_id",
             "status", "skip_reason", "error", "created_at"], sel))
        # (rowcount of INSERT ... SELECT is -1 on some drivers: count instead)
        added = conn.execute(select(func.count()).select_from(R).where(fresh)).scalar_one() - before
        skipped = conn.execute(update(R).where(fresh, R.c.skip_reason != "", R.c.status != R_SKIPPED)
                               .values(status=R_SKIPPED)).rowcount
        if skipped and skipped > 0:  # X9: the mailing's figures (sent ... come from the outbox)
            rollups.record(conn, "mailing_skipped", now, key=mailing_id, n=skipped)
        if m.channel_id is None:  # each client's own channel: the chosen identity's
            conn.execute(update(R).where(fresh, R.c.status == R_PENDING)
                         .values(channel_id=select(ChannelIdentity.channel_id)
                                 .where(ChannelIdentity.id == R.c.identity_id).scalar_subquery()))
        if not m.trigger:
            conn.execute(update(Mailing.__table__).where(Mailing.id == mailing_id)
                         .values(status=RUNNING, started_at=now, updated_at=now))
        _changed(s, mailing_id)
        events.on_commit(s, MailingFeedChanged())
        s.commit()
    return added
