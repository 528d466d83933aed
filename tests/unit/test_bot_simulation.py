"""bot.Simulation ("Try it"): the same engine as the workers, nothing written, nothing sent."""

from datetime import datetime, timezone

from sqlmodel import func, select

from messenger_app import db
from messenger_app.models import Job, Message
from messenger_app.models.scenario import BotRun
from messenger_app.services import bot, crm
from tests.scenario_graphs import city_graph


def _rows():
    with db.session() as s:
        return tuple(s.exec(select(func.count()).select_from(m)).one() for m in (Message, Job, BotRun))


def test_a_walk_with_buttons_and_hand_over(data_dir):
    crm.create_field("city", "City")
    before = _rows()
    sim = bot.Simulation(city_graph(), variables={"first_name": "Anna"})
    out = sim.start()
    assert [(o.kind, o.text) for o in out] == [("message", "Hello, Anna!"), ("message", "Which city?")]
    assert out[1].buttons == [{"id": "msk", "label": "Moscow"}, {"id": "spb", "label": "St Petersburg"}]
    assert sim.current_node == "city"
    out = sim.answer(choice_id="msk")
    assert [o.kind for o in out] == ["note", "handover"] and out[0].text == "Client from Moscow"
    assert sim.variables["city"] == "Moscow" and sim.current_node is None
    assert _rows() == before


def test_typed_answers_reask_invalid_and_timeout(data_dir):
    crm.create_field("city", "City", type="number")
    sim = bot.Simulation(city_graph(max_attempts=2, timeout_minutes=3))
    sim.start()
    assert [o.text for o in sim.answer("abc")] == ["Please choose a city from the list or type its name"]
    assert [o.text for o in sim.answer("xyz")][0] == "Sorry, I did not get it."
    sim = bot.Simulation(city_graph(timeout_minutes=3))
    sim.start()
    assert [o.text for o in sim.timeout()][0] == "No answer, bye."
    sim = bot.Simulation(city_graph())
    sim.start()
    out = sim.answer("st petersburg")  # a typed label is a press
    assert out[0].text == "We will write to you in St Petersburg." and out[-1].kind == "end"


def test_wait_and_time_of_day_branch(data_dir):
    graph = {"format": 1, "start": "w", "nodes": [
        {"id": "w", "type": "wait", "data": {"minutes": 30}},
        {"id": "b", "type": "branch", "data": {"conditions": [
            {"id": "day", "filter": {"join": "and", "conditions": [
                {"field": "time_of_day", "op": "between", "value": ["09:00", "18:00"]},
                {"field": "weekday", "op": "in", "value": [1, 2, 3, 4, 5]}]}}]}},
        {"id": "open", "type": "send", "data": {"text": "We are open"}},
        {"id": "closed", "type": "send", "data": {"text": "We are closed"}}],
        "edges": [{"source": "w", "target": "b"}, {"source": "b", "sourceHandle": "cond:day", "target": "open"},
                  {"source": "b", "sourceHandle": "else", "target": "closed"}]}
    tuesday_noon = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
    sim = bot.Simulation(graph, now=tuesday_noon)
    assert [o.kind for o in sim.start()] == ["wait"]
    assert [o.text for o in sim.skip_wait()][0] == "We are open"
    sunday = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
    sim = bot.Simulation(graph, now=sunday)
    sim.start()
    assert sim.skip_wait()[0].text == "We are closed"
