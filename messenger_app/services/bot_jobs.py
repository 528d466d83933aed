"""The chat-bot's share of inbox.receive's transaction (kept apart from services/bot/, which
imports the CRM and the outbox, so that inbox can import this without an import cycle)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists
from sqlmodel import select

from messenger_app import settings
from messenger_app.models.scenario import ScenarioVersion
from messenger_app.services import jobs

JOB_ATTEMPTS = 40


_ANY_VERSION = select(ScenarioVersion.id).limit(1)  # built once: it runs for every inbound batch
PUBLISHED = exists(select(ScenarioVersion.id))  # the same as a column of another statement (inbound_batch)


def any_published(conn) -> bool:
    """Is any scenario published? (installs without a bot add no job)"""
    return conn.execute(_ANY_VERSION).first() is not None


def add_inbound_job(conn, contact_id: int, message_id: int, now: datetime) -> None:
    """The "bot" job of a new inbound message, due after the debounce (BOT_DEBOUNCE_SECONDS):
    committed with the message, run by the workers (services/bot.handle_inbound)."""
    delay = settings.get().bot_debounce_seconds
    jobs.add_in(conn, "bot", f"bot:in:{message_id}", {"contact_id": contact_id, "message_id": message_id},
                run_at=now + timedelta(seconds=max(delay, 0)), max_attempts=JOB_ATTEMPTS)
