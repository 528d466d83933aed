"""EmailChannel: the adapter the workers and the outbox use (poll, send, download, profile,
check_connection). Parses and sends; never touches the database.

Inbound — `poll(cursor)`: cursor = "<UIDVALIDITY>:<last UID>" ("<uid>" alone is accepted
too). One IMAP session per poll. An empty cursor or a changed UIDVALIDITY restarts: only the
newest `initial_backlog` messages are taken (0: none). At most `batch_size` per poll, oldest
first; the cursor covers exactly those. poll() paces itself like a long poll: it waits until
`poll_interval` seconds have passed since the previous poll (not after a full batch).
Skipped (the cursor still moves past them): mail without a sender, our own mail, bounces,
and mail the parser fails on (logged) — one broken mail never stalls the folder.

Attachments carry a reference {"_imap": {folder, uidvalidity, uid, part}} and no bytes;
`download(attachment)` re-fetches the mail by UID (a small cache usually spares that right
after a poll); renumbered folder or deleted mail: PermanentError.

Outbound — `send(address, OutboundMessage)`: see mime.build for subject and threading; the
Message-ID derives from the idempotency key (a resend is recognisable). In-process memory of
threads is only a fallback for callers that pass no `thread` (the outbox always does).
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections import OrderedDict
from typing import Any, Mapping

from messenger_app.channels.base import (
    InboundMessage,
    OutboundMessage,
    PermanentError,
    Profile,
    SendResult,
    UnreachableError,
)
from messenger_app.channels.email import mime
from messenger_app.channels.email.config import ADDRESS_RE, EmailConfig
from messenger_app.channels.email.imap import ImapSession
from messenger_app.channels.email.problems import as_problem
from messenger_app.channels.email.smtp import SmtpClient

log = logging.getLogger("messenger_app.channels.email")
_CACHE_BYTES = 32 * 1024 * 1024
_THREADS_KEPT = 5000


def parse_cursor(cursor: str) -> tuple[int | None, int | None]:
    """"v:uid" -> (v, uid); "uid" -> (None, uid); "" or junk -> (None, None)."""
    match = re.fullmatch(r"(?:(\d+):)?(\d+)", (cursor or "").strip())
    if not match:
        return None, None
    return (int(match.group(1)) if match.group(1) is not None else None), int(match.group(2))


def _bounded(d: OrderedDict, key, value) -> None:
    d[key] = value
    d.move_to_end(key)
    while len(d) > _THREADS_KEPT:
        d.popitem(last=False)


class EmailChannel:
    kind = "email"

    def __init__(self, config: EmailConfig | Mapping[str, Any]):
        self.config = config if isinstance(config, EmailConfig) else EmailConfig.from_dict(config)
        self.config.validate()
        self._lock = threading.Lock()
        self._raw_cache: OrderedDict[tuple, bytes] = OrderedDict()  # (folder, validity, uid)
        self._threads: OrderedDict[str, dict[str, Any]] = OrderedDict()  # message id -> info
        self._last_by_sender: OrderedDict[str, str] = OrderedDict()  # address -> message id
        self._names: OrderedDict[str, str] = OrderedDict()  # address -> display name
        self._next_poll_at = 0.0
        self.smtp = SmtpClient(self.config, self._scrub)

    # -- public API ---------------------------------------------------------------------
    async def poll(self, cursor: str) -> tuple[list[InboundMessage], str]:
        wait = self._next_poll_at - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        try:
            messages, next_cursor, more = await asyncio.to_thread(self._poll_sync, cursor or "")
        except BaseException:
            self._next_poll_at = time.monotonic() + self.config.poll_interval
            raise
        self._next_poll_at = time.monotonic() + (0.0 if more else self.config.poll_interval)
        return messages, next_cursor

    async def send(self, identity_external_id: str, message: OutboundMessage) -> SendResult:
        """Send to the address `identity_external_id`. `message.reply_to`: the external_id
        of the mail we answer; `message.thread`: the conversation's earlier ids."""
        to = (identity_external_id or "").strip()
        if not ADDRESS_RE.fullmatch(to):
            raise UnreachableError("email: the recipient is not an e-mail address")
        if not self.config.smtp_host or not self.config.from_address:
            raise PermanentError("email: SMTP host and from address must be configured")
        if not (message.text or "").strip() and not message.files and not message.choices:
            raise PermanentError("email: nothing to send")
        with self._lock:
            reply_to = mime.bare_msgid(message.reply_to or "")
            if not reply_to and not message.subject and not message.thread:
                # a caller that knows nothing of the thread: the last mail from that address
                reply_to = self._last_by_sender.get(to.lower(), "")
            thread = self._threads.get(reply_to) if reply_to else None
        try:
            email_msg, info = mime.build(self.config, to, message, reply_to, thread)
        except (ValueError, TypeError) as exc:  # a header the email package refuses
            raise PermanentError(f"email: cannot build the message: {exc}") from None
        await asyncio.to_thread(self.smtp.send, to, email_msg)
        with self._lock:
            _bounded(self._threads, info["message_id"],
                     {"subject": info["subject"], "references": info["references"]})
        return SendResult(external_id=info["message_id"], raw=info)

    async def profile(self, identity_external_id: str) -> Profile:
        with self._lock:
            name = self._names.get((identity_external_id or "").lower(), "")
        return Profile(display_name=name)

    async def download(self, attachment: Mapping[str, Any]) -> tuple[bytes, str]:
        """The bytes of an attachment returned by poll(), and its content type."""
        ref = attachment.get("_imap") if isinstance(attachment, Mapping) else None
        try:
            folder, validity = str(ref["folder"]), int(ref["uidvalidity"])
            uid, part = int(ref["uid"]), ref["part"]
            if part != mime.BODY_PART:
                part = int(part)
        except (TypeError, KeyError, ValueError):
            raise PermanentError("email: this attachment has no IMAP reference") from None
        with self._lock:
            raw = self._raw_cache.get((folder, validity, uid))
        if raw is None:
            raw = await asyncio.to_thread(self._fetch_one_sync, folder, validity, uid)
        return mime.attachment_bytes(raw, part)

    async def check_imap(self) -> dict[str, Any]:
        """Log in and open the folder."""
        return await asyncio.to_thread(self._check_imap_sync)

    async def check_smtp(self) -> None:
        await asyncio.to_thread(self.smtp.check)

    async def check_connection(self) -> list:
        """"Test connection": [] when IMAP and SMTP both work, else a ConnectionProblem for
        each server that failed (problems.py: what failed, in words)."""
        found = []
        for server, check in (("IMAP", self.check_imap), ("SMTP", self.check_smtp)):
            try:
                await check()
            except Exception as exc:  # noqa: BLE001 — reported, never raised
                found.append(as_problem(server, exc))
        return found

    async def get_me(self) -> dict:
        """Before a channel is saved (/settings): both servers must work."""
        problems = await self.check_connection()
        if problems:
            raise problems[0]
        return {}

    async def close(self) -> None:
        with self._lock:
            self._raw_cache.clear()

    # -- IMAP ---------------------------------------------------------------------------
    def _poll_sync(self, cursor: str) -> tuple[list[InboundMessage], str, bool]:
        saved_validity, last_uid = parse_cursor(cursor)
        cfg = self.config
        with ImapSession(cfg, self._scrub) as imap:
            validity = imap.examine(cfg.imap_folder)
            restart = last_uid is None or (saved_validity is not None and saved_validity != validity)
            start = 1 if restart else last_uid + 1
            uids = found = imap.uids_from(start)
            if restart:
                uids = found[-cfg.initial_backlog:] if cfg.initial_backlog else []
                if not uids:  # nothing to take: start after whatever is there now
                    return [], f"{validity}:{max(found, default=0)}", False
            batch, more = uids[:cfg.batch_size], len(uids) > cfg.batch_size
            raws = imap.fetch(batch)
        messages = []
        for uid in batch:
            raw = raws.get(uid)
            if raw is None:  # expunged between SEARCH and FETCH
                continue
            try:
                parsed = mime.parse(raw, uid, validity, cfg)
            except Exception:  # noqa: BLE001 — one broken mail must not stall the folder
                log.exception("email: cannot parse UID %s in %s; skipped", uid, cfg.imap_folder)
                continue
            if parsed is not None:
                if parsed.attachments:
                    self._cache_raw((cfg.imap_folder, validity, uid), raw)
                self._remember_inbound(parsed)
                messages.append(parsed)
        next_uid = batch[-1] if batch else (0 if restart else last_uid)
        return messages, f"{validity}:{next_uid}", more

    def _remember_inbound(self, m: InboundMessage) -> None:
        with self._lock:
            _bounded(self._threads, m.external_id,
                     {"subject": m.subject, "references": m.raw.get("references", [])})
            _bounded(self._last_by_sender, m.identity_external_id, m.external_id)
            if m.display_name:
                _bounded(self._names, m.identity_external_id, m.display_name)

    def _fetch_one_sync(self, folder: str, validity: int, uid: int) -> bytes:
        with ImapSession(self.config, self._scrub) as imap:
            if imap.examine(folder) != validity:
                raise PermanentError(
                    "email: the folder was renumbered (UIDVALIDITY changed); the mail is gone")
            raw = imap.fetch([uid]).get(uid)
        if raw is None:
            raise PermanentError("email: the mail with this attachment is no longer on the server")
        self._cache_raw((folder, validity, uid), raw)
        return raw

    def _check_imap_sync(self) -> dict[str, Any]:
        with ImapSession(self.config, self._scrub) as imap:
            validity = imap.examine(self.config.imap_folder)
            return {"uidvalidity": validity, "messages": imap.count()}

    def _cache_raw(self, key: tuple, raw: bytes) -> None:
        if len(raw) > _CACHE_BYTES // 4:
            return
        with self._lock:
            self._raw_cache[key] = raw
            self._raw_cache.move_to_end(key)
            while sum(len(v) for v in self._raw_cache.values()) > _CACHE_BYTES:
                self._raw_cache.popitem(last=False)

    def _scrub(self, text: Any) -> str:
        text = str(text)
        for secret in sorted({self.config.imap_password, self.config.smtp_password}, key=len,
                             reverse=True):
            if secret and len(secret) >= 2:
                text = text.replace(secret, "<password>")
        return text
