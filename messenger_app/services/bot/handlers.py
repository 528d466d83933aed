"""The bot's job handlers, run by the workers: an inbound message (the debounced "bot" job),
a timer ("wait", "no answer within"), and a run's first steps or a resumed run ("bot_go")."""

from __future__ import annotations

from sqlalchemy import func, update
from sqlmodel import select

from messenger_app import db
from messenger_app.models import Dialog, Job, Message
from messenger_app.models.message import IN
from messenger_app.models.scenario import ENDED, RUNNING, BotRun
from messenger_app.services.bot.runs import (_active_run, Busy, _claim, _new_run, _paused, _release,
                                             TRIGGER_WINDOW)
from messenger_app.services.bot.steps import _drive
from messenger_app.services.bot.triggers import find_trigger


def handle_inbound(contact_id: int, message_id: int, holder: str) -> None:
    with db.session() as s:
        dialog = s.exec(select(Dialog).where(Dialog.contact_id == contact_id)).first()
        if dialog is None or dialog.bot_paused:
            return  # the operator has it: no bot reply
        newer = s.exec(select(Message.id).where(Message.contact_id == contact_id, Message.direction == IN,
                                                Message.id > message_id).limit(1)).first()
        if newer is not None:
            return  # a later message's job takes them together
        run = _active_run(s, contact_id)
        this = s.get(Message, message_id)
    if this is None:
        return
    if run is not None and not _claim(run.id, holder):
        raise Busy("the run is being stepped", retry_after=1)
    try:
        if run is not None:
            run = _finish_interrupted(run.id, holder)
        _on_inbound(contact_id, dialog.id, this, run, holder)
    finally:
        if run is not None:
            _release(run.id, holder)


def _on_inbound(contact_id: int, dialog_id: int, this: Message, run: BotRun | None, holder: str) -> None:
    since = run.last_inbound_id if run is not None else 0
    with db.session() as s:
        if run is not None:
            run = s.get(BotRun, run.id)
            if run is None or run.status == ENDED:
                run = None
        last_ended = s.exec(select(func.max(BotRun.last_inbound_id)).where(
            BotRun.contact_id == contact_id, BotRun.status == ENDED)).one() or 0
        since = max(since, last_ended) if run is None else run.last_inbound_id
        msgs = list(s.exec(select(Message).where(
            Message.contact_id == contact_id, Message.direction == IN, Message.id > since,
            Message.id <= this.id, Message.created_at >= this.created_at - TRIGGER_WINDOW)
            .order_by(Message.id)).all())
        if not msgs:
            return

    def first() -> bool:
        """A new client: its first message ever came while a bot was on (it has a job) and it
        never had a run."""
        with db.session() as s:
            first_id = s.exec(select(func.min(Message.id)).where(Message.contact_id == contact_id,
                                                                 Message.direction == IN)).one()
            return (first_id is not None and first_id >= msgs[0].id
                    and s.exec(select(Job.id).where(Job.key == f"bot:in:{first_id}")).first() is not None
                    and s.exec(select(BotRun.id).where(BotRun.contact_id == contact_id).limit(1)).first() is None)

    trig = find_trigger([m.text for m in msgs], this.channel_id, first)
    if trig is not None:
        with db.session() as s:
            new = _new_run(s, contact_id, dialog_id, trig.scenario_id, trig.why, holder, this.id)
            s.commit()
        try:
            _drive(new, "enter", holder)
        finally:
            _release(new.id, holder)
        return
    if run is None:
        return
    run.last_inbound_id = this.id
    if run.status == RUNNING and run.waiting_for in ("answer", "button"):
        choice = next((m.choice_id for m in reversed(msgs) if m.choice_id), "")
        text = " ".join(m.text.strip() for m in msgs if m.text.strip() and not m.choice_id)
        _drive(run, "answer", holder, text=text, choice_id=choice)
    else:
        with db.session() as s:
            s.exec(update(BotRun).where(BotRun.id == run.id).values(last_inbound_id=this.id))
            s.commit()


def _finish_interrupted(run_id: int, holder: str) -> BotRun | None:
    """The run (claimed by `holder`) after finishing the step a crash interrupted: a run in
    progress that waits for nothing was killed between two steps (or was just started). Its
    step is applied again; a message it had queued has the same dedup key, so none is doubled."""
    with db.session() as s:
        run = s.get(BotRun, run_id)
    if run is not None and run.status == RUNNING and not run.waiting_for and not _paused(run.dialog_id):
        _drive(run, "enter", holder)
        with db.session() as s:
            run = s.get(BotRun, run_id)
    return run if run is not None and run.status != ENDED else None


def handle_timer(run_id: int, seq: int, kind: str, holder: str) -> None:
    with db.session() as s:
        run = s.get(BotRun, run_id)
    if run is None or run.status != RUNNING:
        return  # stopped, ended, or paused (Resume re-arms it)
    if run.seq != seq and run.waiting_for:
        return  # moved on (answered, a new step)
    if _paused(run.dialog_id):
        return
    if not _claim(run_id, holder):
        raise Busy("the run is being stepped", retry_after=1)
    try:
        run = _finish_interrupted(run_id, holder)
        if run is not None and run.status == RUNNING and run.seq == seq and run.waiting_for:
            _drive(run, "timeout" if kind == "timeout" else "timer", holder)
    finally:
        _release(run_id, holder)


def handle_go(run_id: int, holder: str) -> None:
    """A run started from the card or a mailing (its first steps), or one paused between two
    steps and resumed: it continues from the step it is on."""
    with db.session() as s:
        run = s.get(BotRun, run_id)
    if run is None or run.status != RUNNING or run.waiting_for or _paused(run.dialog_id):
        return
    if not _claim(run_id, holder):
        raise Busy("the run is being stepped", retry_after=1)
    try:
        _finish_interrupted(run_id, holder)
    finally:
        _release(run_id, holder)
