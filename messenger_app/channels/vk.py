"""VK community bot adapter: Bots Long Poll API + messages.send (API 5.199).

Parses and sends; never touches the database; never retries on its own.

Cursor: a compact JSON string {"server","key","ts"} (under 200 characters). An empty or
unreadable cursor makes poll() ask groups.getLongPollServer for a fresh one. Long-poll
`failed`: 1 → continue from the returned ts; 2 → new key, same ts; 3 → new key and ts
(events in between are lost, as VK says).

External ids: inbound "<peer_id>:<conversation_message_id>" (or "<peer_id>:m<id>" when VK gives
no conversation id); outbound "<peer_id>:m<message_id>" — never colliding with inbound ones.

Outbound files: a JPEG/PNG/GIF photo via photos.getMessagesUploadServer → multipart POST to the
upload_url it returns (field "photo") → photos.saveMessagesPhoto → "photo<owner>_<id>"; any
other file via docs.getMessagesUploadServer(type=doc) → upload (field "file") → docs.save →
"doc<owner>_<id>"; then one messages.send with attachment="a,b,…". Choices: an inline
keyboard of text buttons with payload {"choice": id}; the press arrives as a message_new whose
payload carries it (InboundMessage.choice_id). Too many or too long → numbered text.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from typing import Any

import httpx

from messenger_app.lib.errors import DomainError
from messenger_app.channels.base import (
    Capabilities,
    ChannelKind,
    Choice,
    SettingField,
    InboundMessage,
    OutboundFile,
    OutboundMessage,
    PermanentError,
    Profile,
    SendResult,
    TransientError,
    UnreachableError,
    numbered_options,
)
from messenger_app.channels.http import (
    HttpAdapter,
    compact_json,
    guess_mime,
    retry_after_of,
    utc_from_timestamp,
)

API_VERSION = "5.199"
CHAT_PEER_BASE = 2_000_000_000  # peer ids from here on are group chats, not people
_TRANSIENT_CODES = {1, 6, 9, 10}  # unknown, too many requests, flood control, internal
_AUTH_CODES = {5, 27, 28}  # user / group / app authorization failed
# The client cannot be reached: no permission, privacy, blacklist, deleted/banned.
_UNREACHABLE_CODES = {7, 18, 900, 901, 902}
_DEFAULT_AVATAR_MARKERS = ("/images/camera_", "/images/deactivated_", "/images/community_")
_MAX_LP_ROUNDS = 3
UPLOAD_TIMEOUT = httpx.Timeout(120.0, connect=10.0)
PHOTO_TYPES = ("image/jpeg", "image/png", "image/gif")  # photos.getMessagesUploadServer
MAX_PHOTO = 50 * 1024 * 1024  # a bigger picture goes as a document
MAX_DOC = 200 * 1024 * 1024
# an inline keyboard: at most 10 buttons in at most 6 rows; label 40, payload 255 bytes
MAX_BUTTONS, MAX_ROWS, MAX_LABEL, MAX_PAYLOAD = 10, 6, 40, 255
EMPTY_TEXT = "👇"  # a keyboard needs a message; used when there is no text and no file


def stable_random_id(key: str) -> int:
    """VK's random_id for an idempotency key: the same key → the same positive int32, so a
    retried send is de-duplicated by VK. No key → a fresh random one."""
    if not key:
        return secrets.randbelow(2**31 - 1) + 1
    value = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") & 0x7FFFFFFF
    return value or 1


class VkChannel(HttpAdapter):
    kind = "vk"
    label = "vk"

    def __init__(
        self,
        token: str,
        group_id: int | str,
        base_url: str = "https://api.vk.com/method",
        poll_wait: int = 25,
        api_version: str = API_VERSION,
        client: httpx.AsyncClient | None = None,
    ):
        super().__init__(client)
        self._token = token
        self._add_secret(token)
        self.group_id = str(group_id).lstrip("-")
        self._base = base_url.rstrip("/")
        self.poll_wait = max(0, int(poll_wait))
        self.api_version = api_version
        self._lp_key = ""  # the current long-poll key: scrubbed from errors like the token

    # -- public API -------------------------------------------------------------

    async def poll(self, cursor: str) -> tuple[list[InboundMessage], str]:
        state = _read_cursor(cursor)
        if state is None:
            state = await self._new_server()
        timeout = httpx.Timeout(self.poll_wait + 15.0, connect=10.0)
        for _ in range(_MAX_LP_ROUNDS):
            body = await self._a_check(state, timeout)
            failed = body.get("failed")
            if failed is None:
                if "ts" not in body or not isinstance(body.get("updates", []), list):
                    raise TransientError("vk long poll: malformed response")
                messages = [m for m in map(self._parse_event, body.get("updates") or []) if m]
                state["ts"] = str(body["ts"])
                return messages, compact_json(state)
            if failed == 1 and body.get("ts") is not None:
                state["ts"] = str(body["ts"])  # history partly lost: go on from here
            elif failed == 2:
                fresh = await self._new_server()
                state.update(server=fresh["server"], key=fresh["key"])  # keep our ts
            elif failed in (1, 3):
                state = await self._new_server()
            else:
                raise TransientError(f"vk long poll: failed={self._scrub(failed)}")
        return [], compact_json(state)

    async def send(self, identity_external_id: str, message: OutboundMessage) -> SendResult:
        """One messages.send: the text, every file as an attachment (uploaded first) and the
        choices as an inline keyboard. The same idempotency key → the same random_id, so a
        resend after a crash is dropped by VK (even if its files were uploaded again)."""
        peer_id = str(identity_external_id)
        for f in message.files:
            if not os.path.isfile(f.path):  # checked before anything is uploaded
                raise PermanentError(f"vk: file {f.file_name!s} is missing")
        random_id = stable_random_id(message.idempotency_key)
        text = message.text or ""
        keyboard = _keyboard(message.choices) if message.choices else None
        if message.choices and keyboard is None:
            text = numbered_options(text, message.choices)
        attachments = [await self._upload(peer_id, f) for f in message.files]
        params: dict[str, Any] = {"peer_id": peer_id, "message": text, "random_id": random_id}
        if attachments:
            params["attachment"] = ",".join(attachments)
        if keyboard is not None:
            params["keyboard"] = keyboard
            if not text.strip() and not attachments:
                params["message"] = EMPTY_TEXT  # VK refuses a keyboard on an empty message
        result = await self._call("messages.send", params)
        if not isinstance(result, int) or isinstance(result, bool):
            raise TransientError("vk messages.send: malformed response")
        return SendResult(external_id=f"{peer_id}:m{result}",
                          raw={"message_id": result, "random_id": random_id, "peer_id": peer_id,
                               "attachments": attachments})

    # -- uploads ------------------------------------------------------------------------

    async def _upload(self, peer_id: str, f: OutboundFile) -> str:
        """A file → "photo<owner>_<id>" or "doc<owner>_<id>" (with "_<access_key>" if given)."""
        if f.mime_type in PHOTO_TYPES and f.size <= MAX_PHOTO:
            server = await self._call("photos.getMessagesUploadServer", {"peer_id": peer_id})
            uploaded = await self._post_file(server, "photo", f)
            if not uploaded.get("photo") or uploaded.get("photo") == "[]" or "hash" not in uploaded:
                raise PermanentError(f"vk photo upload: VK did not take {f.file_name!s}")
            saved = await self._call("photos.saveMessagesPhoto", {
                "server": uploaded.get("server", ""), "photo": uploaded["photo"],
                "hash": uploaded["hash"]})
            item = saved[0] if isinstance(saved, list) and saved else None
            return _attachment_ref("photo", item)
        server = await self._call("docs.getMessagesUploadServer", {"type": "doc", "peer_id": peer_id})
        uploaded = await self._post_file(server, "file", f)
        if not uploaded.get("file"):
            raise PermanentError(f"vk document upload: VK did not take {f.file_name!s}")
        saved = await self._call("docs.save", {"file": uploaded["file"], "title": f.file_name})
        item = saved.get(saved.get("type") or "doc") if isinstance(saved, dict) else None
        return _attachment_ref("doc", item)

    async def _post_file(self, server: Any, field: str, f: OutboundFile) -> dict:
        """POST the file (multipart) to the upload_url VK handed out; its JSON answer."""
        url = server.get("upload_url") if isinstance(server, dict) else None
        if not url or not str(url).startswith(("http://", "https://")):
            raise TransientError("vk upload server: malformed response")
        with open(f.path, "rb") as fh:
            response = await self._request(
                "upload", "POST", str(url), timeout=UPLOAD_TIMEOUT,
                files={field: (f.file_name or "file", fh, f.mime_type or "application/octet-stream")})
        body = self._json("upload", response)
        if body is None or response.status_code >= 400:
            self._raise_http("upload", response)
        if body.get("error"):
            raise PermanentError(f"vk upload: {self._scrub(body.get('error_descr') or body['error'])}")
        return body

    async def profile(self, identity_external_id: str) -> Profile:
        users = await self._call("users.get", {"user_ids": identity_external_id,
                                               "fields": "photo_200,screen_name"})
        if not isinstance(users, list) or not users or not isinstance(users[0], dict):
            raise UnreachableError(f"vk user {identity_external_id} not found")
        user = users[0]
        first, last = user.get("first_name") or "", user.get("last_name") or ""
        profile = Profile(display_name=f"{first} {last}".strip(), first_name=first,
                          last_name=last, username=user.get("screen_name") or "")
        photo = user.get("photo_200") or ""
        if photo and not any(m in photo for m in _DEFAULT_AVATAR_MARKERS):
            await self._fill_avatar(profile, photo)
        return profile

    async def get_me(self) -> dict:
        """The community the token belongs to (checks the token and group id)."""
        result = await self._call("groups.getById", {"group_id": self.group_id})
        groups = result.get("groups") if isinstance(result, dict) else result
        if not groups:
            raise PermanentError("vk groups.getById: community not found")
        return groups[0]

    # -- long poll ----------------------------------------------------------------

    async def _new_server(self) -> dict[str, str]:
        result = await self._call("groups.getLongPollServer", {"group_id": self.group_id})
        if not isinstance(result, dict) or not all(result.get(k) for k in ("server", "key", "ts")):
            raise TransientError("vk groups.getLongPollServer: malformed response")
        server = str(result["server"])
        if "://" not in server:
            server = "https://" + server
        return {"server": server, "key": str(result["key"]), "ts": str(result["ts"])}

    async def _a_check(self, state: dict[str, str], timeout: httpx.Timeout) -> dict:
        self._lp_key = state["key"]
        params = {"act": "a_check", "key": state["key"], "ts": state["ts"], "wait": self.poll_wait}
        response = await self._request("long poll", "GET", state["server"], params=params,
                                       timeout=timeout)
        body = self._json("long poll", response)
        if response.status_code >= 400 or body is None:
            self._raise_http("long poll", response)
        return body

    # -- HTTP -----------------------------------------------------------------------

    def _scrub(self, text: Any) -> str:
        out = super()._scrub(text)
        return out.replace(self._lp_key, "<key>") if self._lp_key else out

    async def _call(self, method: str, params: dict[str, Any]) -> Any:
        # The token travels in the form body, not in the URL (URLs end up in logs).
        data = {k: str(v) for k, v in params.items()}
        data.update(access_token=self._token, v=self.api_version)
        response = await self._request(method, "POST", f"{self._base}/{method}", data=data)
        body = self._json(method, response)
        if body is None or (response.status_code >= 400 and "error" not in body):
            self._raise_http(method, response)
        if isinstance(body.get("error"), dict):
            self._raise_api(method, body["error"])
        if "response" not in body:
            raise TransientError(f"vk {method}: malformed response")
        return body["response"]

    def _raise_api(self, method: str, error: dict) -> None:
        code = error.get("error_code") if isinstance(error.get("error_code"), int) else 0
        text = self._scrub(error.get("error_msg") or "error")
        msg = f"vk {method}: [{code}] {text}"
        if code in _TRANSIENT_CODES:
            raise TransientError(msg, retry_after=retry_after_of(error.get("retry_after"))
                                 or (1.0 if code in (6, 9) else None))
        if code in _AUTH_CODES:
            raise PermanentError(f"vk {method}: invalid access token or community (error {code})")
        if code in _UNREACHABLE_CODES:
            raise UnreachableError(msg)
        raise PermanentError(msg)

    # -- parsing ----------------------------------------------------------------------

    def _parse_event(self, event: Any) -> InboundMessage | None:
        if not isinstance(event, dict) or event.get("type") != "message_new":
            return None
        obj = event.get("object")
        msg = obj.get("message") if isinstance(obj, dict) else None
        if not isinstance(msg, dict):
            return None
        peer_id, from_id = msg.get("peer_id"), msg.get("from_id")
        if not isinstance(peer_id, int) or not isinstance(from_id, int):
            return None
        if msg.get("out") or from_id <= 0 or peer_id >= CHAT_PEER_BASE or peer_id != from_id:
            return None  # our own, a community's, or a group chat's message
        cmid = msg.get("conversation_message_id")
        if isinstance(cmid, int) and cmid > 0:
            external_id = f"{peer_id}:{cmid}"
        elif isinstance(msg.get("id"), int) and msg["id"] > 0:
            external_id = f"{peer_id}:m{msg['id']}"
        else:
            return None
        return InboundMessage(
            external_id=external_id,
            identity_external_id=str(from_id),
            text=msg.get("text") or "",
            sent_at=utc_from_timestamp(msg.get("date")),
            attachments=_attachments(msg.get("attachments")),
            choice_id=_choice_of(msg.get("payload")),
            raw=event,
        )


def _attachment_ref(kind: str, item: Any) -> str:
    if not isinstance(item, dict) or item.get("id") is None or item.get("owner_id") is None:
        raise TransientError(f"vk {kind} save: malformed response")
    ref = f"{kind}{item['owner_id']}_{item['id']}"
    return f"{ref}_{item['access_key']}" if item.get("access_key") else ref


def _keyboard(choices: list[Choice]) -> str | None:
    """The inline keyboard JSON for the choices (one per row, two per row past six);
    None when they do not fit (too many, a label or payload too long)."""
    if len(choices) > MAX_BUTTONS:
        return None
    buttons = []
    for c in choices:
        payload = compact_json({"choice": c.id})
        if not c.id or not c.label.strip() or len(c.label) > MAX_LABEL \
                or len(payload.encode()) > MAX_PAYLOAD:
            return None
        buttons.append({"action": {"type": "text", "label": c.label, "payload": payload},
                        "color": "secondary"})
    per_row = 1 if len(buttons) <= MAX_ROWS else 2
    rows = [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]
    return compact_json({"inline": True, "buttons": rows})


def _choice_of(payload: Any) -> str:
    """The choice id in a pressed button's payload ('{"choice": "..."}'), or ""."""
    if not isinstance(payload, str) or not payload:
        return ""
    try:
        data = json.loads(payload)
    except ValueError:
        return ""
    choice = data.get("choice") if isinstance(data, dict) else None
    return str(choice) if isinstance(choice, (str, int)) and not isinstance(choice, bool) else ""


