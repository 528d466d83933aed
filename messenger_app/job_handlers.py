"""The durable jobs (services/jobs.py) and what runs each kind: a new client's profile, an
inbound message's media, a mailing's start, the chat-bot's turns. `run_due_jobs` claims the
due ones for this process and runs them; a failure is retried later or failed for good."""

from __future__ import annotations

import asyncio
import logging

from messenger_app import adapters
from messenger_app.channels.base import PermanentError, TransientError
from messenger_app.inbound import fetch_media, fetch_profile
from messenger_app.process_id import holder
from messenger_app.services import bot, channels, inbound_batch, inbox, jobs

log = logging.getLogger("messenger.workers")


async def run_job(job: jobs.Claimed) -> None:
    handler = JOB_HANDLERS.get(job.kind)
    me = holder()
    try:
        if handler is None:
            raise PermanentError(f"no handler for jobs of kind {job.kind!r}")
        await handler(job.payload, job.attempts >= job.max_attempts)
    except asyncio.CancelledError:
        raise
    except PermanentError as e:
        await asyncio.to_thread(jobs.retry_later, job.id, me, str(e), job.max_attempts,
                                job.max_attempts)
    except Exception as e:
        delay = e.retry_after if isinstance(e, TransientError) else None
        status = await asyncio.to_thread(jobs.retry_later, job.id, me,
                                         f"{type(e).__name__}: {e}", job.attempts,
                                         job.max_attempts, delay)
        log.info("job %s (%s) %s: %s", job.id, job.kind,
                 "failed for good" if status == "failed" else "will be retried", e)
    else:
        await asyncio.to_thread(jobs.finish, job.id, me)


async def run_due_jobs(limit: int = 100) -> int:
    """Run the jobs that are due now, until none is left (or `limit` ran). Returns how many."""
    done = 0
    while done < limit:
        batch = await asyncio.to_thread(jobs.claim, holder(), 4)
        if not batch:
            break
        await asyncio.gather(*(run_job(j) for j in batch))
        done += len(batch)
    return done


async def _job_channel(payload: dict):
    ch = await asyncio.to_thread(channels.get, int(payload.get("channel_id") or 0))
    if ch is None or not ch.enabled:
        raise PermanentError("the channel is gone or disabled")
    return ch, adapters.get(ch)


async def job_profile(payload: dict, last_try: bool) -> None:
    ch, adapter = await _job_channel(payload)
    await fetch_profile(adapter, ch.id, int(payload["identity_id"]), str(payload["external_id"]))


async def job_media(payload: dict, last_try: bool) -> None:
    ch, adapter = await _job_channel(payload)
    found = await asyncio.to_thread(inbox.find_message, ch.id, str(payload["external_id"]))
    if found is None or not inbound_batch.needs_download(found[1]):
        return  # gone, or done by an earlier run
    await fetch_media(adapter, ch, found[0], found[1], keep_transient=not last_try)


async def job_mailing_start(payload: dict, last_try: bool) -> None:
    from messenger_app.services import mailings

    await asyncio.to_thread(mailings.start_scheduled, int(payload["mailing_id"]))


async def job_mailing_auto(payload: dict, last_try: bool) -> None:
    from messenger_app.services import mailings

    await asyncio.to_thread(mailings.evaluate_automatic, int(payload["mailing_id"]))


async def job_bot(payload: dict, last_try: bool) -> None:
    """A client's message for the chat-bot (queued by inbox.receive, debounced)."""
    await asyncio.to_thread(bot.handle_inbound, int(payload["contact_id"]), int(payload["message_id"]),
                            holder())


async def job_bot_timer(payload: dict, last_try: bool) -> None:
    """A scenario's wait ended or an ask's "no answer within" ran out."""
    await asyncio.to_thread(bot.handle_timer, int(payload["run_id"]), int(payload["seq"]),
                            str(payload.get("kind") or "timer"), holder())


async def job_bot_go(payload: dict, last_try: bool) -> None:
    """A scenario started from the card (or a mailing): its first steps."""
    await asyncio.to_thread(bot.handle_go, int(payload["run_id"]), holder())


async def job_bot_resume(payload: dict, last_try: bool) -> None:
    await asyncio.to_thread(bot.handle_resume, int(payload["run_id"]), holder())


JOB_HANDLERS = {"profile": job_profile, "media": job_media, "mailing_start": job_mailing_start,
                "mailing_auto": job_mailing_auto, "bot": job_bot, "bot_timer": job_bot_timer,
                "bot_go": job_bot_go, "bot_resume": job_bot_resume}
