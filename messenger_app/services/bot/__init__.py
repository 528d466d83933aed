"""The chat-bot runtime (B1): runs of published scenarios, advanced by the workers.

How a client's message reaches the bot: `inbox.receive` stores it and, in the same
transaction, a durable "bot" job due `BOT_DEBOUNCE_SECONDS` later (jobs.add_in). The job
runner calls `handle_inbound`: if a newer message of the same client is waiting, this job
leaves it to that one (several quick messages are taken together); otherwise it claims the
client's run row (one step at a time per client, a compare-and-set like the outbox's), starts a
scenario when a trigger matches, or feeds the messages to the step the run waits on.

Each step is applied and then saved (services/scenario_engine.py walks the graph). A bot
message is queued with the dedup key `bot:<run>:<step>:<seq>:<attempt>`, so a kill -9 between
"queued" and "saved" repeats the step without a second message. Timers (wait, "no answer
within") are durable jobs too.

Pause (crm.set_bot_paused, "With operator") stops the bot at once: while the dialog is paused
nothing is sent and messages are left to the operator. Resume continues from the step the run
waited on. A hand-over step pauses the dialog itself (by="bot"), leaves an internal note and
rings the operators like a new message; Resume then ends that run.

A run keeps the version it started on; publishing a new version never touches it.

Where each part lives: `runs` (the run rows, their claim), `host` (the engine's host for a real
client: answers, branch conditions), `steps` (applying a step's effects), `triggers`, `handlers`
(the workers' job handlers), `control` (start, stop, pause from the card and mailings, the
card's view) and `simulation` (Try it, in the editor).
"""

from messenger_app.services.bot.control import (RunView, current, handle_resume, history, on_pause_changed,
                                                start, step_label, stop)
from messenger_app.services.bot.handlers import handle_go, handle_inbound, handle_timer
from messenger_app.services.bot.host import contact_matches, parse_answer
from messenger_app.services.bot.runs import BotError, Busy
from messenger_app.services.bot.simulation import SimOutput, Simulation
from messenger_app.services.bot.triggers import find_trigger

__all__ = ["BotError", "Busy", "RunView", "SimOutput", "Simulation", "contact_matches", "current",
           "find_trigger", "handle_go", "handle_inbound", "handle_resume", "handle_timer", "history",
           "on_pause_changed", "parse_answer", "start", "step_label", "stop"]
