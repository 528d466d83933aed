"""A local fake of the Telegram Bot API that speaks the real JSON shapes.

In a test:
    with FakeTelegramServer(token="123:TEST") as fake:
        fake.url                      # "http://127.0.0.1:<port>"  (use as base_url)
        fake.state.queue_user_message(user_id=42, first_name="Ann", text="hi")
        fake.state.sent               # what the bot sent

As a process:
    python -m tests.fakes.telegram_server --port 8081 --token 123:TEST

Sending files: sendPhoto, sendDocument, sendVoice, sendAudio, sendVideo take a multipart
upload; `sent` records method, caption, file_name, file_size, mime_type and sha256.

Buttons: `sent` records each message's reply_markup (None without one); an inline keyboard
is checked like the real API (callback_data 1-64 bytes, a text on every button).
`state.press_button(user_id, message_id, data)` queues the `callback_query` update a press
makes (the message with its keyboard inside); answerCallbackQuery calls land in `answered`
(an unknown or already answered query id gets the real API's 400).

Control endpoints (JSON) under /_fake/: user_message, raw_update, press, answered, fail,
block, plus reset, sent, stats, requests shared with every fake (tests/fakes/base.py).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import threading
import time
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile as StarletteUploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.base import RequestLog, control_routes, request_params
from tests.fakes.media import PNG_BYTES, make_png  # noqa: F401  (tests import them from here too)
from tests.fakes.runner import FailureRules, ThreadedServer

DEFAULT_TOKEN = "123456:TEST-TOKEN"
# Bot API methods that upload a file, and the form field that carries it
MEDIA_METHODS = {"sendPhoto": "photo", "sendDocument": "document", "sendVoice": "voice",
                 "sendAudio": "audio", "sendVideo": "video"}


_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


class FakeTelegramState(FailureRules, RequestLog):
    """All fake state, behind one lock: the server loop and test threads both touch it."""

    def __init__(self, token: str = DEFAULT_TOKEN):
        self.token = token
        self.bot_id = int(token.split(":")[0]) if token.split(":")[0].isdigit() else 1
        self._lock = threading.RLock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self.closing = False  # set on shutdown: pending long polls return at once
        self.answer_at_once = False  # getUpdates ignores its timeout (no long polling)
        self.send_delay = 0.0  # seconds every send* call hangs before answering
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.updates: list[dict] = []
            self.next_update_id = 1000
            self.users: dict[int, dict] = {}  # user_id -> {"user": User, "photo": bool}
            self.msg_counters: dict[int, int] = {}
            self.sent: list[dict] = []
            self.failures: dict[str, list[dict]] = {}
            self.blocked: set[int] = set()
            self.stats: dict[str, int] = {}
            self.requests: list[dict] = []
            self.files: dict[str, str] = {}  # file_id -> file_path
            self.file_bytes: dict[str, tuple[bytes, str]] = {}  # file_path -> (data, type); else PNG_BYTES
            self.messages: dict[tuple[int, int], dict] = {}  # (chat, message id) -> bot message
            self.callbacks: dict[str, dict] = {}  # open callback queries by id
            self.answered: list[dict] = []  # answerCallbackQuery params, in order
            self.next_callback = 1

    # -- queueing -----------------------------------------------------------------

    def bot_user(self) -> dict:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Fake Bot", "username": "fake_bot"}

    def register_user(self, user_id: int, first_name: str = "", last_name: str = "",
                      username: str = "", with_photo: bool = False) -> dict:
        user = {"id": int(user_id), "is_bot": False, "first_name": first_name or "User"}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        user["language_code"] = "en"
        with self._lock:
            had_photo = self.users.get(int(user_id), {}).get("photo", False)
            self.users[int(user_id)] = {"user": user, "photo": with_photo or had_photo}
        return user

    def _next_message_id(self, chat_id: int) -> int:
        with self._lock:
            self.msg_counters[chat_id] = self.msg_counters.get(chat_id, 0) + 1
            return self.msg_counters[chat_id]

    def queue_update(self, update: dict) -> int:
        """Queue any update dict (gets the next update_id) and wake long polls."""
        with self._lock:
            update = {"update_id": self.next_update_id, **{k: v for k, v in update.items() if k != "update_id"}}
            self.next_update_id += 1
            self.updates.append(update)
            waiters = list(self._waiters)
        self._wake(waiters)
        return update["update_id"]

    def queue_user_message(self, user_id: int, first_name: str = "", last_name: str = "",
                           username: str = "", text: str = "", with_photo: bool = False,
                           phone: str | None = None) -> list[int]:
        """A private-chat message from a user (text, and/or a shared own contact)."""
        user = self.register_user(user_id, first_name, last_name, username, with_photo)
        chat = _private_chat(user["id"], user)
        bodies: list[dict] = []
        if text or not phone:
            bodies.append({"text": text})
        if phone:
            contact = {"phone_number": phone, "first_name": user["first_name"], "user_id": user["id"]}
            bodies.append({"contact": contact})
        ids = []
        for body in bodies:
            message = {"message_id": self._next_message_id(user["id"]), "from": user, "chat": chat,
                       "date": int(time.time()), **body}
            ids.append(self.queue_update({"message": message}))
        return ids

    def press_button(self, user_id: int, message_id: int, data: str | None = None,
                     index: int = 0) -> int:
        """The client presses a button under one of the bot's messages: the button whose
        callback_data is `data` (or the index-th one; `data` may also be one the keyboard
        does not have, as an old client would send). Queues a callback_query update."""
        with self._lock:
            message = self.messages.get((int(user_id), int(message_id)))
            if message is None:
                raise KeyError(f"no bot message {message_id} in chat {user_id}")
            buttons = [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
                       for b in row]
            if data is None:
                data = buttons[index]["callback_data"]
            query_id = f"{self.bot_id}{self.next_callback:06d}"
            self.next_callback += 1
            user = self.users[int(user_id)]["user"]
            query = {"id": query_id, "from": user, "message": message,
                     "chat_instance": f"ci{user_id}", "data": data}
            self.callbacks[query_id] = query
        self.queue_update({"callback_query": query})
        return int(query_id)

    def answer_callback(self, params: dict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        with self._lock:
            if query_id not in self.callbacks:
                raise ApiError(400, "Bad Request: query is too old and response timeout expired "
                                    "or query ID is invalid")
            del self.callbacks[query_id]
            self.answered.append(dict(params))
        return True

    def _wake(self, waiters: list) -> None:
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # loop already closed
                pass

    def wake_all(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        self._wake(waiters)

    # -- failure injection ----------------------------------------------------------

    def add_failure(self, method: str, status: int, times: int = 1, retry_after: int | None = None,
                    description: str | None = None, body: str | None = None) -> None:
        rule = {"status": int(status), "times": int(times), "retry_after": retry_after,
                "description": description, "body": body}
        self._add_rule(method, rule)

    def block(self, user_id: int) -> None:
        with self._lock:
            self.blocked.add(int(user_id))

    # -- Bot API methods -------------------------------------------------------------

    async def get_updates(self, params: dict) -> list[dict]:
        offset = _int(params.get("offset"))
        limit = max(1, min(_int(params.get("limit")) or 100, 100))
        timeout = max(0, min(_int(params.get("timeout")) or 0, 60))
        if self.answer_at_once:  # a Bot API server or proxy that does not long-poll
            timeout = 0
        loop, event = asyncio.get_running_loop(), asyncio.Event()
        with self._lock:
            self._waiters.add((loop, event))
        try:
            deadline = loop.time() + timeout
            while True:
                with self._lock:
                    if offset is not None and offset < 0:
                        self.updates = self.updates[offset:]
                    elif offset is not None:  # confirming: drop everything before offset
                        self.updates = [u for u in self.updates if u["update_id"] >= offset]
                    ready = self.updates[:limit]
                    event.clear()
                remaining = deadline - loop.time()
                if ready or remaining <= 0:
                    return ready
                try:
                    await asyncio.wait_for(event.wait(), remaining)
                except asyncio.TimeoutError:
                    pass
                if self.closing:
                    return []
        finally:
            with self._lock:
                self._waiters.discard((loop, event))

    def _check_reachable(self, chat_id: int | None) -> None:
        """The Bot API's error for a chat the bot cannot write to (call under the lock)."""
        if chat_id is None or chat_id not in self.users:
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    def send_message(self, params: dict) -> dict:
        chat_id = _int(params.get("chat_id"))
        text = str(params.get("text") or "")
        markup = _check_markup(params.get("reply_markup"))
        with self._lock:
            self._check_reachable(chat_id)
            if not text.strip():
                raise ApiError(400, "Bad Request: message text is empty")
            if len(text) > 4096:
                raise ApiError(400, "Bad Request: message is too long")
            user = self.users[chat_id]["user"]
            message = {
                "message_id": self._next_message_id(chat_id),
                "from": self.bot_user(),
                "chat": _private_chat(chat_id, user),
                "date": int(time.time()),
                "text": text,
            }
            if markup:
                message["reply_markup"] = markup
            self.messages[(chat_id, message["message_id"])] = message
            self.sent.append({"chat_id": chat_id, "text": text, "message_id": message["message_id"],
                              "date": message["date"], "reply_markup": markup})
        return message

    def send_media(self, method: str, params: dict) -> dict:
        """sendPhoto / sendDocument / sendVoice / sendAudio / sendVideo with a multipart
        upload. `sent` records the file's name, size, type and sha256 (and method, caption)."""
        field = MEDIA_METHODS[method]
        chat_id = _int(params.get("chat_id"))
        caption = str(params.get("caption") or "")
        upload = params.get(field)
        markup = _check_markup(params.get("reply_markup"))
        with self._lock:
            self._check_reachable(chat_id)
            if not isinstance(upload, dict) or not upload.get("__upload__"):
                raise ApiError(400, f"Bad Request: there is no {field} in the request")
            if not upload["size"]:
                raise ApiError(400, "Bad Request: file must be non-empty")
            if len(caption) > 1024:
                raise ApiError(400, "Bad Request: message caption is too long")
            if field == "photo" and upload["size"] > 10 * 1024 * 1024:
                raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
            user = self.users[chat_id]["user"]
            message_id = self._next_message_id(chat_id)
            file_id = f"{field}-{chat_id}-{message_id}"
            meta = {"file_id": file_id, "file_unique_id": "u" + file_id, "file_size": upload["size"]}
            message = {
                "message_id": message_id,
                "from": self.bot_user(),
                "chat": _private_chat(chat_id, user),
                "date": int(time.time()),
            }
            if field == "photo":
                message["photo"] = [{**meta, "width": 90, "height": 90}]
            else:
                message[field] = {**meta, "file_name": upload["file_name"],
                                  "mime_type": upload["mime_type"]}
            if caption:
                message["caption"] = caption
            if markup:
                message["reply_markup"] = markup
            self.messages[(chat_id, message_id)] = message
            self.sent.append({"chat_id": chat_id, "method": method, "text": "", "caption": caption,
                              "file_name": upload["file_name"], "file_size": upload["size"],
                              "mime_type": upload["mime_type"], "sha256": upload["sha256"],
                              "message_id": message_id, "date": message["date"],
                              "reply_markup": markup})
        return message

    def _registered(self, params: dict, key: str, missing: str) -> tuple[int, dict]:
        """(id, entry) of the registered user whose id is params[key] (call under the lock);
        otherwise the Bot API's 400 "Bad Request: <missing>"."""
        user_id = _int(params.get(key))
        entry = self.users.get(user_id) if user_id is not None else None
        if entry is None:
            raise ApiError(400, f"Bad Request: {missing}")
        return user_id, entry

    def get_chat(self, params: dict) -> dict:
        with self._lock:
            chat_id, entry = self._registered(params, "chat_id", "chat not found")
            user = entry["user"]
            chat = {**_private_chat(chat_id, user), "accent_color_id": 0, "max_reaction_count": 11}
            if entry["photo"]:
                chat["photo"] = {"small_file_id": f"small-{chat_id}", "small_file_unique_id": f"s{chat_id}",
                                 "big_file_id": f"big-{chat_id}", "big_file_unique_id": f"b{chat_id}"}
                self.files[f"small-{chat_id}"] = self.files[f"big-{chat_id}"] = f"photos/file_{chat_id}.png"
        return chat

    def get_user_profile_photos(self, params: dict) -> dict:
        with self._lock:
            user_id, entry = self._registered(params, "user_id", "user not found")
            if not entry["photo"] or (_int(params.get("offset")) or 0) > 0:
                return {"total_count": 1 if entry["photo"] else 0, "photos": []}
            sizes = []
            for suffix, side in (("s", 160), ("m", 320), ("x", 640)):
                file_id = f"photo-{user_id}-{suffix}"
                self.files[file_id] = f"photos/file_{user_id}_{suffix}.png"
                sizes.append({"file_id": file_id, "file_unique_id": f"u{user_id}{suffix}",
                              "file_size": len(PNG_BYTES), "width": side, "height": side})
            return {"total_count": 1, "photos": [sizes]}

    def get_file(self, params: dict) -> dict:
        file_id = str(params.get("file_id") or "")
        with self._lock:
            path = self.files.get(file_id)
        if path is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {"file_id": file_id, "file_unique_id": "u" + file_id, "file_size": len(PNG_BYTES),
                "file_path": path}

    def has_file_path(self, path: str) -> bool:
        with self._lock:
            return path in self.files.values()


