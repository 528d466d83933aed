"""One process at a time runs the pollers and the sender: a renewed lease row in the DB."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from messenger_app import db
from messenger_app.clock import utcnow
from messenger_app.models import WorkerLease


def acquire(name: str, holder: str, ttl_seconds: float = 20) -> bool:
    """Take or renew the lease; True while `holder` owns it."""
    now = utcnow()
    until = now + timedelta(seconds=ttl_seconds)
    with db.session() as s:
        res = s.exec(update(WorkerLease)
                     .where(WorkerLease.name == name,
                            or_(WorkerLease.holder == holder, WorkerLease.expires_at < now))
                     .values(holder=holder, expires_at=until))
        s.commit()
        if res.rowcount:
            return True
        if s.get(WorkerLease, name) is not None:
            return False
        try:
            s.add(WorkerLease(name=name, holder=holder, expires_at=until))
            s.commit()
            return True
        except IntegrityError:
            return False


def release(name: str, holder: str) -> None:
    with db.session() as s:
        lease = s.get(WorkerLease, name)
        if lease is not None and lease.holder == holder:
            s.delete(lease)
            s.commit()
