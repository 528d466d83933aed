"""Scenario graphs the bot tests share (the demo's shape: greeting -> ask the city with buttons
-> store into the CRM field "city" -> branch -> hand over)."""


def city_graph(greeting: str = "Hello, {first_name}!", timeout_minutes=None, max_attempts: int = 2) -> dict:
    g = {
        "format": 1, "start": "hello",
        "nodes": [
            {"id": "hello", "type": "send", "position": {"x": 0, "y": 0}, "data": {"text": greeting}},
            {"id": "city", "type": "ask", "position": {"x": 0, "y": 150},
             "data": {"text": "Which city?",
                      "buttons": [{"id": "msk", "label": "Moscow"}, {"id": "spb", "label": "St Petersburg"}],
                      "free_answer": True, "store": {"kind": "crm", "key": "city"},
                      "reask_text": "Please choose a city from the list or type its name",
                      "max_attempts": max_attempts, "timeout_minutes": timeout_minutes}},
            {"id": "where", "type": "branch", "position": {"x": 0, "y": 300},
             "data": {"conditions": [{"id": "moscow", "label": "Moscow",
                                      "filter": {"join": "and", "conditions": [
                                          {"field": "var:city", "op": "equals", "value": "Moscow"}]}}]}},
            {"id": "human", "type": "handover", "position": {"x": 0, "y": 450},
             "data": {"note": "Client from {city}"}},
            {"id": "bye", "type": "send", "position": {"x": 200, "y": 450},
             "data": {"text": "We will write to you in {city}."}},
            {"id": "sorry", "type": "send", "position": {"x": 400, "y": 300},
             "data": {"text": "Sorry, I did not get it."}},
            {"id": "late", "type": "send", "position": {"x": 600, "y": 300},
             "data": {"text": "No answer, bye."}},
            {"id": "end", "type": "end", "position": {"x": 200, "y": 600}, "data": {}},
        ],
        "edges": [
            {"id": "e1", "source": "hello", "sourceHandle": "next", "target": "city"},
            {"id": "e2", "source": "city", "sourceHandle": "btn:msk", "target": "where"},
            {"id": "e3", "source": "city", "sourceHandle": "btn:spb", "target": "where"},
            {"id": "e4", "source": "city", "sourceHandle": "answer", "target": "where"},
            {"id": "e5", "source": "city", "sourceHandle": "invalid", "target": "sorry"},
            {"id": "e6", "source": "city", "sourceHandle": "timeout", "target": "late"},
            {"id": "e7", "source": "where", "sourceHandle": "cond:moscow", "target": "human"},
            {"id": "e8", "source": "where", "sourceHandle": "else", "target": "bye"},
            {"id": "e9", "source": "bye", "sourceHandle": "next", "target": "end"},
            {"id": "e10", "source": "sorry", "sourceHandle": "next", "target": "end"},
            {"id": "e11", "source": "late", "sourceHandle": "next", "target": "end"},
        ],
    }
    if not timeout_minutes:  # no "no answer within" exit: its step would be unreachable
        g["nodes"] = [n for n in g["nodes"] if n["id"] != "late"]
        g["edges"] = [e for e in g["edges"] if "late" not in (e["source"], e["target"])]
    return g