def _check_markup(markup: Any) -> dict | None:
    """An inline keyboard as the real API checks it; None when there is none."""
    if markup in (None, ""):
        return None
    if not isinstance(markup, dict) or not isinstance(markup.get("inline_keyboard"), list):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup["inline_keyboard"]:
        if not isinstance(row, list):
            raise ApiError(400, "Bad Request: can't parse inline keyboard button")
        for button in row:
            if not isinstance(button, dict) or not str(button.get("text") or "").strip():
                raise ApiError(400, "Bad Request: can't parse inline keyboard button: Text "
                                    "buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _private_chat(chat_id: int, user: dict) -> dict:
    """The Bot API's Chat of a private chat with `user`."""
    return {"id": chat_id, "type": "private", "first_name": user["first_name"],
            **{k: user[k] for k in ("last_name", "username") if k in user}}


def _error(code: int, description: str, parameters: dict | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return JSONResponse(body, status_code=code)


async def _upload_or_value(value: Any) -> Any:
    if not isinstance(value, StarletteUploadFile):
        return value
    data = await value.read()
    return {"__upload__": True, "file_name": value.filename or "", "mime_type": value.content_type or "",
            "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


async def _params(request: Request) -> dict:
    """Query string, then form or JSON body — the real API accepts all of them. An uploaded
    file becomes {"__upload__": True, "file_name", "mime_type", "size", "sha256"}."""
    params = await request_params(request, invalid_json=ApiError(400, "Bad Request: invalid JSON body"),
                                  form_value=_upload_or_value)
    for key in ("allowed_updates", "reply_markup"):  # JSON-serialised in query/form
        if isinstance(params.get(key), str):
            try:
                params[key] = json.loads(params[key])
            except ValueError:
                pass
    return params


def create_app(state: FakeTelegramState) -> Starlette:
    sync_methods = {
        "getMe": lambda p: {**state.bot_user(), "can_join_groups": True,
                            "can_read_all_group_messages": False, "supports_inline_queries": False},
        "sendMessage": state.send_message,
        "getChat": state.get_chat,
        "getUserProfilePhotos": state.get_user_profile_photos,
        "getFile": state.get_file,
        "answerCallbackQuery": state.answer_callback,
        **{m: (lambda p, m=m: state.send_media(m, p)) for m in MEDIA_METHODS},
    }

    async def bot_method(request: Request) -> Response:
        token, method = request.path_params["token"], request.path_params["method"]
        if token != state.token:
            return _error(401, "Unauthorized")
        try:
            params = await _params(request)
            state.count(method, params)
            if state.send_delay and method.startswith("send"):  # a slow upload or API
                start = asyncio.get_running_loop().time()
                while asyncio.get_running_loop().time() - start < state.send_delay:
                    await asyncio.sleep(0.05)  # setting send_delay to 0 lets it answer
            rule = state.take_failure(method)
            if rule:
                if rule["body"] is not None:
                    return Response(rule["body"], status_code=rule["status"], media_type="text/html")
                status = rule["status"]
                if status == 429:
                    retry = rule["retry_after"] if rule["retry_after"] is not None else 1
                    return _error(429, rule["description"] or f"Too Many Requests: retry after {retry}",
                                  {"retry_after": retry})
                return _error(status, rule["description"] or _DEFAULT_DESCRIPTIONS.get(status, "Error"))
            if method == "getUpdates":
                result: Any = await state.get_updates(params)
            elif method in sync_methods:
                result = sync_methods[method](params)
            else:
                return _error(404, "Not Found")
        except ApiError as exc:
            return _error(exc.code, exc.description, exc.parameters)
        return JSONResponse({"ok": True, "result": result})

    async def file_download(request: Request) -> Response:
        if request.path_params["token"] != state.token:
            return _error(401, "Unauthorized")
        path = request.path_params["file_path"]
        state.count("file", {"file_path": path})
        if not state.has_file_path(path):
            return _error(404, "Not Found")
        with state._lock:
            data, ctype = state.file_bytes.get(path, (PNG_BYTES, "image/png"))
        return Response(data, media_type=ctype)

    async def ctl_user_message(request: Request) -> Response:
        b = await request.json()
        ids = state.queue_user_message(
            int(b["user_id"]), b.get("first_name", ""), b.get("last_name", ""), b.get("username", ""),
            b.get("text", ""), bool(b.get("with_photo")), b.get("phone"))
        return JSONResponse({"ok": True, "update_ids": ids, "update_id": ids[-1]})

    async def ctl_raw_update(request: Request) -> Response:
        b = await request.json()
        return JSONResponse({"ok": True, "update_id": state.queue_update(b.get("update", b))})

    async def ctl_press(request: Request) -> Response:
        b = await request.json()
        query_id = state.press_button(int(b["user_id"]), int(b["message_id"]), b.get("data"),
                                      int(b.get("index", 0)))
        return JSONResponse({"ok": True, "callback_query_id": str(query_id)})

    async def ctl_answered(request: Request) -> Response:
        with state._lock:
            return JSONResponse(list(state.answered))

    async def ctl_fail(request: Request) -> Response:
        b = await request.json()
        state.add_failure(b["method"], int(b.get("status", 500)), int(b.get("times", 1)),
                          b.get("retry_after"), b.get("description"), b.get("body"))
        return JSONResponse({"ok": True})

    async def ctl_block(request: Request) -> Response:
        state.block(int((await request.json())["user_id"]))
        return JSONResponse({"ok": True})

    return Starlette(routes=[
        Route("/bot{token}/{method}", bot_method, methods=["GET", "POST"]),
        Route("/file/bot{token}/{file_path:path}", file_download, methods=["GET"]),
        Route("/_fake/user_message", ctl_user_message, methods=["POST"]),
        Route("/_fake/raw_update", ctl_raw_update, methods=["POST"]),
        Route("/_fake/press", ctl_press, methods=["POST"]),
        Route("/_fake/answered", ctl_answered, methods=["GET"]),
        Route("/_fake/fail", ctl_fail, methods=["POST"]),
        Route("/_fake/block", ctl_block, methods=["POST"]),
        # fail and block speak the Bot API's shapes (description, numeric user ids)
        *control_routes(state),  # reset, sent, stats, requests: as every fake
    ])


class FakeTelegramServer(ThreadedServer):
    """The fake Bot API in a background thread on 127.0.0.1 with a free port."""

    name = "telegram"

    def __init__(self, token: str = DEFAULT_TOKEN, host: str = "127.0.0.1", port: int = 0):
        self.state = FakeTelegramState(token)
        self.token = token
        super().__init__(create_app(self.state), host, port)

    def _before_stop(self) -> None:
        self.state.closing = True
        self.state.wake_all()


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Fake Telegram Bot API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args(argv)
    state = FakeTelegramState(args.token)
    print(f"fake telegram on http://{args.host}:{args.port} token={args.token}", flush=True)
    uvicorn.run(create_app(state), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
