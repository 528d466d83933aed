"""The open dialog's messages as InboxState holds them: blocks of pages.

`_msgs` is the newest page and what arrived since; each older page loaded goes to a slot of
its own (`_older_0` right above `_msgs`, `_older_1` above that, …), so that loading a page
sends that page alone (states/inbox_views.ThreadState shows them). Past OLDER_SLOTS pages
the oldest slot grows. `_heads` says whether each block's first message starts a day.
"""

from __future__ import annotations

from messenger_app.services import dialogs
from messenger_app.states import view
from messenger_app.states.rows import MessageItem

OLDER_SLOTS = 24  # older pages kept in vars of their own (flat paging); beyond, the last grows


class ThreadPages:
    """InboxState's helpers for the blocks (a plain mixin: no vars, no event handlers)."""

    def _blocks(self) -> list[list[MessageItem]]:
        """The shown messages in blocks, newest first: _msgs, then _older_0, _older_1, …"""
        return [self._msgs] + [getattr(self, f"_older_{k}") for k in range(self._older_n)]

    def _messages(self) -> list[MessageItem]:
        """Every shown message of the open dialog, oldest first."""
        return [m for b in reversed(self._blocks()) for m in b]

    def _show_thread(self, msgs: list[MessageItem], has_older: bool) -> None:
        """A new newest page (another dialog opened, or jumped to): the older pages go."""
        for k in range(self._older_n):
            setattr(self, f"_older_{k}", [])
        self._older_n = 0
        self._msgs = view.with_day_separators(msgs)
        if has_older != self._has_older:
            self._has_older = has_older
        self._set_heads()

    def _set_heads(self) -> None:
        """Whether each block's first message starts a day: it depends on the block above
        it, so it is kept apart from the blocks (a page loaded above sends no other page)."""
        blocks = self._blocks()
        heads = []
        for i, b in enumerate(blocks):
            above = next((o for o in blocks[i + 1:] if o), None)
            heads.append(bool(b) and (above is None or above[-1].day != b[0].day))
        heads += [False] * (OLDER_SLOTS + 1 - len(heads))
        if heads != self._heads:
            self._heads = heads

    def _refresh_messages(self) -> None:
        """Re-read the newest block (a message sent or retried): not the older pages."""
        since = int(self._msgs[0].id) if self._msgs else None
        fresh = dialogs.messages(self._open_id, since_id=since, limit=2000)
        self._msgs = view.with_day_separators([view.message(m, self.tz, self.t) for m in fresh])
        self._set_heads()

    def _refresh_block_of(self, message_id: int) -> None:
        """Re-read the block that shows this message (its status changed)."""
        for k in range(self._older_n):
            b = getattr(self, f"_older_{k}")
            if b and int(b[0].id) <= message_id <= int(b[-1].id):
                fresh = dialogs.messages(self._open_id, since_id=int(b[0].id),
                                         before_id=int(b[-1].id) + 1, limit=len(b) + 50)
                setattr(self, f"_older_{k}", view.with_day_separators(
                    [view.message(m, self.tz, self.t) for m in fresh]))
                self._set_heads()
                return
        self._refresh_messages()
