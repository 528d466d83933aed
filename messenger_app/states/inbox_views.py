"""What the inbox screen renders from, each part in a substate of InboxState of its own.

InboxState keeps the data as backend vars (`_rows`, `_msgs`, `_older_0`…, `_folder_items`,
`_announcement`) and its handlers and live listener write them as before. Each substate here
turns some of them into computed vars. Reflex sends a changed var in its own state's part of
the delta, and the browser re-renders only the components bound to that state. So a live
update of one row re-renders the list, not the ~90 components bound to InboxState, and an
older page of a long dialog sends that page alone (one slot var), not every message the tab
already has.
"""

from __future__ import annotations

import reflex as rx

from messenger_app.states.inbox import OLDER_SLOTS, InboxState
from messenger_app.states.inbox_follow import raw
from messenger_app.states.rows import DialogItem, FolderItem, MessageItem

# Reading a var through the state wraps the value in Reflex's MutableProxy and every item
# taken from it in another; computed vars here only read, so they read the plain value
# (`raw`): at 50 rows that wrapping was about half of a live update's delta, in every tab.

class DialogListState(InboxState):
    """The dialog list's rows (L1) and which row takes the list's one tab stop."""

    @rx.var(deps=["_rows"], auto_deps=False)
    def rows(self) -> list[DialogItem]:
        return raw(self._rows)

    @rx.var(deps=["_rows", "_open_id"], auto_deps=False)
    def roving_row(self) -> str:
        """The dialog row that takes the list's one tab stop: the open one, else the first."""
        ids = [r.id for r in raw(self._rows)]
        return str(self._open_id) if str(self._open_id) in ids else (ids[0] if ids else "")

    @rx.var(deps=["_open_id"], auto_deps=False)
    def open_row(self) -> str:
        """The open dialog's id as the rows carry it ("0": none), for the active row."""
        return str(self._open_id)

    @rx.var(deps=["_rows"], auto_deps=False)
    def waiting_rows(self) -> list[DialogItem]:
        """The card panel with no dialog open: the dialogs whose client wrote last and has
        not been read yet, first few of the list."""
        return [r for r in raw(self._rows) if r.unread and not r.out][:6]


class FolderCountsState(InboxState):
    """The folder list with its unread counters (L7-L9) and the "Unread" badge."""

    @rx.var(deps=["_folder_items"], auto_deps=False)
    def folder_items(self) -> list[FolderItem]:
        return raw(self._folder_items)

    @rx.var(deps=["_unread_total"], auto_deps=False)
    def unread_total(self) -> int:
        return self._unread_total


class AnnounceState(InboxState):
    """What the polite live region reads out (WCAG 4.1.3)."""

    @rx.var(deps=["_announcement"], auto_deps=False)
    def announcement(self) -> str:
        return self._announcement

    @rx.var(deps=["_ring"], auto_deps=False)
    def ring(self) -> str:
        """The message ids the new-message sound is for (N2): sound.js rings when it changes
        (components/common.ring_marker). Part of the live update's own delta, so a message
        costs each tab one frame, not a second one for a script."""
        return self._ring


def _slot(k: int):
    name = f"_older_{k}"

    def older(self) -> list[MessageItem]:
        return raw(getattr(self, name))

    older.__name__ = older.__qualname__ = f"older_{k}"
    older.__doc__ = f"The {k + 1}. older page above the newest messages (InboxState.load_older)."
    return rx.var(older, deps=[name], auto_deps=False)


class ThreadState(InboxState):
    """The open dialog's messages: the newest page with what arrived since (`msgs`) and the
    older pages loaded above it, one slot var each (`older_0` right above `msgs`)."""

    @rx.var(deps=["_msgs"], auto_deps=False)
    def msgs(self) -> list[MessageItem]:
        return raw(self._msgs)

    @rx.var(deps=["_has_older"], auto_deps=False)
    def has_older(self) -> bool:
        return self._has_older

    @rx.var(deps=["_heads"], auto_deps=False)
    def heads(self) -> list[bool]:
        """Per block (msgs, older_0, older_1, …): whether its first message starts a day."""
        return raw(self._heads)

    for _k in range(OLDER_SLOTS):
        locals()[f"older_{_k}"] = _slot(_k)
    del _k
