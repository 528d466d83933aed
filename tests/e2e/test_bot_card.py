"""The chat-bot from the client card in a real browser (issue 12, R5/B1): "Start scenario…"
starts a published scenario for a website visitor, the card shows it and its step live, the
visitor gets the bot's buttons and presses one, the run ends and the card says so; "Stop"."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.e2e.conftest import open_widget, unique, widget_say
from tests.e2e.crm_helpers import open_client
from tests.e2e.test_left_panel import services


def _scenario(app, name: str) -> None:
    """Published, with no trigger: it starts only from the card (other tests' visitors are
    left alone)."""
    graph = {"format": 1, "start": "ask", "nodes": [
        {"id": "ask", "type": "ask", "position": {"x": 0, "y": 0},
         "data": {"text": "Tea or coffee?", "buttons": [{"id": "tea", "label": "Tea"},
                                                        {"id": "coffee", "label": "Coffee"}],
                  "free_answer": False, "store": None}},
        {"id": "ok", "type": "send", "position": {"x": 0, "y": 150}, "data": {"text": "Good choice!"}},
        {"id": "end", "type": "end", "position": {"x": 0, "y": 300}, "data": {}}],
        "edges": [{"source": "ask", "sourceHandle": "btn:tea", "target": "ok"},
                  {"source": "ask", "sourceHandle": "btn:coffee", "target": "ok"},
                  {"source": "ok", "sourceHandle": "next", "target": "end"}]}
    services(app, f"""
from messenger_app.services import scenarios
sid = scenarios.create({name!r})
scenarios.save_draft(sid, json.loads({json.dumps(graph)!r}))
scenarios.publish(sid)
print(sid)""")


def _dialog_of(app, text: str) -> str:
    return services(app, f"""
from sqlmodel import select
from messenger_app import db
from messenger_app.models import Message
with db.session() as s:
    print(json.dumps(str(s.exec(select(Message.dialog_id).where(Message.text == {text!r})).first())))""")


def test_start_from_the_card_walk_and_stop(app, operator, new_context):
    name = unique("Drinks")
    _scenario(app, name)
    visitor = open_widget(new_context())
    hello = unique("Hello bot")
    widget_say(visitor, hello)
    open_client(operator, _dialog_of(app, hello))
    card = operator.get_by_test_id("card")
    expect(card.get_by_test_id("card-bot-none")).to_be_visible()
    card.get_by_test_id("card-bot-start").click()
    operator.get_by_test_id("card-bot-scenario-option").filter(has_text=name).click()
    expect(card.get_by_test_id("card-bot-scenario")).to_have_text(f"{name} · v1")
    expect(card.get_by_test_id("card-bot-step")).to_contain_text("Tea or coffee?")  # live: the workers ran it
    expect(card.get_by_test_id("card-bot-step")).to_contain_text("waits for a button")
    visitor.reload()
    question = visitor.get_by_test_id("widget-message").filter(has_text="Tea or coffee?")
    expect(question.get_by_test_id("widget-choice")).to_have_count(2)
    question.get_by_test_id("widget-choice").filter(has_text="Coffee").click()
    expect(card.get_by_test_id("card-bot-none")).to_be_visible(timeout=15_000)  # the run ended
    reply = operator.get_by_test_id("message").filter(has_text="Good choice!")
    expect(reply).to_have_count(1)
    expect(reply.get_by_test_id("message-sender")).to_contain_text(name)  # C3: the bot's scenario
    # again, and Stop
    card.get_by_test_id("card-bot-start").click()
    operator.get_by_test_id("card-bot-scenario-option").filter(has_text=name).click()
    expect(card.get_by_test_id("card-bot-stop")).to_be_visible()
    card.get_by_test_id("card-bot-stop").click()
    expect(card.get_by_test_id("card-bot-none")).to_be_visible()
