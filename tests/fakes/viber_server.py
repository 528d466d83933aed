"""A local fake of the Viber REST bot API (https://chatapi.viber.com/pa) that also plays
Viber's side of the webhooks: it builds correctly signed callback bodies and can POST them
to the URL registered with set_webhook.

In a test:
    with FakeViberServer(token="abc-TOKEN") as fake:
        fake.api_url                                  # ViberChannel(base_url=...)
        body = fake.state.message_event("u1==", text="hi", name="Ann")
        raw, signature = fake.state.sign(body)        # X-Viber-Content-Signature
        fake.state.add_failure("send_message", code=12)   # {"status": 12, ...} once
        fake.state.sent                               # what the bot sent

API methods: set_webhook (with check_webhook=True it calls the URL with a signed "webhook"
event first, as Viber does), send_message (text, picture, file, keyboard: checked like Viber;
picture/file media are fetched from their URL and recorded in `sent[i]["data"]` /
`["fetch_status"]`; the last tracking_data per user comes back with the user's next message,
`press(user_id, sent, choice_id)` builds a button press), get_account_info, get_user_details (once per
user, then status 12 like Viber's 12-hour limit). Errors are HTTP 200 with a non-zero
"status", like Viber; a wrong X-Viber-Auth-Token → status 2.

As a process: python -m tests.fakes.viber_server --port 8083 --token abc-TOKEN
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.base import (
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    FakeServer,
    FakeState,
    common_routes,
    make_png,
    post_webhook,
    run_cli,
)

DEFAULT_TOKEN = "4453b6ac12345678-e02c5f12174805f9-9d3a35bd42b6ae26"
SIGNATURE_HEADER = "X-Viber-Content-Signature"
STATUS_NAMES = {0: "ok", 1: "invalidUrl", 2: "invalidAuthToken", 3: "badData", 4: "missingData",
                5: "receiverNotRegistered", 6: "receiverNotSubscribed", 7: "publicAccountBlocked",
                8: "publicAccountNotFound", 9: "publicAccountSuspended", 10: "webhookNotSet",
                11: "receiverNoSuitableDevice", 12: "tooManyRequests"}


def sign(raw: bytes, token: str) -> str:
    return hmac.new(token.encode(), raw, hashlib.sha256).hexdigest()


class FakeViberState(FakeState):
    def __init__(self, token: str = DEFAULT_TOKEN):
        self.token = token
        self._tokens = itertools.count(5_741_311_803_571_721_000)
        super().__init__()

    def _reset(self) -> None:
        self.users: dict[str, dict] = {}  # id -> {"user": {...}, "subscribed": bool}
        self.webhook_url = ""
        self.event_types: list[str] = []
        self.check_webhook = False
        self.details_calls: dict[str, int] = {}
        self.last_tracking: dict[str, str] = {}  # receiver -> tracking_data of our last message

    # -- users ---------------------------------------------------------------------------------

    def register_user(self, user_id: str, name: str = "", with_avatar: bool = False,
                      subscribed: bool = True) -> dict:
        with self._lock:
            old = self.users.get(user_id, {}).get("user", {})
            avatar = old.get("avatar")
            if with_avatar and not avatar:
                avatar = self.add_file(make_png(3, 3, (120, 60, 200)), "image/png",
                                       f"avatar_{len(self.users)}.png")
            user = {"id": user_id, "name": name or old.get("name") or "Viber User", "language": "en",
                    "country": "UA", "api_version": 10}
            if avatar:
                user["avatar"] = avatar
            self.users[user_id] = {"user": user, "subscribed": subscribed}
        return user

    def _token(self) -> int:
        with self._lock:
            return next(self._tokens)

    # -- webhook bodies (what Viber POSTs to the bot) -------------------------------------

    def message_event(self, user_id: str, text: str = "", name: str = "", type: str = "text",
                      **fields: Any) -> dict:
        """A "message" callback; the sender becomes subscribed (as in Viber)."""
        user = self.register_user(user_id, name, subscribed=True)
        message: dict[str, Any] = {"type": type, **fields}
        if text or type == "text":
            message["text"] = text
        with self._lock:
            tracking = self.last_tracking.get(user_id)
        if tracking is not None and "tracking_data" not in message:
            message["tracking_data"] = tracking  # Viber returns what our last message carried
        return {"event": "message", "timestamp": int(time.time() * 1000), "chat_hostname": "SN-376_",
                "message_token": self._token(), "sender": dict(user), "message": message, "silent": False}

    def picture_event(self, user_id: str, data: bytes = PNG_BYTES, caption: str = "", name: str = "") -> dict:
        url = self.add_file(data, "image/png")
        return self.message_event(user_id, caption, name, type="picture", media=url,
                                  thumbnail=url, file_name="photo.png", size=len(data))

    def file_event(self, user_id: str, data: bytes = PDF_BYTES, file_name: str = "invoice.pdf",
                   name: str = "") -> dict:
        url = self.add_file(data, "application/pdf")
        return self.message_event(user_id, "", name, type="file", media=url, file_name=file_name,
                                  size=len(data))

    def video_event(self, user_id: str, data: bytes = b"\x00\x00\x00\x18ftypmp42", name: str = "") -> dict:
        url = self.add_file(data, "video/mp4")
        return self.message_event(user_id, "", name, type="video", media=url,
                                  thumbnail=self.add_file(JPEG_BYTES, "image/jpeg"), size=len(data), duration=3)

    def sticker_event(self, user_id: str, name: str = "") -> dict:
        return self.message_event(user_id, "", name, type="sticker", sticker_id=46105,
                                  media=self.add_file(PNG_BYTES, "image/png"))

    def subscribed_event(self, user_id: str, name: str = "") -> dict:
        user = self.register_user(user_id, name, subscribed=True)
        return {"event": "subscribed", "timestamp": int(time.time() * 1000), "chat_hostname": "SN-376_",
                "user": dict(user), "message_token": self._token()}

    def unsubscribed_event(self, user_id: str) -> dict:
        with self._lock:
            if user_id in self.users:
                self.users[user_id]["subscribed"] = False
        return {"event": "unsubscribed", "timestamp": int(time.time() * 1000), "chat_hostname": "SN-376_",
                "user_id": user_id, "message_token": self._token()}

    def conversation_started_event(self, user_id: str, name: str = "", subscribed: bool = False) -> dict:
        user = self.register_user(user_id, name, subscribed=subscribed)
        return {"event": "conversation_started", "timestamp": int(time.time() * 1000),
                "chat_hostname": "SN-376_", "message_token": self._token(), "type": "open",
                "context": "", "user": dict(user), "subscribed": subscribed}

    def status_event(self, event: str, message_token: Any, user_id: str, desc: str = "") -> dict:
        """delivered | seen | failed for one of the bot's messages."""
        body = {"event": event, "timestamp": int(time.time() * 1000), "chat_hostname": "SN-376_",
                "message_token": int(message_token), "user_id": user_id}
        if event == "failed":
            body["desc"] = desc or "failure description"
        return body

    def webhook_event(self) -> dict:
        return {"event": "webhook", "timestamp": int(time.time() * 1000), "chat_hostname": "SN-376_",
                "message_token": self._token()}

    def sign(self, body: dict | bytes) -> tuple[bytes, str]:
        """(raw bytes, X-Viber-Content-Signature) for a callback body."""
        raw = body if isinstance(body, bytes) else json.dumps(body, separators=(",", ":")).encode()
        return raw, sign(raw, self.token)

    def deliver(self, body: dict | bytes) -> httpx.Response:
        """POST the signed body to the registered webhook URL (from the calling thread)."""
        raw, signature = self.sign(body)
        return post_webhook(self.webhook_url, raw, {SIGNATURE_HEADER: signature})

    # -- API methods ----------------------------------------------------------------------

    def send_message(self, p: dict, fetched: tuple[int, bytes, str] | None = None) -> dict:
        """`fetched`: (HTTP status, bytes, content type) of GET media, as Viber fetched it."""
        receiver = str(p.get("receiver") or "")
        sender = p.get("sender") if isinstance(p.get("sender"), dict) else {}
        mtype = p.get("type")
        with self._lock:
            entry = self.users.get(receiver)
            if not receiver or entry is None:
                return _status(5)
            if not entry["subscribed"] or receiver in self.blocked:
                return _status(6)
            if not sender.get("name") or len(str(sender["name"])) > 28:
                return _status(3, "badData: sender name")
            problem = _check_message(p)
            if problem:
                return _status(3, f"badData: {problem}")
            token = next(self._tokens)
            sent: dict[str, Any] = {"receiver": receiver, "text": p.get("text"), "type": mtype,
                                    "sender": sender, "tracking_data": p.get("tracking_data"),
                                    "message_token": token, "keyboard": p.get("keyboard")}
            if mtype in ("picture", "file"):
                status, data, ctype = fetched or (0, b"", "")
                sent.update(media=p["media"], size=p.get("size"), file_name=p.get("file_name"),
                            fetch_status=status, data=data if status == 200 else None,
                            content_type=ctype)
            self.sent.append(sent)
            if p.get("tracking_data") is not None:
                self.last_tracking[receiver] = str(p["tracking_data"])
            else:
                self.last_tracking.pop(receiver, None)
        return {"status": 0, "status_message": "ok", "message_token": token,
                "chat_hostname": "SN-CHAT-05_", "billing_status": 1}

    def press(self, user_id: str, sent: dict, choice_id: str, name: str = "") -> dict:
        """The client taps a reply button of our keyboard: a text message whose text is the
        button's ActionBody (with our last tracking_data, as Viber sends it)."""
        (button,) = [b for b in sent["keyboard"]["Buttons"] if b["ActionBody"] == choice_id]
        return self.message_event(user_id, button["ActionBody"], name)

    def account_info(self, p: dict) -> dict:
        with self._lock:
            return {"status": 0, "status_message": "ok", "id": "pa:75346594275468546724",
                    "name": "Fake Bot", "uri": "fakebot", "icon": "", "background": "",
                    "category": "Entertainment", "subcategory": "Games", "country": "UA",
                    "webhook": self.webhook_url, "event_types": list(self.event_types),
                    "subscribers_count": sum(1 for u in self.users.values() if u["subscribed"]),
                    "members": []}

    def user_details(self, p: dict) -> dict:
        uid = str(p.get("id") or "")
        with self._lock:
            entry = self.users.get(uid)
            if entry is None:
                return _status(5)
            self.details_calls[uid] = self.details_calls.get(uid, 0) + 1
            if self.details_calls[uid] > 1:
                return _status(12)
            user = {**entry["user"], "primary_device_os": "Android 13", "viber_version": "21.0",
                    "mcc": 255, "mnc": 1, "device_type": "Pixel"}
        return {"status": 0, "status_message": "ok", "message_token": next(self._tokens), "user": user}


