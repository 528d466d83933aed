"""The chat-bot runtime (B1): runs of published scenarios, advanced by the workers.

How a client's message reaches the bot: `inbox.receive` stores it and, in the same
transaction, a durable "bot" job due `BOT_DEBOUNCE_SECONDS` later (jobs.add_in). The job
runner calls `handle_inbound`: if a newer message of the same client is waiting, this job
leaves it to that one (several quick messages are taken together); otherwise it claims the
client's run row (one step at a time per client, a compare-and-set like the outbox's), starts a
scenario when a trigger matches, or feeds the messages to the step the run waits on.

Each step is applied and then saved (services/scenario_engine.py walks the graph). A bot
message is queued with the dedup key `bot:<run>:<step>:<seq>:<attempt>`, so a kill -9 between
"queued" and "saved" repeats the step without a second message. Timers (wait, "no answer
within") are durable jobs too.

Pause (crm.set_bot_paused, "With operator") stops the bot at once: while the dialog is paused
nothing is sent and messages are left to the operator. Resume continues from the step the run
waited on. A hand-over step pauses the dialog itself (by="bot"), leaves an internal note and
rings the operators like a new message; Resume then ends that run.

A run keeps the version it started on; publishing a new version never touches it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, true, false, update
from sqlmodel import select

from messenger_app import db, settings
from messenger_app.channels.base import Choice, TransientError
from messenger_app.clock import utcnow
from messenger_app.lib.errors import DomainError
from messenger_app.models import (Contact, CrmField, Dialog, Job, Message, MessageTemplate,
                                  Tag2Option)
from messenger_app.models.message import IN
from messenger_app.models.scenario import (ENDED, PAUSED, RUNNING, WAITING_OPERATOR, BotRun,
                                           BotRunEvent, Scenario, ScenarioVersion)
from messenger_app.services import crm, events, filters, jobs, notes, rollups, scenarios, stats, templates
from messenger_app.services.bot_jobs import JOB_ATTEMPTS
from messenger_app.services.scenario_engine import (Action, End, Engine, Goto, Handover, Out,
                                                    RunState, Store, Timer, normalise_filter,
                                                    python_filter, render_plain, time_leaf)

log = logging.getLogger("messenger.bot")

RUN_CLAIM_SECONDS = 60
MAX_STEPS = 50  # steps in one go: a graph that loops without waiting is stopped
MAX_GOTO = 5
TRIGGER_WINDOW = timedelta(seconds=30)  # messages taken together for a trigger


class BotError(DomainError):
    code = "bot"


class Busy(TransientError):
    """Another worker is stepping this client's run: the job runs again in a moment."""


# ------------------------------------------------------------------- the host of the engine

def _zone() -> ZoneInfo:
    try:
        return ZoneInfo(settings.get().time_zone or "UTC")
    except Exception:
        return ZoneInfo("UTC")


class _DbHost:
    """The engine's view of one real client."""

    def __init__(self, contact_id: int):
        self.contact_id = contact_id

    def render(self, text: str, variables: dict) -> str:
        return templates.render(text, self.contact_id).text

    def parse(self, store: dict | None, text: str) -> tuple[bool, str]:
        return parse_answer(store, text)

    def condition(self, filt: dict, variables: dict) -> bool:
        return contact_matches(self.contact_id, filt)


def parse_answer(store: dict | None, text: str) -> tuple[bool, str]:
    """Whether a free answer fits where it is stored (CRM field type, Tag 2 options)."""
    text = (text or "").strip()
    if not text:
        return False, ""
    kind = (store or {}).get("kind")
    try:
        if kind == "crm":
            with db.session() as s:
                f = s.exec(select(CrmField).where(CrmField.key == str(store.get("key")))).first()
            if f is None:
                return False, ""
            typed = crm.parse_value(f.type, f.options, text)
            return bool(typed.text), typed.text
        if kind == "tag1":
            value = crm.clean_text(text)
            return (bool(value) and len(value) <= crm.TAG1_MAX), value
        if kind == "tag2":
            with db.session() as s:
                opts = list(s.exec(select(Tag2Option.value)).all())
            found = next((o for o in opts if o.casefold() == text.casefold()), "")
            return bool(found), found
    except DomainError:
        return False, ""
    return True, crm.clean_text(text, multiline=True)[:2000]


