"""/contacts: the client base — table with search and pages, new client, import (CSV/XLSX
with a column mapping and a progress bar), export (CSV/XLSX).

The import window's vars and handlers are in states/contacts_import.py (a mixin), the time
zone's handler in states/zone_search.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import reflex as rx

from messenger_app.i18n.errors import error_text
from messenger_app.services import auth, client_import, contacts, crm, dialog_list, filters
from messenger_app.states import live, view
from messenger_app.states.auth import AuthState, operator_required
from messenger_app.states.contacts_import import ContactsImport
from messenger_app.states.rows import ContactItem
from messenger_app.states.zone_search import BrowserZone, ask_zone, clean_search

PAGE = contacts.PAGE


def _read(search: str, page: int) -> tuple[int, int, list, Exception | None]:
    """(total, the page shown, its rows, the refusal of a bad search): a worker thread's read."""
    try:
        total = contacts.count(search)
        page = min(max(0, page), max(1, -(-total // PAGE)) - 1)
        return total, page, contacts.page(search, offset=page * PAGE, limit=PAGE), None
    except filters.FilterError as e:
        return 0, page, [], e


def _row(r: contacts.ContactRow, tz: str) -> ContactItem:
    name = f"{r.first_name} {r.last_name}".strip()
    subscribed = view.local(r.created_at, tz)
    return ContactItem(
        dialog_id=str(r.dialog_id), id=str(r.contact_id),
        name=name, initials=view.initials(name or "#"),
        phone=r.phone_display, tag1=r.tag1, tag2=r.tag2,
        blacklisted=bool(r.blacklisted),
        subscribed=subscribed.strftime("%d.%m.%Y") if subscribed else "",
        activity=view.short_time(r.last_message_at, tz) if r.last_message_at else "",
        paused=bool(r.bot_paused),
    )


class ContactsState(ContactsImport, BrowserZone, AuthState):
    rows: list[ContactItem] = []
    search: str = ""
    page: int = 0
    total: int = 0
    tz: str = "UTC"
    list_error: str = ""
    # new client
    new_open: bool = False
    new_error: str = ""

    # -- the table -----------------------------------------------------------------------
    @rx.var
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE))

    @rx.var
    def range_text(self) -> str:
        if not self.total:
            return "0"
        first = self.page * PAGE + 1
        return f"{first}–{min(self.total, first + PAGE - 1)} / {self.total}"

    @rx.var
    def has_phone_column(self) -> bool:
        return any(c["target"] == "phone" for c in self.columns)

    @rx.event
    def on_load(self):
        if (away := self._enter()) is not None:
            return away
        q = self.router.url.query_parameters.get("q", "")
        self.search = clean_search(q)
        self.page = 0
        self._reload()
        return [ask_zone(ContactsState), ContactsState.listen]

    def _reload(self) -> None:
        self._show(_read(self.search, self.page))

    def _show(self, got: tuple) -> None:
        self.total, self.page, rows, err = got
        self.list_error = error_text(err, self.lang) if err is not None else ""
        self.rows = [_row(r, self.tz) for r in rows]

    def _zone_changed(self) -> None:  # set_tz (states/zone_search.py)
        self._reload()

    @rx.event
    @operator_required
    def set_search(self, text: str):
        self.search = clean_search(text)
        self.page = 0
        self._reload()

    @rx.event
    @operator_required
    def next_page(self):
        self.page += 1
        self._reload()

    @rx.event
    @operator_required
    def prev_page(self):
        self.page = max(0, self.page - 1)
        self._reload()

    # -- live: the table follows new clients, imports and card edits ------------------------
    @rx.event(background=True)
    async def listen(self):
        async with self:
            if self._operator() is None:
                return
            token = self.router.session.client_token
        async with contextlib.aclosing(live.digests(f"contacts:{token}", token, ready=True)) as feed:
            async for digest in feed:
                if digest.subscribed:  # the page says it is live (components/common.live_marker)
                    yield rx.call_script(live.LIVE_ON_JS)
                    continue
                async with self:
                    if self.router.url.path.rstrip("/") != "/contacts":
                        return  # the tab went to another page
                    session, search, page = self._session(), self.search, self.page
                if await digest.get(("operator", session), auth.operator_for_session, session) is None:
                    return  # signed out
                if not digest.kinds & {"dialog", "dialogs_bulk"}:
                    continue
                got = await digest.get(("contacts", search, page), _read, search, page)
                async with self:  # read once for every tab on the same page (states/live.py)
                    if (self.search, self.page) == (search, page):
                        self._show(got)

    # -- new client (L6) -------------------------------------------------------------------
    @rx.event
    @operator_required
    def set_new_open(self, open_: bool):
        self.new_open, self.new_error = bool(open_), ""

    @rx.event
    @operator_required
    def create_client(self, form: dict):
        phone = str(form.get("phone", ""))[:100]
        first = str(form.get("first_name", ""))[:300]
        last = str(form.get("last_name", ""))[:300]
        if not phone.strip():
            self.new_error = self.t["err_no_phone"]
            return
        try:
            _contact, dialog = crm.create_contact(phone, first, last)
        except crm.CrmError as e:
            self.new_error = error_text(e, self.lang)
            return
        self.new_open, self.new_error = False, ""
        return rx.redirect(f"/?dialog={dialog.id}")

    # -- export ----------------------------------------------------------------------------
    def _export_filter(self):
        return dialog_list.search_condition(self.search) if self.search.strip() else None

    @rx.event
    @operator_required
    async def export_csv(self):
        data = await asyncio.to_thread(client_import.export_csv, self._export_filter())
        return rx.download(data=data, filename=f"clients-{time.strftime('%Y%m%d-%H%M')}.csv",
                           mime_type="text/csv")

    @rx.event
    @operator_required
    async def export_xlsx(self):
        data = await asyncio.to_thread(client_import.export_xlsx, self._export_filter())
        return rx.download(
            data=data, filename=f"clients-{time.strftime('%Y%m%d-%H%M')}.xlsx",
            mime_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
