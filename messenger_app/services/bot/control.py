"""The bot from the card and mailings: start and stop a run, the operator's pause and
resume, and what the card shows of the run in progress and of past runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import select

from messenger_app import db
from messenger_app.clock import utcnow
from messenger_app.models import Dialog, Message
from messenger_app.models.message import IN
from messenger_app.models.scenario import ENDED, PAUSED, RUNNING, WAITING_OPERATOR, BotRun, ScenarioVersion
from messenger_app.services import crm, events, jobs
from messenger_app.services.bot_jobs import JOB_ATTEMPTS
from messenger_app.services.event_types import DialogChanged, JobsQueued
from messenger_app.services.bot.handlers import handle_go
from messenger_app.services.bot.runs import _active_run, BotError, _end_in, _event, _new_run


def start(contact_id: int, scenario_id: int, by: str = "operator") -> int:
    """Start a scenario's newest version for this client (ending the run in progress). The
    steps run in the workers. Starting from the card hands the dialog back to the bot."""
    with db.session() as s:
        dialog = s.exec(select(Dialog).where(Dialog.contact_id == contact_id)).first()
        if dialog is None:
            raise BotError("no such client", code="no_client")
        last_in = s.exec(select(func.max(Message.id)).where(Message.contact_id == contact_id,
                                                            Message.direction == IN)).one() or 0
        run = _new_run(s, contact_id, dialog.id, scenario_id, by, last_inbound_id=last_in)
        # its first steps, committed with the run (a crash right after loses nothing)
        jobs.add_in(s.connection(), "bot_go", f"bot:go:{run.id}", {"run_id": run.id}, max_attempts=JOB_ATTEMPTS)
        events.on_commit(s, JobsQueued(),
                         DialogChanged(dialog_id=dialog.id, contact_id=contact_id, reason="bot"))
        s.commit()
        run_id, dialog_id = run.id, dialog.id
    if by == "operator":
        crm.set_bot_paused(dialog_id, False, by="bot")  # its own card event
    return run_id


def stop(contact_id: int) -> bool:
    with db.session() as s:
        run = _active_run(s, contact_id)
        if run is None:
            return False
        _end_in(s, run, "stopped")
        events.on_commit(s, DialogChanged(dialog_id=run.dialog_id, contact_id=contact_id, reason="bot"))
        s.commit()
    return True


def on_pause_changed(dialog_id: int, paused: bool) -> None:
    """crm.set_bot_paused by an operator: the run pauses, or continues where it waited (a
    run that had handed over ends: its job is done). Messages written while paused were the
    operator's; the bot does not answer them afterwards."""
    now = utcnow()
    rearm = None
    with db.session() as s:
        run = s.exec(select(BotRun).where(BotRun.dialog_id == dialog_id, BotRun.status != ENDED)).first()
        if run is None:
            return
        if paused:
            if run.status == RUNNING:
                run.status = PAUSED
                _event(s, run.id, "pause", run.step)
        elif run.status == WAITING_OPERATOR:
            _end_in(s, run, "handover")
        elif run.status == PAUSED:
            run.status = RUNNING
            run.last_inbound_id = s.exec(select(func.max(Message.id)).where(
                Message.dialog_id == dialog_id, Message.direction == IN)).one() or run.last_inbound_id
            _event(s, run.id, "resume", run.step)
            if run.waiting_for == "timer" or (run.wait_until is not None and run.waiting_for):
                if run.wait_until is not None and run.wait_until <= now:
                    rearm = (run.id, run.seq, "timer" if run.waiting_for == "timer" else "timeout")
            elif not run.waiting_for:
                rearm = (run.id, run.seq, "go")
        run.updated_at = now
        s.add(run)
        events.on_commit(s, DialogChanged(dialog_id=dialog_id, contact_id=run.contact_id, reason="bot"))
        s.commit()
    if rearm is not None:
        rid, rseq, kind = rearm
        n = int(now.timestamp() * 1000)
        if kind == "go":
            jobs.enqueue("bot_resume", f"bot:resume:{rid}:{rseq}:{n}", {"run_id": rid}, max_attempts=JOB_ATTEMPTS)
        else:
            jobs.enqueue("bot_timer", f"bot:{kind}:{rid}:{rseq}:r{n}", {"run_id": rid, "seq": rseq, "kind": kind},
                         max_attempts=JOB_ATTEMPTS)


handle_resume = handle_go


@dataclass
class RunView:
    run_id: int
    scenario_id: int
    scenario_name: str
    version: int
    step: str
    step_label: str  # the step's type and the start of its text
    status: str  # running | paused | waiting_operator
    waiting_for: str
    wait_until: datetime | None
    started_at: datetime


def step_label(graph: dict, node_id: str) -> str:
    node = next((n for n in (graph or {}).get("nodes") or [] if n.get("id") == node_id), None)
    if node is None:
        return node_id
    d = node.get("data") or {}
    text = " ".join(str(d.get("text") or d.get("note") or "").split())
    label = f"{node.get('type')}"
    return f"{label}: {text[:40]}{'…' if len(text) > 40 else ''}" if text else f"{label} ({node_id})"


def current(contact_id: int) -> RunView | None:
    with db.session() as s:
        run = _active_run(s, contact_id)
        if run is None:
            return None
        v = s.get(ScenarioVersion, run.version_id)
    return RunView(run.id, run.scenario_id, run.scenario_name, run.version, run.step,
                   step_label(v.graph if v else {}, run.step), run.status, run.waiting_for,
                   run.wait_until, run.started_at)


def history(contact_id: int) -> list[BotRun]:
    with db.session() as s:
        return list(s.exec(select(BotRun).where(BotRun.contact_id == contact_id).order_by(BotRun.id)).all())
