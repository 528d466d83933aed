"""State tests: a tab signed in as the browser would be, i.e. its websocket's handshake
carrying the session cookie, already replaced by its key (messenger_app/session_cookie.py)."""

from reflex.istate.data import HeaderData

from messenger_app.services import auth
from messenger_app.session_cookie import COOKIE


def sign_in(state, token: str) -> None:
    """Make `state`'s tab carry the session of `token` ("" = no cookie at all)."""
    root = state
    while root.parent_state is not None:
        root = root.parent_state
    cookie = f"{COOKIE}={auth.session_key(token)}" if token else ""
    root.rx_router_headers = HeaderData(cookie=cookie)