_PICTURE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif")


def _check_message(p: dict) -> str:
    """What Viber refuses in a send_message body ("" = fine)."""
    mtype = p.get("type")
    if mtype == "text":
        text = str(p.get("text") or "")
        if not text.strip():
            return "text is empty"
        if len(text) > 7000:
            return "text is longer than 7000 characters"
    elif mtype == "picture":
        if "text" not in p or len(str(p["text"] or "")) > 768:
            return "picture text is required (may be empty), at most 768 characters"
        media = str(p.get("media") or "")
        if not media.startswith(("http://", "https://")):
            return "picture media must be a URL"
        if not urlsplit(media).path.lower().endswith(_PICTURE_EXTENSIONS):
            return "picture media URL must end with .jpeg, .png or .gif"
    elif mtype == "file":
        if not str(p.get("media") or "").startswith(("http://", "https://")):
            return "file media must be a URL"
        if not isinstance(p.get("size"), int) or not 0 < p["size"] <= 50 * 1024 * 1024:
            return "file size is required (bytes, at most 50 MB)"
        if not str(p.get("file_name") or "").strip() or len(str(p["file_name"])) > 256:
            return "file_name is required (at most 256 characters)"
    else:
        return f"unsupported type {mtype}"
    if len(str(p.get("tracking_data") or "")) > 4096:
        return "tracking_data is longer than 4096 characters"
    if "keyboard" in p:
        return _check_keyboard(p["keyboard"])
    return ""


