"""Applying a step's effects for a real run: a bot message through the outbox (with a dedup
key, so a repeated step sends nothing twice), CRM writes, folder actions, timers as durable
jobs, the hand-over; then the run's new state is saved."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import select

from messenger_app import db, settings
from messenger_app.channels.base import Choice
from messenger_app.clock import utcnow
from messenger_app.lib.errors import DomainError
from messenger_app.models import Message, MessageTemplate
from messenger_app.models.message import IN
from messenger_app.models.scenario import ENDED, WAITING_OPERATOR, BotRun
from messenger_app.services import crm, events, jobs, notes, rollups, stats, templates
from messenger_app.services.bot_jobs import JOB_ATTEMPTS
from messenger_app.services.event_types import DialogChanged
from messenger_app.services.scenario_engine import Action, Engine, Goto, Handover, Out, RunState, Store, Timer
from messenger_app.services.bot.host import _DbHost
from messenger_app.services.bot.runs import (_end_in, _event, _graph, MAX_GOTO, MAX_STEPS, _new_run, _paused,
                                             _release, _state)

log = logging.getLogger("messenger.bot")


class _Stop(Exception):
    """The operator paused the dialog while the bot was stepping: stop at once."""


def _minutes(n: int) -> timedelta:
    return timedelta(seconds=n * settings.get().bot_minute_seconds)


def _queue_out(run: BotRun, eff: Out) -> None:
    from messenger_app.services import attachments, outbox

    if _paused(run.dialog_id):
        raise _Stop()
    text = eff.text
    if eff.template_id:
        with db.session() as s:
            tpl = s.get(MessageTemplate, eff.template_id)
        if tpl is not None:
            body = templates.render(tpl.body, run.contact_id).text
            text = f"{text}\n\n{body}".strip() if text.strip() else body
    files = attachments.clean_attachments([eff.file]) if isinstance(eff.file, dict) else []
    origin = outbox.Origin("bot", run.id, run.scenario_name,
                           {"scenario_id": run.scenario_id, "version": run.version, "step": eff.node_id})
    outbox.queue(run.dialog_id, None, text, attachments=files, sender_kind="bot",
                 choices=[Choice(b["id"], b["label"]) for b in eff.buttons], origin=origin,
                 dedup_key=f"bot:{run.id}:{eff.node_id}:{eff.seq}:{eff.attempt}")


def _store(contact_id: int, eff: Store) -> None:
    kind = eff.store.get("kind")
    if kind == "crm":
        crm.set_value(contact_id, str(eff.store.get("key")), eff.value)
    elif kind == "tag1":
        crm.set_tag1(contact_id, eff.value)
    elif kind == "tag2":
        crm.set_tag2(contact_id, eff.value)


def _act(contact_id: int, a: dict) -> None:
    from messenger_app.services import folders

    op = a.get("op")
    if op == "set_var":
        crm.set_value(contact_id, str(a.get("key")), a.get("value"))
    elif op == "set_tag1":
        crm.set_tag1(contact_id, str(a.get("value") or ""))
    elif op == "set_tag2":
        crm.set_tag2(contact_id, str(a.get("value") or ""))
    elif op in ("add_folder", "remove_folder"):
        current = {f.id for f in folders.folders_of(contact_id)}
        fid = a.get("folder_id")
        wanted = current | {fid} if op == "add_folder" else current - {fid}
        if wanted != current:
            folders.set_contact_folders(contact_id, sorted(wanted))


def _handover(run: BotRun, eff: Handover) -> None:
    from messenger_app.i18n.strings import LANGS

    lang = settings.get().demo_lang if settings.get().demo_lang in LANGS else "en"
    why = eff.note.strip() or "—"
    crm.set_bot_paused(run.dialog_id, True, by="bot")
    notes.add_note(run.dialog_id, None, LANGS[lang]["bot_note_handover"].format(name=run.scenario_name, why=why))
    # operators hear and get pushed as for a new message (N1, N2): the notifier and the tabs
    # react to "inbound" events of the dialog
    with db.session() as s:
        last = s.exec(select(func.max(Message.id)).where(Message.dialog_id == run.dialog_id,
                                                         Message.direction == IN)).one()
        events.on_commit(s, DialogChanged(dialog_id=run.dialog_id, contact_id=run.contact_id,
                                          reason="inbound", message_id=last, handover=True))
        s.commit()  # nothing written here: the event goes out through the one path


def _arm(run: BotRun, eff: Timer) -> datetime:
    at = utcnow() + _minutes(eff.minutes)
    jobs.enqueue("bot_timer", f"bot:{eff.kind}:{run.id}:{eff.seq}",
                 {"run_id": run.id, "seq": eff.seq, "kind": eff.kind}, run_at=at, max_attempts=JOB_ATTEMPTS)
    return at


def _save(run: BotRun, state: RunState, wait_until: datetime | None = None) -> None:
    with db.session() as s:
        row = s.get(BotRun, run.id)
        if row is None or row.status == ENDED:
            return
        row.step, row.waiting_for, row.attempts, row.seq = state.step, state.waiting_for, state.attempts, state.seq
        row.variables, row.last_inbound_id, row.updated_at = dict(state.variables), run.last_inbound_id, utcnow()
        if wait_until is not None or not state.waiting_for:
            row.wait_until = wait_until
        if state.handed_over:
            first_handover = row.handed_over_at is None
            row.status, row.handed_over_at = WAITING_OPERATOR, row.handed_over_at or utcnow()
            row.waiting_for, row.wait_until = "", None
            _event(s, row.id, "handover", row.step)
            if first_handover:  # X9: counted per scenario; the first human reply is timed from here
                rollups.record(s.connection(), "bot_handover", row.handed_over_at, key=row.scenario_id)
                stats.handed_over(s.connection(), row.dialog_id, row.handed_over_at)
        elif state.ended:
            _end_in(s, row, state.ended)
        s.add(row)
        if state.ended or state.handed_over:
            events.on_commit(s, DialogChanged(dialog_id=run.dialog_id, contact_id=run.contact_id,
                                              reason="bot"))
        s.commit()


def _drive(run: BotRun, event: str, holder: str, text: str = "", choice_id: str = "", depth: int = 0) -> None:
    """Apply the event and every following step until the run waits or ends."""
    engine = Engine(_graph(run.version_id))
    host = _DbHost(run.contact_id)
    state = _state(run)
    goto: int | None = None
    effects = engine.step(state, event, host, text, choice_id)
    for _ in range(MAX_STEPS):
        wait_until = None
        try:
            for eff in effects:
                if isinstance(eff, Out):
                    _queue_out(run, eff)
                elif isinstance(eff, Store):
                    _store(run.contact_id, eff)
                elif isinstance(eff, Action):
                    _act(run.contact_id, eff.action)
                elif isinstance(eff, Timer):
                    wait_until = _arm(run, eff)
                elif isinstance(eff, Handover):
                    _handover(run, eff)
                elif isinstance(eff, Goto):
                    goto = eff.scenario_id
        except _Stop:
            return  # paused: the run stays on this step; Resume continues from it
        except DomainError as e:  # a message the channel refuses, a value the CRM refuses
            log.warning("bot run %s stopped at %s: %s", run.id, state.step, e)
            state.ended = "error"
            _note_failed(run, str(e))
        _save(run, state, wait_until)
        if state.ended or state.handed_over or state.waiting_for:
            break
        effects = engine.step(state, "enter", host)
    else:
        state.ended = "loop"
        _save(run, state)
    if goto is not None and depth < MAX_GOTO:
        try:
            with db.session() as s:
                new = _new_run(s, run.contact_id, run.dialog_id, goto, "goto", holder,
                               run.last_inbound_id, state.variables)
                s.commit()
        except DomainError as e:
            _note_failed(run, str(e))
            return
        _drive(new, "enter", holder, depth=depth + 1)
        _release(new.id, holder)


def _note_failed(run: BotRun, why: str) -> None:
    from messenger_app.i18n.strings import LANGS

    lang = settings.get().demo_lang if settings.get().demo_lang in LANGS else "en"
    try:
        notes.add_note(run.dialog_id, None,
                       LANGS[lang]["bot_note_failed"].format(name=run.scenario_name, why=why[:300]))
    except DomainError:
        pass
