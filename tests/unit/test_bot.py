"""The chat-bot runtime (B1) through the production path: inbox.receive (which adds the bot's
job in its transaction) -> the job runner -> services/bot -> outbox rows. Channel sends are in
test_bot_channels.py; here the outbox rows are what the bot said."""

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select, update

from messenger_app import db, settings, workers
from messenger_app.channels.base import InboundMessage
from messenger_app.clock import utcnow
from messenger_app.models import Dialog, Job, Message
from messenger_app.models.scenario import BotRun, BotRunEvent
from messenger_app.services import bot, channels, crm, inbox, jobs, message_details, scenarios
from messenger_app.services.bot import runs as bot_runs
from tests.scenario_graphs import city_graph


@pytest.fixture
def env(data_dir, monkeypatch):
    monkeypatch.setenv("BOT_DEBOUNCE_SECONDS", "0")
    settings.reset()
    crm.create_field("city", "City")
    ch = channels.add("vk", token="vk-token", config={"group_id": "5"}, base_url="http://127.0.0.1:9")
    return ch


def _publish(graph, name="Welcome", **triggers):
    sid = scenarios.create(name)
    scenarios.save_draft(sid, graph)
    scenarios.set_triggers(sid, triggers)
    scenarios.publish(sid)
    return sid


_n = [0]


def say(ch, user="u1", text="", choice_id=""):
    _n[0] += 1
    got = inbox.receive(ch.id, ch.kind, InboundMessage(external_id=f"m{_n[0]}", identity_external_id=user,
                                                       text=text, choice_id=choice_id, first_name="Anna"))
    asyncio.run(workers.run_due_jobs())
    return got


def bot_texts(contact_id=None):
    with db.session() as s:
        q = select(Message).where(Message.sender_kind == "bot").order_by(Message.id)
        if contact_id:
            q = q.where(Message.contact_id == contact_id)
        return [m.text for m in s.exec(q).all()]


def run_of(contact_id):
    with db.session() as s:
        return s.exec(select(BotRun).where(BotRun.contact_id == contact_id).order_by(BotRun.id.desc())).first()


def test_walk_buttons_branch_and_handover(env):
    _publish(city_graph(), first_message_channels=[env.id])
    got = say(env, text="hi")
    assert bot_texts() == ["Hello, Anna!", "Which city?"]
    with db.session() as s:
        ask = s.exec(select(Message).where(Message.text == "Which city?")).one()
    assert ask.choices == [{"id": "msk", "label": "Moscow"}, {"id": "spb", "label": "St Petersburg"}]
    assert ask.origin_kind == "bot" and ask.origin_label == "Welcome"
    assert ask.origin_detail == {"scenario_id": ask.origin_detail["scenario_id"], "version": 1, "step": "city"}
    run = run_of(got.contact_id)
    assert (run.status, run.step, run.waiting_for) == ("running", "city", "answer")
    say(env, choice_id="msk")
    assert [v["value"] for v in crm.values_of(got.contact_id)] == ["Moscow"]
    run = run_of(got.contact_id)
    assert run.status == "waiting_operator" and run.handed_over_at is not None and run.ended_at is None
    with db.session() as s:
        d = s.get(Dialog, got.dialog_id)
        note = s.exec(select(Message).where(Message.direction == "note")).one()
    assert d.bot_paused and "Client from Moscow" in note.text
    # the operator resumes: the run that handed over ends, with its times
    crm.set_bot_paused(got.dialog_id, False)
    run = run_of(got.contact_id)
    assert run.status == "ended" and run.outcome == "handover" and run.ended_at >= run.handed_over_at
    with db.session() as s:
        kinds = [e.kind for e in s.exec(select(BotRunEvent).order_by(BotRunEvent.id)).all()]
    assert kinds == ["start", "handover", "end"]


def test_typed_label_or_number_counts_as_a_press(env):
    _publish(city_graph(), first_message_channels=[env.id])
    got = say(env, text="hi")
    say(env, text="2")  # the second button
    assert [v["value"] for v in crm.values_of(got.contact_id)] == ["St Petersburg"]
    assert bot_texts()[-1] == "We will write to you in St Petersburg."
    assert run_of(got.contact_id).outcome == "completed"


