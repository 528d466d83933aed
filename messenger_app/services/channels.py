"""The channels a business connected (rows of Channel; the website widget's always exists):
connect one of any kind (validated by its kind in channels/registry.py), its webhook URL,
enable / disable, the poller's cursor, its health and last error. Talking to a channel's
API is channels/; this module only keeps the configuration."""

from __future__ import annotations

import secrets
import threading
import time
from datetime import timedelta, timezone

from sqlmodel import select

from messenger_app import db, settings
from messenger_app.clock import utcnow
from messenger_app.models import Channel
from messenger_app.services import events
from messenger_app.services.event_types import ChannelsChanged
from messenger_app.lib.errors import DomainError



class ChannelConfigError(DomainError):
    code = "channel"


def widget_channel() -> Channel:
    with db.session() as s:
        ch = s.exec(select(Channel).where(Channel.kind == "widget").order_by(Channel.id)).first()
        if ch is None:
            ch = Channel(kind="widget", name="Website chat")
            s.add(ch)
            s.commit()
        return ch


def all_channels() -> list[Channel]:
    with db.session() as s:
        return list(s.exec(select(Channel).order_by(Channel.id)).all())


def get(channel_id: int) -> Channel | None:
    with db.session() as s:
        return s.get(Channel, channel_id)


# -- the cached lookup of the webhook path ------------------------------------------------
CACHE_SECONDS = 5.0  # the longest another process's change can go unseen without Redis
_cache: dict[int, tuple[float, Channel]] = {}  # channel id -> (valid until, the row)
_generation = 0  # bumped by every invalidation: a read that raced one is not stored
_cache_lock = threading.Lock()


def peek(channel_id: int) -> Channel | None:
    """The cached row, without touching the database (None: not cached or expired)."""
    hit = _cache.get(channel_id)
    return hit[1] if hit is not None and hit[0] > time.monotonic() else None


def cached(channel_id: int) -> Channel | None:
    """get() for every webhook request: the row is kept CACHE_SECONDS and dropped as soon as
    a channel changes (ChannelsChanged, here after its commit or from another process
    through the bus). Treat it as read-only. An unknown id is not cached."""
    hit = peek(channel_id)
    if hit is not None:
        return hit
    gen = _generation
    ch = get(channel_id)
    with _cache_lock:
        if ch is not None and gen == _generation:
            _cache[channel_id] = (time.monotonic() + CACHE_SECONDS, ch)
    return ch


@events.on_event
def _forget(event: dict) -> None:
    global _generation
    if event.get("kind") not in (ChannelsChanged.kind, events.RESYNC):
        return
    with _cache_lock:
        _generation += 1
        cid = event.get("channel_id")
        if cid is None:
            _cache.clear()
        else:
            _cache.pop(cid, None)


def add_telegram(token: str, name: str = "", base_url: str = "", bot_username: str = "") -> Channel:
    return add("telegram", name, token, base_url, None, bot_username)


def add(kind: str, name: str = "", token: str = "", base_url: str = "",
        config: dict | None = None, bot_username: str = "") -> Channel:
    """Connect a channel of any kind (the settings page). The kind validates what it needs;
    webhook kinds get a random secret for their URL."""
    from messenger_app.channels import registry

    spec = registry.get(kind)
    if spec is None or not spec.connectable:
        raise ChannelConfigError(f"unknown channel kind {kind!r}", code="channel_kind")
    token = (token or "").strip()
    if spec.token_label and not token:
        raise ChannelConfigError(f"{spec.token_label} is required", code="token_required")
    base = (base_url or "").strip().rstrip("/")
    if base and not base.startswith(("http://", "https://")):
        raise ChannelConfigError("the API base URL must start with http:// or https://", code="base_url")
    cfg = {str(k): (v.strip() if isinstance(v, str) else v) for k, v in dict(config or {}).items()}
    try:
        cfg = spec.validate(token, cfg) if spec.validate else cfg
    except DomainError as e:  # the kind names the reason
        raise ChannelConfigError(str(e), code=e.code, **e.params) from None
    except ValueError as e:  # a config class's own message
        raise ChannelConfigError(str(e), code="channel_config", detail=str(e)) from None
    with db.session() as s:
        # one poller per bot: a polling kind's token connects once (webhook kinds may share
        # an account's token between several numbers)
        if token and spec.polling and s.exec(
                select(Channel).where(Channel.kind == kind, Channel.token == token)).first():
            raise ChannelConfigError("this bot is already connected" if kind == "telegram"
                                     else "this channel is already connected",
                                     code="bot_connected" if kind == "telegram" else "channel_config",
                                     detail="this channel is already connected")
        ch = Channel(kind=kind, name=(name or bot_username or spec.label)[:200], token=token,
                     base_url=base, config=cfg, bot_username=bot_username[:200],
                     webhook_secret=secrets.token_urlsafe(24) if spec.webhook else "")
        s.add(ch)
        s.flush()
        events.on_commit(s, ChannelsChanged(channel_id=ch.id))
        s.commit()
    return ch


def webhook_url(ch: Channel) -> str:
    if not ch.webhook_secret:
        return ""
    return f"{settings.get().public_url}/hooks/{ch.id}/{ch.webhook_secret}"


def set_enabled(channel_id: int, enabled: bool) -> None:
    with db.session() as s:
        ch = s.get(Channel, channel_id)
        if ch is None or ch.kind == "widget":
            raise ChannelConfigError("no such channel", code="no_channel")
        ch.enabled = enabled
        s.add(ch)
        events.on_commit(s, ChannelsChanged(channel_id=ch.id))
        s.commit()


def save_cursor(channel_id: int, cursor: str, error: str = "") -> None:
    """Called only after the messages the cursor covers are committed (never loses any)."""
    with db.session() as s:
        ch = s.get(Channel, channel_id)
        if ch is None:
            return
        ch.cursor, ch.last_error, ch.last_poll_at = cursor, error[:1000], utcnow()
        s.add(ch)
        s.commit()


STALLED_AFTER = timedelta(minutes=3)  # a poller writes at least once a minute while it runs


def health(ch: Channel, now=None) -> str:
    """What /settings says about a channel: off | failing (with the error) | never (a poller
    that has not run) | stalled (a poller silent for 3 minutes) | polling | waiting (webhook
    kinds) | ok (the widget)."""
    from messenger_app.channels import registry

    now = now or utcnow()
    if not ch.enabled:
        return "off"
    if ch.last_error:
        return "failing"
    spec = registry.get(ch.kind)
    if spec is None or not spec.polling:
        return "waiting" if spec is not None and spec.webhook else "ok"
    if ch.last_poll_at is None:
        return "never"
    at = ch.last_poll_at if ch.last_poll_at.tzinfo else ch.last_poll_at.replace(tzinfo=timezone.utc)
    return "stalled" if now - at > STALLED_AFTER else "polling"


def record_error(channel_id: int, error: str) -> None:
    with db.session() as s:
        ch = s.get(Channel, channel_id)
        if ch is None:
            return
        ch.last_error, ch.last_poll_at = error[:1000], utcnow()
        s.add(ch)
        s.commit()
