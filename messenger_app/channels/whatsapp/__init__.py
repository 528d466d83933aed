"""WhatsApp Cloud API adapter (Graph API webhooks in, /{phone_number_id}/messages out).
Never touches the database; never retries on its own.

Webhook route:
    GET  → `verify_challenge(request.query_params, verify_token)` → the challenge text (200)
           or None (403).
    POST → `verify_signature(raw_body, request.headers["X-Hub-Signature-256"], app_secret)`
           False → 401/403; then `messages, statuses, identities = channel.parse_webhook(json)`
           (MalformedWebhook → 400). Messages carry phone "+<wa_id>" so the client joins by
           phone; statuses are StatusEvent for our wamids (failed ones with error/unreachable).

24-hour customer-service window: free-form messages only within 24 h of the client's last
inbound message; outside it only templates. `send(identity, message)` raises UnreachableError
before calling the API when `message.last_inbound_at` is more than 24 h old;
`send_template(identity, WhatsAppTemplate(...))` is allowed any time. With
last_inbound_at=None the adapter does not check and the API's answer decides (131047).

Outbound, one Graph message per item (the Cloud API carries one media per message):
    files   → each uploaded to POST /{phone_number_id}/media first (multipart: file, type,
              messaging_product) → a media id → an image / video / audio / document message
              {"id": media_id} (a JPEG/PNG over 5 MB, or a video/audio type WhatsApp does not
              play, goes as a document, with its filename);
    text    → the first file's caption when it fits (1024, image/video/document only), else a
              text message of its own before the files;
    choices → after the files: interactive reply buttons (≤ 3, title ≤ 20, id ≤ 256), else an
              interactive list (≤ 10 rows, title ≤ 24, id ≤ 200) carrying the text as its body;
              more, or labels too long, → numbered text (base.numbered_options).
A pressed button / list row comes back as an inbound message with choice_id = the id and
text = the title.

Modules: `window` (the 24 h window), `outbound` (media types and sizes, captions, buttons or
a list, templates), `webhook` (the subscription and signature checks, messages and statuses
in), `adapter` (WhatsAppChannel), `kind` (KIND for /settings).
"""

from messenger_app.channels.http import IdentityEvent, MalformedWebhook, StatusEvent, WebhookBatch  # noqa: F401
from messenger_app.channels.whatsapp.adapter import WhatsAppChannel  # noqa: F401
from messenger_app.channels.whatsapp.kind import KIND  # noqa: F401
from messenger_app.channels.whatsapp.outbound import WhatsAppTemplate  # noqa: F401
from messenger_app.channels.whatsapp.webhook import (  # noqa: F401
    SIGNATURE_HEADER,
    verify_challenge,
    verify_signature,
)
from messenger_app.channels.whatsapp.window import WINDOW, WINDOW_CLOSED, window_open  # noqa: F401
