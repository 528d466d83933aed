"""How an inbox tab takes a live digest: its snapshot for inbox_live.read(), then the
update put in place under the tab's lock (InboxState.listen), and the polite announcement
of new unread messages."""

from __future__ import annotations

import time

from messenger_app.states import inbox_live, view
from messenger_app.states.rows import DialogItem

LIST_PAGE = 50
ANNOUNCE_QUIET = 30.0  # seconds before a dialog's new unread messages are announced again


def raw(state):
    """The state a background task's proxy wraps (the proxy itself outside a task)."""
    return getattr(state, "__wrapped__", state)


class LiveFollow:
    """InboxState's helpers for the live path (a plain mixin: no vars, no event handlers)."""

    def _tick(self, token: str) -> None:
        """Tell presence which dialog this operator is looking at (no push for it, N1)."""
        inbox_live.tick(self._session(), token, self._open_id)

    def _live_snapshot(self) -> inbox_live.Snapshot:
        q = self._query()
        return inbox_live.Snapshot(
            session=self._session(), lang=self.lang, tz=self.tz, t=self.t, query=q,
            view_key=(self.view_mode, self.search, self.folder, self.filter_url),
            plain=not self._counted(), counted=self.found >= 0, folder=self.folder,
            rows=max(LIST_PAGE, len(self._rows)), open_id=self._open_id,
            first_msg=int(self._msgs[0].id) if self._msgs else None)

    def _announce_unread(self, batch: list[dict]) -> None:
        """One polite announcement for dialogs (other than the open one) that got new unread
        messages; a dialog is named again only after ANNOUNCE_QUIET seconds, so a burst of
        messages is announced once."""
        now = time.monotonic()
        fresh = []
        open_id, announced = self._open_id, raw(self._announced)  # read, not tracked
        for ev in batch:
            did = ev.get("dialog_id")
            if (ev.get("reason") != "inbound" or not did or did == open_id or did in fresh
                    or now - announced.get(did, -ANNOUNCE_QUIET) < ANNOUNCE_QUIET):
                continue
            fresh.append(did)
        if not fresh:
            return
        wanted = {str(did) for did in fresh}  # usually one: no index of the whole page
        shown = {r.id: r for r in raw(self._rows) if r.id in wanted}
        names = [r.name for r in (shown.get(str(did)) for did in fresh) if r is not None and r.unread]
        if names:
            self._announced = {**{d: t for d, t in announced.items()
                                  if now - t < ANNOUNCE_QUIET}, **{d: now for d in fresh}}
            self._announcement = f'{self.t["a11y_new_unread"]} {", ".join(names)}'

    def _live_apply(self, up: inbox_live.Update) -> None:
        """Put a live update in place (no database: inbox_live.read() did the reading).
        What the tab changed itself in the meantime (another view, another dialog) wins."""
        same_view = up.view_key == (self.view_mode, self.search, self.folder, self.filter_url)
        if up.folder_items is not None and self._show_folders(up.folder_items) and up.page:
            self._show_list(up.page, max(LIST_PAGE, len(self._rows)))
        elif same_view and up.page is not None:
            self._show_list(up.page, max(LIST_PAGE, len(self._rows)))
        elif same_view and up.rows:
            for did, fresh in up.rows.items():
                self._update_row(did, fresh)
        if same_view and up.found is not None and up.found != self.found:
            self.found = up.found
        if up.open_id and up.open_id == self._open_id:
            if up.card is not None:
                self._show_card(up.card)
            if up.msgs is not None:
                msgs = view.with_day_separators(up.msgs)
                if msgs != self._msgs:
                    self._msgs = msgs
                    self._set_heads()

    def _update_row(self, did: int, fresh) -> None:
        """Move, replace, add or drop one row in place: no copy of the page through
        Reflex's proxies and no re-check of the whole list's type on assignment."""
        rows = getattr(self._rows, "__wrapped__", self._rows)  # the plain list, to read
        key = str(did)
        old = next((i for i, r in enumerate(rows) if r.id == key), None)
        if fresh is None:
            new = None
        elif isinstance(fresh, DialogItem):  # already as the view shows it (inbox_live.read):
            new = fresh  # frozen, so every tab shares it and what it sends is made once
        else:
            new = view.dialog_row(fresh, self.tz)
        if old is not None and new is not None and rows[old] == new:
            return  # nothing this tab shows changed
        if old is not None:
            del self._rows[old]
        if new is None:
            return
        at = (new.activity, did)
        pos = 0
        while pos < len(rows) and (rows[pos].activity, int(rows[pos].id)) > at:
            pos += 1
        if pos < len(rows) or not self.has_more:  # beyond the loaded page: not shown yet
            self._rows.insert(pos, new)