def test_invalid_answer_is_asked_again_then_the_invalid_exit(env):
    crm.delete_field("city")
    crm.create_field("city", "City", type="number")  # a number field: "abc" is not valid
    _publish(city_graph(max_attempts=2), first_message_channels=[env.id])
    got = say(env, text="hi")
    say(env, text="abc")
    assert bot_texts()[-1] == "Please choose a city from the list or type its name"
    say(env, text="still not a number")
    assert bot_texts()[-1] == "Sorry, I did not get it."
    run = run_of(got.contact_id)
    assert run.status == "ended" and run.outcome == "completed"
    assert crm.values_of(got.contact_id)[0]["value"] == ""


def test_free_answer_goes_to_the_answer_exit(env):
    _publish(city_graph(), first_message_channels=[env.id])
    got = say(env, text="hi")
    say(env, text="Kazan")
    assert [v["value"] for v in crm.values_of(got.contact_id)] == ["Kazan"]
    assert bot_texts()[-1] == "We will write to you in Kazan."


def test_no_answer_within_takes_the_timeout_exit(env, monkeypatch):
    monkeypatch.setenv("BOT_MINUTE_SECONDS", "600")
    settings.reset()
    _publish(city_graph(timeout_minutes=5), first_message_channels=[env.id])
    got = say(env, text="hi")
    [timer] = jobs.pending("bot_timer")
    assert timer.run_at > utcnow() + timedelta(minutes=45)  # 5 "minutes" of 600 s
    asyncio.run(workers.run_due_jobs())
    assert bot_texts()[-1] == "Which city?"  # not due yet
    with db.session() as s:  # the time passes
        s.exec(update(Job).where(Job.id == timer.id).values(run_at=utcnow()))
        s.commit()
    asyncio.run(workers.run_due_jobs())
    assert bot_texts()[-1] == "No answer, bye."
    assert run_of(got.contact_id).status == "ended"


def test_an_answer_disarms_the_timeout(env):
    _publish(city_graph(timeout_minutes=5), first_message_channels=[env.id])
    got = say(env, text="hi")
    say(env, text="Kazan")
    [timer] = jobs.pending("bot_timer")
    with db.session() as s:
        s.exec(update(Job).where(Job.id == timer.id).values(run_at=utcnow()))
        s.commit()
    asyncio.run(workers.run_due_jobs())
    assert bot_texts().count("No answer, bye.") == 0
    assert run_of(got.contact_id).outcome == "completed"


def test_pause_stops_the_bot_and_resume_continues_where_it_waited(env):
    _publish(city_graph(), first_message_channels=[env.id])
    got = say(env, text="hi")
    crm.set_bot_paused(got.dialog_id, True)
    assert run_of(got.contact_id).status == "paused"
    say(env, text="Kazan")  # the operator's now: no bot reply, nothing stored
    assert bot_texts() == ["Hello, Anna!", "Which city?"]
    assert crm.values_of(got.contact_id)[0]["value"] == ""
    crm.set_bot_paused(got.dialog_id, False)
    run = run_of(got.contact_id)
    assert (run.status, run.step, run.waiting_for) == ("running", "city", "answer")
    asyncio.run(workers.run_due_jobs())
    assert bot_texts() == ["Hello, Anna!", "Which city?"]  # the message written while paused stays the operator's
    say(env, text="Omsk")
    assert bot_texts()[-1] == "We will write to you in Omsk."


def test_a_new_version_does_not_disturb_runs_in_progress(env):
    sid = _publish(city_graph(greeting="Hi v1"), first_message_channels=[env.id])
    a = say(env, user="a", text="hi")
    changed = city_graph(greeting="Hi v2")
    changed["nodes"][4]["data"]["text"] = "v2 bye in {city}"
    scenarios.save_draft(sid, changed)
    assert scenarios.publish(sid) == 2
    b = say(env, user="b", text="hi")
    assert bot_texts(b.contact_id)[0] == "Hi v2"
    assert [v for v in scenarios.list_all()[0].versions] == [(1, 1), (2, 1)]
    say(env, user="a", text="Kazan")
    assert bot_texts(a.contact_id)[-1] == "We will write to you in Kazan."  # v1's step
    assert run_of(a.contact_id).version == 1


