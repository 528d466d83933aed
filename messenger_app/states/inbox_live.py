"""What one inbox tab reads for a live digest (states/live.py), and the reads its hot
handlers do — all of it off the event loop.

A tab takes a `Snapshot` of its view under its state lock (no database), `read()` gathers
what that view needs from the digest's shared, once-per-process results (no lock held), and
InboxState applies the result under the lock again. Only what depends on the tab's own view
(membership of the changed dialogs in its filter, "N found", its open dialog's messages) is
keyed by that view, so tabs with the same view share it too.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from messenger_app.services import dialog_list
from messenger_app.services import (auth, dialogs, filters, folders, inbox,
                                    outbox, presence, push)
from messenger_app.services.dialog_list import ListRow
from messenger_app.states import view
from messenger_app.states.card_view import CardCrm, load_crm
from messenger_app.states.live import Digest
from messenger_app.states.rows import DialogItem, FolderItem, MessageItem

CARD_LISTS = ("crm_fields", "tag2_options", "folders", "dialogs_bulk")  # events without a dialog id
RELOAD_OVER = 50  # a batch touching more dialogs than this reloads the tab's page instead


# -- reads shared by the handlers and the live path (each runs in a worker thread) --------
@dataclass
class CardData:
    card: dialogs.Card
    crm: CardCrm
    routes: list


def read_card(did: int) -> CardData | None:
    c = dialogs.card(did)
    if c is None:
        return None
    return CardData(c, load_crm(c.contact_id, c.dialog_id),
                    outbox.routes(did, include_unusable=True))


def read_messages(did: int, tz: str, t: dict, since_id: int | None = None,
                  before_id: int | None = None, limit: int = dialogs.PAGE) -> tuple[list[MessageItem], bool]:
    """Up to `limit` messages as the view shows them, and whether there are older ones."""
    page = dialogs.messages(did, before_id=before_id, since_id=since_id, limit=limit + 1)
    more = len(page) > limit
    return [view.message(m, tz, t) for m in page[-limit:]], more


def read_dialog(did: int, tz: str, t: dict, mark: bool = True):
    """Opening a dialog: its card, its newest page; reading it (X2) when it exists."""
    data = read_card(did)
    if data is None:
        return None, [], False
    msgs, older = read_messages(did, tz, t)
    if mark:
        inbox.mark_read(did)
    return data, msgs, older


def read_list(q: dict, limit: int, counted: bool) -> tuple[list[ListRow], int, Exception | None]:
    """A page of the list (limit + 1 rows, to know if there is more), "N found" (-1 when
    not counted) and the error of a bad filter or folder (then the unfiltered page)."""
    try:
        page = dialog_list.list_page(limit=limit + 1, **q)
        return page, dialog_list.count(**q) if counted else -1, None
    except (filters.FilterError, folders.FolderError) as e:
        return dialog_list.list_page(limit=limit + 1), -1, e


def read_folders(lang: str) -> list[FolderItem]:
    """The folder list with its unread counters as the left panel shows it (L7-L9); a live
    digest reads it once for every tab."""
    return [FolderItem(id=str(f.id), name=f.name, unread=f.unread, builtin=f.builtin,
                       push=f.push, sound=f.sound) for f in folders.list_with_unread(lang)]


def tick(session: str, token: str, open_id: int) -> None:
    """Tell presence which dialog this operator's tab is looking at (no push for it, N1)."""
    op = auth.operator_for_session(session)
    if op is not None and token:
        presence.viewing(op.id, open_id or None, token)


def read_sounds(batch: list[dict]) -> list[int]:
    """Inbound messages of dialogs whose folders have sound on (N2), in one query."""
    inbound = [ev for ev in batch if ev.get("reason") == "inbound" and ev.get("message_id")
               and ev.get("dialog_id")]
    ring = push.ringing(ev["dialog_id"] for ev in inbound)
    return [int(ev["message_id"]) for ev in inbound if int(ev["dialog_id"]) in ring]


# -- the live path ----------------------------------------------------------------------
@dataclass
class Snapshot:
    """What a tab shows, as far as a live update needs it (taken under the state lock)."""
    session: str
    lang: str
    tz: str
    t: dict
    query: dict
    view_key: tuple  # the list's view: tabs with equal keys share their reads
    plain: bool  # All chats, no search / filter / unread view: every dialog belongs
    counted: bool  # the tab shows "N found"
    folder: str
    rows: int  # how many rows it has loaded
    open_id: int
    first_msg: int | None


