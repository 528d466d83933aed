"""Outbound files the way the outbox hands them to an adapter: a file really stored by
services/attachments (store_upload), resolved by attachments.outbound_file."""

from __future__ import annotations

from messenger_app.channels.base import OutboundFile
from messenger_app.services import attachments


def outbound_file(att: dict) -> OutboundFile:
    """The OutboundFile of a stored attachment dict (store_upload's result)."""
    f = attachments.outbound_file(att)
    assert f is not None, f"{att.get('file_name')} is not a stored file"
    return f


def stored(file_name: str, data: bytes, declared_type: str = "") -> OutboundFile:
    """Store an upload as the composer does and return what the adapter receives."""
    return outbound_file(attachments.store_upload(file_name, data, declared_type))
