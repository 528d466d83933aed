"""Which scenario a client's messages start: keywords, `/start <payload>`, or a channel's
default scenario for a new client's first message."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from messenger_app import db
from messenger_app.models.scenario import Scenario, ScenarioVersion


@dataclass
class _Trigger:
    scenario_id: int
    why: str


def _norm(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def find_trigger(texts: list[str], channel_id: int | None, first_message) -> _Trigger | None:
    """Keywords and `/start <payload>` (latest message first), else the channel's default
    scenario for a new client's first message."""
    with db.session() as s:
        rows = s.exec(select(Scenario.id, Scenario.triggers).where(
            Scenario.deleted_at == None,  # noqa: E711
            Scenario.id.in_(select(ScenarioVersion.scenario_id))).order_by(Scenario.id)).all()
    for text in reversed(texts):
        t = _norm(text)
        if not t:
            continue
        if t.startswith("/start "):
            payload = t[7:].strip()
            for sid, trig in rows:
                if payload in (_norm(p) for p in (trig or {}).get("start_payloads") or []):
                    return _Trigger(sid, "payload")
        for sid, trig in rows:
            if t in (_norm(k) for k in (trig or {}).get("keywords") or []):
                return _Trigger(sid, "keyword")
        if t.startswith("/start"):
            for sid, trig in rows:
                if "/start" in (_norm(k) for k in (trig or {}).get("keywords") or []):
                    return _Trigger(sid, "keyword")
    if channel_id is not None:
        for sid, trig in rows:
            if channel_id in ((trig or {}).get("first_message_channels") or []):
                # `first_message`: a callable, asked only when a scenario could start
                return _Trigger(sid, "first_message") if first_message() else None
    return None
