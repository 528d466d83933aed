"""A local fake of the VK API for community bots (API 5.199) + the Bots Long Poll server.

In a test:
    with FakeVkServer(token="vk1.a.TEST", group_id=100200) as fake:
        base_url = f"{fake.url}/method"                 # VkChannel(base_url=...)
        fake.state.queue_user_message(42, text="hi", first_name="Ann")
        fake.state.sent                                 # what the bot sent
        fake.state.add_failure("messages.send", code=6) # VK error 6 (HTTP 200, {"error": ...})
        fake.state.lp_fail(2)                           # next a_check answers {"failed": 2}

Methods: groups.getLongPollServer, groups.getById, messages.send (attachment, keyboard checked
like VK: unknown attachments and bad keyboards are refused), users.get,
photos.getMessagesUploadServer / photos.saveMessagesPhoto, docs.getMessagesUploadServer /
docs.save. The upload_url points at /upload/<photo|doc>?ticket=… (one-time ticket, multipart
field "photo" or "file", JSON answered as text/html, errors in the body; failure key
"upload.photo" / "upload.doc"); `uploads` records what it received, `sent[i]["files"]` the
files a message carried. `press(user_id, sent, choice_id)` queues the button press.
Long poll: GET /lp/<group_id>?act=a_check&key=&ts=&wait= (a wrong key → failed 2, a ts older
than the kept history → failed 1 with the current ts). Attachment helpers register files
served at /files/<name>. Control endpoints: /_fake/user_message, /_fake/raw_event,
/_fake/lp_fail plus the common ones in tests/fakes/base.py.

As a process: python -m tests.fakes.vk_server --port 8082 --token vk1.a.TEST --group-id 100200
"""

from __future__ import annotations

import itertools
import json
import secrets
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.base import (
    JPEG_BYTES,
    OGG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    FakeServer,
    FakeState,
    common_routes,
    make_png,
    request_params,
    run_cli,
)

DEFAULT_TOKEN = "vk1.a.FAKE-community-token-0123456789"
DEFAULT_GROUP_ID = 100200
API_VERSION = "5.199"
DEFAULT_AVATAR = "https://vk.com/images/camera_200.png"
_MESSAGES = {
    5: "User authorization failed: invalid access_token (4).",
    6: "Too many requests per second",
    7: "Permission to perform this action is denied",
    10: "Internal server error",
    15: "Access denied: no access to this group",
    100: "One of the parameters specified was missing or invalid",
    113: "Invalid user id",
    901: "Can't send messages for users without permission",
    902: "Can't send messages to this user due to their privacy settings",
}


class VkApiError(Exception):
    def __init__(self, code: int, message: str | None = None):
        super().__init__(message or _MESSAGES.get(code, "Unknown error occurred"))
        self.code, self.message = code, message or _MESSAGES.get(code, "Unknown error occurred")


