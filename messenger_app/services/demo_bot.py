"""The demo's ready chat-bot scenario (B1): greeting -> ask the city with buttons -> store it
into the CRM field "city" -> branch -> hand over to an operator. Published and attached to the
demo's website chat and Telegram channel (a new client's first message, /start and "menu")."""

from __future__ import annotations

from sqlmodel import select

from messenger_app import db
from messenger_app.models import Channel
from messenger_app.services import scenarios

TEXTS = {
    "en": {"name": "Welcome and city", "hello": "Hello, {first_name}! I'm the shop's assistant 🙂",
           "ask": "Which city should we deliver to?", "reask": "Please pick a city below or type its name",
           "cities": ("London", "Manchester"), "near": "Great, we deliver to {city} the next day.",
           "far": "We deliver to {city} in 2–4 days.", "note": "Client from {city}: wants a consultant",
           "sorry": "No problem, an operator will help you.", "menu": "menu"},
    "ru": {"name": "Приветствие и город", "hello": "Здравствуйте, {first_name}! Я помощник магазина 🙂",
           "ask": "В какой город доставить заказ?", "reask": "Выберите город ниже или напишите его название",
           "cities": ("Москва", "Санкт-Петербург"), "near": "Отлично, в {city} доставим на следующий день.",
           "far": "В {city} доставим за 2–4 дня.", "note": "Клиент из города {city}: нужен консультант",
           "sorry": "Ничего страшного, вам поможет оператор.", "menu": "меню"},
}


def graph(lang: str = "en") -> dict:
    t = TEXTS.get(lang, TEXTS["en"])
    a, b = t["cities"]
    near = {"join": "or", "conditions": [{"field": "var:city", "op": "equals", "value": a},
                                         {"field": "var:city", "op": "equals", "value": b}]}
    return {
        "format": 1, "start": "hello",
        "nodes": [
            {"id": "hello", "type": "send", "position": {"x": 0, "y": 0}, "data": {"text": t["hello"]}},
            {"id": "city", "type": "ask", "position": {"x": 0, "y": 140},
             "data": {"text": t["ask"], "buttons": [{"id": "c1", "label": a}, {"id": "c2", "label": b}],
                      "free_answer": True, "store": {"kind": "crm", "key": "city"}, "reask_text": t["reask"],
                      "max_attempts": 3, "timeout_minutes": None}},
            {"id": "where", "type": "branch", "position": {"x": 0, "y": 300},
             "data": {"conditions": [{"id": "near", "label": f"{a} / {b}", "filter": near}]}},
            {"id": "near", "type": "send", "position": {"x": -160, "y": 450}, "data": {"text": t["near"]}},
            {"id": "far", "type": "send", "position": {"x": 160, "y": 450}, "data": {"text": t["far"]}},
            {"id": "sorry", "type": "send", "position": {"x": 360, "y": 300}, "data": {"text": t["sorry"]}},
            {"id": "human", "type": "handover", "position": {"x": 0, "y": 600}, "data": {"note": t["note"]}},
        ],
        "edges": [
            {"id": "e1", "source": "hello", "sourceHandle": "next", "target": "city"},
            {"id": "e2", "source": "city", "sourceHandle": "btn:c1", "target": "where"},
            {"id": "e3", "source": "city", "sourceHandle": "btn:c2", "target": "where"},
            {"id": "e4", "source": "city", "sourceHandle": "answer", "target": "where"},
            {"id": "e5", "source": "city", "sourceHandle": "invalid", "target": "sorry"},
            {"id": "e6", "source": "where", "sourceHandle": "cond:near", "target": "near"},
            {"id": "e7", "source": "where", "sourceHandle": "else", "target": "far"},
            {"id": "e8", "source": "near", "sourceHandle": "next", "target": "human"},
            {"id": "e9", "source": "far", "sourceHandle": "next", "target": "human"},
            {"id": "e10", "source": "sorry", "sourceHandle": "next", "target": "human"},
        ],
    }


def seed(lang: str = "en") -> int:
    """Create and publish the demo scenario (the CRM field "city" must exist). Returns its id."""
    t = TEXTS.get(lang, TEXTS["en"])
    with db.session() as s:
        attached = [c.id for c in s.exec(select(Channel).where(Channel.kind.in_(["widget", "telegram"]))
                                         .order_by(Channel.id)).all()]
    sid = scenarios.create(t["name"])
    scenarios.save_draft(sid, graph(lang))
    scenarios.set_triggers(sid, {"first_message_channels": attached, "keywords": ["/start", t["menu"]]})
    scenarios.publish(sid)
    return sid