def _check_keyboard(keyboard: Any) -> str:
    if not isinstance(keyboard, dict) or keyboard.get("Type") != "keyboard":
        return "keyboard Type must be keyboard"
    buttons = keyboard.get("Buttons")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 24:
        return "keyboard must have 1 to 24 Buttons"
    for b in buttons:
        if not isinstance(b, dict) or b.get("ActionType", "reply") not in ("reply", "open-url", "none"):
            return "keyboard button ActionType"
        if not str(b.get("ActionBody") or "").strip():
            return "keyboard button ActionBody is required"
        if len(str(b.get("Text") or "")) > 250:
            return "keyboard button Text is longer than 250 characters"
        if not 1 <= int(b.get("Columns", 6)) <= 6 or not 1 <= int(b.get("Rows", 1)) <= 2:
            return "keyboard button Columns 1..6, Rows 1..2"
    return ""


def _status(code: int, message: str | None = None) -> dict:
    return {"status": code, "status_message": message or STATUS_NAMES.get(code, "generalError"),
            "chat_hostname": "SN-CHAT-05_"}


def create_app(state: FakeViberState) -> Starlette:
    sync_methods = {"send_message": state.send_message, "get_account_info": state.account_info,
                    "get_user_details": state.user_details}

    async def set_webhook(p: dict) -> dict:
        url = str(p.get("url") or "")
        if url and state.check_webhook:
            raw, signature = state.sign(state.webhook_event())
            try:
                async with httpx.AsyncClient(timeout=5) as client:
                    got = await client.post(url, content=raw, headers={
                        "Content-Type": "application/json", SIGNATURE_HEADER: signature})
                ok = got.status_code == 200
            except httpx.HTTPError:
                ok = False
            if not ok:
                return _status(1, f"Result[HttpRequest[POST {url}]] is not 200")
        types = p.get("event_types")
        with state._lock:
            state.webhook_url = url
            state.event_types = list(types) if isinstance(types, list) and url else []
            return {"status": 0, "status_message": "ok", "chat_hostname": "SN-CHAT-05_",
                    "event_types": list(state.event_types)}

    async def fetch(url: str) -> tuple[int, bytes, str]:
        """Viber downloads the media from the URL it was given (an expired or wrong URL: the
        message is still accepted, the client sees a broken file; `fetch_status` says so)."""
        if not url.startswith(("http://", "https://")):
            return 0, b"", ""
        state.count("media_fetch", {"url": url})
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                got = await client.get(url)
        except httpx.HTTPError:
            return 0, b"", ""
        return got.status_code, got.content, got.headers.get("content-type", "")

    async def api_method(request: Request) -> Response:
        method = request.path_params["method"]
        try:
            params = await request.json()
        except ValueError:
            params = None
        state.count(method, params if isinstance(params, dict) else {"_raw": True})
        if request.headers.get("X-Viber-Auth-Token") != state.token:
            return JSONResponse(_status(2))
        rule = state.take_failure(method)
        if rule:
            if rule["body"] is not None:
                return Response(rule["body"], status_code=rule["status"], media_type="text/html")
            if rule["code"] is not None:
                return JSONResponse(_status(int(rule["code"]), rule["message"]), status_code=rule["status"])
            headers = {"Retry-After": str(rule["retry_after"])} if rule["retry_after"] is not None else {}
            return Response(rule["message"] or "error", status_code=rule["status"], headers=headers)
        if not isinstance(params, dict):
            return JSONResponse(_status(3, "badData: body is not JSON"))
        if method == "set_webhook":
            return JSONResponse(await set_webhook(params))
        if method == "send_message" and params.get("type") in ("picture", "file"):
            return JSONResponse(state.send_message(params, await fetch(str(params.get("media") or ""))))
        if method not in sync_methods:
            return JSONResponse(_status(1, "invalidUrl: unknown method"))
        return JSONResponse(sync_methods[method](params))

    async def ctl_user_message(request: Request) -> Response:
        """Build a message (or any event via "event") and POST it, signed, to the webhook."""
        b = await request.json()
        builders = {"message": lambda: state.message_event(str(b["user_id"]), b.get("text", ""), b.get("name", "")),
                    "subscribed": lambda: state.subscribed_event(str(b["user_id"]), b.get("name", "")),
                    "unsubscribed": lambda: state.unsubscribed_event(str(b["user_id"])),
                    "conversation_started": lambda: state.conversation_started_event(
                        str(b["user_id"]), b.get("name", ""), bool(b.get("subscribed")))}
        body = builders[b.get("event", "message")]()
        raw, signature = state.sign(body)
        async with httpx.AsyncClient(timeout=10) as client:
            got = await client.post(state.webhook_url, content=raw, headers={
                "Content-Type": "application/json", SIGNATURE_HEADER: signature})
        return JSONResponse({"ok": True, "body": body, "webhook_status": got.status_code})

    async def ctl_check_webhook(request: Request) -> Response:
        state.check_webhook = bool((await request.json()).get("on", True))
        return JSONResponse({"ok": True})

    return Starlette(routes=[
        Route("/pa/{method}", api_method, methods=["POST"]),
        Route("/_fake/user_message", ctl_user_message, methods=["POST"]),
        Route("/_fake/check_webhook", ctl_check_webhook, methods=["POST"]),
        *common_routes(state),
    ])


class FakeViberServer(FakeServer):
    name = "viber"
    api_path = "/pa"  # the base_url for ViberChannel: api_url

    def __init__(self, token: str = DEFAULT_TOKEN, host: str = "127.0.0.1", port: int = 0):
        self.token = token
        super().__init__(FakeViberState(token), create_app, host, port)


def main(argv: list[str] | None = None) -> None:
    def add_args(parser):
        parser.add_argument("--token", default=DEFAULT_TOKEN)

    run_cli("Viber", lambda a: FakeViberState(a.token), create_app, 8083, add_args, argv)


if __name__ == "__main__":
    main()