def _sql_filter(filt: dict, now_local: datetime):
    group = normalise_filter(filt)
    parts = []
    for item in group["conditions"]:
        if isinstance(item, dict) and "conditions" in item:
            parts.append(_sql_filter(item, now_local))
            continue
        t = time_leaf(item, now_local) if isinstance(item, dict) else False
        if t is not None:
            parts.append(true() if t else false())
        else:
            parts.append(filters.compile({"join": "and", "conditions": [item]}))
    if not parts:
        return true()
    from sqlalchemy import and_, or_
    return and_(*parts) if group["join"] == "and" else or_(*parts)


def contact_matches(contact_id: int, filt: dict, now: datetime | None = None) -> bool:
    """An L5 filter (plus time_of_day / weekday leaves) for this one client, in SQL. A filter
    that cannot be used counts as not matching."""
    now_local = (now or utcnow()).astimezone(_zone())
    try:
        expr = _sql_filter(filt, now_local)
    except DomainError as e:
        log.info("branch condition not usable: %s", e)
        return False
    with db.session() as s:
        q = (select(Dialog.id).join(Contact, Contact.id == Dialog.contact_id)
             .where(Dialog.contact_id == contact_id, expr).limit(1))
        return s.exec(q).first() is not None


# ------------------------------------------------------------------- run rows

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


# ------------------------------------------------------------------- applying a step

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
    events.publish("dialog", dialog_id=run.dialog_id, contact_id=run.contact_id, reason="inbound",
                   message_id=last, handover=True)


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
        s.commit()
    if state.ended or state.handed_over:
        events.publish("dialog", dialog_id=run.dialog_id, contact_id=run.contact_id, reason="bot")


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


# ------------------------------------------------------------------- triggers

@dataclass
class _Trigger:
    scenario_id: int
    why: str


