"""The Messenger screen: the dialog list, the open dialog, the card, the composer.

Holds only what the screen shows (a page of rows, the open dialog's messages). Live updates:
each tab runs one background listener on the event bus and refreshes what it shows (X2).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from datetime import datetime

import reflex as rx

from messenger_app.i18n.errors import error_text
from messenger_app.services import dialog_list
from messenger_app.services import filters, folders, outbox, presence
from messenger_app.states import inbox_live, live, live_delta, view
from messenger_app.states.auth import AuthState, operator_required
from messenger_app.states.card_view import CardCrm
from messenger_app.states.inbox_card import CardPanel, put
from messenger_app.states.inbox_follow import LIST_PAGE, LiveFollow, raw as _raw
from messenger_app.states.inbox_follow import ANNOUNCE_QUIET  # noqa: F401 (kept importable here)
from messenger_app.states.inbox_thread import OLDER_SLOTS, ThreadPages
from messenger_app.states.rows import (CardItem, ChannelItem, DialogItem, FolderItem, MessageItem,
                                        RouteItem)
from messenger_app.states.zone_search import BrowserZone, ask_zone, clean_search

log = logging.getLogger(__name__)


class InboxState(BrowserZone, ThreadPages, CardPanel, LiveFollow, AuthState):
    # the lists the screen renders are backend vars here, shown through the substates of
    # states/inbox_views.py (a change goes out in that substate's delta only)
    _rows: list[DialogItem] = []
    has_more: bool = False
    view_mode: str = "all"  # all | unread
    search: str = ""
    folder: str = "all"  # "all" | "operator" | a custom folder id (L7, L8)
    filter_url: str = ""  # the active L5 filter, as in the page URL (?f=...)
    filter_count: int = 0
    filter_text: str = ""  # the filter in words, with its grouping shown
    found: int = -1  # how many dialogs the list would show in all (-1: not shown)
    list_error: str = ""
    _unread_total: int = 0
    _folder_items: list[FolderItem] = []  # L7-L9: the folder list with unread counters
    # the open dialog (which one, its card, its routes, the phone's panel): backend vars,
    # shown through states/open_dialog.OpenDialogState, so opening one re-renders what shows
    # the dialog and not every component bound to InboxState
    _open_id: int = 0
    _msgs: list[MessageItem] = []  # the open dialog's newest page and what came since
    # older pages, newest first: _older_0 sits right above _msgs (a var each, so a page
    # loaded sends that page alone); _heads: per block, whether its first message starts a day
    for _k in range(OLDER_SLOTS):
        __annotations__[f"_older_{_k}"] = "list[MessageItem]"
        locals()[f"_older_{_k}"] = []
    del _k
    _older_n: int = 0  # how many slots are filled
    _heads: list[bool] = []
    _has_older: bool = False
    _card: CardItem = CardItem()
    _card_channels: list[ChannelItem] = []
    _crm: CardCrm = CardCrm()  # the card's CRM part (R2-R7): states/card_view.py
    _routes: list[RouteItem] = []
    _route_id: str = ""
    _composer_error: str = ""
    _no_route: str = ""  # why no channel can reach the open dialog's client ("" = one can)
    loaded: bool = False  # the list has its first data (a skeleton shows until then)
    _panel: str = "list"  # which panel a phone shows (S3)
    expanded: bool = False  # C2
    tz: str = "UTC"
    _announcement: str = ""  # WCAG 4.1.3: read politely by screen readers (a role=status region)
    _announced: dict[int, float] = {}  # dialog id -> when its new unread messages were announced
    _ring: str = ""  # N2: the inbound message ids of the last live update that ring ("12,13")

    # -- loading -----------------------------------------------------------------------
    @rx.event
    async def on_load(self):
        if (away := self._enter()) is not None:
            return away
        params = self.router.url.query_parameters
        self._set_filter(params.get("f", ""))
        self.folder = params.get("folder") or "all"
        if params.get("dialog", "").isdigit():
            self._open_id = int(params["dialog"])
            self._panel = "dialog"  # a phone opened from Contacts or a notification shows it
        await self._reload_list_async()
        if self._open_id:
            self._show_dialog(self._open_id, await inbox_live.run(
                inbox_live.read_dialog, self._open_id, self.tz, self.t))
            # opened by URL (a notification's /?dialog=N): presence knows at once, not at the
            # next tick, so no push fires for the dialog on the screen
            self._tick(self.router.session.client_token)
        return [rx.call_script(live.LIVE_OFF_JS), ask_zone(InboxState), InboxState.listen]

    def _zone_changed(self) -> None:  # set_tz (states/zone_search.py)
        self._reload_list()
        if self._open_id:
            self._load_dialog(self._open_id)

    def _query(self) -> dict:
        return {"unread_only": self.view_mode == "unread", "search": self.search,
                "folder": self.folder, "filter": self._filter()}

    def _filter(self) -> dict | None:
        if not self.filter_url:
            return None
        try:
            return filters.from_url(self.filter_url)
        except filters.FilterError:
            return None

    def _set_filter(self, url: str) -> bool:
        """Take a filter from the URL form; a bad one is refused with the reason shown."""
        if not url:
            self.filter_url, self.filter_count, self.filter_text = "", 0, ""
            return True
        try:
            filt = filters.from_url(url)
        except filters.FilterError as e:
            self.list_error = error_text(e, self.lang)
            return False
        self.filter_url, self.filter_count = url, filters.count_conditions(filt)
        self.filter_text = filters.describe(filters.readable(filt), self.lang)
        self.list_error = ""
        return True

    def _counted(self) -> bool:
        return bool(self.search or self.filter_url or self.folder != "all" or self.view_mode != "all")

    def _reload_list(self, keep: int = 0) -> None:
        limit = max(LIST_PAGE, keep)
        self._show_list(inbox_live.read_list(self._query(), limit, self._counted()), limit)
        self._reload_folders()

    async def _reload_list_async(self, keep: int = 0) -> None:
        """_reload_list() with the queries in a worker thread (hot handlers)."""
        limit = max(LIST_PAGE, keep)
        self._show_list(await inbox_live.run(inbox_live.read_list, self._query(), limit,
                                             self._counted()), limit)
        if self._show_folders(await inbox_live.run(inbox_live.read_folders, self.lang)):
            await self._reload_list_async(keep=len(self._rows))

    def _show_list(self, got: tuple, limit: int) -> None:
        page, found, error = got
        if error is not None:
            self.list_error, self.folder = error_text(error, self.lang), "all"
        self.found = found
        self.has_more = len(page) > limit
        rows = [view.dialog_row(r, self.tz) for r in page[:limit]]
        if rows != self._rows:  # unchanged (a reload with the same result): nothing to send
            self._rows = rows
        self.loaded = True

    def _reload_folders(self) -> None:
        """The folder list with its unread counters (L9) and the Unread badge: one call of
        folders.list_with_unread(), whatever the number of folders. A folder being shown
        that was deleted (in another tab) falls back to "All chats"."""
        if self._show_folders(inbox_live.read_folders(self.lang)):
            self._reload_list(keep=len(self._rows))

    def _show_folders(self, folder_items: list[FolderItem]) -> bool:
        """Show the folder list (inbox_live.read_folders); True when the folder being shown
        is gone (now "all")."""
        if folder_items != _raw(self._folder_items):  # unchanged: nothing to send to the tab
            self._folder_items = folder_items
        if self._unread_total != folder_items[0].unread:
            self._unread_total = folder_items[0].unread  # "All chats": every dialog with unread messages
        if self.folder not in {i.id for i in folder_items}:
            self.folder = "all"
            return True
        return False

    def _url_script(self):
        """Keep the folder, the filter and the open dialog in the address bar, so a view can
        be bookmarked (L5) and a tab that reconnects to a restarted backend (the memory
        state manager, rxconfig.py) comes back to the same dialog."""
        import json
        from urllib.parse import urlencode

        params = {k: v for k, v in (("folder", self.folder if self.folder != "all" else ""),
                                    ("f", self.filter_url),
                                    ("dialog", str(self._open_id) if self._open_id else "")) if v}
        url = "/" + ("?" + urlencode(params) if params else "")
        return rx.call_script(f"window.history.replaceState(null, '', {json.dumps(url)})")

    @rx.event
    @operator_required
    async def set_folder(self, key: str):
        try:
            folders.parse_key(key)
        except folders.FolderError as e:
            self.list_error = error_text(e, self.lang)
            return
        self.folder = str(key)
        self.list_error = ""
        await self._reload_list_async()
        put(self, "_panel", "list")
        return self._url_script()

    @rx.event
    @operator_required
    async def apply_filter(self, url: str):
        """Called by the filter builder with filters.to_url(filter), or "" to reset."""
        if self._set_filter(str(url)[:4000]):
            await self._reload_list_async()
            return self._url_script()

    @rx.event
    @operator_required
    async def load_more(self):
        if not self._rows:
            return
        last = self._rows[-1]
        after = (datetime.fromisoformat(last.activity), int(last.id))
        page = await inbox_live.run(functools.partial(
            dialog_list.list_page, limit=LIST_PAGE + 1, after=after, **self._query()))
        self.has_more = len(page) > LIST_PAGE
        self._rows.extend(view.dialog_row(r, self.tz) for r in page[:LIST_PAGE])

    @rx.event
    @operator_required
    async def set_view(self, mode: str | list[str]):
        if mode in ("all", "unread"):
            self.view_mode = mode
            await self._reload_list_async()

    @rx.event
    @operator_required
    async def set_search(self, text: str):
        self.search = clean_search(text)
        await self._reload_list_async()

    # -- the open dialog ---------------------------------------------------------------
    @rx.event
    @operator_required
    async def open_dialog(self, dialog_id: str):
        if not str(dialog_id).isdigit():
            return
        did = int(dialog_id)
        if did == self._open_id:  # C1: a second click closes it
            self._close()
            return self._url_script()
        self._show_dialog(did, await inbox_live.run(inbox_live.read_dialog, did, self.tz, self.t))
        if self._open_id:
            put(self, "_panel", "dialog")
            self._tick(self.router.session.client_token)
            return [rx.call_script("window.__msgScrollBottom && window.__msgScrollBottom()"),
                    self._url_script()]

    @rx.event
    @operator_required
    def close_dialog(self):
        self._close()
        return self._url_script()

    def _close(self) -> None:
        put(self, "_open_id", 0)
        if self.router.session.client_token:
            presence.left(self.router.session.client_token)
        self._show_thread([], False)
        for name, empty in (("_card", CardItem()), ("_card_channels", []), ("_routes", []),
                            ("_composer_error", ""), ("_no_route", ""), ("_panel", "list")):
            put(self, name, empty)  # only what changed goes to the tab

    def _load_dialog(self, did: int) -> None:
        self._show_dialog(did, inbox_live.read_dialog(did, self.tz, self.t, mark=False))

    def _show_dialog(self, did: int, got: tuple) -> None:
        data, msgs, older = got
        if data is None:
            self._close()
            return
        put(self, "_open_id", did)
        self._show_thread(msgs, older)
        self._show_card(data)
        put(self, "_composer_error", "")

    @rx.event
    @operator_required
    async def load_older(self):
        blocks = self._blocks()
        oldest = next((b for b in reversed(blocks) if b), None)
        if not self._open_id or oldest is None:
            return
        older, has_older = await inbox_live.run(
            inbox_live.read_messages, self._open_id, self.tz, self.t, None, int(oldest[0].id))
        put(self, "_has_older", has_older)
        if not older:
            return
        page = view.with_day_separators(older)
        if self._older_n < OLDER_SLOTS:  # a slot of its own: only this page is sent
            setattr(self, f"_older_{self._older_n}", page)
            self._older_n += 1
        else:  # every slot taken: the oldest one grows (beyond OLDER_SLOTS pages)
            last = f"_older_{OLDER_SLOTS - 1}"
            setattr(self, last, view.with_day_separators(page + list(getattr(self, last))))
        self._set_heads()

    @rx.event
    @operator_required
    def set_route(self, identity_id: str):
        if identity_id in {r.id for r in self._routes if not r.reason}:
            self._route_id = identity_id

    @rx.event
    @operator_required
    def send(self, form: dict):
        text = str(form.get("text", ""))
        if not self._open_id or not text.strip():
            return
        op = self._operator()
        try:
            outbox.queue(self._open_id, op.id, text,
                         identity_id=int(self._route_id) if self._route_id else None)
        except outbox.SendRefused as e:
            self._composer_error = error_text(e, self.lang)
            return
        put(self, "_composer_error", "")
        self._refresh_messages()
        self._reload_list(keep=len(self._rows))
        return rx.call_script("window.__msgScrollBottom && window.__msgScrollBottom()")

    @rx.event
    @operator_required
    def retry(self, message_id: str):
        if not str(message_id).isdigit():
            return
        outbox.retry(int(message_id))
        self._refresh_block_of(int(message_id))

    # -- panels ------------------------------------------------------------------------
    @rx.event
    def show_panel(self, panel: str):
        if panel in ("list", "dialog", "card"):
            put(self, "_panel", panel)

    @rx.event
    def toggle_expand(self):
        self.expanded = not self.expanded

    # -- live updates (X2) -------------------------------------------------------------
    @rx.event(background=True)
    async def listen(self):
        """Follow the process's live digests (states/live.py): the shared reads are done
        once for every tab; this tab reads only what its own view needs, never on the
        event loop and never holding its state lock while it waits for the database."""
        async with self:
            if self._operator() is None:
                return
            token = self.router.session.client_token
        ticked = 0.0
        first = True
        try:
            async with contextlib.aclosing(live.digests(f"inbox:{token}", token,
                                                        ready=True)) as feed:
                async for digest in feed:
                    if first:  # subscribed: nothing published from now on is missed
                        first = False
                        yield rx.call_script(live.LIVE_ON_JS)
                    # read without the lock (the apply re-checks the view), from the state
                    # itself: every read through the proxy wraps its value again
                    snap = _raw(self)._live_snapshot()
                    try:
                        update = await inbox_live.read(snap, digest)
                    except Exception:  # a failed read (database away): keep listening
                        log.exception("live update failed; the next event retries")
                        continue
                    if update is None:  # signed out in the meantime: stop listening
                        return
                    ring = await inbox_live.sounds(digest)  # N2: once per message
                    if update.page or update.rows or update.folder_items or ring \
                            or update.msgs is not None or update.card or update.found is not None:
                        try:
                            async with self:
                                st = _raw(self)  # loaded by the `async with`; tracked as usual
                                if live._lost(st):  # a Redis restarted without this tab's state
                                    lost = True
                                else:
                                    lost = False
                                    st._live_apply(update)
                                    st._announce_unread(digest.events)
                                    if ring:  # in this delta: sound.js rings on the change
                                        st._ring = ",".join(map(str, ring))
                                    await live_delta.send(st, digest.deltas)  # one per view
                        except live._state_errors() as e:  # the state store is down: the bus's
                            log.warning("tab %s: state store unavailable (%s)", token[:8],
                                        type(e).__name__)  # resync brings it all back later
                            continue
                        if lost:  # the page rebuilds its state from the cookie and the URL
                            yield rx.call_script(live.RELOAD_JS)
                            return
                    if not digest.events or time.monotonic() - ticked > live.TICK:
                        ticked = time.monotonic()
                        await inbox_live.run(inbox_live.tick, snap.session, token, snap.open_id)
        finally:
            presence.left(token)
