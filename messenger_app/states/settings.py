"""/settings: channel instances (admin only)."""

from __future__ import annotations

import reflex as rx

from messenger_app import settings as app_settings
from messenger_app.channels.base import ChannelError
from messenger_app.models.operator import ADMIN
from messenger_app.services import channels
from messenger_app.states.auth import AuthState


class SettingsState(AuthState):
    items: list[dict[str, str]] = []
    error: str = ""
    notice: str = ""
    widget_snippet: str = ""

    def _admin(self) -> bool:
        op = self._operator()
        return op is not None and op.role == ADMIN

    @rx.event
    def on_load(self):
        op = self._operator()
        if op is None:
            return rx.redirect("/login")
        if op.role != ADMIN:
            return rx.redirect("/")
        self.operator_name, self.operator_role = op.display_name or op.username, op.role
        self._reload()

    def _reload(self) -> None:
        channels.widget_channel()
        self.items = [{
            "id": str(ch.id), "kind": ch.kind, "name": ch.name,
            "enabled": "1" if ch.enabled else "",
            "last_poll": ch.last_poll_at.strftime("%d.%m.%Y %H:%M:%S UTC") if ch.last_poll_at else "—",
            "last_error": ch.last_error,
            "bot": f"@{ch.bot_username}" if ch.bot_username else "",
        } for ch in channels.all_channels()]
        url = app_settings.get().public_url
        self.widget_snippet = (f'<iframe src="{url}/widget" title="Chat" '
                               'style="position:fixed;bottom:16px;right:16px;width:360px;'
                               'height:520px;border:0;border-radius:14px;'
                               'box-shadow:0 8px 30px rgba(0,0,0,.18)"></iframe>')

    @rx.event
    async def add_telegram(self, form: dict):
        if not self._admin():
            return rx.redirect("/login")
        token = str(form.get("token", "")).strip()[:200]
        base = str(form.get("base_url", "")).strip()[:300]
        from messenger_app.channels.telegram import TelegramChannel

        try:
            if not channels.TOKEN_RE.match(token):
                raise channels.ChannelConfigError("this does not look like a bot token (123456:ABC-…)")
            adapter = TelegramChannel(token, base or app_settings.get().telegram_api_base)
            try:
                me = await adapter.get_me()
            finally:
                await adapter.close()
            channels.add_telegram(token, name=str(form.get("name", ""))[:200], base_url=base,
                                  bot_username=str(me.get("username", "")))
        except (channels.ChannelConfigError, ChannelError) as e:
            self.error, self.notice = str(e), ""
            return
        self.error, self.notice = "", "connected"
        self._reload()

    @rx.event
    def toggle(self, channel_id: str):
        if not self._admin():
            return rx.redirect("/login")
        ch = channels.get(int(channel_id))
        if ch is None or ch.kind == "widget":
            return
        channels.set_enabled(ch.id, not ch.enabled)
        self._reload()
