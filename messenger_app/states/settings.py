"""/settings: connect channel instances of every kind, see their health (admin only)."""

from __future__ import annotations

import reflex as rx

from messenger_app import settings as app_settings
from messenger_app.channels import registry
from messenger_app.channels.base import ChannelError
from messenger_app.i18n.errors import error_text
from messenger_app.services import channels, stats
from messenger_app.states.auth import AuthState, admin_required

CONNECTABLE = [k for k, spec in registry.KINDS.items() if spec.connectable]


def _fields(kind: str, t: dict[str, str]) -> list[dict[str, str]]:
    """The connect form of one kind, labelled in the operator's language."""
    spec = registry.KINDS[kind]
    out = []
    if spec.token_label:
        out.append({"name": "token", "label": t.get(f"chf_token_{kind}", spec.token_label),
                    "type": "password" if spec.token_secret else "text",
                    "placeholder": "123456789:AAHk2bX…" if kind == "telegram" else ""})
    for f in spec.fields:
        out.append({"name": f"cfg_{f.key}", "label": t.get(f"chf_{f.key}", f.label),
                    "type": "password" if f.secret else "text", "placeholder": ""})
    if spec.custom_base_url:
        out.append({"name": "base_url", "label": t["chf_base_url"], "type": "text",
                    "placeholder": "http://127.0.0.1:8081"})
    out.append({"name": "name", "label": t["chf_name"], "type": "text", "placeholder": ""})
    return out


class SettingsState(AuthState):
    billed_now: int = 0  # B3
    billed_month: int = 0
    items: list[dict[str, str]] = []
    error: str = ""
    notice: str = ""
    widget_snippet: str = ""
    new_kind: str = "telegram"

    @rx.var
    def kinds(self) -> list[dict[str, str]]:
        return [{"kind": k, "label": self.t.get(f"kind_{k}", registry.KINDS[k].label)}
                for k in CONNECTABLE]

    @rx.var
    def form_fields(self) -> list[dict[str, str]]:
        return _fields(self.new_kind if self.new_kind in CONNECTABLE else "telegram", self.t)

    @rx.event
    def on_load(self):
        if (away := self._enter(admin=True)) is not None:
            return away
        self._reload()
        b = stats.billed(stats.server_zone(), months=1)  # B3: this month's figure
        self.billed_now, self.billed_month = b["now"], b["this_month"]

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
            self.new_kind, self.error = kind, ""

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
        except ChannelError as e:  # the provider refused the credentials: say what it said
            self.error = error_text(channels.ChannelConfigError(
                str(e), code="channel_config", detail=str(e)[:300]), self.lang)
            self.notice = ""
            return
        except (channels.ChannelConfigError, ValueError) as e:
            self.error, self.notice = error_text(e, self.lang), ""
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
        raise channels.ChannelConfigError(f"unknown channel kind {kind!r}", code="channel_kind")
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
