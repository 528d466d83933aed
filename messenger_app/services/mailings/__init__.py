"""Mailings (B2): create, preview, start, pause / resume / cancel, and the feeder that hands
recipients to the outbox a few at a time.

- The recipients are FIXED when a mailing starts: one MailingRecipient row per client (and per
  occurrence for automatic mailings; unique), written by one INSERT ... SELECT with the route
  and the skip reason (services/mailing_audience.py). Blacklisted clients are skipped there,
  and checked again when each one is handed to the outbox (crm.mailable_clause()).
- The FEEDER keeps at most `window(channel)` mailing messages queued per channel (two
  seconds of the channel's rate): an operator's reply on that channel waits behind at most
  those, never behind 100k rows, and memory stays flat. The send lanes pace them at the
  channel's limits and honour 429 retry_after (services/outbox.deliver).
- EXACTLY ONCE: each recipient's message is queued with the dedup key
  "mailing:<id>:<contact>[:<occurrence>]"; a feeder killed between queueing and marking the
  recipient queues the same key again after restart and gets the first message back.
- One recipient's failure (refused by the channel, the client gone) marks that recipient
  failed with the reason and the others go on.
- Mailing messages carry origin "mailing" and the mailing's name (shown in the dialog), do
  not make the dialog unread and do not move it in the inbox list (outbox.queue
  touch_list=False): the list is ordered by what clients and operators said.

Where each part lives: `drafts` (checks, create, edit, read, preview), `recipients` (fixing
them), `control` (start, scheduled start, pause / resume / cancel), `feeder`, `automatic`
(the daily evaluation) and `unsubscribe` (stop words, opt-out).
"""

from messenger_app.services.mailings.automatic import evaluate_automatic
from messenger_app.services.mailings.control import cancel, pause, resume, start, start_scheduled
from messenger_app.services.mailings.drafts import (TRIGGERS, MailingError, create, get, list_mailings, preview,
                                                    update_draft)
from messenger_app.services.mailings.feeder import feed, window
from messenger_app.services.mailings.unsubscribe import is_stop_word, opt_out, stop_words
from messenger_app.services.mailings.recipients import fix_recipients

__all__ = ["TRIGGERS", "MailingError", "cancel", "create", "evaluate_automatic", "feed", "fix_recipients",
           "get", "is_stop_word", "list_mailings", "opt_out", "pause", "preview", "resume", "start",
           "start_scheduled", "stop_words", "update_draft", "window"]
