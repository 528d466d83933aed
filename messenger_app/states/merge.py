"""The card's "Merge with another client" (X7): find the duplicate, merge, undo."""

from __future__ import annotations

import reflex as rx

from messenger_app.i18n.errors import error_text
from messenger_app.services import dialog_list, merge
from messenger_app.states.auth import AuthState, operator_required
from messenger_app.states.inbox import InboxState


class MergeState(AuthState):
    open: bool = False
    query: str = ""
    candidates: list[dict[str, str]] = []  # contact_id, name, preview, channel
    error: str = ""
    last_log: int = 0  # the merge this tab can still undo
    last_name: str = ""

    async def _inbox(self) -> InboxState:
        return await self.get_state(InboxState)

    @rx.event
    @operator_required
    async def show(self):
        self.open, self.query, self.candidates, self.error = True, "", [], ""

    @rx.event
    @operator_required
    def hide(self):
        self.open = False

    @rx.event
    @operator_required
    def set_open(self, value: bool):
        if not value:
            self.open = False

    @rx.event
    @operator_required
    async def search(self, text: str):
        self.query = str(text)[:100]
        inbox = await self._inbox()
        me = inbox._crm.contact_id
        rows = dialog_list.list_page(limit=9, search=self.query) if self.query.strip() else []
        self.candidates = [{"contact_id": str(r.contact_id), "name": r.name, "preview": r.preview,
                            "channel": r.channel_kind or "unknown"}
                           for r in rows if str(r.contact_id) != str(me)][:8]

    @rx.event
    @operator_required
    async def merge_with(self, other_contact_id: str):
        inbox = await self._inbox()
        keep = inbox._crm.contact_id
        if not keep or not str(other_contact_id).isdigit():
            return
        name = next((c["name"] for c in self.candidates if c["contact_id"] == other_contact_id), "")
        try:
            log_id = merge.merge(int(keep), int(other_contact_id), self._operator().id)
        except merge.MergeError as e:
            self.error = error_text(e, self.lang)
            return
        self.open, self.last_log, self.last_name, self.error = False, log_id, name, ""
        inbox._reload_list(keep=len(inbox._rows))
        inbox._load_dialog(inbox._open_id)

    @rx.event
    @operator_required
    async def undo(self):
        if not self.last_log:
            return
        inbox = await self._inbox()
        try:
            merge.undo(self.last_log)
        except merge.MergeError as e:
            self.error = error_text(e, self.lang)
            return
        self.last_log, self.last_name = 0, ""
        inbox._reload_list(keep=len(inbox._rows))
        inbox._load_dialog(inbox._open_id)
