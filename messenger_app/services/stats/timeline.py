"""What one dialog or one client contributes to the rollups, by the response-time rules of the
package docstring: used by merge / undo (take back what the dialogs and clients counted, add
what they count after) and by the tests' independent recount."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import delete, select

from messenger_app.models import Contact, Dialog, Handover, Message, Rollup
from messenger_app.services import rollups as R
from messenger_app.services.stats.hooks import _is_human, _out_key
from messenger_app.services.stats.times import bin_of

_M, _C, _H, _T, _D = (Message.__table__, Contact.__table__, Handover.__table__,
                      Rollup.__table__, Dialog.__table__)


def _timeline(msgs: list, handovers: list[datetime], cells) -> None:
    """Add one dialog's contributions: msgs sorted by (created_at, id)."""
    events = [(m.created_at, 0, m.id, m) for m in msgs] + [(t, 1, 0, None) for t in handovers]
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    since, first = None, True
    for at, kind, _, m in events:
        if kind == 1:
            since, first = at, True
            continue
        if m.direction == "in":
            cells[R.cell(R.MSG_IN, at, m.channel_id)] += 1
            cells[R.cell(R.DIALOG_ACTIVE, at, m.channel_id, 0, m.dialog_id)] += 1
            if since is None:
                since = at
            continue
        human = _is_human(m.sender_kind, m.origin_kind)
        op = m.operator_id if human else 0
        cells[R.cell(R.MSG_OUT, at, m.channel_id, op, _out_key(m.sender_kind, m.origin_kind))] += 1
        cells[R.cell(R.DIALOG_ACTIVE, at, m.channel_id, op, m.dialog_id)] += 1
        if human and since is not None:
            metric = R.FIRST_RESPONSE if first else R.REPLY
            cells[R.cell(metric, at, m.channel_id, op, bin_of((at - since).total_seconds()))] += 1
            since, first = None, False


_MSG_COLS = (_M.c.id, _M.c.dialog_id, _M.c.channel_id, _M.c.direction, _M.c.sender_kind,
             _M.c.origin_kind, _M.c.operator_id, _M.c.created_at)


def _dialog_cells(conn, dialog_ids: list[int], cells) -> None:
    ids = [d for d in dialog_ids if d is not None]
    if not ids:
        return
    msgs = defaultdict(list)
    for m in conn.execute(select(*_MSG_COLS).where(_M.c.dialog_id.in_(ids),
                                                   _M.c.direction.in_(("in", "out")))):
        msgs[m.dialog_id].append(m)
    hos = defaultdict(list)
    for d, at in conn.execute(select(_H.c.dialog_id, _H.c.at).where(_H.c.dialog_id.in_(ids))):
        hos[d].append(at)
    for d in ids:
        _timeline(msgs.get(d, []), hos.get(d, []), cells)


def _contact_cells(conn, contact_ids: list[int], cells) -> None:
    ids = [c for c in contact_ids if c is not None]
    for created, first in conn.execute(select(_C.c.created_at, _C.c.first_message_at)
                                       .where(_C.c.id.in_(ids))):
        cells[R.cell(R.NEW_CLIENT, created)] += 1
        if first is not None:
            cells[R.cell(R.BILLED_NEW, first)] += 1


def regroup_start(s, dialog_ids: list[int], contact_ids: list[int]) -> dict:
    """Before a merge or its undo moves messages between dialogs: what those dialogs and
    clients count now (taken back by regroup_end)."""
    conn = s.connection()
    cells = R.counter()
    _dialog_cells(conn, dialog_ids, cells)
    _contact_cells(conn, contact_ids, cells)
    return {"dialogs": list(dialog_ids), "contacts": list(contact_ids), "cells": dict(cells)}


def regroup_end(s, token: dict) -> None:
    """After the move (same transaction): hand-overs follow their messages, and the counts
    become what the dialogs and clients count now — merged clients once, an undone merge
    twice again."""
    s.flush()
    conn = s.connection()
    ids = token["dialogs"]
    alive = set(conn.execute(select(_D.c.id).where(_D.c.id.in_(ids))).scalars())
    for d in ids:
        if d in alive:  # an undo: its own hand-overs come home
            conn.execute(_H.update().where(_H.c.home_dialog_id == d, _H.c.dialog_id.in_(ids))
                         .values(dialog_id=d))
        elif alive:  # merged away: into the dialog that stays
            conn.execute(_H.update().where(_H.c.dialog_id == d).values(dialog_id=min(alive)))
    cells = R.counter()
    _dialog_cells(conn, [d for d in ids if d in alive], cells)
    _contact_cells(conn, token["contacts"], cells)
    R.merge_cells(cells, token["cells"].items(), -1)
    R.add(conn, {c: n for c, n in cells.items() if n})
    conn.execute(delete(_T).where(_T.c.n == 0, _T.c.metric.in_(R.OWNED)))
