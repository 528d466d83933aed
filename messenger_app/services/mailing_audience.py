"""Who a mailing goes to (B2): the audience's SQL with each client's route and skip reason.

One SELECT over Dialog JOIN Contact (the L5 filter, compiled by services/filters.py) gives,
per client, the identity the message will use and why the client is skipped:

    blacklisted      crm.mailable_clause() says no (R3): never sent, manual or automatic
    no_channel       the client has no account in any connected channel
    no_channel_kind  the client has no account in the chosen channel
    unreachable      the client's accounts there are unreachable (blocked the bot, unsubscribed)
    wa_window        only WhatsApp is left, and the client wrote more than 24 h ago: only
                     approved WhatsApp templates may go there, and this app does not send those
    channel_off      the chosen channel is switched off

The same expression is used for the preview (a GROUP BY) and for fixing the recipients (an
INSERT ... SELECT: 100k rows in one statement), so what the preview says is what is sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, case, exists, func, literal, not_, or_, select

from messenger_app.channels import registry
from messenger_app.models import Channel, ChannelIdentity, Contact, ContactValue, CrmField, Dialog
from messenger_app.services import crm, filters

SKIP_REASONS = ("blacklisted", "no_channel", "no_channel_kind", "unreachable", "wa_window",
                "channel_off")


def _windowed_kinds() -> dict[str, int]:
    return {k: spec.capabilities.reply_window_hours for k, spec in registry.KINDS.items()
            if spec.capabilities.reply_window_hours}


def _in_window(now: datetime):
    """An identity's channel has no reply window, or the client wrote inside it."""
    parts = [Channel.kind.notin_(list(_windowed_kinds()))]
    for kind, hours in _windowed_kinds().items():
        parts.append(and_(Channel.kind == kind,
                          ChannelIdentity.last_inbound_at >= now - timedelta(hours=hours)))
    return or_(*parts)


def _identities(*conds):
    return (select(ChannelIdentity.id)
            .join(Channel, Channel.id == ChannelIdentity.channel_id)
            .where(ChannelIdentity.contact_id == Contact.id, *conds)
            .correlate(Contact))


def columns(channel: Channel | None, now: datetime):
    """(identity_id, skip_reason) as SQL expressions over Contact, for `channel` (None: each
    client's last used channel, then the others)."""
    if channel is None:
        usable = [ChannelIdentity.reachable == True, Channel.enabled == True,  # noqa: E712
                  _in_window(now)]
        ident = (_identities(*usable)
                 .order_by(func.coalesce(ChannelIdentity.last_inbound_at,
                                         ChannelIdentity.created_at).desc(),
                           ChannelIdentity.id.desc())
                 .limit(1).scalar_subquery())
        reachable_on = [ChannelIdentity.reachable == True, Channel.enabled == True]  # noqa: E712
        skip = case(
            (not_(crm.mailable_clause()), literal("blacklisted")),
            (not_(exists(_identities())), literal("no_channel")),
            (exists(_identities(*usable)), literal("")),
            (exists(_identities(*reachable_on)), literal("wa_window")),
            else_=literal("unreachable"))
        return ident, skip
    on = ChannelIdentity.channel_id == channel.id
    hours = registry.capabilities(channel.kind).reply_window_hours
    usable = [on, ChannelIdentity.reachable == True]  # noqa: E712
    if hours:
        usable.append(ChannelIdentity.last_inbound_at >= now - timedelta(hours=hours))
    ident = (_identities(*usable).order_by(ChannelIdentity.last_inbound_at.desc(),
                                           ChannelIdentity.id.desc())
             .limit(1).scalar_subquery())
    whens = [(not_(crm.mailable_clause()), literal("blacklisted"))]
    if not channel.enabled:
        whens.append((literal(True), literal("channel_off")))
    whens += [(ident.isnot(None), literal("")),  # the common case: one subquery more
              (not_(exists(_identities(on))), literal("no_channel_kind")),
              (not_(exists(_identities(on, ChannelIdentity.reachable == True))),  # noqa: E712
               literal("unreachable")),
              (not_(exists(_identities(*usable))), literal("wa_window"))]
    return ident, case(*whens, else_=literal(""))


def base(audience: dict, extra=None):
    """SELECT contact id, dialog id FROM the audience (validated L5 filter) [AND extra]."""
    q = (select(Contact.id, Dialog.id).select_from(Dialog)
         .join(Contact, Contact.id == Dialog.contact_id)
         .where(filters.compile(audience, for_count=True)))
    if extra is not None:
        q = q.where(extra)
    return q


def trigger_condition(trigger: dict, day, now: datetime, created_at: datetime, tz) -> tuple:
    """(condition over Contact, occurrence key) for an automatic mailing evaluated on the
    local day `day`; (None, "") when nobody is due that day."""
    kind = trigger.get("type")
    if kind == "after_subscription":
        days = int(trigger["days"])
        # due from the Nth day on; never the clients who were already past it when the
        # mailing was made (it is for new subscribers, not a one-off to the whole base)
        return (and_(Contact.created_at <= now - timedelta(days=days),
                     Contact.created_at > created_at - timedelta(days=days)), "once")
    if kind == "date_field":
        md = day.strftime("%m-%d")
        has = (select(ContactValue.contact_id)
               .join(CrmField, CrmField.id == ContactValue.field_id)
               .where(CrmField.key == trigger["field"], ContactValue.contact_id == Contact.id,
                      func.substr(ContactValue.value_text, 6, 5) == md)
               .correlate(Contact))
        return exists(has), str(day.year)
    if kind == "weekly":
        if day.weekday() not in [int(d) for d in trigger.get("days") or []]:
            return None, ""
        return literal(True), day.isoformat()
    return None, ""
