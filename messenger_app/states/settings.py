"""/settings: connect channel instances of every kind, see their health (admin only)."""

from __future__ import annotations

import reflex as rx

from messenger_app import settings as app_settings
from messenger_app.channels import registry
from messenger_app.channels.base import ChannelError, TransientError
from messenger_app.i18n.errors import error_text
from messenger_app.lib.errors import DomainError
from messenger_app.services import channels, stats
from messenger_app.states.auth import AuthState, admin_required
from messenger_app.states.rows import ConnectedChannelItem

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
        kind = "select" if f.kind == "select" else ("password" if f.secret else "text")
        options = "|".join(f"{o}={t.get(f'security_{o}', o)}" for o in f.options)
        out.append({"name": f"cfg_{f.key}", "label": t.get(f"chf_{f.key}", f.label),
                    "type": kind, "placeholder": "", "options": options})
    if spec.custom_base_url:
        out.append({"name": "base_url", "label": t["chf_base_url"], "type": "text",
                    "placeholder": "http://127.0.0.1:8081"})
    out.append({"name": "name", "label": t["chf_name"], "type": "text", "placeholder": ""})
    for f in out:
        f.setdefault("options", "")
    return out


class SettingsState(AuthState):
    billed_now: int = 0  # B3
    billed_month: int = 0
    items: list[ConnectedChannelItem] = []
    error: str = ""
    notice: str = ""
    widget_snippet: str = ""
    new_kind: str = "telegram"
    checking: str = ""  # the channel id whose "Test connection" runs
    check_id: str = ""  # the channel the last result is about
    check_text: str = ""
    check_ok: bool = False

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
        self.items = [ConnectedChannelItem(
            id=str(ch.id), kind=ch.kind, name=ch.name,
            label=registry.KINDS[ch.kind].label if ch.kind in registry.KINDS else ch.kind,
            enabled=bool(ch.enabled),
            polling=ch.kind in registry.KINDS and registry.KINDS[ch.kind].polling,
            last_poll=ch.last_poll_at.strftime("%d.%m.%Y %H:%M:%S UTC") if ch.last_poll_at else "—",
            last_error=ch.last_error or "",
            health=channels.health(ch),
            bot=f"@{ch.bot_username}" if ch.bot_username else "",
            webhook=channels.webhook_url(ch),
        ) for ch in channels.all_channels()]
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
        except DomainError as e:  # a refusal with its reason (e-mail: what failed, in words)
            self.error, self.notice = error_text(e, self.lang), ""
            return
        except ChannelError as e:  # the provider refused the credentials (or did not answer)
            self.error, self.notice = provider_refusal(e, self.t.get(f"kind_{kind}", kind), self.lang), ""
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

    @rx.event
    @admin_required
    def test_channel(self, channel_id: str):
        """"Test connection" of a connected channel: runs in the background (network)."""
        ch = channels.get(int(channel_id)) if str(channel_id).isdigit() else None
        if ch is None or ch.kind == "widget" or self.checking:
            return
        self.checking, self.check_id, self.check_text = str(ch.id), str(ch.id), ""
        return SettingsState.run_test

    @rx.event(background=True)
    async def run_test(self):
        async with self:
            away = self._refusal(admin=True)
            ch = channels.get(int(self.checking)) if away is None and self.checking else None
            lang = self.lang
        if away is not None:
            return away
        if ch is None:
            return
        texts = await _test(ch, lang)
        async with self:
            self.check_ok = not texts
            self.check_text = " ".join(texts) if texts else self.t["email_connection_ok"]
            self.checking = ""


def provider_refusal(e: ChannelError, kind_label: str, lang: str) -> str:
    """What the provider's refusal means, in the operator's language. The provider's own
    words (English: "Unauthorized", "chat not found") are added in the English interface
    only, so a Russian screen gets no English sentence."""
    code = "provider_unreachable" if isinstance(e, TransientError) else "provider_refused"
    text = error_text(channels.ChannelConfigError(str(e), code=code, kind=kind_label), lang)
    detail = str(e).strip()[:300]
    return f"{text} ({detail})" if lang == "en" and detail else text


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


async def _test(ch, lang: str) -> list[str]:
    """What failed, in words ([] = it works): the adapter's check_connection(), else get_me()."""
    adapter = registry.build(ch)
    try:
        if hasattr(adapter, "check_connection"):
            return [error_text(p, lang) for p in await adapter.check_connection()]
        if hasattr(adapter, "get_me"):
            await adapter.get_me()
        return []
    except DomainError as e:
        return [error_text(e, lang)]
    except ChannelError as e:
        return [error_text(channels.ChannelConfigError(
            str(e), code="channel_config", detail=str(e)[:300]), lang)]
    finally:
        await adapter.close()


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
