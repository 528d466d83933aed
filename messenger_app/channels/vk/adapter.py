"""VkChannel: the adapter the workers and the outbox use (long polling with the cursor,
sending with uploads, profiles). See the package docstring."""

from __future__ import annotations

import json
import os
from typing import Any

import httpx

from messenger_app.channels.base import (
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
from messenger_app.channels.http import UPLOAD_TIMEOUT, HttpAdapter, compact_json, retry_after_of
from messenger_app.channels.vk.events import parse_event
from messenger_app.channels.vk.outbound import (
    EMPTY_TEXT,
    MAX_PHOTO,
    PHOTO_TYPES,
    _attachment_ref,
    _keyboard,
    stable_random_id,
)

API_VERSION = "5.199"
_TRANSIENT_CODES = {1, 6, 9, 10}  # unknown, too many requests, flood control, internal
_AUTH_CODES = {5, 27, 28}  # user / group / app authorization failed
# The client cannot be reached: no permission, privacy, blacklist, deleted/banned.
_UNREACHABLE_CODES = {7, 18, 900, 901, 902}
_DEFAULT_AVATAR_MARKERS = ("/images/camera_", "/images/deactivated_", "/images/community_")
_MAX_LP_ROUNDS = 3


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
                messages = [m for m in map(parse_event, body.get("updates") or []) if m]
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
