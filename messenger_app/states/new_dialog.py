"""New dialog (L6): a phone number and a channel, then "Open dialog" opens that client's
dialog, creating the client (a CRM contact at once) when the number is new."""

from __future__ import annotations

import reflex as rx

from messenger_app.services import dialog_start
from messenger_app.states.auth import operator_required
from messenger_app.states.inbox import InboxState
from messenger_app.states.rows import StartChannelItem

NO_CHANNEL = "0"


class NewDialogState(InboxState):
    nd_open: bool = False
    nd_phone: str = ""
    nd_channel: str = NO_CHANNEL
    nd_channels: list[StartChannelItem] = []
    nd_can_start: bool = False  # some connected channel can write first
    nd_error: str = ""

    @rx.event
    @operator_required
    def open_new_dialog(self):
        chans = dialog_start.start_channels()
        self.nd_channels = [StartChannelItem(id=str(c.id), kind=c.kind, name=c.name, limit=c.limit,
                                             can=bool(c.can_start)) for c in chans]
        usable = [c for c in chans if c.can_start]
        self.nd_can_start = bool(usable)
        if self.nd_channel not in {str(c.id) for c in usable}:
            self.nd_channel = str(usable[0].id) if usable else NO_CHANNEL
        self.nd_error, self.nd_open = "", True

    @rx.event
    @operator_required
    def set_nd_open(self, value: bool):
        self.nd_open = bool(value)

    @rx.event
    @operator_required
    def set_nd_channel(self, value: str):
        value = str(value)
        if value == NO_CHANNEL or value in {c.id for c in self.nd_channels if c.can}:
            self.nd_channel, self.nd_error = value, ""

    @rx.event
    @operator_required
    def submit_new_dialog(self, form: dict):
        phone = str(form.get("phone", ""))[:64]
        self.nd_phone = phone
        channel = int(self.nd_channel) if self.nd_channel.isdigit() else 0
        try:
            opened = dialog_start.open_by_phone(phone, channel or None)
        except dialog_start.StartError as e:
            self.nd_error = self.t["nd_err_channel"] if e.code == "channel" else self.t["nd_err_phone"]
            return
        self.nd_error, self.nd_open, self.nd_phone = "", False, ""
        if opened.identity_id:  # the composer writes through the channel chosen here
            self._route_id = str(opened.identity_id)
        self._reload_list(keep=len(self._rows))
        if self._open_id == opened.dialog_id:  # already open: keep it open, refresh its card
            self._load_dialog(opened.dialog_id)
            self._panel = "dialog"
            return
        return InboxState.open_dialog(str(opened.dialog_id))
