"""/settings in the operator's language, and health from the channel's real state (issue 20)."""

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from messenger_app.i18n.strings import EN, RU
from messenger_app.services.channels import health as _health
from messenger_app.states.settings import CONNECTABLE, _fields


def _ch(kind, enabled=True, last_error="", last_poll_at=None):
    return SimpleNamespace(kind=kind, enabled=enabled, last_error=last_error, last_poll_at=last_poll_at)


def test_health_says_what_the_channel_is_doing():
    polled = datetime.now(timezone.utc)  # just now (3 minutes of silence: stalled)
    assert _health(_ch("telegram", enabled=False)) == "off"  # a disabled demo channel is not "healthy"
    assert _health(_ch("telegram", enabled=False, last_error="401")) == "off"
    assert _health(_ch("telegram")) == "never"
    assert _health(_ch("telegram", last_poll_at=polled)) == "polling"
    assert _health(_ch("telegram", last_poll_at=polled, last_error="Unauthorized")) == "failing"
    assert _health(_ch("whatsapp")) == "waiting"
    assert _health(_ch("widget")) == "ok"
    for state in ("off", "never", "polling", "failing", "waiting", "ok"):
        assert EN["health_" + state] and RU["health_" + state]


@pytest.mark.parametrize("kind", CONNECTABLE)
def test_every_connect_form_is_labelled_in_russian(kind):
    for f in _fields(kind, RU):
        label = f["label"]
        assert any("а" <= ch.lower() <= "я" for ch in label), (kind, label)
    assert [f["name"] for f in _fields(kind, RU)] == [f["name"] for f in _fields(kind, EN)]


def test_the_token_and_base_url_fields_show_an_example():
    fields = {f["name"]: f for f in _fields("telegram", EN)}
    assert fields["token"]["placeholder"].startswith("123456789:")
    assert fields["base_url"]["placeholder"].startswith("http://")
