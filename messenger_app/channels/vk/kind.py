"""The VK kind as /settings shows it: the community id and the capabilities."""

from __future__ import annotations

from messenger_app.channels.base import Capabilities, ChannelKind, SettingField
from messenger_app.channels.vk.adapter import VkChannel
from messenger_app.channels.vk.outbound import MAX_BUTTONS, MAX_DOC, MAX_LABEL
from messenger_app.lib.errors import DomainError


def _build(channel) -> VkChannel:
    base = (channel.base_url or "").rstrip("/")
    kw = {"base_url": base} if base else {}
    return VkChannel(channel.token, int((channel.config or {}).get("group_id") or 0), **kw)


def _validate(token: str, config: dict) -> dict:
    if not str(config.get("group_id", "")).strip().isdigit():
        raise DomainError("the VK community id must be a number", code="vk_group")
    return {**config, "group_id": int(str(config["group_id"]).strip())}


# VK: 10 attachments per message, documents up to 200 MB (photos, JPEG/PNG/GIF, 50 MB; a
# bigger one goes as a document); an inline keyboard of 10 buttons with a label of at most 40
# characters; text 4096; messages.send ~20/s per community; random_id makes a resend a no-op.
KIND = ChannelKind(
    "vk", "VK", _build, polling=True, token_label="Community access token", validate=_validate,
    custom_base_url=True, probe_on_save=True,
    fields=(SettingField("group_id", "Community (group) id", required=True, kind="number"),),
    capabilities=Capabilities(max_files=10, max_file_size=MAX_DOC, max_text=4096,
                              native_choices=MAX_BUTTONS, max_choices=10, max_choice_label=MAX_LABEL,
                              rate_per_second=20, rate_per_chat_per_second=1, dedup_sends=True),
)
