"""The website widget service (limits, isolation) and the workers lease."""

import pytest

from messenger_app.services import dialog_list, lease, widget


def test_visitor_thread_and_isolation(data_dir):
    a, b = widget.new_visitor(), widget.new_visitor()
    widget.send(a, "Hello from A", name="Alice")
    widget.send(b, "Hello from B")
    assert [m.text for m in widget.history(a)] == ["Hello from A"]
    assert [m.text for m in widget.history(b)] == ["Hello from B"]
    names = sorted(r.name for r in dialog_list.list_page())
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
    assert dialog_list.list_page() == []


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


def test_fresh_visitor_tokens_from_one_address_are_limited(data_dir):
    """Issue 15: a fresh token per message got past the per-visitor limit, each creating a
    client and a dialog. 100 fresh tokens from one address: only the first few get in."""
    results = []
    for i in range(100):
        try:
            widget.send(widget.new_visitor(), f"spam {i}", "", "203.0.113.5")
            results.append(True)
        except widget.WidgetRefused as e:
            assert "too many" in str(e)
            results.append(False)
    assert sum(results) == 10 and all(results[:10])  # WIDGET_NEW_VISITORS_PER_HOUR default
    assert len(dialog_list.list_page(limit=200)) == 10
    # someone else, elsewhere, is not affected; a known visitor at that address still talks
    widget.send(widget.new_visitor(), "hello", "", "198.51.100.20")
    assert len(dialog_list.list_page(limit=200)) == 11


def test_messages_from_one_address_are_limited_across_visitors(data_dir, monkeypatch):
    from messenger_app import settings

    monkeypatch.setenv("WIDGET_ADDRESS_RATE_PER_MIN", "5")
    settings.reset()
    visitors = [widget.new_visitor() for _ in range(3)]
    sent = 0
    for i in range(12):
        try:
            widget.send(visitors[i % 3], f"m{i}", "", "203.0.113.7")
            sent += 1
        except widget.WidgetRefused:
            pass
    assert sent == 5
    assert widget.send(visitors[0], "from home", "", "198.51.100.1").created


def _with_address(cls, address):
    from reflex.istate.data import RouterData
    from reflex.state import State

    root = State(_reflex_internal_init=True)
    root.router = RouterData.from_router_data({"ip": address})
    return root.get_substate(cls.get_full_name().split(".")[1:])


def test_widget_state_counts_the_client_address(data_dir):
    """The event handler production uses passes Reflex's client address to the limits."""
    from messenger_app.i18n.strings import EN
    from messenger_app.states.widget import WidgetState

    refused = 0
    for i in range(12):
        st = _with_address(WidgetState, "203.0.113.77")
        st.visitor = widget.new_visitor()
        WidgetState.event_handlers["send"].fn(st, {"text": f"hi {i}"})
        refused += st.error == EN["widget_rate"]
    assert refused == 2  # new visitors from one address: 10 an hour
    st = _with_address(WidgetState, "198.51.100.77")
    st.visitor = widget.new_visitor()
    WidgetState.event_handlers["send"].fn(st, {"text": "another address"})
    assert st.error == ""


# The login's throttle per client address: tests/unit/test_session_cookie.py (the HTTP route
# that signs in now).


def test_widget_refusals_are_shown_in_the_visitors_language(data_dir):
    """Issue 20: the widget showed the service's English ("message too long (max …)")."""
    from messenger_app.i18n.strings import RU
    from messenger_app.services import widget
    from messenger_app.states.widget import WidgetState

    st = _with_address(WidgetState, "203.0.113.90")
    st.lang, st.visitor = "ru", widget.new_visitor()
    WidgetState.event_handlers["send"].fn(st, {"text": "x" * 100_000})
    assert st.error == RU["widget_too_long"]
    st.visitor = "not-a-token"
    WidgetState.event_handlers["send"].fn(st, {"text": "hi"})
    assert st.error == RU["widget_refused"]
    st.visitor = widget.new_visitor()
    WidgetState.event_handlers["choose"].fn(st, "no-such-button")
    assert st.error == RU["widget_refused"]
    WidgetState.event_handlers["send"].fn(st, {"text": "   "})
    assert st.error == ""  # an empty message is simply not sent
    WidgetState.event_handlers["send"].fn(st, {"text": "Здравствуйте"})
    assert st.error == "" and st.items
