"""/settings: connect channel instances of every kind, see their health (admin only)."""

from __future__ import annotations

import reflex as rx

from messenger_app import settings as app_settings
from messenger_app.channels import registry
from messenger_app.channels.base import ChannelError
from messenger_app.services import channels
from messenger_app.states.auth import AuthState, admin_required

CONNECTABLE = [k for k, spec in registry.KINDS.items() if spec.connectable]


def _fields(kind: str) -> list[dict[str, str]]:
    spec = registry.KINDS[kind]
    out = []
    if spec.token_label:
        out.append({"name": "token", "label": spec.token_label,
                    "type": "password" if spec.token_secret else "text"})
    for f in spec.fields:
        out.append({"name": f"cfg_{f.key}", "label": f.label,
                    "type": "password" if f.secret else "text"})
    if spec.custom_base_url:
        out.append({"name": "base_url", "label": "API base URL (optional: a local server or emulator)",
                    "type": "text"})
    out.append({"name": "name", "label": "Name shown to operators (optional)", "type": "text"})
    return out


class SettingsState(AuthState):
    items: list[dict[str, str]] = []
    error: str = ""
    notice: str = ""
    widget_snippet: str = ""
    new_kind: str = "telegram"
    kinds: list[dict[str, str]] = [{"kind": k, "label": registry.KINDS[k].label} for k in CONNECTABLE]
    form_fields: list[dict[str, str]] = _fields("telegram")

    @rx.event
    def on_load(self):
        if (away := self._enter(admin=True)) is not None:
            return away
        self._reload()

    def _reload(self) -> None:
        channels.widget_channel()
        self.items = [{
            "id": str(ch.id), "kind": ch.kind, "name": ch.name,
            "label": registry.KINDS[ch.kind].label if ch.kind in registry.KINDS else ch.kind,
            "enabled": "1" if ch.enabled else "",
            "polling": "1" if ch.kind in registry.KINDS and registry.KINDS[ch.kind].polling else "",
            "last_poll": ch.last_poll_at.strftime("%d.%m.%Y %H:%M:%S UTC") if ch.last_poll_at else "—",
            "last_error": ch.last_error,
            "health": channels.health(ch),
            "bot": f"@{ch.bot_username}" if ch.bot_username else "",
            "webhook": channels.webhook_url(ch),
        } for ch in channels.all_channels()]
        url = app_settings.get().public_url
        self.widget_snippet = (f'<iframe src="{url}/widget" title="Chat" '
                               'style="position:fixed;bottom:16px;right:16px;width:360px;'
                               'height:520px;border:0;border-radius:14px;'
                               'box-shadow:0 8px 30px rgba(0,0,0,.18)"></iframe>')

    @rx.event
    @admin_required
    def set_new_kind(self, kind: str):
        if kind in CONNECTABLE:
            self.new_kind, self.form_fields, self.error = kind, _fields(kind), ""

    @rx.event
    @admin_required
    async def add_channel(self, form: dict):
        kind = self.new_kind
        form = {str(k): str(v)[:2000] for k, v in (form or {}).items()}
        config = {k[4:]: v for k, v in form.items() if k.startswith("cfg_") and v.strip()}
        token, base = form.get("token", "").strip(), form.get("base_url", "").strip()
        try:
            check = await _check(kind, token, base, config)
            ch = channels.add(kind, name=form.get("name", "").strip(), token=token, base_url=base,
                              config=config, bot_username=check.get("username", ""))
            await _on_connect(ch)
        except (channels.ChannelConfigError, ChannelError, ValueError) as e:
            self.error, self.notice = str(e), ""
            return
        self.error, self.notice = "", "connected"
        self._reload()

    @rx.event
    @admin_required
    def toggle(self, channel_id: str):
        ch = channels.get(int(channel_id))
        if ch is None or ch.kind == "widget":
            return
        channels.set_enabled(ch.id, not ch.enabled)
        self._reload()

    @rx.event
    @admin_required
    def refresh(self):
        self._reload()


async def _check(kind: str, token: str, base: str, config: dict) -> dict:
    """Ask the provider whether the credentials work before saving (kinds with probe_on_save)."""
    spec = registry.get(kind)
    if spec is None:
        raise channels.ChannelConfigError(f"unknown channel kind {kind!r}")
    if spec.validate is not None:
        spec.validate(token, dict(config))  # a clear reason before any network call
    if not spec.probe_on_save:
        return {}
    from types import SimpleNamespace

    probe = SimpleNamespace(kind=kind, token=token, base_url=base, config=config, name="")
    adapter = registry.build(probe)
    try:
        me = await adapter.get_me()
    finally:
        await adapter.close()
    return me if isinstance(me, dict) else {}


async def _on_connect(ch) -> None:
    adapter = registry.build(ch)
    if not hasattr(adapter, "on_connect"):
        await adapter.close()
        return
    try:
        await adapter.on_connect(channels.webhook_url(ch))
    except ChannelError as e:
        channels.record_error(ch.id, f"webhook not set: {e}")
    finally:
        await adapter.close()
