"""Contact merge (X7): two contacts that are the same person become one client with one
dialog. Nothing is lost: every message, channel identity, folder and CRM value moves to the
kept client (the kept client's own values win), and a MergeLog row records what moved so an
operator can undo the merge."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import select

from messenger_app import db
from messenger_app.clock import utcnow
from messenger_app.models import (ChannelIdentity, Contact, ContactFolder, ContactValue, Dialog,
                                  MergeLog, Message)
from messenger_app.services import events, stats
from messenger_app.services.event_types import DialogChanged, FoldersChanged
from messenger_app.lib.errors import DomainError

CONTACT_FIELDS = ("first_name", "last_name", "phone", "phone_raw", "phone_digits", "avatar",
                  "blacklisted", "created_at", "first_message_at", "tag1", "tag2")
DIALOG_FIELDS = ("activity_at", "last_message_at", "last_preview", "last_channel_kind",
                 "last_direction", "unread_count", "bot_paused", "created_at")


class MergeError(DomainError):
    code = "merge"


def _iso(v):
    return v.isoformat() if hasattr(v, "isoformat") else v


def merge(keep_id: int, other_id: int, operator_id: int | None = None) -> int:
    """Merge contact `other_id` into `keep_id`; returns the MergeLog id."""
    if keep_id == other_id:
        raise MergeError("a client cannot be merged with itself", code="merge_self")
    with db.session() as s:
        keep, other = s.get(Contact, keep_id), s.get(Contact, other_id)
        if keep is None or other is None:
            raise MergeError("no such client", code="no_client")
        kd = s.exec(select(Dialog).where(Dialog.contact_id == keep_id)).one()
        od = s.exec(select(Dialog).where(Dialog.contact_id == other_id)).one()
        ident_ids = list(s.exec(select(ChannelIdentity.id).where(ChannelIdentity.contact_id == other_id)))
        msg_ids = list(s.exec(select(Message.id).where(Message.dialog_id == od.id)))
        folders = list(s.exec(select(ContactFolder.folder_id).where(ContactFolder.contact_id == other_id)))
        keep_folders = set(s.exec(select(ContactFolder.folder_id).where(ContactFolder.contact_id == keep_id)))
        values = s.exec(select(ContactValue).where(ContactValue.contact_id == other_id)).all()
        keep_fields = set(s.exec(select(ContactValue.field_id).where(ContactValue.contact_id == keep_id)))
        snapshot = {
            "contact": {f: _iso(getattr(other, f)) for f in CONTACT_FIELDS},
            "kept_before": {f: _iso(getattr(keep, f)) for f in CONTACT_FIELDS},
            "dialog": {"id": od.id, **{f: _iso(getattr(od, f)) for f in DIALOG_FIELDS}},
            "kept_dialog_before": {f: _iso(getattr(kd, f)) for f in DIALOG_FIELDS},
            "identities": ident_ids, "messages": msg_ids, "folders": folders,
            "added_folders": [f for f in folders if f not in keep_folders],
            "values": [{"field_id": v.field_id, "value_text": v.value_text, "value_num": v.value_num,
                        "value_date": _iso(v.value_date)} for v in values],
            "added_values": [v.field_id for v in values if v.field_id not in keep_fields],
        }
        counted = stats.regroup_start(s, [kd.id, od.id], [keep_id, other_id])
        # move the history and the channels
        s.exec(update(Message).where(Message.dialog_id == od.id)
               .values(dialog_id=kd.id, contact_id=keep_id))
        s.exec(update(ChannelIdentity).where(ChannelIdentity.contact_id == other_id)
               .values(contact_id=keep_id))
        for fid in snapshot["added_folders"]:
            s.add(ContactFolder(contact_id=keep_id, folder_id=fid))
        for v in values:
            if v.field_id not in keep_fields:
                s.add(ContactValue(contact_id=keep_id, field_id=v.field_id, value_text=v.value_text,
                                   value_num=v.value_num, value_date=v.value_date))
            s.delete(v)
        for cf in s.exec(select(ContactFolder).where(ContactFolder.contact_id == other_id)).all():
            s.delete(cf)
        # the kept client takes what it lacks; blacklisting is never lost (R3)
        for f in ("first_name", "last_name", "avatar", "tag1", "tag2"):
            if not getattr(keep, f) and getattr(other, f):
                setattr(keep, f, getattr(other, f))
        if not keep.phone and other.phone:
            keep.phone, keep.phone_raw, keep.phone_digits = other.phone, other.phone_raw, other.phone_digits
        keep.blacklisted = keep.blacklisted or other.blacklisted
        keep.created_at = min(keep.created_at, other.created_at)
        firsts = [t for t in (keep.first_message_at, other.first_message_at) if t]
        keep.first_message_at = min(firsts) if firsts else None
        _combine_dialogs(kd, od)
        s.add_all([keep, kd])
        s.flush()
        s.delete(od)
        s.flush()
        s.delete(other)
        stats.regroup_end(s, counted)
        log = MergeLog(kept_contact_id=keep_id, merged_contact_id=other_id,
                       operator_id=operator_id, snapshot=snapshot)
        s.add(log)
        events.on_commit(s, DialogChanged(dialog_id=kd.id, contact_id=keep_id, reason="merge"),
                         DialogChanged(dialog_id=od.id, contact_id=other_id, reason="merge"),
                         FoldersChanged())
        s.commit()
        log_id = log.id
    return log_id


def _combine_dialogs(kd: Dialog, od: Dialog) -> None:
    if od.last_message_at and (not kd.last_message_at or od.last_message_at > kd.last_message_at):
        kd.last_message_at, kd.last_preview = od.last_message_at, od.last_preview
        kd.last_channel_kind, kd.last_direction = od.last_channel_kind, od.last_direction
    kd.activity_at = max(kd.activity_at, od.activity_at)
    kd.unread_count += od.unread_count
    kd.bot_paused = kd.bot_paused or od.bot_paused


def undo(log_id: int) -> int:
    """Split a merge again: the merged client comes back with its own id, dialog, messages,
    channels, folders and values. Returns the restored contact id."""
    from datetime import datetime

    def dt(v):
        return datetime.fromisoformat(v) if isinstance(v, str) else v

    with db.session() as s:
        log = s.get(MergeLog, log_id)
        if log is None or log.undone_at is not None:
            raise MergeError("no such merge, or it was undone already", code="merge_gone")
        snap = log.snapshot
        keep = s.get(Contact, log.kept_contact_id)
        kd = s.exec(select(Dialog).where(Dialog.contact_id == log.kept_contact_id)).one()
        counted = stats.regroup_start(s, [kd.id, snap["dialog"]["id"]], [keep.id, log.merged_contact_id])
        c = snap["contact"]
        other = Contact(id=log.merged_contact_id, **{f: dt(c[f]) if f.endswith("_at") else c[f]
                                                     for f in CONTACT_FIELDS})
        s.add(other)
        s.flush()
        d = snap["dialog"]
        od = Dialog(id=d["id"], contact_id=other.id, **{f: dt(d[f]) if f.endswith("_at") else d[f]
                                                          for f in DIALOG_FIELDS})
        s.add(od)
        s.flush()
        if snap["messages"]:
            s.exec(update(Message).where(Message.id.in_(snap["messages"]))
                   .values(dialog_id=od.id, contact_id=other.id))
        if snap["identities"]:
            s.exec(update(ChannelIdentity).where(ChannelIdentity.id.in_(snap["identities"]))
                   .values(contact_id=other.id))
        for fid in snap["folders"]:
            s.add(ContactFolder(contact_id=other.id, folder_id=fid))
        for fid in snap["added_folders"]:
            row = s.get(ContactFolder, (keep.id, fid))
            if row is not None:
                s.delete(row)
        for v in snap["values"]:
            s.add(ContactValue(contact_id=other.id, field_id=v["field_id"], value_text=v["value_text"],
                               value_num=v["value_num"], value_date=dt(v["value_date"])))
        for fid in snap["added_values"]:
            row = s.get(ContactValue, (keep.id, fid))
            if row is not None:
                s.delete(row)
        kb = snap["kept_before"]
        for f in CONTACT_FIELDS:
            setattr(keep, f, dt(kb[f]) if f.endswith("_at") else kb[f])
        kdb = snap["kept_dialog_before"]
        for f in DIALOG_FIELDS:
            setattr(kd, f, dt(kdb[f]) if f.endswith("_at") else kdb[f])
        log.undone_at = utcnow()
        s.add_all([keep, kd, log])
        stats.regroup_end(s, counted)
        events.on_commit(s, DialogChanged(dialog_id=kd.id, contact_id=keep.id, reason="unmerge"),
                         DialogChanged(dialog_id=od.id, contact_id=other.id, reason="unmerge"),
                         FoldersChanged())
        s.commit()
        restored = other.id
    return restored


def history(contact_id: int) -> list[MergeLog]:
    with db.session() as s:
        return list(s.exec(select(MergeLog).where(MergeLog.kept_contact_id == contact_id)
                           .order_by(MergeLog.id.desc())).all())
