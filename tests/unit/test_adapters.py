"""adapters: one adapter per channel instance, rebuilt when the channel's settings change."""

from messenger_app import adapters
from messenger_app.models import Channel


def _sms(**kw) -> Channel:
    return Channel(id=901, kind="sms", name="SMS", config={"send_url": "http://127.0.0.1:9/send"}, **kw)


def test_the_same_settings_reuse_the_adapter_and_a_change_builds_a_new_one():
    adapters.drop(901)
    try:
        row = _sms()
        first = adapters.get(row)
        assert adapters.get(row) is first and adapters.get(_sms()) is first  # a fresh row, same settings
        row.config["send_url"] = "http://127.0.0.1:9/other"  # changed in place: not the kept copy
        second = adapters.get(row)
        assert second is not first and adapters.get(row) is second
        renamed = _sms()
        renamed.config["send_url"] = "http://127.0.0.1:9/other"
        renamed.name = "SMS 2"
        assert adapters.get(renamed) is not second
        adapters.drop(901)
        assert adapters.peek(901) is None and adapters.get(renamed) is not second
    finally:
        adapters.drop(901)