class FakeVkState(FakeState):
    def __init__(self, token: str = DEFAULT_TOKEN, group_id: int = DEFAULT_GROUP_ID):
        self.token = token
        self.group_id = int(group_id)
        self._ids = itertools.count(1)
        super().__init__()

    def _reset(self) -> None:
        self.events: list[tuple[int, dict]] = []  # (ts number, update)
        self.next_ts = 1
        self.history_start = 1
        self.key = secrets.token_hex(20)
        self.users: dict[int, dict] = {}
        self.allowed: set[int] = set()  # users who may get community messages (they wrote)
        self.cmids: dict[int, int] = {}
        self.next_message_id = 500
        self.random_ids: dict[tuple[int, int], int] = {}
        self.lp_failures: list[int] = []
        self.tickets: dict[str, dict] = {}  # upload ticket -> {"kind", "peer_id"}
        self.uploaded: dict[str, dict] = {}  # what an upload server returned, until saved
        self.saved: dict[str, dict] = {}  # "photo<owner>_<id>" / "doc<owner>_<id>" -> the file
        self.uploads: list[dict] = []  # every POST to an upload server: field, name, type, data

    # -- users and inbound events -----------------------------------------------------------

    def register_user(self, user_id: int, first_name: str = "", last_name: str = "",
                      screen_name: str = "", with_photo: bool = False) -> dict:
        with self._lock:
            old = self.users.get(int(user_id), {})
            photo = old.get("photo_200") if old.get("photo_200") != DEFAULT_AVATAR else None
            if with_photo and not photo:
                photo = self.add_file(make_png(4, 4, (20, 90, 200)), "image/png", f"avatar_{user_id}.png")
            user = {"id": int(user_id), "first_name": first_name or old.get("first_name") or "User",
                    "last_name": last_name or old.get("last_name") or "",
                    "screen_name": screen_name or old.get("screen_name") or f"id{user_id}",
                    "can_access_closed": True, "is_closed": False,
                    "photo_200": photo or DEFAULT_AVATAR}
            self.users[int(user_id)] = user
        return user

    def allow(self, user_id: int) -> None:
        with self._lock:
            self.allowed.add(int(user_id))

    def queue_event(self, event_type: str, obj: dict) -> int:
        """Any Bots Long Poll event; returns its ts number."""
        with self._lock:
            ts = self.next_ts
            self.next_ts += 1
            self.events.append((ts, {"group_id": self.group_id, "type": event_type,
                                     "event_id": secrets.token_hex(20), "v": API_VERSION,
                                     "object": obj}))
        self.notify()
        return ts

    def queue_user_message(self, user_id: int, text: str = "", first_name: str = "",
                           last_name: str = "", attachments: list[dict] | None = None,
                           with_photo: bool = False, date: int | None = None) -> dict:
        """A private message from a user (message_new); returns the message object."""
        self.register_user(user_id, first_name, last_name, with_photo=with_photo)
        with self._lock:
            self.allowed.add(int(user_id))
            message = self._message(int(user_id), int(user_id), text, attachments or [], out=0,
                                    date=date)
        self.queue_event("message_new", {"message": message, "client_info": {
            "button_actions": ["text", "vkpay", "open_app", "location", "open_link", "callback"],
            "keyboard": True, "inline_keyboard": True, "carousel": True, "lang_id": 0}})
        return message

    def _message(self, peer_id: int, from_id: int, text: str, attachments: list, out: int,
                 date: int | None = None) -> dict:
        self.cmids[peer_id] = self.cmids.get(peer_id, 0) + 1
        self.next_message_id += 1
        return {"date": int(date if date is not None else time.time()), "from_id": from_id,
                "id": self.next_message_id, "out": out, "version": self.next_message_id,
                "attachments": attachments, "conversation_message_id": self.cmids[peer_id],
                "fwd_messages": [], "important": False, "is_hidden": False, "peer_id": peer_id,
                "random_id": 0, "text": text}

    # -- attachment builders (files are served by the fake) ----------------------------------

    def photo_attachment(self, small: bytes = JPEG_BYTES, big: bytes = PNG_BYTES) -> dict:
        n = next(self._ids)
        return {"type": "photo", "photo": {
            "album_id": -3, "date": int(time.time()), "id": 457239000 + n, "owner_id": 42,
            "access_key": secrets.token_hex(8), "has_tags": False, "sizes": [
                {"height": 75, "width": 75, "type": "s", "url": self.add_file(small, "image/jpeg", f"p{n}_s.jpg")},
                {"height": 807, "width": 1080, "type": "w", "url": self.add_file(big, "image/png", f"p{n}_w.png")},
                {"height": 453, "width": 604, "type": "x", "url": self.add_file(small, "image/jpeg", f"p{n}_x.jpg")},
            ], "text": ""}}

    def doc_attachment(self, title: str = "report.pdf", data: bytes = PDF_BYTES, ext: str = "pdf",
                       content_type: str = "application/pdf") -> dict:
        n = next(self._ids)
        return {"type": "doc", "doc": {
            "id": 670000000 + n, "owner_id": 42, "title": title, "size": len(data), "ext": ext,
            "date": int(time.time()), "type": 1, "url": self.add_file(data, content_type, f"d{n}.{ext}"),
            "access_key": secrets.token_hex(8)}}

    def voice_attachment(self, data: bytes = OGG_BYTES, duration: int = 3) -> dict:
        n = next(self._ids)
        return {"type": "audio_message", "audio_message": {
            "id": 680000000 + n, "owner_id": 42, "duration": duration, "waveform": [0, 5, 9, 3],
            "link_ogg": self.add_file(data, "audio/ogg", f"v{n}.ogg"),
            "link_mp3": self.add_file(data, "audio/mpeg", f"v{n}.mp3"),
            "access_key": secrets.token_hex(8)}}

    def sticker_attachment(self, data: bytes = PNG_BYTES) -> dict:
        n = next(self._ids)
        return {"type": "sticker", "sticker": {
            "product_id": 279, "sticker_id": 9000 + n, "images": [
                {"url": self.add_file(JPEG_BYTES, "image/jpeg", f"s{n}_64.jpg"), "width": 64, "height": 64},
                {"url": self.add_file(data, "image/png", f"s{n}_256.png"), "width": 256, "height": 256}],
            "images_with_background": []}}

    def video_attachment(self, title: str = "clip") -> dict:
        n = next(self._ids)
        return {"type": "video", "video": {
            "id": 456239000 + n, "owner_id": 42, "title": title, "duration": 12,
            "access_key": secrets.token_hex(8), "image": [], "type": "video"}}

    # -- long poll controls -----------------------------------------------------------------

    def lp_fail(self, failed: int, times: int = 1) -> None:
        """The next a_check answers {"failed": n} (with the current ts for n == 1)."""
        with self._lock:
            self.lp_failures.extend([int(failed)] * times)

    def expire_key(self) -> None:
        with self._lock:
            self.key = secrets.token_hex(20)

    def drop_history(self) -> None:
        """Forget every event so far: an older ts gets failed=1."""
        with self._lock:
            self.events.clear()
            self.history_start = self.next_ts

    async def a_check(self, params: dict) -> dict:
        with self._lock:
            if self.lp_failures:
                failed = self.lp_failures.pop(0)
                return {"failed": failed, "ts": str(self.next_ts)} if failed == 1 else {"failed": failed}
            if params.get("key") != self.key:
                return {"failed": 2}
            try:
                ts = int(params.get("ts"))
            except (TypeError, ValueError):
                return {"failed": 1, "ts": str(self.next_ts)}
            if ts < self.history_start or ts > self.next_ts:
                return {"failed": 1, "ts": str(self.next_ts)}
        try:
            wait = max(0, min(int(params.get("wait") or 0), 90))
        except ValueError:
            wait = 0
        ready = await self.wait_until(lambda: [u for n, u in self.events if n >= ts], wait)
        with self._lock:
            return {"ts": str(self.next_ts if ready else max(ts, self.history_start)),
                    "updates": list(ready or [])}

    # -- API methods ---------------------------------------------------------------------------

    def get_long_poll_server(self, p: dict) -> dict:
        if str(p.get("group_id") or "") == "":
            raise VkApiError(100, "One of the parameters specified was missing or invalid: group_id is undefined")
        if str(p["group_id"]).lstrip("-") != str(self.group_id):
            raise VkApiError(15)
        with self._lock:
            return {"key": self.key, "server": f"{self.base_url}/lp/{self.group_id}", "ts": str(self.next_ts)}

    def get_by_id(self, p: dict) -> dict:
        return {"groups": [{"id": self.group_id, "name": "Fake Community", "screen_name": f"club{self.group_id}",
                            "is_closed": 0, "type": "group", "photo_200": DEFAULT_AVATAR}], "profiles": []}

    def send_message(self, p: dict) -> int:
        try:
            peer_id = int(p.get("peer_id") or p.get("user_id"))
        except (TypeError, ValueError):
            raise VkApiError(100, "One of the parameters specified was missing or invalid: peer_id is undefined") from None
        if p.get("random_id") in (None, ""):
            raise VkApiError(100, "One of the parameters specified was missing or invalid: random_id is a required parameter")
        random_id = int(p["random_id"])
        text = str(p.get("message") or "")
        refs = [a.strip() for a in str(p.get("attachment") or "").split(",") if a.strip()]
        keyboard = _check_keyboard(p["keyboard"]) if p.get("keyboard") else None
        with self._lock:
            if random_id and (peer_id, random_id) in self.random_ids:
                return self.random_ids[(peer_id, random_id)]  # VK: the same random_id is sent once
            if str(peer_id) in self.blocked or peer_id not in self.allowed:
                raise VkApiError(901)
            if not text.strip() and not refs:
                raise VkApiError(100, "One of the parameters specified was missing or invalid: message is empty or invalid")
            if len(refs) > 10:
                raise VkApiError(100, "One of the parameters specified was missing or invalid: too many attachments")
            files = []
            for ref in refs:
                key = "_".join(ref.split("_")[:2])  # the access key is optional
                if key not in self.saved:
                    raise VkApiError(100, f"One of the parameters specified was missing or invalid: attachment {ref} not found")
                files.append(dict(self.saved[key]))
            message = self._message(peer_id, -self.group_id, text, [], out=1)
            if random_id:
                self.random_ids[(peer_id, random_id)] = message["id"]
            self.sent.append({"peer_id": peer_id, "message": text, "random_id": random_id,
                              "id": message["id"], "conversation_message_id": message["conversation_message_id"],
                              "attachment": refs, "files": files, "keyboard": keyboard})
        return message["id"]

    # -- uploads: get an upload server, POST the file there, save what it answered ---------

    def _upload_server(self, kind: str, p: dict) -> dict:
        try:
            peer_id = int(p.get("peer_id") or 0)
        except ValueError:
            raise VkApiError(100, "One of the parameters specified was missing or invalid: peer_id") from None
        if not peer_id:
            raise VkApiError(100, "One of the parameters specified was missing or invalid: peer_id is undefined")
        ticket = secrets.token_hex(12)
        with self._lock:
            self.tickets[ticket] = {"kind": kind, "peer_id": peer_id}
        # the upload server lives elsewhere (pu.vk.com): another path, a one-time ticket
        return {"upload_url": f"{self.base_url}/upload/{kind}?act=do_add&gid={self.group_id}&ticket={ticket}",
                **({"album_id": -64, "user_id": 0, "group_id": self.group_id} if kind == "photo" else {})}

    def photos_upload_server(self, p: dict) -> dict:
        return self._upload_server("photo", p)

    def docs_upload_server(self, p: dict) -> dict:
        if p.get("type", "doc") not in ("doc", "audio_message", "graffiti"):
            raise VkApiError(100, "One of the parameters specified was missing or invalid: type")
        return self._upload_server("doc", p)

    def receive_upload(self, ticket: str, kind: str, field: str, name: str, content_type: str,
                       data: bytes) -> dict:
        """What an upload server answers (HTTP 200 either way, errors in the body)."""
        with self._lock:
            issued = self.tickets.pop(ticket, None)
            if issued is None or issued["kind"] != kind:
                return {"error": "ERR_UPLOAD_BAD_SIGNATURE: wrong ticket"}
            expected = "photo" if kind == "photo" else "file"
            if field != expected or not data:
                return {"error": "ERR_UPLOAD_FILE_NOT_UPLOADED: no file"} if kind == "doc" else \
                    {"server": 1, "photo": "[]", "hash": secrets.token_hex(16)}
            if kind == "photo" and not data.startswith((b"\xff\xd8\xff", b"\x89PNG", b"GIF8")):
                return {"server": 1, "photo": "[]", "hash": secrets.token_hex(16)}  # VK: not a picture
            token = secrets.token_hex(10)
            self.uploaded[token] = {"kind": kind, "name": name, "content_type": content_type,
                                    "data": bytes(data), "peer_id": issued["peer_id"]}
            self.uploads.append({"kind": kind, "field": field, "file_name": name,
                                 "content_type": content_type, "data": bytes(data)})
        if kind == "photo":  # the photo field is a JSON string of its own, as VK sends it
            photo = json.dumps([{"markers_restarted": True, "photo": token, "sizes": [],
                                 "latitude": 0, "longitude": 0, "kid": secrets.token_hex(8)}])
            return {"server": 621131, "photo": photo, "hash": secrets.token_hex(16)}
        return {"file": f"{issued['peer_id']}|0|0|{token}|{secrets.token_hex(8)}"}

    def _take_upload(self, kind: str, token: str) -> dict:
        with self._lock:
            entry = self.uploaded.pop(token, None)
        if entry is None or entry["kind"] != kind:
            raise VkApiError(121 if kind == "photo" else 1150, "Invalid hash" if kind == "photo"
                             else "Invalid document id")
        return entry

    def _store(self, kind: str, entry: dict, title: str = "") -> dict:
        n = next(self._ids)
        item_id, owner = (457240000 if kind == "photo" else 670100000) + n, -self.group_id
        with self._lock:
            self.saved[f"{kind}{owner}_{item_id}"] = {
                "kind": kind, "file_name": title or entry["name"], "content_type": entry["content_type"],
                "data": entry["data"]}
        return {"id": item_id, "owner_id": owner, "access_key": secrets.token_hex(8)}

    def photos_save(self, p: dict) -> list[dict]:
        try:
            token = json.loads(str(p.get("photo") or ""))[0]["photo"]
        except (ValueError, LookupError, TypeError):
            raise VkApiError(100, "One of the parameters specified was missing or invalid: photo") from None
        if not p.get("hash") or not p.get("server"):
            raise VkApiError(100, "One of the parameters specified was missing or invalid: hash")
        item = self._store("photo", self._take_upload("photo", token))
        return [{**item, "album_id": -64, "date": int(time.time()), "sizes": [], "text": "",
                 "has_tags": False}]

    def docs_save(self, p: dict) -> dict:
        parts = str(p.get("file") or "").split("|")
        if len(parts) != 5:
            raise VkApiError(1150, "Invalid document id")
        entry = self._take_upload("doc", parts[3])
        title = str(p.get("title") or entry["name"])
        item = self._store("doc", entry, title)
        return {"type": "doc", "doc": {**item, "title": title, "size": len(entry["data"]),
                                       "ext": title.rsplit(".", 1)[-1] if "." in title else "",
                                       "date": int(time.time()), "type": 1, "url": ""}}

    def press(self, user_id: int, sent: dict, choice_id: str) -> dict:
        """The user presses a keyboard button of one of the bot's messages: a message_new with
        the label as text and the button's payload (what VK sends)."""
        buttons = [b["action"] for row in sent["keyboard"]["buttons"] for b in row]
        (action,) = [a for a in buttons if json.loads(a["payload"]).get("choice") == choice_id]
        with self._lock:
            message = self._message(int(user_id), int(user_id), action["label"], [], out=0)
        message["payload"] = action["payload"]
        self.queue_event("message_new", {"message": message, "client_info": {
            "button_actions": ["text"], "keyboard": True, "inline_keyboard": True, "lang_id": 0}})
        return message

    def users_get(self, p: dict) -> list[dict]:
        out = []
        for raw in str(p.get("user_ids") or "").split(","):
            raw = raw.strip()
            if not raw:
                continue
            with self._lock:
                user = self.users.get(int(raw)) if raw.lstrip("-").isdigit() else None
            if user is None:
                raise VkApiError(113)
            fields = set(str(p.get("fields") or "").split(","))
            out.append({k: v for k, v in user.items() if k not in ("photo_200", "screen_name") or k in fields})
        return out


