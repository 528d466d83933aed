"""The client card's edits (R2-R7): names, phone, blacklist, folders, bot pause, variables,
Tag 1 / Tag 2.

Every handler checks the session, then works on the client of the dialog that is open in
this tab (InboxState._open_id, read on the server: the page never sends a client id). After a
write it reloads the card at once; the service's event also refreshes every other tab.
"""

from __future__ import annotations

import reflex as rx

from messenger_app.i18n.errors import error_text
from messenger_app.services import bot, crm, dialogs, folders
from messenger_app.states.auth import AuthState, operator_required
from messenger_app.states.inbox import InboxState

FORM_MAX = 2100  # longest text a card form may send (the services refuse above their limits)


def localize(err, t: dict[str, str], lang: str) -> str:
    """A service's refusal in the operator's language, by its code (i18n/errors.py).
    Kept for older callers; new code calls error_text(e, lang) directly."""
    return error_text(err, lang)


class CardState(AuthState):
    editing: str = ""  # "<what>@<contact id>": the value shown as an input right now
    error_at: str = ""  # "<what>@<contact id>" of the last edit that was refused
    error: str = ""

    # -- helpers -----------------------------------------------------------------------
    async def _inbox(self) -> InboxState | None:
        inbox = await self.get_state(InboxState)
        return inbox if inbox._open_id and inbox._crm.contact_id else None

    @staticmethod
    def _reload(inbox: InboxState) -> None:
        c = dialogs.card(inbox._open_id)
        if c is not None:
            inbox._load_card(c)

    def _fail(self, what: str, cid: str, e: Exception) -> None:
        self.error_at, self.error = f"{what}@{cid}", error_text(e, self.lang)

    def _ok(self, what: str, cid: str) -> None:
        if self.error_at == f"{what}@{cid}":
            self.error_at = self.error = ""
        if self.editing == f"{what}@{cid}":
            self.editing = ""

    async def _write(self, what: str, fn, *args) -> None:
        """Run one service write for the open client; show its refusal next to `what`."""
        inbox = await self._inbox()
        if inbox is None:
            return
        cid = inbox._crm.contact_id
        try:
            fn(int(cid), *args)
        except (crm.CrmError, folders.FolderError, bot.BotError) as e:
            self._fail(what, cid, e)
        else:
            self._ok(what, cid)
        self._reload(inbox)

    # -- editing in place --------------------------------------------------------------
    @rx.event
    @operator_required
    async def edit(self, what: str):
        inbox = await self._inbox()
        if inbox is None:
            return
        self.editing = f"{str(what)[:80]}@{inbox._crm.contact_id}"
        if self.error_at != self.editing:
            self.error_at = self.error = ""

    @rx.event
    @operator_required
    def cancel_edit(self):
        if self.error_at == self.editing:
            self.error_at = self.error = ""
        self.editing = ""

    @rx.event
    @operator_required
    async def save_name(self, form: dict):
        await self._write("name", crm.set_name, str(form.get("first_name", ""))[:FORM_MAX],
                          str(form.get("last_name", ""))[:FORM_MAX])

    @rx.event
    @operator_required
    async def save_phone(self, form: dict):
        await self._write("phone", crm.set_phone, str(form.get("value", ""))[:200])

    @rx.event
    @operator_required
    async def save_tag1(self, form: dict):
        await self._write("tag1", crm.set_tag1, str(form.get("value", ""))[:FORM_MAX])

    @rx.event
    @operator_required
    async def set_tag2(self, value: str):
        value = "" if value == "__none__" else str(value)[:FORM_MAX]
        await self._write("tag2", crm.set_tag2, value)

    @rx.event
    @operator_required
    async def save_var(self, form: dict):
        key = str(form.get("key", ""))[:100]
        await self._write("var:" + key, crm.set_value, key, str(form.get("value", ""))[:FORM_MAX])

    @rx.event
    @operator_required
    async def set_var(self, key: str, value: str | bool):
        """A yes/no switch or a select: stored as soon as it is changed."""
        if isinstance(value, bool):
            value = "yes" if value else "no"
        value = "" if value == "__none__" else str(value)[:FORM_MAX]
        key = str(key)[:100]
        await self._write("var:" + key, crm.set_value, key, value)

    # -- blacklist, folders, bot -------------------------------------------------------
    @rx.event
    @operator_required
    async def set_blacklisted(self, on: bool):
        flag = on if isinstance(on, bool) else str(on).strip().lower() in ("1", "true", "yes", "on")
        await self._write("blacklist", crm.set_blacklisted, flag)

    @rx.event
    @operator_required
    async def toggle_folder(self, folder_id: str):
        """R4: add the client to a custom folder or take them out of it."""
        inbox = await self._inbox()
        if inbox is None:
            return
        mine = {f.id for f in inbox._crm.folders if f.checked}
        fid = str(folder_id)
        if not fid.isdigit():  # "all" / "operator" are not for choosing (L7)
            return
        wanted = mine ^ {fid}
        await self._write("folders", folders.set_contact_folders, sorted(int(i) for i in wanted))

    @rx.event
    @operator_required
    async def refresh(self):
        """Reload the card (the folder picker opens: folders may have changed elsewhere)."""
        inbox = await self._inbox()
        if inbox is not None:
            self._reload(inbox)

    @rx.event
    @operator_required
    async def toggle_bot(self):
        """R5: Pause -> "With operator"; Resume automation -> the bot answers again."""
        inbox = await self._inbox()
        if inbox is None:
            return
        dialog_id, paused = inbox._open_id, inbox._crm.bot_paused
        await self._write("bot", lambda _cid: crm.set_bot_paused(dialog_id, not paused, by="operator"))

    @rx.event
    @operator_required
    async def start_bot(self, scenario_id: str):
        """R5/B1: start a published scenario for this client (its steps run in the workers)."""
        inbox = await self._inbox()
        if inbox is None:
            return
        if not str(scenario_id).isdigit() or str(scenario_id) not in {o.id for o in inbox._crm.bot_scenarios}:
            return
        await self._write("bot", bot.start, int(scenario_id), "operator")

    @rx.event
    @operator_required
    async def stop_bot(self):
        await self._write("bot", bot.stop)
