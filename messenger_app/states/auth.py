"""The operator's session and language. Every data handler in the app asks `_operator()`.

Reflex event handlers are reachable by any websocket client, so they never trust the
page they came from: `operator_required` checks the session against the DB first.

The session is an HttpOnly cookie set by `POST /api/session` (messenger_app/session_cookie.py);
page scripts cannot read it. The tab's state knows only its key (a hash), which the
websocket's handshake carries (`self.router.headers.cookie`, see session_cookie.middleware).
"""

from __future__ import annotations

import functools
import inspect
import json

import reflex as rx

from messenger_app import session_cookie
from messenger_app.i18n.strings import EN, LANGS
from messenger_app.models import Operator
from messenger_app.models.operator import ADMIN
from messenger_app.i18n.errors import error_text
from messenger_app.services import auth

SESSION_COOKIE = session_cookie.COOKIE
# assets/app.js: POST /api/session, then reload (the new cookie); the logout twin posts
# /api/session/logout (clears the cookie), then opens /login
LOGIN_JS, LOGOUT_JS = "window.msgLogin({base})", "window.msgLogout({base})"


def _api_base() -> str:
    """Where the browser reaches the HTTP routes: the page's own origin in production (one
    port), the backend's in `reflex run --env dev` (the page is served on another port)."""
    from reflex_base import constants
    from reflex_base.config import get_config
    from reflex_base.environment import environment

    if environment.REFLEX_ENV_MODE.get() != constants.Env.DEV:
        return ""
    return (get_config().api_url or "").rstrip("/")


def without_string_table(state, fields: dict) -> dict:
    """A state's pickle (Redis) without the cached `t`: the whole string table (~22 KB) of
    its language, derived from `lang` and rebuilt on first use. Two of them were 80 % of what
    every tab, even a stranger's on /login, kept in Redis for an hour (bench_anonymous_tabs)."""
    var = type(state).computed_vars.get("t")  # a substate may define its own `t` (or none)
    cached = getattr(var, "_cache_attr", None)
    if cached is None or cached not in fields:
        return fields
    return {k: v for k, v in fields.items() if k != cached}


class AuthState(rx.State):
    lang: str = rx.LocalStorage("en", name="msg_lang", sync=True)
    operator_name: str = ""
    operator_role: str = ""
    login_error: str = ""
    login_busy: bool = False

    @rx.var
    def t(self) -> dict[str, str]:
        return LANGS.get(self.lang, EN)

    def __getstate__(self):
        return without_string_table(self, super().__getstate__())

    def _session(self) -> str:
        """This tab's session key (auth.session_key) from its websocket's handshake; ""."""
        # Reflex 0.10 keeps the headers in a field of their own; `self.router` assembles a
        # new RouterData on each read (a cost per tab and live update)
        headers = getattr(self, "rx_router_headers", None)
        return session_cookie.session_in((self.router.headers if headers is None else headers).cookie)

    def _operator(self) -> Operator | None:
        return auth.operator_for_session(self._session())

    def _refusal(self, admin: bool = False):
        """The redirect for a caller without a session (or a non-admin on an admin action);
        None when they may go on. Only reads: safe in background handlers too."""
        op = self._operator()
        if op is None:
            return rx.redirect("/login")
        if admin and op.role != ADMIN:
            return rx.redirect("/")
        return None

    def _enter(self, admin: bool = False):
        """A page's on_load: the redirect for a stranger, else None after noting the
        operator's name and role for the top bar."""
        away = self._refusal(admin)
        if away is None:
            op = self._operator()
            self.operator_name, self.operator_role = op.display_name or op.username, op.role
        return away

    @rx.event
    def set_lang(self, lang: str | list[str]):
        if lang in LANGS:
            self.lang = lang

    @rx.event
    def login(self):
        """The form's submit: the browser posts it to /api/session (which sets the HttpOnly
        cookie) and reloads; `login_done` gets the refusal, if any. The password never passes
        through this state."""
        self.login_busy = True
        return rx.call_script(LOGIN_JS.format(base=json.dumps(_api_base())),
                              callback=AuthState.login_done)

    @rx.event
    def login_done(self, error):
        self.login_busy = False
        self.login_error = error[:300] if isinstance(error, str) else ""

    @rx.event
    def check_login_page(self):
        """On /login: an operator who is already signed in goes to the inbox."""
        if self._operator() is not None:
            return rx.redirect("/")

    @rx.event
    def logout(self):
        """Ends the session here (so it is over even if the page's script never runs), then
        the browser clears the cookie and opens /login."""
        if self._session():
            auth.logout_session(self._session())
        self.operator_name = self.operator_role = ""
        return rx.call_script(LOGOUT_JS.format(base=json.dumps(_api_base())))


def _guarded(fn, admin: bool):
    """Wrap a handler of an AuthState subclass: no valid session (or not an admin, for
    admin handlers), no action — the caller is redirected instead."""
    def refuse(self):
        return self._refusal(admin=admin)

    if inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def wrapper(self, *args, **kwargs):
            away = refuse(self)
            return away if away is not None else await fn(self, *args, **kwargs)
    else:
        @functools.wraps(fn)
        def wrapper(self, *args, **kwargs):
            away = refuse(self)
            return away if away is not None else fn(self, *args, **kwargs)
    return wrapper


def operator_required(fn):
    """Decorate a data handler: a signed-in operator only."""
    return _guarded(fn, admin=False)


def admin_required(fn):
    """Decorate an admin handler: operators are sent back to the inbox."""
    return _guarded(fn, admin=True)
