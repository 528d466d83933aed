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


# names and the gateway's own vocabulary the SMS fields are configured with
LATIN_OK = {"JSON", "GET", "POST", "form", "json", "plus", "digits", "http", "https",
            "status_map", "queued", "sent", "delivered", "failed", "unknown", "Telegram",
            "params_template", "id_regex", "unreachable_pattern", "inbound_fields", "status_fields"}


def _latin_words(text):
    import re

    return {w for w in re.findall(r"[A-Za-z_]{3,}", text)} - LATIN_OK


@pytest.mark.parametrize("config", [
    {"send_url": "ftp://x"}, {"send_url": "http://x", "method": "PUT"},
    {"send_url": "http://x", "body_format": "xml"}, {"send_url": "http://x", "to_format": "e164"},
    {"send_url": "http://x", "params_template": "[not json"},
    {"send_url": "http://x", "params_template": "5"},
    {"send_url": "http://x", "method": "GET", "params_template": "[1]"},
    {"send_url": "http://x", "status_map": {"x": "exploded"}},
    {"send_url": "http://x", "id_regex": "("},
    {"send_url": "http://x", "auth_header": "A\nB"},
    {"send_url": "http://x", "idempotency_header": "bad header!"},
    {"send_url": "http://x", "inbound_fields": "[1]"},
])
def test_sms_settings_errors_are_russian_sentences(data_dir, config):
    """Issue 20: an SMS setting that cannot work was shown as the adapter's English."""
    from messenger_app.i18n.errors import error_text
    from messenger_app.services import channels

    with pytest.raises(channels.ChannelConfigError) as got:
        channels.add("sms", "SMS", config=config)
    ru, en = error_text(got.value, "ru"), error_text(got.value, "en")
    assert got.value.code.startswith("sms_") and ru != RU["err_generic"]
    assert not _latin_words(ru), ru
    assert en != ru and not en.startswith("Something")


def test_provider_refusals_are_translated_and_english_keeps_the_providers_words():
    from messenger_app.channels.base import PermanentError, TransientError
    from messenger_app.states.settings import provider_refusal

    refused = provider_refusal(PermanentError("telegram: 401 Unauthorized"), "ВКонтакте", "ru")
    assert refused == RU["err_provider_refused"].format(kind="ВКонтакте")
    assert "Unauthorized" not in refused and not _latin_words(refused)
    down = provider_refusal(TransientError("timed out"), "Telegram", "ru")
    assert down == RU["err_provider_unreachable"].format(kind="Telegram")
    en = provider_refusal(PermanentError("telegram: 401 Unauthorized"), "Telegram", "en")
    assert en.startswith("Telegram refused") and en.endswith("(telegram: 401 Unauthorized)")
