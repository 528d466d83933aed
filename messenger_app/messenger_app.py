"""Builds the Reflex app: pages, HTTP routes, and the background work (pollers, sender)."""

import asyncio
import contextlib

import reflex as rx

from messenger_app import (api, asset_cache, event_errors, frame_policy, log_config, session_cookie,
                           workers)
from messenger_app.lib import frame_json
from messenger_app.pages.inbox import inbox_page
from messenger_app.pages.login import login_page
from messenger_app.pages.settings import settings_page
from messenger_app.pages.templates import templates_page
from messenger_app.pages.mailings import mailings_page
from messenger_app.pages.widget import widget_page
from messenger_app.pages.contacts import contacts_page
from messenger_app.pages.crm_settings import crm_settings_page
from messenger_app.pages.scenarios import scenario_editor_page, scenarios_page
from messenger_app.pages.stats import stats_page
from messenger_app.services import startup
from messenger_app.states.auth import AuthState
from messenger_app.states.inbox import InboxState
from messenger_app.states.settings import SettingsState
from messenger_app.states.templates import TemplatesState
from messenger_app.states.mailings import MailingsState
from messenger_app.states.widget import WidgetState
from messenger_app.states.contacts import ContactsState
from messenger_app.states.crm_settings import CrmSettingsState
from messenger_app.states.scenario_try import ScenarioTryState
from messenger_app.states.scenarios import ScenariosState

log_config.configure()  # time, level and logger on every line of ours (LOG_LEVEL)
from messenger_app.states.stats import StatsState

app = rx.App(
    stylesheets=["/app.css", "/scenarios.css"],
    head_components=[
        rx.script(src="/app.js"),
        rx.el.meta(name="theme-color", content="#3e63dd"),
        # N3: installable app, N1/N2: push and sound helpers (assets/)
        rx.el.link(rel="manifest", href="/manifest.webmanifest"),
        rx.el.link(rel="apple-touch-icon", href="/icons/apple-touch-icon.png"),
        rx.el.link(rel="icon", href="/icons/favicon-32.png", type="image/png"),
        rx.el.meta(name="apple-mobile-web-app-capable", content="yes"),
        rx.script(src="/push.js"),
        rx.script(src="/sound.js"),
        rx.script(src="/composer.js"),  # drafts, emoji/templates, drop, shortcuts (C5, C8, X5)
    ],
    # routes, who may frame, the session cookie's token → key on the websocket handshake,
    # how long browsers keep the built files
    api_transformer=[api.build(), frame_policy.middleware, session_cookie.middleware,
                     asset_cache.middleware],
    backend_exception_handler=event_errors.handle,
    # sonner's Toaster reads the direction with getComputedStyle(<html>) on every render when
    # none is given, which forced a whole-document style recalc in the middle of the first
    # hydration (issue 11); both languages are left-to-right
    toaster=rx.toast.provider(dir="ltr"),
)
frame_json.install()  # the websocket frames' JSON by orjson (lib/frame_json.py)
app.add_page(inbox_page, route="/", title="Messenger", on_load=InboxState.on_load)
app.add_page(login_page, route="/login", title="Messenger — sign in",
             on_load=AuthState.check_login_page)
app.add_page(settings_page, route="/settings", title="Messenger — channels",
             on_load=SettingsState.on_load)
app.add_page(widget_page, route="/widget", title="Chat", on_load=WidgetState.on_load)
app.add_page(templates_page, route="/templates", title="Messenger — message templates",
             on_load=TemplatesState.on_load)
app.add_page(mailings_page, route="/mailings", title="Messenger — mailings",
             on_load=MailingsState.on_load)
app.add_page(contacts_page, route="/contacts", title="Messenger — contacts",
             on_load=ContactsState.on_load)
app.add_page(crm_settings_page, route="/crm", title="Messenger — CRM fields",
             on_load=CrmSettingsState.on_load)
app.add_page(scenarios_page, route="/scenarios", title="Messenger — scenarios",
             on_load=ScenariosState.on_load)
app.add_page(scenario_editor_page, route="/scenarios/[scenario_id]",
             title="Messenger — scenario editor", on_load=ScenarioTryState.on_load)
app.add_page(stats_page, route="/stats", title="Messenger — statistics",
             on_load=StatsState.on_load)


@contextlib.asynccontextmanager
async def background_work():
    await asyncio.to_thread(startup.prepare)
    task = asyncio.create_task(workers.run(), name="messenger-workers")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


app.register_lifespan_task(background_work)
