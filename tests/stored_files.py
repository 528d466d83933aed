"""Outbound files the way the outbox hands them to an adapter: a file really stored by
services/attachments (store_upload), resolved to its local path."""

from __future__ import annotations

from messenger_app.channels.base import OutboundFile
from messenger_app.services import attachments


def outbound_file(att: dict) -> OutboundFile:
    """The OutboundFile of a stored attachment dict (store_upload's result)."""
    path = attachments.local_path(att)
    assert path is not None, f"{att.get('file_name')} is not a stored file"
    return OutboundFile(path=str(path), file_name=att["file_name"], mime_type=att["mime_type"],
                        size=att["file_size"], kind=att["kind"])


def stored(file_name: str, data: bytes, declared_type: str = "") -> OutboundFile:
    """Store an upload as the composer does and return what the adapter receives."""
    return outbound_file(attachments.store_upload(file_name, data, declared_type))
