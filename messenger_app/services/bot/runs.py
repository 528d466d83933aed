"""The chat-bot's run rows: one run per client at a time, claimed by one worker while it
steps (a compare-and-set like the outbox's), started on a scenario's newest version and ended
with an outcome."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import select

from messenger_app import db
from messenger_app.channels.base import TransientError
from messenger_app.clock import utcnow
from messenger_app.lib.errors import DomainError
from messenger_app.models import Dialog
from messenger_app.models.scenario import ENDED, RUNNING, BotRun, BotRunEvent, Scenario, ScenarioVersion
from messenger_app.services import rollups
from messenger_app.services.scenario_engine import RunState


RUN_CLAIM_SECONDS = 60
MAX_STEPS = 50  # steps in one go: a graph that loops without waiting is stopped
MAX_GOTO = 5
TRIGGER_WINDOW = timedelta(seconds=30)  # messages taken together for a trigger


class BotError(DomainError):
    code = "bot"


class Busy(TransientError):
    """Another worker is stepping this client's run: the job runs again in a moment."""


def _state(run: BotRun) -> RunState:
    return RunState(step=run.step, waiting_for=run.waiting_for, attempts=run.attempts, seq=run.seq,
                    variables=dict(run.variables or {}))


def _event(s, run_id: int, kind: str, step: str = "", **detail) -> None:
    s.add(BotRunEvent(run_id=run_id, kind=kind, step=step, detail=detail))


def _claim(run_id: int, holder: str) -> bool:
    now = utcnow()
    with db.session() as s:
        res = s.exec(update(BotRun).where(
            BotRun.id == run_id, BotRun.status != ENDED,
            (BotRun.claimed_by == "") | (BotRun.claimed_by == holder) | (BotRun.claim_until < now))
            .values(claimed_by=holder, claim_until=now + timedelta(seconds=RUN_CLAIM_SECONDS)))
        s.commit()
        return bool(res.rowcount)


def _release(run_id: int, holder: str) -> None:
    with db.session() as s:
        s.exec(update(BotRun).where(BotRun.id == run_id, BotRun.claimed_by == holder)
               .values(claimed_by="", claim_until=None))
        s.commit()


def _active_run(s, contact_id: int) -> BotRun | None:
    return s.exec(select(BotRun).where(BotRun.contact_id == contact_id, BotRun.status != ENDED)).first()


# ends that are not "the scenario ran to an end" for the statistics (X9): replaced by another
# run, stopped from the card, closed after a hand-over (counted as handed over), broken
NOT_FINISHED = ("replaced", "stopped", "handover", "error", "loop")


def _end_in(s, run: BotRun, outcome: str) -> None:
    now = utcnow()
    run.status, run.ended_at, run.outcome, run.updated_at = ENDED, now, outcome, now
    run.waiting_for, run.wait_until, run.claimed_by, run.claim_until = "", None, "", None
    s.add(run)
    _event(s, run.id, "end", run.step, outcome=outcome)
    if outcome not in NOT_FINISHED:
        rollups.record(s.connection(), "bot_finished", now, key=run.scenario_id)


def _new_run(s, contact_id: int, dialog_id: int, scenario_id: int, by: str, holder: str = "",
             last_inbound_id: int = 0, variables: dict | None = None) -> BotRun:
    sc = s.get(Scenario, scenario_id)
    if sc is None or sc.deleted_at is not None:
        raise BotError("no such scenario", code="scenario_missing")
    v = s.exec(select(ScenarioVersion).where(ScenarioVersion.scenario_id == scenario_id)
               .order_by(ScenarioVersion.number.desc()).limit(1)).first()
    if v is None:
        raise BotError("scenario not published", code="scenario_unpublished")
    old = _active_run(s, contact_id)
    if old is not None:
        _end_in(s, old, "replaced")
        s.flush()
    now = utcnow()
    run = BotRun(contact_id=contact_id, dialog_id=dialog_id, scenario_id=sc.id, version_id=v.id,
                 version=v.number, scenario_name=sc.name, step=(v.graph or {}).get("start") or "",
                 variables=dict(variables or {}), status=RUNNING, started_by=by,
                 last_inbound_id=last_inbound_id, claimed_by=holder,
                 claim_until=now + timedelta(seconds=RUN_CLAIM_SECONDS) if holder else None,
                 started_at=now, updated_at=now)
    s.add(run)
    s.flush()
    _event(s, run.id, "start", run.step, by=by, version=v.number)
    rollups.record(s.connection(), "bot_started", now, key=sc.id)
    return run


_graphs: dict[tuple[str, int], dict] = {}  # (database, version id) -> graph: versions never change


def _graph(version_id: int) -> dict:
    key = (str(db.engine().url), version_id)
    if key in _graphs:
        return _graphs[key]
    with db.session() as s:
        v = s.get(ScenarioVersion, version_id)
        graph = dict(v.graph or {}) if v else {}
    if v is not None:
        if len(_graphs) > 500:
            _graphs.clear()
        _graphs[key] = graph
    return graph


def _paused(dialog_id: int) -> bool:
    with db.session() as s:
        return bool(s.exec(select(Dialog.bot_paused).where(Dialog.id == dialog_id)).first())
