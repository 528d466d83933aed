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
