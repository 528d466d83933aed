"""The open dialog as the screen shows it: which one is open, its card, the routes the composer
can answer by, and which panel a phone shows — a substate of InboxState of its own.

InboxState keeps these as backend vars (`_open_id`, `_card`, `_crm`, `_card_channels`,
`_routes`, `_route_id`, `_composer_error`, `_no_route`, `_panel`) and every writer sets them
in place as before: InboxState's handlers and its live listener (states/inbox_card.py,
states/inbox_follow.py), ComposerState and NewDialogState (substates), CardState and
MergeState (through get_state). This state only turns them into computed vars. Reflex sends
a changed var in its own state's part of the delta, and the browser re-renders only the
components bound to that state: opening a dialog re-renders the header, the card, the
composer's route picker and the panels here, with the 50 messages (ThreadState), and not the
~90 components bound to InboxState (the left panel, the top bar, the filter, the folders).
"""

from __future__ import annotations

import reflex as rx

from messenger_app.states.card_view import CardCrm
from messenger_app.states.inbox import InboxState
from messenger_app.states.inbox_follow import raw  # read without Reflex's proxy (inbox_views.py)
from messenger_app.states.rows import CardItem, ChannelItem, RouteItem


class OpenDialogState(InboxState):
    @rx.var(deps=["_open_id"], auto_deps=False)
    def open_id(self) -> int:
        return self._open_id

    @rx.var(deps=["_panel"], auto_deps=False)
    def panel(self) -> str:
        """Which panel a phone shows (S3): list | dialog | card."""
        return self._panel

    @rx.var(deps=["_card"], auto_deps=False)
    def card(self) -> CardItem:
        return raw(self._card)

    @rx.var(deps=["_crm"], auto_deps=False)
    def crm(self) -> CardCrm:
        """The card's CRM part (R2-R7): states/card_view.py."""
        return raw(self._crm)

    @rx.var(deps=["_card_channels"], auto_deps=False)
    def card_channels(self) -> list[ChannelItem]:
        return raw(self._card_channels)

    @rx.var(deps=["_routes"], auto_deps=False)
    def routes(self) -> list[RouteItem]:
        return raw(self._routes)

    @rx.var(deps=["_route_id"], auto_deps=False)
    def route_id(self) -> str:
        return self._route_id

    @rx.var(deps=["_composer_error"], auto_deps=False)
    def composer_error(self) -> str:
        return self._composer_error

    @rx.var(deps=["_no_route"], auto_deps=False)
    def no_route(self) -> str:
        """Why no channel can reach the open dialog's client ("" = one can)."""
        return self._no_route
