"""lib/frame_json: the websocket's frames written by orjson are the text Reflex's own writer
makes, and what orjson cannot write still goes out."""

import datetime
import enum
import json

import socketio.packet
from reflex.state import StateUpdate

import messenger_app.messenger_app  # noqa: F401  (the app, as the server builds it: installs it)
from messenger_app.lib import frame_json
from messenger_app.states.rows import DialogItem, FolderItem


class Kind(str, enum.Enum):
    SMS = "sms"


def _frame():
    row = DialogItem(id="7", name="Анна «ВИП»", avatar="", initials="АИ", channel="telegram",
                     preview='he said "hi"\n😀', out=False, time="12:00", unread=2,
                     activity="2026-06-01T12:00:00", blacklisted=True)
    delta = {"state.dialog_list_state": {"rows_rx_state_": [row, row], "roving_row_rx_state_": "7"},
             "state.folder_counts_state": {"folder_items_rx_state_": [FolderItem(id="all", name="Все",
                                                                                 unread=3)],
                                           "unread_total_rx_state_": 3},
             "state.other": {"when": datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.timezone.utc),
                             "kind": Kind.SMS, "ratio": 0.1, "none": None, "ids": {1: "one"}}}
    return ["event", StateUpdate(delta=delta, events=[], final=True)]


def reflex_writer(obj):
    from reflex.app import _sio_dumps

    return _sio_dumps(obj, separators=(",", ":"))


def test_the_app_writes_its_frames_with_orjson_the_same_text_as_reflex():
    assert getattr(socketio.packet.Packet.json, "orjson", False)  # installed with the app
    frame = _frame()
    ours = socketio.packet.Packet.json.dumps(frame, separators=(",", ":"))
    assert ours == reflex_writer(frame)
    sent = json.loads(ours)[1]["delta"]
    assert sent["state.dialog_list_state"]["rows_rx_state_"][0]["name"] == "Анна «ВИП»"
    assert sent["state.other"]["ids"] == {"1": "one"}


def test_a_frame_orjson_refuses_goes_out_through_reflexs_writer():
    frame = ["event", {"delta": {"s": {"big": 2 ** 70}}}]
    assert socketio.packet.Packet.json.dumps(frame, separators=(",", ":")) == reflex_writer(frame)
    assert json.loads(socketio.packet.Packet.json.dumps(frame))[1]["delta"]["s"]["big"] == 2 ** 70


def test_installing_twice_keeps_one_writer():
    before = socketio.packet.Packet.json
    frame_json.install()
    assert socketio.packet.Packet.json is before