def _check_keyboard(raw: str) -> dict:
    """messages.send's keyboard as VK checks it: JSON; an inline one ≤ 10 buttons in ≤ 6 rows
    (≤ 5 a row), text buttons with a label ≤ 40 and a JSON payload ≤ 255 bytes."""
    try:
        keyboard = json.loads(raw)
    except ValueError:
        raise VkApiError(911, "Keyboard format is invalid: not JSON") from None
    rows = keyboard.get("buttons") if isinstance(keyboard, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise VkApiError(911, "Keyboard format is invalid: buttons")
    buttons = [b for r in rows for b in r]
    inline = bool(keyboard.get("inline"))
    if (len(buttons) > (10 if inline else 40) or len(rows) > (6 if inline else 10)
            or any(len(r) > 5 for r in rows)):
        raise VkApiError(912, "This is a chat bot feature, change this status in settings: too many buttons")
    for b in buttons:
        action = b.get("action") if isinstance(b, dict) else None
        if not isinstance(action, dict) or action.get("type") != "text":
            raise VkApiError(911, "Keyboard format is invalid: action")
        if not str(action.get("label") or "").strip() or len(str(action["label"])) > 40:
            raise VkApiError(911, "Keyboard format is invalid: label must be 1..40 characters")
        payload = str(action.get("payload") or "")
        if len(payload.encode()) > 255:
            raise VkApiError(911, "Keyboard format is invalid: payload is longer than 255 bytes")
        if payload:
            try:
                json.loads(payload)
            except ValueError:
                raise VkApiError(911, "Keyboard format is invalid: payload is not JSON") from None
    return keyboard


def create_app(state: FakeVkState) -> Starlette:
    methods = {
        "groups.getLongPollServer": state.get_long_poll_server,
        "groups.getById": state.get_by_id,
        "messages.send": state.send_message,
        "users.get": state.users_get,
        "photos.getMessagesUploadServer": state.photos_upload_server,
        "photos.saveMessagesPhoto": state.photos_save,
        "docs.getMessagesUploadServer": state.docs_upload_server,
        "docs.save": state.docs_save,
    }

    def error(code: int, message: str, params: dict) -> JSONResponse:
        shown = [{"key": k, "value": str(v)} for k, v in params.items() if k != "access_token"]
        return JSONResponse({"error": {"error_code": code, "error_msg": message, "request_params": shown}})

    async def api_method(request: Request) -> Response:
        method = request.path_params["method"]
        params = await request_params(request)
        state.count(method, {k: v for k, v in params.items() if k != "access_token"})
        if params.get("access_token") != state.token:
            return error(5, _MESSAGES[5], params)
        rule = state.take_failure(method)
        if rule:
            if rule["body"] is not None:
                return Response(rule["body"], status_code=rule["status"], media_type="text/html")
            if rule["code"] is not None:
                return error(int(rule["code"]), rule["message"] or _MESSAGES.get(int(rule["code"]), "Error"), params)
            headers = {"Retry-After": str(rule["retry_after"])} if rule["retry_after"] is not None else {}
            return Response(rule["message"] or "error", status_code=rule["status"], headers=headers)
        if method not in methods:
            return error(3, "Unknown method passed", params)
        if not params.get("v"):
            return error(8, "Invalid request: v (version) is required", params)
        try:
            result = methods[method](params)
        except VkApiError as exc:
            return error(exc.code, exc.message, params)
        return JSONResponse({"response": result})

    async def long_poll(request: Request) -> Response:
        params = dict(request.query_params)
        state.count("a_check", params)
        rule = state.take_failure("a_check")
        if rule:
            if rule["body"] is not None:
                return Response(rule["body"], status_code=rule["status"], media_type="text/html")
            return Response(rule["message"] or "error", status_code=rule["status"])
        if request.path_params["group_id"] != str(state.group_id) or params.get("act") != "a_check":
            return JSONResponse({"failed": 2})
        return JSONResponse(await state.a_check(params))

    async def upload(request: Request) -> Response:
        """The upload server: multipart in, JSON out (served as text/html, like pu.vk.com)."""
        kind = request.path_params["kind"]
        form = await request.form()
        state.count(f"upload.{kind}", {k: (v if isinstance(v, str) else getattr(v, "filename", ""))
                                       for k, v in form.items()})
        rule = state.take_failure(f"upload.{kind}")
        if rule:
            headers = {"Retry-After": str(rule["retry_after"])} if rule["retry_after"] is not None else {}
            return Response(rule["body"] or rule["message"] or "error", status_code=rule["status"],
                            headers=headers, media_type="text/html")
        parts = [(k, v) for k, v in form.multi_items() if hasattr(v, "read")]
        field, part = parts[0] if parts else ("", None)
        data = await part.read() if part is not None else b""
        answer = state.receive_upload(request.query_params.get("ticket", ""), kind, field,
                                      getattr(part, "filename", "") or "",
                                      (getattr(part, "content_type", "") or ""), data)
        return Response(json.dumps(answer), media_type="text/html; charset=utf-8")

    async def ctl_user_message(request: Request) -> Response:
        b = await request.json()
        msg = state.queue_user_message(int(b["user_id"]), b.get("text", ""), b.get("first_name", ""),
                                       b.get("last_name", ""), b.get("attachments"), bool(b.get("with_photo")))
        return JSONResponse({"ok": True, "message": msg})

    async def ctl_raw_event(request: Request) -> Response:
        b = await request.json()
        return JSONResponse({"ok": True, "ts": state.queue_event(b["type"], b["object"])})

    async def ctl_lp_fail(request: Request) -> Response:
        b = await request.json()
        state.lp_fail(int(b["failed"]), int(b.get("times", 1)))
        return JSONResponse({"ok": True})

    return Starlette(routes=[
        Route("/method/{method}", api_method, methods=["GET", "POST"]),
        Route("/lp/{group_id}", long_poll, methods=["GET", "POST"]),
        Route("/upload/{kind}", upload, methods=["POST"]),
        Route("/_fake/user_message", ctl_user_message, methods=["POST"]),
        Route("/_fake/raw_event", ctl_raw_event, methods=["POST"]),
        Route("/_fake/lp_fail", ctl_lp_fail, methods=["POST"]),
        *common_routes(state),
    ])


class FakeVkServer(FakeServer):
    name = "vk"
    api_path = "/method"  # the base_url for VkChannel: api_url

    def __init__(self, token: str = DEFAULT_TOKEN, group_id: int = DEFAULT_GROUP_ID,
                 host: str = "127.0.0.1", port: int = 0):
        self.token, self.group_id = token, group_id
        super().__init__(FakeVkState(token, group_id), create_app, host, port)


def main(argv: list[str] | None = None) -> None:
    def add_args(parser):
        parser.add_argument("--token", default=DEFAULT_TOKEN)
        parser.add_argument("--group-id", type=int, default=DEFAULT_GROUP_ID)

    run_cli("VK", lambda a: FakeVkState(a.token, a.group_id), create_app, 8082, add_args, argv)


if __name__ == "__main__":
    main()
