"""Fixtures shared by the unit tests (the factories they use: tests/factories.py)."""

import pytest

from messenger_app.services import events
from tests import factories


@pytest.fixture
def published(monkeypatch):
    """The events that went out after their transactions committed, in order, as the
    listeners receive them ({"kind": ..., fields}); the bus itself is not used."""
    got = []
    monkeypatch.setattr(events, "deliver", got.append)
    return got


@pytest.fixture
def dialog(data_dir):
    """(dialog id, operator id): a visitor wrote "hello"; an operator ("Ольга") can answer."""
    op = factories.operator(display_name="Ольга")
    return factories.dialog("hello").dialog_id, op.id


@pytest.fixture
def push_env(data_dir, monkeypatch):
    """The data dir, with push and presence reset before and after and the push options
    (PUSH_ALL_CHATS, SOUND_ALL_CHATS, VAPID_SUBJECT) unset."""
    from messenger_app.services import presence, push

    for name in ("PUSH_ALL_CHATS", "SOUND_ALL_CHATS", "VAPID_SUBJECT"):
        monkeypatch.delenv(name, raising=False)
    push.reset()
    presence.reset()
    yield data_dir
    push.reset()
    presence.reset()


@pytest.fixture
def receive_many_calls(monkeypatch):
    """The external ids of each inbox.receive_many call, one list a call, in order (the
    calls still store): how many transactions a batch took."""
    from messenger_app.services import inbox

    calls = []
    real = inbox.receive_many

    def counting(channel_id, kind, messages, *args, **kwargs):
        calls.append([m.external_id for m in messages])
        return real(channel_id, kind, messages, *args, **kwargs)

    monkeypatch.setattr(inbox, "receive_many", counting)
    return calls
