"""states/rows.DialogItem: what a row sends is made once and is always its fields."""

import dataclasses
import json
import pickle

import pytest
from reflex_base.utils import format as fmt

from messenger_app.states.rows import DialogItem


def _row(**kw):
    base = dict(id="7", name="Анна", avatar="", initials="АИ", channel="telegram", preview="hi",
                out=False, time="12:00", unread=2, activity="2026-06-01T12:00:00")
    return DialogItem(**{**base, **kw})


def test_a_row_sends_its_fields_and_a_changed_row_sends_its_new_fields():
    row = _row()
    sent = json.loads(fmt.json_dumps([row, row]))
    assert sent == [dataclasses.asdict(row)] * 2
    changed = dataclasses.replace(row, preview="new text", unread=3)
    assert json.loads(fmt.json_dumps(changed)) == {**dataclasses.asdict(row), "preview": "new text",
                                                   "unread": 3}
    assert json.loads(fmt.json_dumps(row))["preview"] == "hi"  # the old row is unchanged


def test_a_row_cannot_change_in_place_and_pickles_without_what_it_sent():
    row = _row()
    fmt.json_dumps(row)
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.unread = 0
    blob = pickle.dumps(row)
    assert b"_wire" not in blob
    back = pickle.loads(blob)
    assert back == row and json.loads(fmt.json_dumps(back)) == dataclasses.asdict(row)
