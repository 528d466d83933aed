"""Fixtures shared by the unit tests (the factories they use: tests/factories.py)."""

import pytest

from messenger_app.services import events
from tests import factories


@pytest.fixture
def published(monkeypatch):
    """The events services publish, in order, instead of sending them."""
    got = []
    monkeypatch.setattr(events, "publish", lambda kind, **data: got.append({"kind": kind, **data}))
    return got


@pytest.fixture
def dialog(data_dir):
    """(dialog id, operator id): a visitor wrote "hello"; an operator ("Ольга") can answer."""
    op = factories.operator(display_name="Ольга")
    return factories.dialog("hello").dialog_id, op.id
