"""A dialog opened by URL (a notification's /?dialog=N) registers presence in on_load, so the
notifier skips the operator looking at it at once — not after the next 15 s tick (N1)."""

import asyncio

from reflex import constants
from reflex.istate.data import RouterData
from reflex.state import State

from messenger_app.services import auth, presence, widget
from messenger_app.states.inbox import InboxState
from tests.sessions import sign_in


def test_opening_a_dialog_by_url_registers_presence(data_dir):
    presence.reset()
    got = widget.send(widget.new_visitor(), "hello")
    op = auth.create_operator("op", "password-123", display_name="Olga")
    token = auth.login("op", "password-123")
    root = State(_reflex_internal_init=True)
    st = root.get_substate(InboxState.get_full_name().split(".")[1:])
    root.router = st.router = RouterData.from_router_data({
        constants.RouteVar.CLIENT_TOKEN: "tab-from-notification",
        constants.RouteVar.ORIGIN: f"/?dialog={got.dialog_id}",
        constants.RouteVar.HEADERS: {"origin": "http://localhost:3000"},
        constants.RouteVar.PATH: "/"})
    sign_in(st, token)  # after the router: the tab's handshake carries the session cookie
    assert presence.operators_viewing(got.dialog_id) == set()

    asyncio.run(InboxState.event_handlers["on_load"].fn(st))

    assert st._open_id == got.dialog_id
    assert presence.operators_viewing(got.dialog_id) == {op.id}
    presence.reset()
