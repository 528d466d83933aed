"""The open dialog's card as InboxState shows it: the client, their channels, the CRM part
and the routes the composer can answer by."""

from __future__ import annotations

from messenger_app.services import dialogs, outbox
from messenger_app.states import inbox_live, view
from messenger_app.states.card_view import load_crm
from messenger_app.states.rows import ChannelItem, RouteItem


def put(state, name: str, value) -> None:
    """Set a var only when the value differs: an equal value set again would still be sent
    to the tab and re-render every component bound to that state."""
    if getattr(state, name) != value:
        setattr(state, name, value)


class CardPanel:
    """InboxState's helpers for the card (a plain mixin: no vars, no event handlers)."""

    def _route_reason(self, r: outbox.Route) -> str:
        """Why a channel can't answer, in the operator's language. English keeps the
        channel's own words for an unreachable client ("blocked the bot")."""
        if not r.reason:
            return ""
        if r.reason_code == "unreachable" and self.lang == "en":
            return r.reason
        return self.t.get("route_" + r.reason_code, self.t["route_unreachable"])

    def _load_card(self, c: dialogs.Card) -> None:
        self._show_card(inbox_live.CardData(c, load_crm(c.contact_id, c.dialog_id),
                                            outbox.routes(c.dialog_id, include_unusable=True)))

    def _show_card(self, data: inbox_live.CardData) -> None:
        c = data.card
        t = self.t
        routes = [RouteItem(id=str(r.identity_id), kind=r.channel_kind, name=r.channel_name,
                            reason=self._route_reason(r))
                  for r in data.routes]
        usable = [r.id for r in routes if not r.reason]
        # only what changed is set: an equal value set again would still go to the tab and
        # re-render every component bound to this state (a live update of the open dialog)
        put(self, "_card", view.card(c, self.tz))
        put(self, "_crm", data.crm)
        put(self, "_card_channels", [ChannelItem(kind=ch["kind"], name=ch["name"],
                                                who=ch["display_name"] or ch["username"],
                                                address=ch.get("address", ""),
                                                reachable=bool(ch["reachable"]),
                                                reason=ch["reason"]) for ch in c.channels])
        put(self, "_routes", routes)
        put(self, "_no_route", "" if usable else t["composer_no_channel"].format(
            reason=routes[0].reason if routes else t["route_none"]))
        if self._route_id not in usable:
            self._route_id = usable[0] if usable else ""
