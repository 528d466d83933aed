"""A generic HTTP SMS gateway adapter. Parses and sends; never touches the database.

Outbound: one HTTP request per message, built from `SmsConfig`:
  * `send_url` (placeholders allowed, URL-encoded when filled) and `method` GET | POST;
  * `params_template`: a dict (nested dicts/lists allowed for JSON) whose string values may
    hold the placeholders {to} {text} {sender} {message_id}. GET sends it as the query
    string; POST as a form (`body_format="form"`) or a JSON body (`body_format="json"`);
  * {message_id} is our message id (OutboundMessage.idempotency_key): put it in the URL or
    the template where the gateway takes a client reference, and/or name a header in
    `idempotency_header` ("Idempotency-Key"), so a gateway that de-duplicates can drop a
    resend after a crash (`sends_message_id` says whether this config does);
  * message.choices are appended to the text as numbered options ("1. Yes"); files cannot
    go by SMS (the outbox refuses them at queue time; here they are a PermanentError);
  * an optional auth header (`auth_header` + `auth_value`, e.g. "Authorization: Bearer …");
  * the gateway's message id is read from the JSON response at `id_path` ("id",
    "messages.0.id", "data[0].sid") or, failing that, with `id_regex` on the response text
    (group 1, else the whole match). No id found: SendResult.external_id is "".
  * success = HTTP 2xx and, when `error_field` is set, that JSON field absent or "empty"
    (null, "", 0, false, "0", "ok", "success", "none").

Errors (it never retries on its own): 429 / 5xx / timeouts / network trouble ->
TransientError (Retry-After honoured); 401 / 403 -> PermanentError without any secret;
a 4xx or an error field whose text matches `unreachable_pattern` ("invalid number", …) ->
UnreachableError; anything else -> PermanentError. Secrets (the auth value, secret-looking
template / URL parameters, the webhook secret) are scrubbed from every message.

Inbound (webhooks; the route hands over the raw request):
  * `parse_webhook(content_type, body, query, field_map)` -> list[InboundMessage]
  * `parse_status(content_type, body, query, field_map)` -> list[StatusEvent]
  * `verify_secret(value, secret)` — constant-time shared-secret check.
A malformed body raises `WebhookError` (a ValueError): answer it with HTTP 400.

Modules: `config` (SmsConfig, its defaults, SmsConfigError), `payload` (the template and its
placeholders, JSON paths, error fields, secret-looking values), `gateway` (SmsChannel:
sending, errors, the webhook check), `webhook` (the secret check, a request body's records,
WebhookError), `inbound` (incoming messages), `reports` (delivery reports), `kind` (KIND for
/settings).
"""

from messenger_app.channels.http import StatusEvent  # noqa: F401
from messenger_app.channels.sms.config import SmsConfig, SmsConfigError  # noqa: F401
from messenger_app.channels.sms.gateway import SmsChannel  # noqa: F401
from messenger_app.channels.sms.inbound import parse_webhook  # noqa: F401
from messenger_app.channels.sms.kind import KIND  # noqa: F401
from messenger_app.channels.sms.reports import parse_status  # noqa: F401
from messenger_app.channels.sms.webhook import WebhookError, verify_secret  # noqa: F401