def _read_cursor(cursor: str) -> dict[str, str] | None:
    if not cursor:
        return None
    try:
        data = json.loads(cursor)
    except ValueError:
        return None
    if not isinstance(data, dict) or not all(data.get(k) for k in ("server", "key", "ts")):
        return None
    return {"server": str(data["server"]), "key": str(data["key"]), "ts": str(data["ts"])}


def _largest(items: list[dict], w: str = "width", h: str = "height") -> dict:
    return max(items, key=lambda s: (s.get(w) or 0) * (s.get(h) or 0))


def _att(kind: str, url: str | None, file_name: str | None = None, mime: str | None = None,
         size: int | None = None, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "url": url, "file_name": file_name, "mime_type": mime,
            "file_size": size, **extra}


def _attachments(items: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        obj = item.get(kind) if isinstance(kind, str) else None
        if not isinstance(obj, dict):
            continue
        if kind == "photo":
            sizes = [s for s in obj.get("sizes") or [] if isinstance(s, dict) and s.get("url")]
            if sizes:
                out.append(_att("photo", _largest(sizes)["url"], None, "image/jpeg"))
        elif kind == "graffiti" and obj.get("url"):
            out.append(_att("photo", obj["url"], None, "image/png"))
        elif kind == "doc":
            title = obj.get("title") or ""
            ext = obj.get("ext") or ""
            name = title if not ext or title.lower().endswith("." + ext.lower()) else f"{title}.{ext}"
            out.append(_att("document", obj.get("url"), name or None,
                            guess_mime(name, "application/octet-stream"), obj.get("size")))
        elif kind == "audio_message":
            url = obj.get("link_ogg") or obj.get("link_mp3")
            mime = "audio/ogg" if obj.get("link_ogg") else "audio/mpeg"
            out.append(_att("voice", url, None, mime, None, duration=obj.get("duration")))
        elif kind == "audio":
            name = " - ".join(x for x in (obj.get("artist"), obj.get("title")) if x)
            out.append(_att("audio", obj.get("url") or None, f"{name}.mp3" if name else None,
                            "audio/mpeg", None, duration=obj.get("duration")))
        elif kind == "video":
            media = f"video{obj.get('owner_id')}_{obj.get('id')}"
            out.append({"kind": "video", "media_id": media, "url": None,
                        "file_name": obj.get("title") or None, "mime_type": None,
                        "file_size": None, "link": f"https://vk.com/{media}",
                        "duration": obj.get("duration")})
        elif kind == "sticker":
            images = [i for i in (obj.get("images") or obj.get("images_with_background") or [])
                      if isinstance(i, dict) and i.get("url")]
            url = _largest(images)["url"] if images else None
            out.append(_att("sticker", url, None, "image/png", None,
                            media_id=str(obj.get("sticker_id") or "") or None))
    return out


def _build(channel) -> VkChannel:
    base = (channel.base_url or "").rstrip("/")
    kw = {"base_url": base} if base else {}
    return VkChannel(channel.token, int((channel.config or {}).get("group_id") or 0), **kw)


def _validate(token: str, config: dict) -> dict:
    if not str(config.get("group_id", "")).strip().isdigit():
        raise DomainError("the VK community id must be a number", code="vk_group")
    return {**config, "group_id": int(str(config["group_id"]).strip())}


# VK: 10 attachments per message, documents up to 200 MB (photos, JPEG/PNG/GIF, 50 MB; a
# bigger one goes as a document); an inline keyboard of 10 buttons with a label of at most 40
# characters; text 4096; messages.send ~20/s per community; random_id makes a resend a no-op.
KIND = ChannelKind(
    "vk", "VK", _build, polling=True, token_label="Community access token", validate=_validate,
    custom_base_url=True, probe_on_save=True,
    fields=(SettingField("group_id", "Community (group) id", required=True, kind="number"),),
    capabilities=Capabilities(max_files=10, max_file_size=MAX_DOC, max_text=4096,
                              native_choices=MAX_BUTTONS, max_choices=10, max_choice_label=MAX_LABEL,
                              rate_per_second=20, rate_per_chat_per_second=1, dedup_sends=True),
)
