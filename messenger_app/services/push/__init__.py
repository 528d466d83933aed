"""Web Push for new inbound messages (N1), and which dialogs ring (N1/N2).

Modules: `keys` (the VAPID key pair, one per database), `subscriptions` (the browsers'),
`rules` (which dialogs notify and ring), `sending` (one push per subscription, with the
headers push services expect), `notifier` (the bus listener). Import from the package.

Which dialogs notify (`targets_for`, `sound_for`):
- A client in one or more custom folders notifies when AT LEAST ONE of those folders has
  push on (sound: sound on). A client in several folders still gets ONE notification.
- A client in no custom folder is only in the built-in "All chats", which cannot be edited
  (L7); it notifies by default. PUSH_ALL_CHATS=0 / SOUND_ALL_CHATS=0 turn that off for the
  whole instance (then only folder members notify).
  "All chats" is deliberately NOT counted for clients that are in a custom folder: every
  client is in "All chats", so counting it would make a folder's "push off" meaningless.

Sending. `notify_inbound()` is synchronous (pywebpush uses `requests`): async callers run it
with `asyncio.to_thread` — `run_notifier()` does. Every subscription of every active
operator gets one push, except the operators in `skip_operator_ids` (those looking at the
dialog, see services/presence.py). 404/410 from the push service mean the subscription is
gone: its row is deleted. Any other failure is logged and never raised.

Environment (read at call time):
| VAPID_SUBJECT    | mailto:admin@localhost | the VAPID "sub" claim (mailto: or https: URL)  |
| PUSH_ALL_CHATS   | 1                      | 0: clients in no custom folder never push      |
| SOUND_ALL_CHATS  | 1                      | 0: clients in no custom folder never ring      |
"""

from messenger_app.services.push.keys import (  # noqa: F401
    DEFAULT_SUBJECT, KEY_FILE, VAPID_SECRET, key_path, public_key_b64, reset, vapid, vapid_claims)
from messenger_app.services.push.notifier import notify_for_event, run_notifier  # noqa: F401
from messenger_app.services.push.rules import ringing, sound_for, targets_for  # noqa: F401
from messenger_app.services.push.sending import (  # noqa: F401
    BODY_CHARS, SEND_TIMEOUT, TTL_SECONDS, build_payload, notify_inbound, push_headers)
from messenger_app.services.push.subscriptions import (  # noqa: F401
    LOOPBACK_HOSTS, MAX_ENDPOINT, MAX_PER_OPERATOR, PushError, subscribe, subscriptions,
    unsubscribe, validate_subscription)