def test_keywords_and_start_payload_start_a_scenario(env):
    _publish(city_graph(greeting="menu!"), name="Menu", keywords=["меню"])
    promo = city_graph(greeting="promo!")
    _publish(promo, name="Promo", start_payloads=["promo"])
    got = say(env, text="hello")  # no first-message trigger on this channel
    assert bot_texts() == []
    say(env, text="МЕНЮ")
    assert bot_texts()[-2:] == ["menu!", "Which city?"]
    say(env, text="/start promo")  # a keyword restarts even while a run waits
    assert bot_texts()[-2:] == ["promo!", "Which city?"]
    runs = bot.history(got.contact_id)
    assert [(r.scenario_name, r.outcome) for r in runs] == [("Menu", "replaced"), ("Promo", "")]


def test_first_message_trigger_only_for_a_new_client(env):
    say(env, user="old", text="before the bot")
    _publish(city_graph(), first_message_channels=[env.id])
    say(env, user="old", text="again")
    assert bot_texts() == []
    say(env, user="new", text="hi")
    assert bot_texts() == ["Hello, Anna!", "Which city?"]


def test_quick_messages_are_taken_together(env, monkeypatch):
    monkeypatch.setenv("BOT_DEBOUNCE_SECONDS", "2")
    settings.reset()
    _publish(city_graph(), first_message_channels=[env.id])
    got = say(env, text="hi")
    with db.session() as s:
        s.exec(update(Job).values(run_at=utcnow()))
        s.commit()
    asyncio.run(workers.run_due_jobs())
    for i, word in enumerate(["Nizhny", "Novgorod"]):
        _n[0] += 1
        inbox.receive(env.id, env.kind, InboundMessage(external_id=f"q{_n[0]}", identity_external_id="u1", text=word))
    assert len(jobs.pending("bot")) == 2
    asyncio.run(workers.run_due_jobs())
    assert bot_texts() == ["Hello, Anna!", "Which city?"]  # not due yet: the debounce
    with db.session() as s:
        s.exec(update(Job).where(Job.kind == "bot").values(run_at=utcnow()))
        s.commit()
    asyncio.run(workers.run_due_jobs())
    assert [v["value"] for v in crm.values_of(got.contact_id)] == ["Nizhny Novgorod"]
    assert bot_texts().count("We will write to you in Nizhny Novgorod.") == 1


def test_one_step_at_a_time_per_client(env):
    _publish(city_graph(), first_message_channels=[env.id])
    got = say(env, text="hi")
    run = run_of(got.contact_id)
    assert bot_runs._claim(run.id, "other-worker")
    _n[0] += 1
    inbox.receive(env.id, env.kind, InboundMessage(external_id=f"z{_n[0]}", identity_external_id="u1", text="Kazan"))
    asyncio.run(workers.run_due_jobs())
    assert bot_texts() == ["Hello, Anna!", "Which city?"]  # the job waits for the claim
    [job] = jobs.pending("bot")
    assert job.status == "queued" and job.attempts == 1
    bot_runs._release(run.id, "other-worker")
    with db.session() as s:
        s.exec(update(Job).where(Job.id == job.id).values(run_at=utcnow()))
        s.commit()
    asyncio.run(workers.run_due_jobs())
    assert bot_texts()[-1] == "We will write to you in Kazan."


def test_start_and_stop_from_the_card(env):
    sid = _publish(city_graph())
    got = say(env, text="hi")
    crm.set_bot_paused(got.dialog_id, True)
    run_id = bot.start(got.contact_id, sid)
    view = bot.current(got.contact_id)
    assert view.run_id == run_id and view.scenario_name == "Welcome" and view.version == 1
    asyncio.run(workers.run_due_jobs())
    assert bot_texts() == ["Hello, Anna!", "Which city?"]
    assert bot.current(got.contact_id).step == "city"
    with db.session() as s:
        assert not s.get(Dialog, got.dialog_id).bot_paused  # starting hands the dialog to the bot
    with pytest.raises(scenarios.ScenarioError) as e:
        scenarios.delete(sid)
    assert e.value.code == "scenario_busy"
    assert bot.stop(got.contact_id)
    assert bot.current(got.contact_id) is None and run_of(got.contact_id).outcome == "stopped"
    say(env, text="Kazan")
    assert bot_texts()[-1] == "Which city?"
    with pytest.raises(bot.BotError):
        bot.start(got.contact_id, scenarios.create("Unpublished"))


