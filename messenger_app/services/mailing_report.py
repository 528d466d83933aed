"""A mailing's progress and report (B2), read from its recipients and their messages' statuses.

Each recipient is in exactly one bucket: pending (not handed to the outbox yet), queued
(waiting in or being sent by a send lane), sent, delivered, read, failed (the channel said no,
or the outbox refused it), skipped:<reason>, cancelled. The progress bar, the report, the
clients behind a number (the dialog list's filter "mailing X, bucket Y": services/filters.py)
and the CSV all use this one definition.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from sqlalchemy import case, func, literal, select

from messenger_app import db
from messenger_app.models import Contact, Message
from messenger_app.models.mailing import R_QUEUED, R_SKIPPED, MailingRecipient
from messenger_app.models.message import SENDING

R = MailingRecipient
STATUS_BUCKETS = ("pending", "queued", "sent", "delivered", "read", "started", "failed", "cancelled")
# the bar's segments ("started": a scenario began for the recipient, B1)
PROGRESS = ("sent", "delivered", "read", "started", "failed", "skipped")  # the bar's segments


def _status_expr():
    """The recipient's bucket without the skip reason."""
    msg = func.coalesce(Message.status, "queued")
    return case((R.status == R_QUEUED, case((msg == SENDING, literal("queued")), else_=msg)),
                else_=R.status)


def _joined(q):
    return q.select_from(R).join(Message, Message.id == R.message_id, isouter=True)


def counts(mailing_id: int) -> dict[str, int]:
    """{bucket: n} with "skipped:<reason>" for the skipped and "skipped" their sum, "total"."""
    st = _status_expr()
    with db.session() as s:
        rows = s.execute(_joined(select(st, R.skip_reason, func.count()))
                         .where(R.mailing_id == mailing_id).group_by(st, R.skip_reason)).all()
    out: dict[str, int] = {b: 0 for b in (*STATUS_BUCKETS, "skipped")}
    for status, reason, n in rows:
        if status == R_SKIPPED:
            out["skipped"] += n
            out[f"skipped:{reason}"] = out.get(f"skipped:{reason}", 0) + n
        else:
            out[status] = out.get(status, 0) + n
    out["total"] = sum(n for _, _, n in rows)
    return out


def progress(mailing_id: int) -> dict:
    """The bar: the share (0-100) of each segment, and how many are done of the total."""
    c = counts(mailing_id)
    total = c["total"] or 1
    done = sum(c[k] for k in PROGRESS) + c["cancelled"]
    return {"counts": c, "percent": {k: round(100 * c[k] / total, 1) for k in PROGRESS},
            "done": done, "total": c["total"], "finished": done >= c["total"]}


def bucket_clause(bucket: str):
    """The recipients in a bucket ("sent", "skipped", "skipped:blacklisted", ...)."""
    if bucket.startswith("skipped"):
        cond = R.status == R_SKIPPED
        if ":" in bucket:
            cond = cond & (R.skip_reason == bucket.split(":", 1)[1])
        return cond
    return _status_expr() == bucket


def contacts_in(mailing_id: int, bucket: str):
    """SELECT contact_id of the recipients of a mailing in a bucket (for the L5 filter)."""
    return _joined(select(R.contact_id)).where(R.mailing_id == mailing_id, bucket_clause(bucket))


def csv_text(mailing_id: int) -> str:
    return "".join(csv_rows(mailing_id))


def csv_rows(mailing_id: int, page: int = 2000) -> Iterator[str]:
    """The recipients as CSV lines (header first): id, name, phone, status, reason, error,
    read page by page so a 100k mailing never sits in memory at once."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["client_id", "first_name", "last_name", "phone", "status", "skip_reason",
                "error", "occurrence"])
    yield buf.getvalue()
    st = _status_expr()
    last = 0
    while True:
        with db.session() as s:
            rows = s.execute(_joined(select(R.id, R.contact_id, Contact.first_name,
                                            Contact.last_name, Contact.phone, st, R.skip_reason,
                                            func.coalesce(Message.error, R.error), R.occurrence))
                             .join(Contact, Contact.id == R.contact_id)
                             .where(R.mailing_id == mailing_id, R.id > last)
                             .order_by(R.id).limit(page)).all()
        if not rows:
            return
        buf.seek(0)
        buf.truncate()
        for row in rows:
            w.writerow([_safe(v) for v in row[1:]])
        last = rows[-1][0]
        yield buf.getvalue()


def _safe(v) -> str:
    """No spreadsheet formula injection from a client's name."""
    text = "" if v is None else str(v)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not text[1:2].isdigit() else text
