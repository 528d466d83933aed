"""Webhook endpoints of the channels that push to us (WhatsApp, Viber, SMS gateway).

URL: /hooks/{channel_id}/{secret} — the secret is random per channel (shown on /settings),
so a guessed channel id alone gets 404. On top, each provider's own signature is checked
on the raw body. A bad signature → 403, a malformed body → 400, and nothing is written.
Receiving the same webhook twice stores each message once (inbox.receive is idempotent).

Hostile input: the body is cut off at MAX_BODY while it is read (413, chunked too), JSON is
loaded by lib/safe_json (depth ≤ 32, no NaN), and no input gives a 5xx: the guard in
`receive` answers 400 and logs one line. A batch's messages are stored in one transaction,
with those of concurrent requests to the same channel (intake.py); one that cannot be
stored (inbox.Rejected, a database refusal) is written on the channel's health and the
others are stored; the answer is 200 then, because a retry cannot fix that item.
"""

from __future__ import annotations

import asyncio
import hmac
import logging

from sqlalchemy.exc import OperationalError
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from messenger_app import adapters, intake
from messenger_app.channels import registry
from messenger_app.channels.http import MalformedWebhook
from messenger_app.lib import storable
from messenger_app.services import channels, inbox, outbox

log = logging.getLogger("messenger.webhooks")
MAX_BODY = 1024 * 1024


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message}, status_code=status)


async def _channel(request: Request):
    """The enabled webhook channel the URL names with its secret, or None. The row comes
    from channels' cache (no database call, no thread hop when it is there)."""
    raw_id = request.path_params["channel_id"]
    if not (raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= 18):
        return None
    cid = int(raw_id)
    ch = channels.peek(cid) or await asyncio.to_thread(channels.cached, cid)
    secret = request.path_params["secret"]
    spec = registry.get(ch.kind) if ch is not None else None
    if (ch is None or not ch.enabled or spec is None or not spec.webhook
            or not ch.webhook_secret
            or not hmac.compare_digest(ch.webhook_secret.encode(), secret.encode())):
        return None
    return ch


async def verify(request: Request) -> Response:
    """GET: a provider's subscription check (WhatsApp: hub.mode / hub.verify_token /
    hub.challenge), for kinds whose adapter has verify_request()."""
    try:
        return await _verify(request)
    except Exception as e:  # noqa: BLE001
        log.warning("webhook check refused (%s)", type(e).__name__)
        return _error(400, "malformed request")


async def _verify(request: Request) -> Response:
    ch = await _channel(request)
    adapter = adapters.get(ch) if ch is not None else None
    if adapter is None or not hasattr(adapter, "verify_request"):
        return _error(404, "no such webhook")
    challenge = adapter.verify_request(dict(request.query_params))
    if challenge is None:
        return _error(403, "verify token does not match")
    return PlainTextResponse(challenge)


async def receive(request: Request) -> Response:
    """Never a 5xx for what the sender put in the request: anything unexpected is logged as
    one line and answered 400 (a database that is down answers 503: worth a retry)."""
    try:
        return await _receive(request)
    except OperationalError as e:
        log.warning("webhook %s: database unavailable: %s", request.url.path.split("/")[2],
                    str(e).splitlines()[0][:200])
        return _error(503, "try again later")
    except Exception as e:  # noqa: BLE001 — hostile input must never become a 500
        log.warning("webhook %s: refused (%s: %s)", request.url.path.split("/")[2],
                    type(e).__name__, str(e).splitlines()[0][:200] if str(e) else "")
        return _error(400, "malformed webhook")


async def _read_body(request: Request) -> bytes | None:
    """The body, or None once it passes MAX_BODY — counted while reading, so a chunked
    body without Content-Length is cut off too."""
    declared = (request.headers.get("content-length") or "").strip()
    if declared and not declared.isdigit():
        raise ValueError("bad Content-Length")
    if declared and int(declared) > MAX_BODY:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _receive(request: Request) -> Response:
    ch = await _channel(request)
    if ch is None:
        return _error(404, "no such webhook")
    with intake.arriving(ch.id):  # a batch being formed for this channel waits for these messages
        body = await _read_body(request)
        if body is None:
            return _error(413, "body too large")
        adapter = adapters.get(ch)  # built once per channel instance, reused
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            batch = adapter.parse_request(headers, dict(request.query_params), body)
        except PermissionError as e:
            return _error(403, str(e))
        except (MalformedWebhook, ValueError) as e:
            return _error(400, f"malformed webhook: {e}")
    stored, problems = 0, []
    # the messages in one transaction; one that cannot be stored is noted, the others stored
    results = await intake.store(ch, batch.messages)  # with concurrent requests' messages
    for msg, got in zip(batch.messages, results):
        if isinstance(got, Exception):
            problems.append(f"message {storable.text(msg.external_id)[:60]!r}: {_reason(got)}")
        else:
            stored += got.created
    # statuses and reachability item by item (each its own small write)
    for ev in batch.statuses:
        await _item(problems, "status", ev.external_id,
                    asyncio.to_thread(_apply_status, ch.id, ev))
    for ev in batch.identities:
        await _item(problems, "identity", ev.identity_external_id,
                    asyncio.to_thread(inbox.set_reachable, ch.id, ev.identity_external_id,
                                      ev.reachable, ev.reason))
    if problems:  # on the channel's health (settings page); a 2xx: a retry cannot fix them
        log.warning("webhook %s: %d item(s) not stored: %s", ch.id, len(problems), problems[0])
        await asyncio.to_thread(channels.record_error, ch.id,
                                f"webhook: {len(problems)} item(s) not stored: " + "; ".join(problems))
    return JSONResponse({"ok": True, "stored": stored, "rejected": len(problems)})


async def _item(problems: list[str], what: str, ident, work):
    """Await one item's storing; what fails (inbox.Rejected, a database refusal) is noted in
    `problems`. A database that is down is raised: the whole webhook is worth a retry."""
    try:
        return await work
    except OperationalError:
        raise
    except Exception as e:  # noqa: BLE001
        problems.append(f"{what} {storable.text(ident)[:60]!r}: {_reason(e)}")
        return None


def _reason(e: Exception) -> str:
    if isinstance(e, inbox.Rejected):
        return str(e)
    return f"{type(e).__name__}: {(str(e).splitlines() or [''])[0][:200]}"


def _apply_status(channel_id: int, ev) -> None:
    if getattr(ev, "problem", ""):  # a record the parser could not read: on the health
        raise inbox.Rejected(ev.problem)
    ext, error = storable.text(ev.external_id), storable.text(ev.error)
    outbox.apply_status(channel_id, ext, ev.status, error)
    if getattr(ev, "unreachable", False) and getattr(ev, "identity_external_id", ""):
        inbox.set_reachable(channel_id, ev.identity_external_id, False, error)


ROUTES = [
    Route("/hooks/{channel_id}/{secret}", verify, methods=["GET"]),
    Route("/hooks/{channel_id}/{secret}", receive, methods=["POST"]),
]
