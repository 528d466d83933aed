"""The editor's graph steps (states/scenario_graph): what the canvas and the side panel do to
the stored React Flow JSON."""

import pytest

from messenger_app.services import scenarios
from messenger_app.states import scenario_graph as G


def test_first_step_is_the_start_and_steps_stack_below():
    g = G.empty()
    a = G.add_node(g, "send")
    b = G.add_node(g, "ask", after=a)
    assert g["start"] == a
    assert G.node(g, b)["position"]["y"] > G.node(g, a)["position"]["y"]
    assert G.node(g, b)["data"]["max_attempts"] == 3
    with pytest.raises(ValueError):
        G.add_node(g, "teleport")
    # the shape the service stores
    assert scenarios.check_shape(g)["nodes"] == g["nodes"]


def test_one_edge_per_exit_and_unknown_exits_change_nothing():
    g = G.empty()
    a, b, c = G.add_node(g, "send"), G.add_node(g, "end"), G.add_node(g, "end")
    G.connect(g, a, "next", b)
    G.connect(g, a, "next", c)  # re-pointing replaces
    assert [(e["source"], e["sourceHandle"], e["target"]) for e in g["edges"]] == [(a, "next", c)]
    before = list(g["edges"])
    for args in ((a, "btn:x", b), (a, "next", "n99"), ("n99", "next", b), (b, "next", a)):
        with pytest.raises(ValueError):
            G.connect(g, *args)
    assert g["edges"] == before
    G.connect(g, a, "next", "")  # nowhere
    assert g["edges"] == []


def test_exits_follow_buttons_and_pruning_drops_edges_of_removed_ones():
    g = G.empty()
    a, end = G.add_node(g, "ask"), G.add_node(g, "end")
    n = G.node(g, a)
    G.add_item(n["data"]["buttons"], "b", {"label": "Moscow"}, G.MAX_BUTTONS)
    G.add_item(n["data"]["buttons"], "b", {"label": "SPb"}, G.MAX_BUTTONS)
    n["data"]["timeout_minutes"] = 5
    assert [(h, k, lbl) for h, k, lbl in G.exits(n)] == [
        ("btn:b1", "btn", "Moscow"), ("btn:b2", "btn", "SPb"), ("answer", "answer", ""),
        ("invalid", "invalid", ""), ("timeout", "timeout", "")]
    G.connect(g, a, "btn:b2", end)
    G.connect(g, a, "timeout", end)
    n["data"]["buttons"].pop()
    n["data"]["timeout_minutes"] = None
    G.prune_edges(g)
    assert g["edges"] == []


def test_deleting_the_start_step_moves_the_start_and_drops_its_edges():
    g = G.empty()
    a, b = G.add_node(g, "send"), G.add_node(g, "end")
    G.connect(g, a, "next", b)
    G.delete_node(g, a)
    assert g["start"] == b and g["edges"] == []
    G.delete_node(g, b)
    assert g["start"] == "" and g["nodes"] == []


def test_move_ignores_nonsense():
    g = G.empty()
    a = G.add_node(g, "end")
    G.move_node(g, a, "12.6", -3)
    assert G.node(g, a)["position"] == {"x": 13, "y": -3}
    for bad in (("x", 1), (None, 1), (1e12, 0)):
        G.move_node(g, a, *bad)
    assert G.node(g, a)["position"] == {"x": 13, "y": -3}


def test_branch_rules_round_trip_as_an_l5_filter():
    leaves = [{"field": "var:city", "op": "equals", "value": "Moscow"},
              {"field": "tag1", "op": "is_empty", "value": "ignored"},
              {"field": "time_of_day", "op": "between", "value": "09:00", "value2": "18:00"},
              {"field": "weekday", "op": "in", "value": "1, 2, 9"},
              {"field": "var:age", "op": "between", "value": "18", "value2": "65"},
              {"field": "channel", "op": "in_list", "value": "telegram, widget"},
              {"field": "", "op": "", "value": "half-made"}]
    f = G.filter_json("or", leaves)
    assert f == {"join": "or", "conditions": [
        {"field": "var:city", "op": "equals", "value": "Moscow"},
        {"field": "tag1", "op": "is_empty"},
        {"field": "time_of_day", "op": "between", "value": ["09:00", "18:00"]},
        {"field": "weekday", "op": "in", "value": [1, 2]},
        {"field": "var:age", "op": "between", "value": [18, 65]},
        {"field": "channel", "op": "in_list", "value": ["telegram", "widget"]}]}
    join, back = G.leaves_of(f)
    assert join == "or" and back[2] == {"field": "time_of_day", "op": "between",
                                        "value": "09:00", "value2": "18:00"}
    assert G.filter_json(join, back) == f
    # a grouped filter is not flattened (the editor shows it read-only)
    assert G.leaves_of({"join": "and", "conditions": [{"join": "or", "conditions": []}]}) is None


def test_positive_int():
    assert G.positive_int(" 5 ") == 5
    assert G.positive_int("0") is None and G.positive_int("x") is None
    assert G.positive_int("21", 1, 20) is None


def test_every_problem_code_the_validator_emits_is_translated():
    import inspect
    import re

    from messenger_app.i18n.strings import EN, RU
    from messenger_app.services.scenarios import publishing

    codes = set(re.findall(r'Problem\([^,]+, "([a-z_]+)"', inspect.getsource(publishing)))
    assert {"unreachable", "leads_nowhere", "no_start", "too_many_buttons"} <= codes
    for table in (EN, RU):
        missing = [c for c in codes if "sc_problem_" + c not in table]
        assert missing == []
    # every exit kind has a name on the canvas
    for kind in ("next", "btn", "answer", "invalid", "timeout", "cond", "else"):
        assert EN["sc_exit_" + kind] and RU["sc_exit_" + kind]
