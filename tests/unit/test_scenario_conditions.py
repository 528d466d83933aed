"""A branch condition in "Try it" (scenario_engine.python_filter, no database) reads numbers
and dates as the CRM and the filters do (lib/values.py), so the editor's simulation takes the
branch that a real client with the same values takes (bot.contact_matches, the filters' SQL)."""

from datetime import datetime, timezone

import pytest

from messenger_app.services import bot, crm
from messenger_app.services.scenario_engine import python_filter, python_leaf

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
TYPES = {"amount": "number", "birthday": "date"}


def leaf(field, op, value=None):
    out = {"field": field, "op": op}
    if value is not None:
        out["value"] = value
    return out


@pytest.mark.parametrize("typed", ["1 234,5", "1,234.5", "1.234,5", "1234.5", "1\u00a0234,5"])
def test_numbers_are_read_as_the_crm_reads_them(typed):
    v = {"amount": typed}
    assert python_leaf(leaf("var:amount", "gt", 1000), v)
    assert python_leaf(leaf("var:amount", "lte", 1234.5), v)
    assert not python_leaf(leaf("var:amount", "lt", "1 234,5"), v)
    assert python_leaf(leaf("var:amount", "between", [1000, "2 000"]), v)
    assert python_leaf(leaf("var:amount", "equals", 1234.5), v, TYPES)
    assert not python_leaf(leaf("var:amount", "not_equals", "1234,50"), v, TYPES)


def test_a_value_that_is_not_a_number_matches_no_comparison():
    for have in ("", "abc", "12abc", "1e3"):
        v = {"amount": have}
        assert not python_leaf(leaf("var:amount", "gt", 0), v)
        assert not python_leaf(leaf("var:amount", "lt", 10 ** 6), v)
        assert not python_leaf(leaf("var:amount", "between", [-1, 1]), v)
    assert not python_leaf(leaf("var:amount", "between", 5), {"amount": "5"})  # not a range


@pytest.mark.parametrize("typed", ["25.11.2026", "2026-11-25"])
def test_dates_are_read_as_the_crm_reads_them(typed):
    v = {"birthday": typed}
    assert python_leaf(leaf("var:birthday", "before", "2026-12-01"), v)
    assert not python_leaf(leaf("var:birthday", "after", "2026-12-01"), v)
    assert python_leaf(leaf("var:birthday", "after", "24.11.2026"), v)
    assert python_leaf(leaf("var:birthday", "equals", "2026-11-25"), v, TYPES)
    assert python_leaf(leaf("var:birthday", "between", ["2026-11-01", "2026-11-30"]), v, TYPES)
    assert not python_leaf(leaf("var:birthday", "between", ["2026-12-01", "2026-12-31"]), v, TYPES)
    assert not python_leaf(leaf("var:birthday", "before", "2026-12-01"), {"birthday": "soon"})


def test_text_fields_still_compare_text():
    v = {"city": "Kazan", "code": "007"}
    assert python_leaf(leaf("var:city", "equals", "kazan"), v)
    assert not python_leaf(leaf("var:code", "equals", "7"), v)  # no type: text, as the SQL for text
    assert python_leaf(leaf("var:code", "equals", "7"), v, {"code": "number"})


def _branch(condition: dict) -> dict:
    return {"format": 1, "start": "b", "nodes": [
        {"id": "b", "type": "branch", "data": {"conditions": [{"id": "yes", "filter": condition}]}},
        {"id": "y", "type": "send", "data": {"text": "yes"}},
        {"id": "n", "type": "send", "data": {"text": "no"}}],
        "edges": [{"source": "b", "sourceHandle": "cond:yes", "target": "y"},
                  {"source": "b", "sourceHandle": "else", "target": "n"}]}


CASES = [
    leaf("var:amount", "gt", 1000),
    leaf("var:amount", "lt", 1000),
    leaf("var:amount", "equals", 1234.5),
    leaf("var:amount", "not_equals", 1234.5),
    leaf("var:amount", "between", [1234, 1235]),
    leaf("var:amount", "between", [1, 2]),
    leaf("var:birthday", "before", "2026-12-01"),
    leaf("var:birthday", "after", "2026-12-01"),
    leaf("var:birthday", "equals", "2026-11-25"),
    leaf("var:birthday", "between", ["2026-11-01", "2026-11-30"]),
    leaf("var:birthday", "between", ["2027-01-01", "2027-12-31"]),
]


@pytest.mark.parametrize("typed", [{"amount": "1 234,5", "birthday": "25.11.2026"},
                                   {"amount": "1,234.5", "birthday": "2026-11-25"}])
def test_try_it_takes_the_branch_a_real_client_takes(data_dir, typed):
    crm.create_field("amount", "Amount", type="number")
    crm.create_field("birthday", "Birthday", type="date")
    contact, _dialog = crm.create_contact("+79991234567")
    for key, value in typed.items():
        crm.set_value(contact.id, key, value)
    shown = {v["key"]: v["value"] for v in crm.values_of(contact.id)}  # what the CRM stored
    for case in CASES:
        filt = {"join": "and", "conditions": [case]}
        real = bot.contact_matches(contact.id, filt, now=NOW)
        for variables in (typed, shown):
            sim = bot.Simulation(_branch(filt), variables=dict(variables), now=NOW)
            took = sim.start()[0].text
            assert took == ("yes" if real else "no"), (case, variables, real)
            assert python_filter(filt, variables, NOW, TYPES) == real, (case, variables)
    # and the cases do not all answer the same
    assert {bot.contact_matches(contact.id, {"join": "and", "conditions": [c]}, now=NOW)
            for c in CASES} == {True, False}
