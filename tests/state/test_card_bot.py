"""The card's chat-bot part (R5/B1) driven through CardState with a real session and database:
"Start scenario…" (only a published one), the running scenario and its step, "Stop"."""

import asyncio

import pytest
from reflex.state import State

from messenger_app import workers
from messenger_app.channels.base import InboundMessage
from messenger_app.services import auth, bot, channels, crm, inbox as inbox_service, scenarios
from messenger_app.states.card import CardState
from messenger_app.states.inbox import InboxState
from tests.scenario_graphs import city_graph
from tests.sessions import sign_in


@pytest.fixture
def opened(data_dir):
    auth.create_operator("op", "password-123")
    token = auth.login("op", "password-123")
    crm.create_field("city", "City")
    ch = channels.add("vk", token="vk-token", config={"group_id": "5"}, base_url="http://127.0.0.1:9")
    got = inbox_service.receive(ch.id, "vk", InboundMessage(external_id="1", identity_external_id="u",
                                                            text="hi", first_name="Anna"))
    sid = scenarios.create("Welcome")
    scenarios.save_draft(sid, city_graph())
    scenarios.publish(sid)
    draft_only = scenarios.create("Draft only")
    root = State(_reflex_internal_init=True)
    inbox = root.get_substate(InboxState.get_full_name().split(".")[1:])
    card = root.get_substate(CardState.get_full_name().split(".")[1:])
    sign_in(inbox, token)
    asyncio.run(InboxState.event_handlers["open_dialog"].fn(inbox, str(got.dialog_id)))
    return inbox, card, got.contact_id, sid, draft_only


def call(card, name, *args):
    return asyncio.run(CardState.event_handlers[name].fn(card, *args))


def test_start_shows_the_scenario_and_its_step_then_stop(opened):
    inbox, card, cid, sid, draft_only = opened
    assert [(o.id, o.name) for o in inbox._crm.bot_scenarios] == [(str(sid), "Welcome")]
    assert inbox._crm.bot_run == ""
    call(card, "start_bot", str(draft_only))  # not offered: nothing starts
    assert bot.current(cid) is None
    call(card, "start_bot", str(sid))
    assert inbox._crm.bot_scenario == "Welcome" and inbox._crm.bot_version == "1"
    asyncio.run(workers.run_due_jobs())  # the workers run the steps, not the handler
    call(card, "refresh")
    assert inbox._crm.bot_step.startswith("ask: Which city?") and inbox._crm.bot_waits == "answer"
    assert inbox._crm.bot_status == "running"
    call(card, "stop_bot")
    assert inbox._crm.bot_run == "" and bot.current(cid) is None


def test_without_a_session_nothing_starts(opened):
    inbox, card, cid, sid, _ = opened
    sign_in(inbox, "")
    call(card, "start_bot", str(sid))
    assert bot.current(cid) is None