def test_message_detail_shows_scenario_version_and_step(env):
    _publish(city_graph(), first_message_channels=[env.id])
    say(env, text="hi")
    with db.session() as s:
        ask = s.exec(select(Message).where(Message.text == "Which city?")).one()
    info = message_details.detail(ask.id)
    assert info["scenario"] == {"name": "Welcome", "version": 1, "step": "city"}
    assert info["sender_kind"] == "bot" and info["origin_label"] == "Welcome"
    with db.session() as s:
        hi = s.exec(select(Message).where(Message.direction == "in")).first()
    assert message_details.detail(hi.id)["scenario"] is None


def test_no_job_without_a_published_scenario(env):
    say(env, text="hi")
    with db.session() as s:
        assert s.exec(select(Job).where(Job.kind == "bot")).all() == []


def test_handover_rings_operators_like_a_new_message(env, monkeypatch):
    """N1/N2: the hand-over publishes the dialog's "inbound" event (the push notifier and the
    open tabs' sound react to it) besides the pause event the card button publishes."""
    from messenger_app.services import events, push

    _publish(city_graph(), first_message_channels=[env.id])
    got = say(env, text="hi")
    seen = []
    monkeypatch.setattr(events, "deliver", lambda ev: seen.append((ev.pop("kind"), ev)))
    say(env, choice_id="msk")
    ring = [kw for kind, kw in seen if kind == "dialog" and kw.get("handover")]
    assert len(ring) == 1 and ring[0]["reason"] == "inbound" and ring[0]["dialog_id"] == got.dialog_id
    assert any(kw.get("bot_paused") is True and kw.get("by") == "bot" for kind, kw in seen if kind == "dialog")
    pushed = []
    from messenger_app.services.push import notifier

    monkeypatch.setattr(notifier, "notify_inbound", lambda d, m, skip=(): pushed.append((d, m)) or 1)
    push.notify_for_event({"kind": "dialog", **ring[0]})
    assert pushed == [(got.dialog_id, ring[0]["message_id"])]


def test_widget_visitor_walks_the_scenario(env):
    """The website chat: the visitor's page shows the bot's buttons, a press comes back as the
    button (widget.send with its choice id) and the answer lands in the CRM."""
    from messenger_app.services import widget

    wch = channels.widget_channel()
    _publish(city_graph(), first_message_channels=[wch.id])
    token = widget.new_visitor()
    got = widget.send(token, "Hello", name="Vera")
    asyncio.run(workers.run_due_jobs())
    thread = widget.view(token)
    assert [m["text"] for m in thread] == ["Hello", "Hello, Vera!", "Which city?"]
    assert [c["id"] for c in thread[-1]["choices"]] == ["msk", "spb"]
    widget.send(token, "", choice_id="spb")
    asyncio.run(workers.run_due_jobs())
    assert widget.view(token)[-1]["text"] == "We will write to you in St Petersburg."
    assert [v["value"] for v in crm.values_of(got.contact_id)] == ["St Petersburg"]


def test_the_walk_on_postgresql(postgres, monkeypatch):
    """The same runtime on PostgreSQL (the partial unique index of runs in progress, the claim,
    JSON variables, the branch's SQL)."""
    from messenger_app.services import events

    db.migrate()
    monkeypatch.setenv("BOT_DEBOUNCE_SECONDS", "0")
    settings.reset()
    events.reset()
    crm.create_field("city", "City")
    ch = channels.add("vk", token="vk-token", config={"group_id": "5"}, base_url="http://127.0.0.1:9")
    _publish(city_graph(), first_message_channels=[ch.id])
    got = say(ch, user="pg", text="hi")
    say(ch, user="pg", text="Kazan")
    assert bot_texts() == ["Hello, Anna!", "Which city?", "We will write to you in Kazan."]
    assert run_of(got.contact_id).outcome == "completed"
    say(ch, user="pg", text="/start")  # no such keyword: nothing
    sid2 = _publish(city_graph(greeting="again"), name="Again", keywords=["again"])
    say(ch, user="pg", text="again")
    say(ch, user="pg", text="Moscow")
    run = run_of(got.contact_id)
    assert run.scenario_id == sid2 and run.status == "waiting_operator"
