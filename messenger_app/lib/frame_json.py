"""The JSON of the websocket's frames (Socket.IO packets), written by orjson.

Every live update sends each open tab its delta: the dialog list's 50 rows (Reflex sends a
changed var whole), the folder counters, the announcement. json's C encoder with Reflex's
`default=` took ~0.2 ms a frame of 50 rows, a third of a tab's share of a live update;
orjson writes the same text in ~0.04 ms (the rows still pass through Reflex's serializer).

The same text: Socket.IO asks for compact separators, and orjson writes compact UTF-8 with
the keys in their order, as json.dumps(ensure_ascii=False, separators=(",", ":")) does.
What json hands to `default` (dataclasses, datetimes and whatever else it cannot write) is
handed to Reflex's serializer here too (the OPT_PASSTHROUGH_* options), so the rows'
registered serializers (states/rows.py) still decide what a row sends. A frame orjson
refuses (an int beyond 64 bits, say) is written by Reflex's own encoder, as before.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Callable

import orjson

_OPTIONS = (orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
            | orjson.OPT_NON_STR_KEYS)


_BY_TYPE: dict[type, Callable[[Any], Any]] = {}  # each type's Reflex serializer, looked up once
_installed = False


def _default(value: Any) -> Any:
    """What json's `default=` would give (Reflex's serialize), with the serializer of each
    type found once: a frame has fifty rows of one type."""
    fn = _BY_TYPE.get(type(value))
    if fn is None:
        from reflex_base.utils.serializers import get_serializer, serialize

        fn = _BY_TYPE[type(value)] = get_serializer(type(value)) or serialize
    return fn(value)


def installed() -> bool:
    """Whether the frames are written here (then fragment() texts are sent as they are)."""
    return _installed


def fragment(obj: Any) -> orjson.Fragment | None:
    """`obj`'s JSON made now, to be written into frames as it is (states/live_delta: one
    delta's text for every tab it goes to); None where orjson cannot write it."""
    try:
        return orjson.Fragment(_write(obj))
    except TypeError:
        return None


def _write(obj: Any) -> bytes:
    return orjson.dumps(obj, default=_default, option=_OPTIONS)


def _state_update(serialize: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Reflex's StateUpdate serializer, with a delta that carries its text made already
    (an attribute `fragment`, states/live_delta.SharedDelta) written as that text."""

    def write(update: Any) -> Any:
        out = serialize(update)
        made = getattr(update.delta, "fragment", None)
        if made is not None and "delta" in out:
            out["delta"] = made
        return out

    return write


def install() -> None:
    """Write Socket.IO's packets with orjson from now on (call after rx.App() made its
    server: python-socketio keeps the JSON module on its Packet class)."""
    import socketio.packet
    from reflex_base import otel

    if otel.enabled:  # Reflex's writer records each frame's size for its telemetry: keep it
        return
    current = socketio.packet.Packet.json  # Reflex's (reflex/app.py _sio_dumps/_sio_loads)
    if getattr(current, "orjson", False):
        return
    fallback = current.dumps
    from reflex.state import StateUpdate
    from reflex_base.utils.serializers import get_serializer

    _BY_TYPE[StateUpdate] = _state_update(get_serializer(StateUpdate))
    global _installed
    _installed = True

    def dumps(obj: Any, **kwargs: Any) -> str:
        try:
            return _write(obj).decode()
        except TypeError:  # orjson.JSONEncodeError too: what orjson cannot write
            return fallback(obj, **kwargs)

    socketio.packet.Packet.json = SimpleNamespace(dumps=dumps, loads=current.loads, orjson=True)