@dataclass
class Update:
    """What read() found for one tab; InboxState._live_apply() puts it in place."""
    page: tuple | None = None  # read_list()'s result, when the whole page is reloaded
    rows: dict[int, ListRow | None] = field(default_factory=dict)  # changed rows, None: drop
    folder_items: list | None = None
    folder_gone: bool = False
    found: int | None = None
    card: CardData | None = None
    card_gone: bool = False
    msgs: list[MessageItem] | None = None
    open_id: int = 0
    view_key: tuple = ()


async def read(snap: Snapshot, d: Digest) -> Update | None:
    """What this tab needs for this digest; None: the session ended (stop listening)."""
    if await d.get(("operator", snap.session), auth.operator_for_session, snap.session) is None:
        return None
    up = Update(open_id=snap.open_id, view_key=snap.view_key)
    if not d.events:
        return up
    touched, kinds = d.touched, d.kinds
    lists_changed = bool(kinds & set(CARD_LISTS))
    if touched or lists_changed:
        up.folder_items = await d.get(("folders", snap.lang), read_folders, snap.lang)
        up.folder_gone = snap.folder not in {f.id for f in up.folder_items}
    if up.folder_gone:  # the folder being shown was deleted (in another tab): All chats
        q = {**snap.query, "folder": "all"}
        up.page = await d.get(("page", _key(q), snap.rows), read_list, q, snap.rows,
                              _counted(q))
    elif "dialogs_bulk" in kinds or len(touched) > RELOAD_OVER:
        up.page = await d.get(("page", snap.view_key, snap.rows), read_list, snap.query,
                              snap.rows, snap.counted)
    elif touched:
        fresh = await d.get(("rows", frozenset(touched), snap.tz), _row_views, touched, snap.tz)
        if snap.plain:
            members = set(fresh)
        else:
            members = await d.get(("match", snap.view_key, frozenset(touched)), _matching,
                                  touched, snap.query)
        up.rows = {did: fresh.get(did) if did in members else None for did in touched}
        if snap.counted:
            up.found = await d.get(("count", snap.view_key), _count, snap.query)
    if snap.open_id and (snap.open_id in touched or lists_changed):
        up.card = await d.get(("card", snap.open_id), read_card, snap.open_id)
        up.card_gone = up.card is None
    if snap.open_id and snap.open_id in touched and not up.card_gone:
        got, _ = await d.get(("msgs", snap.open_id, snap.first_msg, snap.tz, snap.lang),
                             read_messages, snap.open_id, snap.tz, snap.t, snap.first_msg,
                             None, 2000)
        up.msgs = got
        if any(ev.get("reason") == "inbound" and ev.get("dialog_id") == snap.open_id
               for ev in d.events):  # a tab shows it: it is read (X2)
            await d.get(("read", snap.open_id), inbox.mark_read, snap.open_id)
    return up


async def sounds(d: Digest) -> list[int]:
    if not any(ev.get("reason") == "inbound" for ev in d.events):
        return []
    return await d.get("sounds", read_sounds, d.events)


def _row_views(ids, tz: str) -> dict[int, DialogItem]:
    """The changed rows as the list shows them (view.dialog_row), once per time zone."""
    return {did: view.dialog_row(r, tz) for did, r in dialog_list.rows(ids).items()}


def _key(q: dict) -> tuple:
    return (q["unread_only"], q["search"], q["folder"], filters.to_url(q["filter"]) if q["filter"] else "")


def _counted(q: dict) -> bool:
    return bool(q["unread_only"] or q["search"] or q["folder"] != "all" or q["filter"])


def _matching(ids, q: dict) -> set[int]:
    try:
        return dialog_list.matching(ids, **q)
    except (filters.FilterError, folders.FolderError):
        return set()


def _count(q: dict) -> int:
    try:
        return dialog_list.count(**q)
    except (filters.FilterError, folders.FolderError):
        return 0


async def run(fn, *args):
    """A blocking read from an event handler, in a worker thread."""
    return await asyncio.to_thread(fn, *args)
