"""The website widget service (limits, isolation) and the workers lease."""

import pytest

from messenger_app.services import dialog_query, lease, widget


def test_visitor_thread_and_isolation(data_dir):
    a, b = widget.new_visitor(), widget.new_visitor()
    widget.send(a, "Hello from A", name="Alice")
    widget.send(b, "Hello from B")
    assert [m.text for m in widget.history(a)] == ["Hello from A"]
    assert [m.text for m in widget.history(b)] == ["Hello from B"]
    names = sorted(r.name for r in dialog_query.list_page())
    assert names[0] == "Alice" and names[1].startswith("Visitor ")
    # the secret never becomes the identity id operators can see
    assert a not in widget.visitor_id(a)


def test_widget_refuses_bad_input_and_stores_nothing(data_dir, monkeypatch):
    v = widget.new_visitor()
    for bad_token in ["", "short", "x" * 200, "../../etc/passwd-aaaaaaaaaaaaaaaa"]:
        with pytest.raises(widget.WidgetRefused):
            widget.send(bad_token, "hi")
    with pytest.raises(widget.WidgetRefused, match="empty"):
        widget.send(v, " \u0000\u0007 ")
    with pytest.raises(widget.WidgetRefused, match="too long"):
        widget.send(v, "x" * 5000)
    assert dialog_query.list_page() == []


def test_widget_rate_limit(data_dir, monkeypatch):
    monkeypatch.setenv("WIDGET_RATE_PER_MIN", "3")
    from messenger_app import settings

    settings.reset()
    v = widget.new_visitor()
    for i in range(3):
        widget.send(v, f"m{i}")
    with pytest.raises(widget.WidgetRefused, match="too many"):
        widget.send(v, "one too many")
    assert len(widget.history(v)) == 3


def test_control_characters_are_stripped_script_kept_as_text(data_dir):
    v = widget.new_visitor()
    widget.send(v, "<script>alert(1)</script>\u0000\u0008 ok\nline two")
    assert widget.history(v)[0].text == "<script>alert(1)</script> ok\nline two"


def test_lease_has_one_holder_until_it_expires(data_dir):
    assert lease.acquire("workers", "A", ttl_seconds=30)
    assert not lease.acquire("workers", "B", ttl_seconds=30)
    assert lease.acquire("workers", "A", ttl_seconds=30)  # renewal
    lease.release("workers", "A")
    assert lease.acquire("workers", "B", ttl_seconds=-1)  # B holds an already expired lease
    assert lease.acquire("workers", "A", ttl_seconds=30)  # so A takes over
