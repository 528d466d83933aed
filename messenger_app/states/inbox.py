"""The Messenger screen: the dialog list, the open dialog, the card, the composer.

Holds only what the screen shows (a page of rows, the open dialog's messages). Live updates:
each tab runs one background listener on the event bus and refreshes what it shows (X2).
"""

from __future__ import annotations

import contextlib
from datetime import datetime

import reflex as rx

from messenger_app.i18n.errors import error_text
from messenger_app.services import (dialog_query, dialogs, filters, folders, inbox, left_panel,
                                    outbox, presence, push)
from messenger_app.states import live, view
from messenger_app.states.auth import AuthState, operator_required
from messenger_app.states.card_view import CardCrm, load_crm

LIST_PAGE = 50
CARD_LISTS = ("crm_fields", "tag2_options", "folders", "dialogs_bulk")  # events without a dialog id


class InboxState(AuthState):
    rows: list[dict[str, str]] = []
    has_more: bool = False
    view_mode: str = "all"  # all | unread
    search: str = ""
    folder: str = "all"  # "all" | "operator" | a custom folder id (L7, L8)
    filter_url: str = ""  # the active L5 filter, as in the page URL (?f=...)
    filter_count: int = 0
    filter_text: str = ""  # the filter in words, with its grouping shown
    found: int = -1  # how many dialogs the list would show in all (-1: not shown)
    list_error: str = ""
    unread_total: int = 0
    folder_items: list[dict[str, str]] = []  # L7-L9: the folder list with unread counters
    open_id: int = 0
    msgs: list[dict[str, str]] = []
    has_older: bool = False
    card: dict[str, str] = {}
    card_channels: list[dict[str, str]] = []
    crm: CardCrm = CardCrm()  # the card's CRM part (R2-R7): states/card_view.py
    routes: list[dict[str, str]] = []
    route_id: str = ""
    composer_error: str = ""
    no_route: str = ""  # why no channel can reach the open dialog's client ("" = one can)
    loaded: bool = False  # the list has its first data (a skeleton shows until then)
    panel: str = "list"  # which panel a phone shows (S3)
    expanded: bool = False  # C2
    tz: str = "UTC"

    @rx.var
    def waiting_rows(self) -> list[dict[str, str]]:
        """The card panel with no dialog open: the dialogs whose client wrote last and has
        not been read yet, first few of the list."""
        return [r for r in self.rows if r["unread"] and not r["out"]][:6]

    # -- loading -----------------------------------------------------------------------
    @rx.event
    def on_load(self):
        if (away := self._enter()) is not None:
            return away
        params = self.router.url.query_parameters
        self._set_filter(params.get("f", ""))
        self.folder = params.get("folder") or "all"
        if params.get("dialog", "").isdigit():
            self.open_id = int(params["dialog"])
            self.panel = "dialog"  # a phone opened from Contacts or a notification shows it
        self._reload_list()
        if self.open_id:
            self._load_dialog(self.open_id)
            if self.open_id:
                inbox.mark_read(self.open_id)
        return [rx.call_script("Intl.DateTimeFormat().resolvedOptions().timeZone",
                               callback=InboxState.set_tz),
                InboxState.listen]

    @rx.event
    @operator_required
    def set_tz(self, tz: str):
        if isinstance(tz, str) and tz != self.tz and view.zone(tz).key == tz:
            self.tz = tz
            self._reload_list()
            if self.open_id:
                self._load_dialog(self.open_id)

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
        self.filter_text = filters.describe(left_panel.readable(filt), self.lang)
        self.list_error = ""
        return True

    def _reload_list(self, keep: int = 0) -> None:
        limit = max(LIST_PAGE, keep)
        try:
            q = self._query()
            page = dialog_query.list_page(limit=limit + 1, **q)
            self.found = (dialog_query.count(**q) if (self.search or self.filter_url or
                                                      self.folder != "all" or self.view_mode != "all")
                          else -1)
        except (filters.FilterError, folders.FolderError) as e:
            self.list_error, self.folder = error_text(e, self.lang), "all"
            page = dialog_query.list_page(limit=limit + 1)
            self.found = -1
        self.has_more = len(page) > limit
        self.rows = [view.dialog_row(r, self.tz) for r in page[:limit]]
        self.loaded = True
        self._reload_folders()

    def _reload_folders(self) -> None:
        """The folder list with its unread counters (L9) and the Unread badge: one call of
        folders.list_with_unread(), whatever the number of folders. A folder being shown
        that was deleted (in another tab) falls back to "All chats"."""
        items = folders.list_with_unread(self.lang)
        self.folder_items = [{"id": str(f.id), "name": f.name, "unread": str(f.unread),
                              "builtin": "1" if f.builtin else "", "push": "1" if f.push else "",
                              "sound": "1" if f.sound else ""} for f in items]
        self.unread_total = items[0].unread  # "All chats": every dialog with unread messages
        if self.folder not in {i["id"] for i in self.folder_items}:
            self.folder = "all"
            self._reload_list(keep=len(self.rows))

    def _url_script(self):
        """Keep the folder and filter in the address bar, so a view can be bookmarked (L5)."""
        import json
        from urllib.parse import urlencode

        params = {k: v for k, v in (("folder", self.folder if self.folder != "all" else ""),
                                    ("f", self.filter_url)) if v}
        url = "/" + ("?" + urlencode(params) if params else "")
        return rx.call_script(f"window.history.replaceState(null, '', {json.dumps(url)})")

    @rx.event
    @operator_required
    def set_folder(self, key: str):
        try:
            folders.parse_key(key)
        except folders.FolderError as e:
            self.list_error = error_text(e, self.lang)
            return
        self.folder = str(key)
        self.list_error = ""
        self._reload_list()
        self.panel = "list"
        return self._url_script()

    @rx.event
    @operator_required
    def apply_filter(self, url: str):
        """Called by the filter builder with filters.to_url(filter), or "" to reset."""
        if self._set_filter(str(url)[:4000]):
            self._reload_list()
            return self._url_script()

    @rx.event
    @operator_required
    def load_more(self):
        if not self.rows:
            return
        last = self.rows[-1]
        after = (datetime.fromisoformat(last["activity"]), int(last["id"]))
        page = dialog_query.list_page(limit=LIST_PAGE + 1, after=after, **self._query())
        self.has_more = len(page) > LIST_PAGE
        self.rows = self.rows + [view.dialog_row(r, self.tz) for r in page[:LIST_PAGE]]

    @rx.event
    @operator_required
    def set_view(self, mode: str | list[str]):
        if mode in ("all", "unread"):
            self.view_mode = mode
            self._reload_list()

    @rx.event
    @operator_required
    def set_search(self, text: str):
        self.search = str(text)[:100]
        self._reload_list()

    # -- the open dialog ---------------------------------------------------------------
    @rx.event
    @operator_required
    def open_dialog(self, dialog_id: str):
        did = int(dialog_id)
        if did == self.open_id:  # C1: a second click closes it
            self._close()
            return
        self._load_dialog(did)
        if self.open_id:
            self.panel = "dialog"
            inbox.mark_read(did)
            self._tick(self.router.session.client_token)
            return rx.call_script("window.__msgScrollBottom && window.__msgScrollBottom()")

    @rx.event
    @operator_required
    def close_dialog(self):
        self._close()

    def _close(self) -> None:
        self.open_id = 0
        if self.router.session.client_token:
            presence.left(self.router.session.client_token)
        self.msgs, self.card, self.card_channels, self.routes = [], {}, [], []
        self.composer_error = self.no_route = ""
        self.panel = "list"

    def _load_dialog(self, did: int) -> None:
        c = dialogs.card(did)
        if c is None:
            self._close()
            return
        self.open_id = did
        page = dialogs.messages(did, limit=dialogs.PAGE + 1)
        self.has_older = len(page) > dialogs.PAGE
        page = page[-dialogs.PAGE:]
        self.msgs = view.with_day_separators([view.message(m, self.tz, self.t) for m in page])
        self._load_card(c)
        self.composer_error = ""

    def _route_reason(self, r: outbox.Route) -> str:
        """Why a channel can't answer, in the operator's language. English keeps the
        channel's own words for an unreachable client ("blocked the bot")."""
        if not r.reason:
            return ""
        if r.reason_code == "unreachable" and self.lang == "en":
            return r.reason
        return self.t.get("route_" + r.reason_code, self.t["route_unreachable"])

    def _load_card(self, c: dialogs.Card) -> None:
        self.card = view.card(c, self.tz)
        self.crm = load_crm(c.contact_id, c.dialog_id)
        self.card_channels = [{"kind": ch["kind"], "name": ch["name"],
                               "who": ch["display_name"] or ch["username"],
                               "reachable": "1" if ch["reachable"] else "",
                               "reason": ch["reason"]} for ch in c.channels]
        t = self.t
        self.routes = [{"id": str(r.identity_id), "kind": r.channel_kind, "name": r.channel_name,
                        "reason": self._route_reason(r)}
                       for r in outbox.routes(self.open_id, include_unusable=True)]
        usable = [r["id"] for r in self.routes if not r["reason"]]
        self.no_route = ("" if usable else
                         t["composer_no_channel"].format(
                             reason=self.routes[0]["reason"] if self.routes else t["route_none"]))
        if self.route_id not in usable:
            self.route_id = usable[0] if usable else ""

    @rx.event
    @operator_required
    def load_older(self):
        if not self.open_id or not self.msgs:
            return
        older = dialogs.messages(self.open_id, before_id=int(self.msgs[0]["id"]),
                                 limit=dialogs.PAGE + 1)
        self.has_older = len(older) > dialogs.PAGE
        older = older[-dialogs.PAGE:]
        rows = [view.message(m, self.tz, self.t) for m in older] + self.msgs
        self.msgs = view.with_day_separators(rows)

    def _refresh_messages(self) -> None:
        since = int(self.msgs[0]["id"]) if self.msgs else None
        fresh = dialogs.messages(self.open_id, since_id=since, limit=2000)
        self.msgs = view.with_day_separators([view.message(m, self.tz, self.t) for m in fresh])

    @rx.event
    @operator_required
    def set_route(self, identity_id: str):
        if identity_id in {r["id"] for r in self.routes if not r["reason"]}:
            self.route_id = identity_id

    @rx.event
    @operator_required
    def send(self, form: dict):
        text = str(form.get("text", ""))
        if not self.open_id or not text.strip():
            return
        op = self._operator()
        try:
            outbox.queue(self.open_id, op.id, text,
                         identity_id=int(self.route_id) if self.route_id else None)
        except outbox.SendRefused as e:
            self.composer_error = error_text(e, self.lang)
            return
        self.composer_error = ""
        self._refresh_messages()
        self._reload_list(keep=len(self.rows))
        return rx.call_script("window.__msgScrollBottom && window.__msgScrollBottom()")

    @rx.event
    @operator_required
    def retry(self, message_id: str):
        outbox.retry(int(message_id))
        self._refresh_messages()

    # -- panels ------------------------------------------------------------------------
    @rx.event
    def show_panel(self, panel: str):
        if panel in ("list", "dialog", "card"):
            self.panel = panel

    @rx.event
    def toggle_expand(self):
        self.expanded = not self.expanded

    # -- live updates (X2) -------------------------------------------------------------
    @rx.event(background=True)
    async def listen(self):
        async with self:
            if self._operator() is None:
                return
            token = self.router.session.client_token
        try:
            async with contextlib.aclosing(live.batches(f"inbox:{token}", token)) as feed:
                async for batch in feed:
                    async with self:
                        if batch and self._apply(batch) is False:
                            return
                        self._tick(token)
                        sounds = self._sounds(batch)
                    for mid in sounds:  # N2: one sound per message, even with several tabs
                        yield rx.call_script(f"window.__msgPlaySound && window.__msgPlaySound({mid})")
        finally:
            presence.left(token)

    def _tick(self, token: str) -> None:
        """Tell presence which dialog this operator is looking at (no push for it, N1)."""
        op = self._operator()
        if op is not None and token:
            presence.viewing(op.id, self.open_id or None, token)

    def _sounds(self, batch: list[dict]) -> list[int]:
        """Inbound messages of dialogs whose folders have sound on (N2)."""
        out = []
        for ev in batch:
            if ev.get("reason") == "inbound" and ev.get("message_id") and push.sound_for(ev["dialog_id"]):
                out.append(int(ev["message_id"]))
        return out

    def _apply(self, batch: list[dict]) -> bool:
        if self._operator() is None:  # logged out in the meantime: stop listening
            return False
        if (self.open_id and any(ev.get("kind") in CARD_LISTS for ev in batch)  # the card's lists
                and not any(ev.get("dialog_id") == self.open_id for ev in batch)):  # else below
            c = dialogs.card(self.open_id)
            if c is not None:
                self._load_card(c)
        touched = {ev["dialog_id"] for ev in batch if ev.get("dialog_id")}
        kinds = {ev.get("kind") for ev in batch}
        if "dialogs_bulk" in kinds:  # an admin change rewrote many clients (tags...)
            self._reload_list(keep=len(self.rows))
        elif "folders" in kinds and not touched:  # folders created/renamed/deleted (L8, L9)
            self._reload_folders()
        if not touched:
            return True
        inbound_here = any(ev.get("reason") == "inbound" and ev.get("dialog_id") == self.open_id
                           for ev in batch)
        if self.search or self.filter_url or self.folder != "all" or len(touched) > 5:
            self._reload_list(keep=len(self.rows))
        else:
            for did in touched:
                self._update_row(did)
            self._reload_folders()  # the folders' unread counters, live (L9)
            if self.found >= 0:  # the Unread view's "N found"
                self.found = dialog_query.count(**self._query())
        if self.open_id in touched:
            c = dialogs.card(self.open_id)
            if c is not None:
                self._refresh_messages()
                self._load_card(c)
            if inbound_here:
                inbox.mark_read(self.open_id)
        return True

    def _update_row(self, did: int) -> None:
        rows = [r for r in self.rows if r["id"] != str(did)]
        fresh = dialog_query.row(did)  # with Tag 1 / Tag 2 and the flags (L1)
        if fresh is not None and (self.view_mode != "unread" or fresh.unread > 0):
            new = view.dialog_row(fresh, self.tz)
            key = (new["activity"], did)
            pos = 0
            while pos < len(rows) and (rows[pos]["activity"], int(rows[pos]["id"])) > key:
                pos += 1
            if pos < len(rows) or not self.has_more:  # beyond the loaded page: not shown yet
                rows.insert(pos, new)
        self.rows = rows
