"""A local fake of the WhatsApp Cloud API (Graph v21.0) that also plays Meta's side of the
webhooks: it builds correctly signed notification bodies (X-Hub-Signature-256) and can POST
them to the app's webhook URL.

In a test:
    with FakeWhatsAppServer() as fake:
        fake.api_url                         # WhatsAppChannel(base_url=...)
        body = fake.state.text_message("15551234567", "hi", name="Ann")
        raw, header = fake.state.sign(body)  # "sha256=<hex>"
        fake.state.add_failure("messages", status=400, code=130429)
        fake.state.sent                      # what the business sent
        fake.state.pending_statuses          # status webhooks the fake owes the app

Graph routes: POST /v21.0/<phone_number_id>/messages (text, template, image / document /
audio / video by media id, interactive button / list; checked like Graph checks them),
POST /v21.0/<phone_number_id>/media (multipart upload → {"id"}; failure key "media_upload";
`uploads` records them), GET /v21.0/<phone_number_id>,
GET /v21.0/<media_id> → {"url": ...}, GET /media-download/<media_id> (bearer token needed).
Like the real API, a free-form text to someone outside the 24-hour window is accepted
(200 + wamid) and then fails by webhook: a "failed" status with error 131047 is queued in
`pending_statuses` (`deliver_statuses()` POSTs them). `block(wa_id)` → 400 error 131026.

As a process: python -m tests.fakes.whatsapp_server --port 8084
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.base import (
    PNG_BYTES,
    FakeServer,
    FakeState,
    common_routes,
    post_webhook,
    request_params,
    run_cli,
)

DEFAULT_TOKEN = "EAAGfake0WhatsApp0Token0ZZZ"
DEFAULT_PHONE_NUMBER_ID = "106540352242922"
DEFAULT_APP_SECRET = "fake-app-secret-0123"
DEFAULT_VERIFY_TOKEN = "fake-verify-token"
WABA_ID = "102290129340398"
DISPLAY_NUMBER = "15550783881"
SIGNATURE_HEADER = "X-Hub-Signature-256"
WINDOW_SECONDS = 24 * 3600
MEDIA_TYPES = ("image", "document", "audio", "video", "sticker")
# what POST /media accepts (type prefix → bytes), as the Cloud API documents it
UPLOAD_LIMITS = (("image/jpeg", 5 << 20), ("image/png", 5 << 20), ("image/webp", 500 << 10),
                 ("video/mp4", 16 << 20), ("video/3gpp", 16 << 20), ("audio/", 16 << 20),
                 ("text/plain", 100 << 20), ("application/pdf", 100 << 20),
                 ("application/msword", 100 << 20), ("application/vnd.ms-", 100 << 20),
                 ("application/vnd.openxmlformats-officedocument.", 100 << 20))
_TITLES = {
    100: "Invalid parameter",
    190: "Invalid OAuth access token - Cannot parse access token",
    130429: "Rate limit hit",
    131026: "Message Undeliverable",
    131047: "Re-engagement message",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    80007: "Rate limit issues",
}


def sign(raw: bytes, app_secret: str) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()


def graph_error(code: int, message: str | None = None, details: str | None = None,
                type_: str = "OAuthException") -> dict:
    message = message or _TITLES.get(code, "Error")
    shown = message if code in (100, 190) else f"(#{code}) {message}"
    error: dict[str, Any] = {"message": shown, "type": type_, "code": code, "fbtrace_id": "AbCdEfGhIjKlMnOp"}
    if code not in (100, 190):
        error["error_data"] = {"messaging_product": "whatsapp", "details": details or message}
    return {"error": error}


class FakeWhatsAppState(FakeState):
    def __init__(self, token: str = DEFAULT_TOKEN, phone_number_id: str = DEFAULT_PHONE_NUMBER_ID,
                 app_secret: str = DEFAULT_APP_SECRET, verify_token: str = DEFAULT_VERIFY_TOKEN):
        self.token, self.phone_number_id = token, str(phone_number_id)
        self.app_secret, self.verify_token = app_secret, verify_token
        self._ids = itertools.count(1)
        super().__init__()

    def _reset(self) -> None:
        self.users: dict[str, dict] = {}  # wa_id -> {"name", "last_inbound": unix seconds | None}
        self.media: dict[str, dict] = {}
        self.webhook_url = ""
        self.pending_statuses: list[dict] = []
        self.uploads: list[dict] = []  # what POST /media received, in order
        self.enforce_window = True

    # -- users / media ---------------------------------------------------------------------

    def set_last_inbound(self, wa_id: str, when: float | None) -> None:
        with self._lock:
            self.users.setdefault(wa_id, {"name": "", "last_inbound": None})["last_inbound"] = when

    def add_media(self, data: bytes, mime_type: str, file_name: str | None = None) -> str:
        with self._lock:
            media_id = str(1_000_000_000_000_000 + next(self._ids))
            self.media[media_id] = {"data": bytes(data), "mime_type": mime_type, "file_name": file_name,
                                    "sha256": hashlib.sha256(data).hexdigest()}
        return media_id

    def _wamid(self) -> str:
        return "wamid." + base64.b64encode(f"HBgL{time.time_ns()}{next(self._ids):08d}".encode()).decode()

    # -- webhook bodies --------------------------------------------------------------------

    def envelope(self, value: dict, phone_number_id: str | None = None) -> dict:
        """Wrap a change value in the whatsapp_business_account notification shape."""
        value = {"messaging_product": "whatsapp",
                 "metadata": {"display_phone_number": DISPLAY_NUMBER,
                              "phone_number_id": phone_number_id or self.phone_number_id}, **value}
        return {"object": "whatsapp_business_account",
                "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}]}

    def inbound(self, wa_id: str, message: dict, name: str = "", timestamp: float | None = None) -> dict:
        """A notification carrying one inbound message (opens the 24 h window)."""
        ts = time.time() if timestamp is None else timestamp
        with self._lock:
            user = self.users.setdefault(wa_id, {"name": "", "last_inbound": None})
            user["name"] = name or user["name"] or "WhatsApp User"
            user["last_inbound"] = max(user["last_inbound"] or 0, ts)
            name = user["name"]
        msg = {"from": wa_id, "id": self._wamid(), "timestamp": str(int(ts)), **message}
        return self.envelope({"contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": [msg]})

    def text_message(self, wa_id: str, text: str, name: str = "", timestamp: float | None = None) -> dict:
        return self.inbound(wa_id, {"type": "text", "text": {"body": text}}, name, timestamp)

    def media_message(self, wa_id: str, kind: str = "image", data: bytes = PNG_BYTES,
                      mime_type: str = "image/png", file_name: str | None = None, caption: str = "",
                      voice: bool = False, name: str = "") -> dict:
        """kind: image | document | audio | video | sticker (the media is stored in the fake)."""
        media_id = self.add_media(data, mime_type, file_name)
        obj: dict[str, Any] = {"mime_type": mime_type, "sha256": self.media[media_id]["sha256"], "id": media_id}
        if caption and kind in ("image", "document", "video"):
            obj["caption"] = caption
        if file_name and kind == "document":
            obj["filename"] = file_name
        if kind == "audio":
            obj["voice"] = voice
        if kind == "sticker":
            obj["animated"] = False
        return self.inbound(wa_id, {"type": kind, kind: obj}, name)

    def status_webhook(self, message_id: str, wa_id: str, status: str, error_code: int | None = None,
                       title: str | None = None) -> dict:
        item: dict[str, Any] = {"id": message_id, "status": status, "timestamp": str(int(time.time())),
                                "recipient_id": wa_id}
        if status in ("sent", "delivered"):
            item["conversation"] = {"id": "CONVERSATION_ID", "origin": {"type": "service"}}
            item["pricing"] = {"billable": True, "pricing_model": "CBP", "category": "service"}
        if status == "failed":
            code = error_code or 131026
            item["errors"] = [{"code": code, "title": title or _TITLES.get(code, "Failed"),
                               "message": title or _TITLES.get(code, "Failed"),
                               "error_data": {"details": "Message failed to send."}}]
        return self.envelope({"statuses": [item]})

    def sign(self, body: dict | bytes) -> tuple[bytes, str]:
        """(raw bytes, X-Hub-Signature-256 value) for a notification body."""
        raw = body if isinstance(body, bytes) else json.dumps(body, separators=(",", ":")).encode()
        return raw, sign(raw, self.app_secret)

    def deliver(self, body: dict | bytes) -> httpx.Response:
        raw, header = self.sign(body)
        return post_webhook(self.webhook_url, raw, {SIGNATURE_HEADER: header})

    def deliver_statuses(self) -> list[int]:
        with self._lock:
            pending, self.pending_statuses = self.pending_statuses, []
        return [self.deliver(body).status_code for body in pending]

    def verify_webhook(self, challenge: str = "1158201444", verify_token: str | None = None) -> httpx.Response:
        """The GET subscription check Meta makes when the webhook is configured."""
        return httpx.get(self.webhook_url, params={
            "hub.mode": "subscribe", "hub.challenge": challenge,
            "hub.verify_token": self.verify_token if verify_token is None else verify_token})

    # -- Graph methods --------------------------------------------------------------------

    def upload(self, fields: dict, file: tuple[str, bytes] | None) -> tuple[int, dict]:
        """POST /<phone_number_id>/media: store the file, answer its media id (like Graph).
        `file` is (file name, bytes) of the multipart part "file"."""
        if fields.get("messaging_product") != "whatsapp":
            return 400, graph_error(100, "(#100) The parameter messaging_product is required.")
        if file is None:
            return 400, graph_error(100, "(#100) The parameter file is required.")
        mime = str(fields.get("type") or "")
        file_name, data = file
        limit = next((size for prefix, size in UPLOAD_LIMITS if mime.startswith(prefix)), None)
        if limit is None:
            return 400, graph_error(100, "(#100) Param file must be a file with one of the following "
                                         "types: " + ", ".join(p for p, _ in UPLOAD_LIMITS))
        if len(data) > limit:
            return 400, graph_error(131053, "Media upload error",
                                    f"file too big: {len(data)} > {limit} bytes")
        media_id = self.add_media(data, mime, file_name)
        with self._lock:
            self.uploads.append({"id": media_id, "type": mime, "file_name": file_name, "data": data})
        return 200, {"id": media_id}

    def _check_body(self, mtype: str, p: dict) -> str:
        """What Graph would refuse in a message body ("" = fine)."""
        obj = p.get(mtype)
        if mtype == "text":
            body = str((obj or {}).get("body") or "")
            if not body.strip():
                return "(#100) Param text['body'] is required."
            return "(#100) Param text['body'] is too long." if len(body) > 4096 else ""
        if mtype == "template":
            return "" if (obj or {}).get("name") else "(#100) Param template['name'] is required."
        if mtype in MEDIA_TYPES:
            if not isinstance(obj, dict) or not (obj.get("id") or obj.get("link")):
                return f"(#100) Param {mtype}['id'] or {mtype}['link'] is required."
            if obj.get("id") and str(obj["id"]) not in self.media:
                return f"(#100) Invalid parameter: {mtype}['id'] is not a valid media id"
            if "caption" in obj and mtype not in ("image", "video", "document"):
                return f"(#100) Param {mtype}['caption'] is not allowed"
            if len(str(obj.get("caption") or "")) > 1024:
                return f"(#100) Param {mtype}['caption'] must be at most 1024 characters long."
            if "filename" in obj and mtype != "document":
                return f"(#100) Param {mtype}['filename'] is not allowed"
            return ""
        if mtype == "interactive":
            return _check_interactive(obj)
        return f"(#100) Unsupported message type {mtype} in the fake"

    def send(self, p: dict) -> tuple[int, dict]:
        to = str(p.get("to") or "").lstrip("+")
        mtype = p.get("type") or "text"
        if p.get("messaging_product") != "whatsapp":
            return 400, graph_error(100, "(#100) The parameter messaging_product is required.")
        if not to.isdigit():
            return 400, graph_error(100, "(#100) Invalid parameter: to")
        with self._lock:
            problem = self._check_body(mtype, p)
            if problem:
                return 400, graph_error(100, problem)
            if to in self.blocked:
                return 400, graph_error(131026)
            wamid = self._wamid()
            last = (self.users.get(to) or {}).get("last_inbound")
            in_window = last is not None and time.time() - last < WINDOW_SECONDS
            entry: dict[str, Any] = {
                "to": to, "type": mtype, "text": (p.get("text") or {}).get("body"),
                "template": p.get("template"), "id": wamid,
                "biz_opaque_callback_data": p.get("biz_opaque_callback_data")}
            if mtype in MEDIA_TYPES:
                obj = p[mtype]
                media = self.media.get(str(obj.get("id") or "")) or {}
                entry.update(media=dict(obj), caption=obj.get("caption"), filename=obj.get("filename"),
                             data=media.get("data"), mime_type=media.get("mime_type"))
            if mtype == "interactive":
                entry["interactive"] = p["interactive"]
                entry["text"] = p["interactive"]["body"]["text"]
            self.sent.append(entry)
            if mtype != "template" and self.enforce_window and not in_window:
                self.pending_statuses.append(self.status_webhook(wamid, to, "failed", 131047))
            else:
                self.pending_statuses.append(self.status_webhook(wamid, to, "sent"))
        return 200, {"messaging_product": "whatsapp", "contacts": [{"input": p.get("to"), "wa_id": to}],
                     "messages": [{"id": wamid}]}

    def press(self, wa_id: str, sent: dict, choice_id: str, name: str = "") -> dict:
        """The client taps a reply button or a list row of one of our interactive messages:
        the notification WhatsApp sends (with `context` pointing at our message)."""
        interactive = sent["interactive"]
        if interactive["type"] == "button":
            (title,) = [b["reply"]["title"] for b in interactive["action"]["buttons"]
                        if b["reply"]["id"] == choice_id]
            reply = {"type": "button_reply", "button_reply": {"id": choice_id, "title": title}}
        else:
            (title,) = [r["title"] for s in interactive["action"]["sections"] for r in s["rows"]
                        if r["id"] == choice_id]
            reply = {"type": "list_reply", "list_reply": {"id": choice_id, "title": title}}
        return self.inbound(wa_id, {"type": "interactive", "interactive": reply,
                                    "context": {"from": DISPLAY_NUMBER, "id": sent["id"]}}, name)


def _check_interactive(obj: Any) -> str:
    if not isinstance(obj, dict) or obj.get("type") not in ("button", "list"):
        return "(#100) Param interactive['type'] must be one of {BUTTON, LIST, ...}"
    body = str((obj.get("body") or {}).get("text") or "")
    action = obj.get("action") if isinstance(obj.get("action"), dict) else {}
    if not body.strip():
        return "(#100) Param interactive['body']['text'] is required."
    if obj["type"] == "button":
        buttons = action.get("buttons") if isinstance(action.get("buttons"), list) else []
        if not 1 <= len(buttons) <= 3:
            return "(#131009) Parameter value is not valid: buttons count must be 1 to 3"
        if len(body) > 1024:
            return "(#100) Param interactive['body']['text'] must be at most 1024 characters long."
        items = [b.get("reply") or {} for b in buttons if b.get("type") == "reply"]
        if len(items) != len(buttons):
            return "(#100) Param interactive['action']['buttons'][]['type'] must be reply"
        title_max, id_max = 20, 256
    else:
        sections = action.get("sections") if isinstance(action.get("sections"), list) else []
        items = [r for s in sections for r in (s.get("rows") or [])]
        if not action.get("button") or len(str(action["button"])) > 20:
            return "(#100) Param interactive['action']['button'] is required (at most 20 characters)"
        if not 1 <= len(items) <= 10 or not sections:
            return "(#131009) Parameter value is not valid: total row count must be 1 to 10"
        if len(body) > 4096:
            return "(#100) Param interactive['body']['text'] must be at most 4096 characters long."
        title_max, id_max = 24, 200
    ids = [str(i.get("id") or "") for i in items]
    if any(not i or len(i) > id_max for i in ids) or len(set(ids)) != len(ids):
        return f"(#131009) Parameter value is not valid: ids must be unique, 1 to {id_max} characters"
    if any(not str(i.get("title") or "").strip() or len(str(i["title"])) > title_max for i in items):
        return f"(#131009) Parameter value is not valid: titles must be 1 to {title_max} characters"
    return ""


def create_app(state: FakeWhatsAppState) -> Starlette:
    def authorized(request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {state.token}"

    def failure(method: str) -> Response | None:
        rule = state.take_failure(method)
        if not rule:
            return None
        headers = {"Retry-After": str(rule["retry_after"])} if rule["retry_after"] is not None else {}
        status = rule["status"] if rule["status"] != 200 else 400
        if rule["body"] is not None:
            return Response(rule["body"], status_code=rule["status"], media_type="text/html", headers=headers)
        if rule["code"] is not None:
            return JSONResponse(graph_error(int(rule["code"]), rule["message"]), status_code=status, headers=headers)
        return Response(rule["message"] or "error", status_code=status, headers=headers)

    async def messages(request: Request) -> Response:
        params = await request_params(request)
        state.count("messages", params)
        if not authorized(request):
            return JSONResponse(graph_error(190), status_code=401)
        if (failed := failure("messages")) is not None:
            return failed
        if request.path_params["node"] != state.phone_number_id:
            return JSONResponse(graph_error(100, f"Unsupported post request. Object with ID "
                                                 f"'{request.path_params['node']}' does not exist"), status_code=400)
        status, body = state.send(params)
        return JSONResponse(body, status_code=status)

    async def media_upload(request: Request) -> Response:
        form = await request.form()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        state.count("media_upload", {**fields, "file": getattr(form.get("file"), "filename", None)})
        if not authorized(request):
            return JSONResponse(graph_error(190), status_code=401)
        if (failed := failure("media_upload")) is not None:
            return failed
        if request.path_params["node"] != state.phone_number_id:
            return JSONResponse(graph_error(100, "Unsupported post request."), status_code=400)
        upload = form.get("file")
        file = (upload.filename or "", await upload.read()) if hasattr(upload, "read") else None
        status, body = state.upload(fields, file)
        return JSONResponse(body, status_code=status)

    async def node(request: Request) -> Response:
        node_id = request.path_params["node"]
        method = "phone" if node_id == state.phone_number_id else "media"
        state.count(method, {"id": node_id, **dict(request.query_params)})
        if not authorized(request):
            return JSONResponse(graph_error(190), status_code=401)
        if (failed := failure(method)) is not None:
            return failed
        if method == "phone":
            return JSONResponse({"verified_name": "Fake Shop", "display_phone_number": "+1 555-078-3881",
                                 "id": state.phone_number_id, "quality_rating": "GREEN"})
        with state._lock:
            media = state.media.get(node_id)
        if media is None:
            return JSONResponse(graph_error(100, f"(#100) Invalid media id {node_id}"), status_code=400)
        return JSONResponse({"messaging_product": "whatsapp", "id": node_id, "mime_type": media["mime_type"],
                             "sha256": media["sha256"], "file_size": len(media["data"]),
                             "url": f"{state.base_url}/media-download/{node_id}?ext=1&hash=fake"})

    async def media_download(request: Request) -> Response:
        media_id = request.path_params["media_id"]
        state.count("media_download", {"id": media_id})
        if not authorized(request):
            return Response("Unauthorized", status_code=401)
        if (failed := failure("media_download")) is not None:
            return failed
        with state._lock:
            media = state.media.get(media_id)
        if media is None:
            return Response("Not Found", status_code=404)
        return Response(media["data"], media_type=media["mime_type"])

    async def ctl_user_message(request: Request) -> Response:
        b = await request.json()
        body = state.text_message(str(b["wa_id"]), b.get("text", ""), b.get("name", ""))
        raw, header = state.sign(body)
        async with httpx.AsyncClient(timeout=10) as client:
            got = await client.post(state.webhook_url, content=raw, headers={
                "Content-Type": "application/json", SIGNATURE_HEADER: header})
        return JSONResponse({"ok": True, "body": body, "webhook_status": got.status_code})

    async def ctl_webhook(request: Request) -> Response:
        state.webhook_url = str((await request.json()).get("url") or "")
        return JSONResponse({"ok": True})

    return Starlette(routes=[
        Route("/v21.0/{node}/messages", messages, methods=["POST"]),
        Route("/v21.0/{node}/media", media_upload, methods=["POST"]),
        Route("/v21.0/{node}", node, methods=["GET"]),
        Route("/media-download/{media_id}", media_download, methods=["GET"]),
        Route("/_fake/user_message", ctl_user_message, methods=["POST"]),
        Route("/_fake/webhook", ctl_webhook, methods=["POST"]),
        *common_routes(state),
    ])


class FakeWhatsAppServer(FakeServer):
    name = "whatsapp"
    api_path = "/v21.0"  # the base_url for WhatsAppChannel: api_url

    def __init__(self, token: str = DEFAULT_TOKEN, phone_number_id: str = DEFAULT_PHONE_NUMBER_ID,
                 app_secret: str = DEFAULT_APP_SECRET, verify_token: str = DEFAULT_VERIFY_TOKEN,
                 host: str = "127.0.0.1", port: int = 0):
        self.token, self.phone_number_id = token, phone_number_id
        self.app_secret, self.verify_token = app_secret, verify_token
        super().__init__(FakeWhatsAppState(token, phone_number_id, app_secret, verify_token),
                         create_app, host, port)


def main(argv: list[str] | None = None) -> None:
    def add_args(parser):
        parser.add_argument("--token", default=DEFAULT_TOKEN)
        parser.add_argument("--phone-number-id", default=DEFAULT_PHONE_NUMBER_ID)
        parser.add_argument("--app-secret", default=DEFAULT_APP_SECRET)
        parser.add_argument("--verify-token", default=DEFAULT_VERIFY_TOKEN)

    run_cli("WhatsApp", lambda a: FakeWhatsAppState(a.token, a.phone_number_id, a.app_secret, a.verify_token),
            create_app, 8084, add_args, argv)


if __name__ == "__main__":
    main()
