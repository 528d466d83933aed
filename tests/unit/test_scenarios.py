"""services/scenarios: drafts, triggers, validation problems, immutable versions (B1)."""

import pytest
from sqlmodel import select

from messenger_app import db
from messenger_app.models import Channel, CrmField, Folder
from messenger_app.models.scenario import ScenarioVersion
from messenger_app.services import scenarios
from messenger_app.services.scenarios import ScenarioError


def graph(**over):
    g = {
        "format": 1, "start": "n1",
        "nodes": [
            {"id": "n1", "type": "send", "position": {"x": 0, "y": 0}, "data": {"text": "Hello, {first_name}!"}},
            {"id": "n2", "type": "ask", "position": {"x": 0, "y": 150},
             "data": {"text": "Which city?", "buttons": [{"id": "msk", "label": "Moscow"}],
                      "free_answer": True, "store": {"kind": "crm", "key": "city"},
                      "reask_text": "Again?", "max_attempts": 2, "timeout_minutes": None}},
            {"id": "n3", "type": "handover", "data": {"note": "asked"}},
            {"id": "n4", "type": "end", "data": {}},
        ],
        "edges": [
            {"id": "e1", "source": "n1", "sourceHandle": "next", "target": "n2"},
            {"id": "e2", "source": "n2", "sourceHandle": "btn:msk", "target": "n3"},
            {"id": "e3", "source": "n2", "sourceHandle": "answer", "target": "n4"},
        ],
    }
    g.update(over)
    return g


def _city():
    with db.session() as s:
        s.add(CrmField(key="city", label="City"))
        s.commit()


def codes(found):
    return sorted((p.node_id, p.code, tuple(sorted(p.params.items()))) for p in found)


def test_create_save_publish_and_list(data_dir):
    _city()
    sid = scenarios.create("  Welcome  ")
    d = scenarios.get(sid)
    assert d.name == "Welcome" and d.draft["nodes"] == [] and d.versions == []
    assert scenarios.list_all()[0].status == "draft"
    scenarios.save_draft(sid, graph(), by=None)
    assert scenarios.get(sid).draft["start"] == "n1"
    assert scenarios.publish(sid) == 1
    assert scenarios.publish(sid) == 2
    [summary] = scenarios.list_all()
    assert summary.status == "published" and summary.versions == [(1, 0), (2, 0)] and summary.running == 0


def test_published_version_is_a_copy_not_the_draft(data_dir):
    _city()
    sid = scenarios.create("Welcome")
    scenarios.save_draft(sid, graph())
    scenarios.publish(sid)
    changed = graph()
    changed["nodes"][0]["data"]["text"] = "Changed"
    scenarios.save_draft(sid, changed)
    with db.session() as s:
        v = s.exec(select(ScenarioVersion)).one()
    assert v.graph["nodes"][0]["data"]["text"] == "Hello, {first_name}!"


@pytest.mark.parametrize("bad", [None, [], {"nodes": "x"}, {"nodes": [{"id": "a", "type": "fly"}]},
                                 {"nodes": [{"id": "a", "type": "end"}, {"id": "a", "type": "end"}]},
                                 {"nodes": [], "edges": [{"source": 1}]}, {"format": 2},
                                 {"nodes": [{"id": "x" * 65, "type": "end"}]}])
def test_bad_shape_is_refused_and_changes_nothing(data_dir, bad):
    sid = scenarios.create("S")
    with pytest.raises(ScenarioError) as e:
        scenarios.save_draft(sid, bad)
    assert e.value.code == "scenario_graph"
    assert scenarios.get(sid).draft == scenarios.empty_graph()


def test_problems_name_their_step(data_dir):
    g = graph()
    g["nodes"][1]["data"]["store"] = {"kind": "crm", "key": "town"}  # no such CRM field
    g["nodes"][0]["data"]["text"] = "Hi {nickname}"
    g["nodes"].append({"id": "n5", "type": "wait", "data": {"minutes": 0}})  # unreachable, bad
    g["edges"] = g["edges"][:2]  # n2's "answer" leads nowhere
    found = codes(scenarios.problems(g))
    assert ("n1", "unknown_placeholder", (("name", "nickname"),)) in found
    assert ("n2", "unknown_variable", (("name", "town"),)) in found
    assert ("n2", "leads_nowhere", (("exit", "answer"),)) in found
    assert ("n5", "unreachable", ()) in found and ("n5", "bad_wait", ()) in found
    assert ("n5", "leads_nowhere", (("exit", "next"),)) in found
    # "invalid" and "timeout" exits are optional
    assert not any(p[2] == (("exit", "invalid"),) for p in found)


