"""The notifier: listens to the event bus and pushes every inbound message that should
notify, skipping the operators looking at the dialog (services/presence.py)."""

from __future__ import annotations

import asyncio
import logging

from messenger_app.services.push.subscriptions import known_none
from messenger_app.services.push.rules import targets_for
from messenger_app.services.push.sending import notify_inbound

log = logging.getLogger("messenger.push")


def notify_for_event(event: dict) -> int:
    """The notifier's decision for one bus event (sync; used by run_notifier)."""
    from messenger_app.services import presence

    if event.get("kind") != "dialog" or event.get("reason") != "inbound":
        return 0
    try:
        dialog_id = int(event["dialog_id"])
    except (KeyError, TypeError, ValueError):
        return 0
    if not targets_for(dialog_id):
        return 0
    return notify_inbound(dialog_id, event.get("message_id"), presence.operators_viewing(dialog_id))


async def run_notifier(max_parallel: int = 4) -> None:
    """Listen to the bus forever and push every inbound message that should notify.
    Pushes of one dialog are sent in order; different dialogs in parallel (bounded).
    Run it in exactly one backend process (the workers lease holder)."""
    from messenger_app.services import events

    bus = events.bus()
    queue = bus.subscribe()
    await bus.ready()  # Redis confirmed the SUBSCRIBE: no other process's event is missed
    sem = asyncio.Semaphore(max_parallel)
    last: dict[int, asyncio.Task] = {}

    async def handle(event: dict, before: asyncio.Task | None) -> None:
        if before is not None:
            await asyncio.wait({before})
        async with sem:
            try:
                await asyncio.to_thread(notify_for_event, event)
            except Exception:
                log.exception("notifier failed on %s", event)

    try:
        while True:
            event = await queue.get()
            if event.get("kind") != "dialog" or event.get("reason") != "inbound":
                continue
            if known_none():  # no browser subscribed: not even a thread hop
                continue
            dialog_id = event.get("dialog_id")
            before = last.get(dialog_id)
            task = asyncio.create_task(handle(event, before if before and not before.done() else None))
            last[dialog_id] = task
            task.add_done_callback(lambda t, d=dialog_id: last.get(d) is t and last.pop(d, None))
    finally:
        bus.unsubscribe(queue)
        for task in list(last.values()):
            task.cancel()
