"""Every channel kind, listed once. Each kind declares itself in its own module (`KIND`:
label, settings fields, how it is built, polling or webhook, capabilities); nothing else in
the app branches on a kind's name. Adding a channel = one module + one line below."""

from __future__ import annotations

from typing import Any

from messenger_app.channels import email, sms, telegram, viber, vk, whatsapp, widget
from messenger_app.channels.base import Capabilities, ChannelKind

KINDS: dict[str, ChannelKind] = {k.kind: k for k in [
    widget.KIND,
    telegram.KIND,
    vk.KIND,
    whatsapp.KIND,
    viber.KIND,
    sms.KIND,
    email.KIND,
]}

# why a route cannot be used (codes from route checks → the English text; the UI translates)
REASONS = {
    "channel_disabled": "channel is disabled",
    "client_unreachable": "client unreachable",
    "wa_window": "outside WhatsApp's 24-hour window: only templates",
    "unknown_kind": "this kind of channel is not supported",
}


def get(kind: str) -> ChannelKind | None:
    return KINDS.get(kind)


def capabilities(kind: str) -> Capabilities:
    spec = KINDS.get(kind)
    return spec.capabilities if spec else Capabilities()


def build(channel) -> Any:
    """A ready adapter for a Channel row (the caller closes it)."""
    spec = KINDS.get(channel.kind)
    if spec is None:
        raise ValueError(f"unknown channel kind {channel.kind!r}")
    return spec.build(channel)


def unusable_code(channel, identity) -> str:
    """unusable_reason() as a code the UI translates ("route_" + code): disabled | unreachable
    | a kind's route check code (wa_window) | unknown_kind; "" = usable."""
    spec = KINDS.get(channel.kind)
    if spec is None:
        return "unknown_kind"
    if not channel.enabled:
        return "disabled"
    if not identity.reachable:
        return "unreachable"
    return spec.route_check(identity) if spec.route_check is not None else ""


def unusable_reason(channel, identity) -> str:
    """Why this client cannot be answered in this channel right now ("" = it can) (C7)."""
    spec = KINDS.get(channel.kind)
    if spec is None:
        return REASONS["unknown_kind"]
    if not channel.enabled:
        return REASONS["channel_disabled"]
    if not identity.reachable:
        return identity.unreachable_reason or REASONS["client_unreachable"]
    if spec.route_check is not None:
        code = spec.route_check(identity)
        if code:
            return REASONS.get(code, code)
    return ""