def test_no_start_and_empty_text(data_dir):
    g = graph(start="zz")
    g["nodes"][0]["data"]["text"] = "  "
    found = {(p.node_id, p.code) for p in scenarios.problems(g)}
    assert ("", "no_start") in found and ("n1", "empty_text") in found


def test_button_limits_name_the_channel(data_dir):
    _city()
    with db.session() as s:
        s.add(Channel(kind="whatsapp", name="Shop WhatsApp"))
        s.commit()
    g = graph()
    g["nodes"][1]["data"]["buttons"] = [{"id": f"b{i}", "label": "A label longer than twenty"} for i in range(11)]
    g["edges"] += [{"source": "n2", "sourceHandle": f"btn:b{i}", "target": "n4"} for i in range(11)]
    found = codes(scenarios.problems(g))
    assert ("n2", "too_many_buttons", (("channel", "Shop WhatsApp"), ("limit", 10))) in found
    assert ("n2", "button_label_too_long", (("channel", "Shop WhatsApp"), ("limit", 20))) in found


def test_unknown_folder_and_scenario(data_dir):
    _city()
    g = graph()
    g["nodes"][2] = {"id": "n3", "type": "act", "data": {"actions": [{"op": "add_folder", "folder_id": 99}]}}
    g["nodes"][3] = {"id": "n4", "type": "goto", "data": {"scenario_id": 99}}
    g["edges"].append({"source": "n3", "sourceHandle": "next", "target": "n4"})
    found = {(p.node_id, p.code) for p in scenarios.problems(g)}
    assert found == {("n3", "unknown_folder"), ("n4", "unknown_scenario")}
    with db.session() as s:
        f = Folder(name="Leads")
        s.add(f)
        s.commit()
        fid = f.id
    g["nodes"][2]["data"]["actions"][0]["folder_id"] = fid
    g["nodes"][3]["data"]["scenario_id"] = scenarios.create("Other")
    assert scenarios.problems(g) == []


def test_publish_refuses_a_graph_with_problems(data_dir):
    sid = scenarios.create("S")
    scenarios.save_draft(sid, graph())  # no CRM field "city"
    with pytest.raises(ScenarioError) as e:
        scenarios.publish(sid)
    assert e.value.code == "scenario_invalid"
    assert scenarios.get(sid).versions == []


def test_triggers_are_cleaned(data_dir):
    with db.session() as s:
        c = Channel(kind="telegram", name="TG")
        s.add(c)
        s.commit()
        cid = c.id
    sid = scenarios.create("S")
    scenarios.set_triggers(sid, {"first_message_channels": [cid], "keywords": [" /start ", "Меню", "меню", ""],
                                 "start_payloads": ["promo"]})
    t = scenarios.get(sid).triggers
    assert t == {"first_message_channels": [cid], "keywords": ["/start", "Меню"], "start_payloads": ["promo"]}
    with pytest.raises(ScenarioError):
        scenarios.set_triggers(sid, {"first_message_channels": [cid + 100]})
    with pytest.raises(ScenarioError):
        scenarios.set_triggers(sid, {"keywords": "menu"})
    assert scenarios.get(sid).triggers == t
    assert "Меню" in scenarios.list_all()[0].triggers


def test_rename_and_delete(data_dir):
    sid = scenarios.create("S")
    scenarios.rename(sid, "T")
    assert scenarios.get(sid).name == "T"
    with pytest.raises(ScenarioError):
        scenarios.rename(sid, "  ")
    scenarios.delete(sid)
    assert scenarios.list_all() == []
    with pytest.raises(ScenarioError) as e:
        scenarios.get(sid)
    assert e.value.code == "scenario_missing"
