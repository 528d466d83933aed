"""Durable background jobs: a Job row per piece of work (fetch a new client's profile, download
an inbound message's media; later bot timeouts and scheduled mailings).

Claimed like outbox rows (queued -> running with an owner and a deadline): on PostgreSQL the
pick uses FOR UPDATE SKIP LOCKED so several processes share the work; everywhere the claim is a
compare-and-set on the status, so a row is never run by two owners at once. A row whose owner
died (deadline passed) goes back to queued and runs again: handlers are idempotent.
Chose this over huey: the job must be committed in the SAME transaction as the message that
causes it (a kill -9 between the two loses nothing), which a separate queue store cannot do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, update
from sqlmodel import select

from messenger_app import db
from messenger_app.clock import utcnow
from messenger_app.models.job import JOB_DONE, JOB_FAILED, JOB_QUEUED, JOB_RUNNING, Job
from messenger_app.services import events
from messenger_app.services.event_types import JobsQueued

CLAIM_SECONDS = 300  # a running job not finished by then is taken as abandoned
_T = Job.__table__
# built once: add_in runs in the transaction of every inbound message that causes a job
_BY_KEY, _INSERT = select(_T.c.id).where(_T.c.key == bindparam("k")), _T.insert()


@dataclass
class Claimed:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int


def add_in(conn, kind: str, key: str, payload: dict[str, Any], run_at: datetime | None = None,
           max_attempts: int = 6) -> None:
    """Add a job inside the caller's connection and transaction (it commits with the caller's
    writes: inbox's receive); a job with the same key is left as it is."""
    if conn.execute(_BY_KEY, {"k": key}).first() is not None:
        return
    now = utcnow()
    conn.execute(_INSERT, dict(kind=kind, key=key, payload=payload, status=JOB_QUEUED,
                               run_at=run_at or now, attempts=0, max_attempts=max_attempts,
                               claimed_by="", last_error="", created_at=now))


def enqueue(kind: str, key: str, payload: dict[str, Any], run_at: datetime | None = None,
            max_attempts: int = 6) -> None:
    """Add a job in a transaction of its own, and wake the runner."""
    with db.session() as s:
        add_in(s.connection(), kind, key, payload, run_at, max_attempts)
        events.on_commit(s, JobsQueued())
        s.commit()


def claim(holder: str, limit: int = 4, now: datetime | None = None) -> list[Claimed]:
    """Take up to `limit` due jobs for `holder`."""
    now = now or utcnow()
    with db.session() as s:
        q = (select(Job.id).where(Job.status == JOB_QUEUED, Job.run_at <= now)
             .order_by(Job.run_at, Job.id).limit(limit))
        if not db.is_sqlite():
            q = q.with_for_update(skip_locked=True)
        ids = list(s.exec(q).all())
        if not ids:
            return []
        s.exec(update(Job).where(Job.id.in_(ids), Job.status == JOB_QUEUED)
               .values(status=JOB_RUNNING, claimed_by=holder,
                       claim_until=now + timedelta(seconds=CLAIM_SECONDS),
                       attempts=Job.attempts + 1))
        s.commit()
        rows = s.exec(select(Job).where(Job.id.in_(ids), Job.status == JOB_RUNNING,
                                        Job.claimed_by == holder)).all()
        return [Claimed(r.id, r.kind, dict(r.payload or {}), r.attempts, r.max_attempts)
                for r in rows]


def finish(job_id: int, holder: str) -> None:
    with db.session() as s:
        s.exec(update(Job).where(Job.id == job_id, Job.claimed_by == holder,
                                 Job.status == JOB_RUNNING)
               .values(status=JOB_DONE, finished_at=utcnow(), last_error=""))
        s.commit()


def retry_later(job_id: int, holder: str, error: str, attempts: int, max_attempts: int,
                delay: float | None = None) -> str:
    """A failed run: again later with backoff, or failed for good after max_attempts."""
    now = utcnow()
    final = attempts >= max_attempts
    wait = delay if delay is not None else min(5 * 2 ** max(attempts - 1, 0), 3600)
    with db.session() as s:
        s.exec(update(Job).where(Job.id == job_id, Job.claimed_by == holder,
                                 Job.status == JOB_RUNNING)
               .values(status=JOB_FAILED if final else JOB_QUEUED, last_error=error[:1000],
                       run_at=now if final else now + timedelta(seconds=wait),
                       finished_at=now if final else None, claimed_by=""))
        s.commit()
    return JOB_FAILED if final else JOB_QUEUED


def recover_stale(now: datetime | None = None) -> int:
    """Jobs whose owner died go back to the queue. Returns how many."""
    now = now or utcnow()
    with db.session() as s:
        res = s.exec(update(Job).where(Job.status == JOB_RUNNING, Job.claim_until < now)
                     .values(status=JOB_QUEUED, claimed_by=""))
        s.commit()
        return res.rowcount or 0


def next_due_in(now: datetime | None = None) -> float | None:
    now = now or utcnow()
    with db.session() as s:
        at = s.exec(select(Job.run_at).where(Job.status == JOB_QUEUED)
                    .order_by(Job.run_at).limit(1)).first()
    return None if at is None else max(0.0, (at - now).total_seconds())


def pending(kind: str | None = None) -> list[Job]:
    with db.session() as s:
        q = select(Job).where(Job.status.in_([JOB_QUEUED, JOB_RUNNING]))
        if kind:
            q = q.where(Job.kind == kind)
        return list(s.exec(q.order_by(Job.id)).all())