def _norm(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def find_trigger(texts: list[str], channel_id: int | None, first_message) -> _Trigger | None:
    """Keywords and `/start <payload>` (latest message first), else the channel's default
    scenario for a new client's first message."""
    with db.session() as s:
        rows = s.exec(select(Scenario.id, Scenario.triggers).where(
            Scenario.deleted_at == None,  # noqa: E711
            Scenario.id.in_(select(ScenarioVersion.scenario_id))).order_by(Scenario.id)).all()
    for text in reversed(texts):
        t = _norm(text)
        if not t:
            continue
        if t.startswith("/start "):
            payload = t[7:].strip()
            for sid, trig in rows:
                if payload in (_norm(p) for p in (trig or {}).get("start_payloads") or []):
                    return _Trigger(sid, "payload")
        for sid, trig in rows:
            if t in (_norm(k) for k in (trig or {}).get("keywords") or []):
                return _Trigger(sid, "keyword")
        if t.startswith("/start"):
            for sid, trig in rows:
                if "/start" in (_norm(k) for k in (trig or {}).get("keywords") or []):
                    return _Trigger(sid, "keyword")
    if channel_id is not None:
        for sid, trig in rows:
            if channel_id in ((trig or {}).get("first_message_channels") or []):
                # `first_message`: a callable, asked only when a scenario could start
                return _Trigger(sid, "first_message") if first_message() else None
    return None


# ------------------------------------------------------------------- job handlers

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


# ------------------------------------------------------------------- the card, mailings, pause

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
        s.commit()
        run_id, dialog_id = run.id, dialog.id
    events.publish("jobs")
    if by == "operator":
        crm.set_bot_paused(dialog_id, False, by="bot")
    events.publish("dialog", dialog_id=dialog_id, contact_id=contact_id, reason="bot")
    return run_id


def stop(contact_id: int) -> bool:
    with db.session() as s:
        run = _active_run(s, contact_id)
        if run is None:
            return False
        _end_in(s, run, "stopped")
        s.commit()
        dialog_id = run.dialog_id
    events.publish("dialog", dialog_id=dialog_id, contact_id=contact_id, reason="bot")
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
        s.commit()
        contact_id = run.contact_id
    if rearm is not None:
        rid, rseq, kind = rearm
        n = int(now.timestamp() * 1000)
        if kind == "go":
            jobs.enqueue("bot_resume", f"bot:resume:{rid}:{rseq}:{n}", {"run_id": rid}, max_attempts=JOB_ATTEMPTS)
        else:
            jobs.enqueue("bot_timer", f"bot:{kind}:{rid}:{rseq}:r{n}", {"run_id": rid, "seq": rseq, "kind": kind},
                         max_attempts=JOB_ATTEMPTS)
    events.publish("dialog", dialog_id=dialog_id, contact_id=contact_id, reason="bot")


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


# ------------------------------------------------------------------- Try it

@dataclass
class SimOutput:
    kind: str  # message | note | handover | end | wait
    text: str = ""
    buttons: list[dict] | None = None
    node_id: str = ""


class Simulation:
    """Plays a graph as a client would, in the editor: nothing is written or sent. Answers are
    checked against the CRM fields' types (read once); branches see the simulation's
    variables and the workspace's clock."""

    def __init__(self, graph: dict, variables: dict | None = None, now: datetime | None = None):
        self.engine = Engine(scenarios.check_shape(graph))
        self.state = RunState(step=self.engine.start, variables=dict(variables or {}))
        self._now = now
        with db.session() as s:
            self._fields = {f.key: (f.type, list(f.options or [])) for f in s.exec(select(CrmField)).all()}
            self._tag2 = list(s.exec(select(Tag2Option.value)).all())

    # the engine's host
    def render(self, text: str, variables: dict) -> str:
        return render_plain(text, variables)

    def parse(self, store: dict | None, text: str) -> tuple[bool, str]:
        text = (text or "").strip()
        if not text:
            return False, ""
        kind = (store or {}).get("kind")
        try:
            if kind == "crm":
                ftype, opts = self._fields.get(str(store.get("key")), ("text", []))
                typed = crm.parse_value(ftype, opts, text)
                return bool(typed.text), typed.text
            if kind == "tag2":
                found = next((o for o in self._tag2 if o.casefold() == text.casefold()), "")
                return bool(found), found
        except DomainError:
            return False, ""
        return True, text

    def condition(self, filt: dict, variables: dict) -> bool:
        return python_filter(filt, variables, (self._now or utcnow()).astimezone(_zone()))

    # the API
    @property
    def current_node(self) -> str | None:
        return None if self.state.ended else self.state.step

    @property
    def variables(self) -> dict:
        return dict(self.state.variables)

    def _play(self, event: str, text: str = "", choice_id: str = "") -> list[SimOutput]:
        out: list[SimOutput] = []
        effects = self.engine.step(self.state, event, self, text, choice_id)
        for _ in range(MAX_STEPS):
            for eff in effects:
                if isinstance(eff, Out):
                    out.append(SimOutput("message", eff.text, list(eff.buttons), eff.node_id))
                elif isinstance(eff, Timer) and eff.kind == "timer":
                    out.append(SimOutput("wait", str(eff.minutes), [], self.state.step))
                elif isinstance(eff, Handover):
                    out.append(SimOutput("note", eff.note, [], eff.node_id))
                    out.append(SimOutput("handover", eff.note, [], eff.node_id))
                elif isinstance(eff, Goto):
                    out.append(SimOutput("end", "goto", [], self.state.step))
                elif isinstance(eff, End):
                    out.append(SimOutput("end", eff.outcome, [], self.state.step))
            if self.state.ended or self.state.waiting_for:
                return out
            effects = self.engine.step(self.state, "enter", self)
        self.state.ended = "loop"
        out.append(SimOutput("end", "loop", [], self.state.step))
        return out

    def start(self) -> list[SimOutput]:
        self.state = RunState(step=self.engine.start, variables=self.state.variables)
        return self._play("enter")

    def answer(self, text: str | None = None, choice_id: str | None = None) -> list[SimOutput]:
        if not choice_id and text:
            node = self.engine.node(self.state.step) or {}
            from messenger_app.services.inbox import match_choice
            choice_id = match_choice(text, (node.get("data") or {}).get("buttons") or [])
        return self._play("answer", text or "", choice_id or "")

    def timeout(self) -> list[SimOutput]:
        return self._play("timeout")

    def skip_wait(self) -> list[SimOutput]:
        return self._play("timer")
