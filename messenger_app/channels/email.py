"""E-mail adapter: IMAP in, SMTP out (stdlib imaplib / smtplib / email, run in threads).
Parses and sends; never touches the database.

Inbound — `poll(cursor)`:
  * cursor = "<UIDVALIDITY>:<last UID>" ("<uid>" alone is accepted too). One IMAP session
    per poll (connect, LOGIN, EXAMINE — read-only, BODY.PEEK[]: nothing gets marked \\Seen —,
    UID SEARCH UID n+1:*, UID FETCH, LOGOUT).
  * An empty cursor or a changed UIDVALIDITY (the server renumbered the folder) restarts:
    only the newest `initial_backlog` messages are taken (0: none, start from now).
    At most `batch_size` messages per poll, oldest first; the cursor covers exactly those.
  * poll() paces itself like a long poll: it waits until `poll_interval` seconds have passed
    since the previous poll finished (not when that poll hit batch_size: more is waiting).
  * external_id = Message-ID without <> (fallback "uid:<uidvalidity>:<uid>");
    identity_external_id = the lower-cased sender address; display_name from From (RFC 2047
    decoded); text = the text/plain part, else the HTML part as plain text (stdlib
    html.parser); a trailing quote ("On … wrote:" followed only by "> " lines) is cut off
    and kept in raw["quoted"]; an empty body falls back to the subject.
  * raw = {uid, uidvalidity, folder, message_id, subject, in_reply_to, references, from,
    to, cc, date, quoted}.
  * Skipped (the cursor still moves past them): mail without a sender address, mail from our
    own from_address, delivery-status reports (multipart/report), and mail the parser
    fails on (logged) — one broken mail never stalls the folder.

Attachments: {"kind": "photo" | "document", "file_name", "mime_type", "file_size",
"content_id", "_imap": {"folder", "uidvalidity", "uid", "part"}}. No bytes are stored in the
dict (it goes to the database as JSON); `download(attachment)` re-fetches the message by UID
(a small in-memory cache usually spares that right after a poll) and returns the part's
(bytes, content_type). If the mail was deleted or the folder renumbered: PermanentError.

Outbound — `send(to_address, message: OutboundMessage)`:
  * a new Message-ID (returned as SendResult.external_id, without <>), derived from
    message.idempotency_key when given (a resend is recognisable);
  * In-Reply-To / References from `message.reply_to` (an inbound external_id). Without
    it, the last message this adapter instance polled from that address is used (memory
    only: the outbox passes it explicitly to survive restarts);
  * subject: `message.subject` if given, else "Re: <subject of the mail replied to>" when
    known, else `default_subject`;
  * message.files (OutboundFile) become MIME parts (a file that cannot be read is a
    PermanentError: nothing is sent);
  * message.choices are appended to the text as numbered options ("1. Yes"): the client
    answers with the number or the label.

Errors (never retried here): SMTP 4xx, connection errors, timeouts -> TransientError;
recipient refused 550/551/553 -> UnreachableError; auth failure (535) -> PermanentError;
other 5xx -> PermanentError; IMAP LOGIN refused -> PermanentError ([UNAVAILABLE] ->
TransientError). Passwords never appear in messages.
"""

from __future__ import annotations

import asyncio
import imaplib
import json
import logging
import mimetypes
import re
import smtplib
import socket
import ssl
import threading
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, fields
from datetime import timezone
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate, make_msgid, parseaddr, parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Mapping

from messenger_app.channels.base import (
    Capabilities,
    ChannelKind,
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

_ADDRESS_RE = re.compile(r"^[^@\s<>(),;:\"\\\[\]]+@[^@\s<>(),;:\"\\\[\]]+$")
_MSGID_RE = re.compile(r"<([^<>\s]+)>")
_RE_PREFIX = re.compile(r"^\s*(re|aw|sv|ha|antw|ответ)\s*(\[\d+\])?\s*:", re.I)
_ATTRIBUTION = re.compile(
    r"^(On\b.{3,300}\bwrote"
    r"|.{3,300}?\b(?:написал\(а\)|написала|написал|пишет|schrieb|a écrit|escribió|ha scritto"
    r"|schreef))\s*:$",
    re.I | re.S,
)
log = logging.getLogger(__name__)
_UNREACHABLE_SMTP = (550, 551, 553)
_CACHE_BYTES = 32 * 1024 * 1024
_THREADS_KEPT = 5000


@dataclass
class EmailConfig:
    """Everything the settings page stores (as JSON via to_dict / from_dict)."""

    imap_host: str = ""
    imap_port: int = 993
    imap_ssl: bool = True
    imap_user: str = ""
    imap_password: str = ""
    imap_folder: str = "INBOX"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_starttls: bool = True  # ignored when smtp_ssl (implicit TLS, port 465)
    smtp_ssl: bool = False
    smtp_user: str = ""  # empty: no SMTP AUTH
    smtp_password: str = ""
    from_address: str = ""
    from_name: str = ""
    default_subject: str = "Message from support"
    timeout: float = 30.0  # per network operation, seconds
    poll_interval: float = 30.0  # seconds between IMAP sessions when idle
    batch_size: int = 50  # messages per poll at most
    initial_backlog: int = 20  # on first poll / UIDVALIDITY change: take the newest N existing
    strip_quotes: bool = True

    SECRET_FIELDS = ("imap_password", "smtp_password")  # never show these in the browser

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> "EmailConfig":
        data = dict(data or {})
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data or data[f.name] is None:
                continue
            value, default = data[f.name], f.default
            try:
                if isinstance(default, bool):
                    value = value if isinstance(value, bool) else str(value).strip().lower() in (
                        "1", "true", "yes", "on")
                elif isinstance(default, int):
                    value = int(value)
                elif isinstance(default, float):
                    value = float(value)
                else:
                    value = str(value).strip() if "password" not in f.name else str(value)
            except (TypeError, ValueError):
                raise EmailConfigError(f"{f.name} has a wrong value") from None
            values[f.name] = value
        cfg = cls(**values)
        cfg.validate()
        return cfg

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(asdict(self)))

    def validate(self) -> None:
        for name in ("imap_port", "smtp_port"):
            if not 0 < getattr(self, name) < 65536:
                raise EmailConfigError(f"{name} must be 1-65535")
        if self.from_address and not _ADDRESS_RE.fullmatch(self.from_address):
            raise EmailConfigError("from_address is not an e-mail address")
        if self.batch_size < 1 or self.initial_backlog < 0:
            raise EmailConfigError("batch_size must be >= 1 and initial_backlog >= 0")
        if self.timeout <= 0 or self.poll_interval < 0:
            raise EmailConfigError("timeout must be > 0 and poll_interval >= 0")
        for name in ("from_name", "default_subject", "imap_folder"):
            if any(c in getattr(self, name) for c in "\r\n"):
                raise EmailConfigError(f"{name} must be one line")


class EmailConfigError(ValueError):
    pass


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

    # -- public API -------------------------------------------------------------

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
        of the mail we answer (threading); `message.subject`: overrides the subject."""
        to = (identity_external_id or "").strip()
        if not _ADDRESS_RE.fullmatch(to):
            raise UnreachableError("email: the recipient is not an e-mail address")
        if not self.config.smtp_host or not self.config.from_address:
            raise PermanentError("email: SMTP host and from address must be configured")
        if not (message.text or "").strip() and not message.files and not message.choices:
            raise PermanentError("email: nothing to send")
        try:
            email_msg, info = self._build(to, message, message.reply_to or "",
                                          message.subject or "")
        except (ValueError, TypeError) as exc:  # a header the email package refuses
            raise PermanentError(f"email: cannot build the message: {exc}") from None
        await asyncio.to_thread(self._send_sync, to, email_msg)
        with self._lock:
            self._remember(info["message_id"], info["subject"], info["references"])
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
            uid, index = int(ref["uid"]), int(ref["part"])
        except (TypeError, KeyError, ValueError):
            raise PermanentError("email: this attachment has no IMAP reference") from None
        with self._lock:
            raw = self._raw_cache.get((folder, validity, uid))
        if raw is None:
            raw = await asyncio.to_thread(self._fetch_one_sync, folder, validity, uid)
        parts = _attachment_parts(_parse_bytes(raw))
        if not 0 <= index < len(parts):
            raise PermanentError("email: the attachment is not in that message")
        part = parts[index]
        return _part_bytes(part), part.get_content_type()

    async def check_imap(self) -> dict[str, Any]:
        """Log in and open the folder (for a settings page "test" button)."""
        return await asyncio.to_thread(self._check_imap_sync)

    async def check_smtp(self) -> None:
        await asyncio.to_thread(self._check_smtp_sync)

    async def close(self) -> None:
        with self._lock:
            self._raw_cache.clear()

    # -- IMAP -------------------------------------------------------------------

    def _poll_sync(self, cursor: str) -> tuple[list[InboundMessage], str, bool]:
        saved_validity, last_uid = _parse_cursor(cursor)
        cfg = self.config
        imap = self._imap_login()
        try:
            validity = self._examine(imap, cfg.imap_folder)
            restart = last_uid is None or (saved_validity is not None and saved_validity != validity)
            start = 1 if restart else last_uid + 1
            found = [u for u in self._search(imap, start) if u >= start]
            uids = found
            if restart:
                uids = found[-cfg.initial_backlog:] if cfg.initial_backlog else []
                if not uids:  # nothing to take: start after whatever is there now
                    return [], f"{validity}:{max(found, default=0)}", False
            batch, more = uids[:cfg.batch_size], len(uids) > cfg.batch_size
            raws = self._fetch(imap, batch)
        finally:
            _logout(imap)
        messages = []
        for uid in batch:
            raw = raws.get(uid)
            if raw is None:  # expunged between SEARCH and FETCH
                continue
            try:
                parsed = self._parse(raw, uid, validity)
            except Exception:  # noqa: BLE001 — one broken mail must not stall the folder
                log.exception("email: cannot parse UID %s in %s; skipped", uid, self.config.imap_folder)
                continue
            if parsed is not None:
                messages.append(parsed)
        if batch:
            next_uid = batch[-1]
        else:
            next_uid = 0 if restart else last_uid
        return messages, f"{validity}:{next_uid}", more

    def _imap_login(self) -> imaplib.IMAP4:
        cfg = self.config
        if not cfg.imap_host:
            raise PermanentError("email: no IMAP host configured")
        try:
            if cfg.imap_ssl:
                imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    cfg.imap_host, cfg.imap_port, ssl_context=ssl.create_default_context(),
                    timeout=cfg.timeout)
            else:
                imap = imaplib.IMAP4(cfg.imap_host, cfg.imap_port, timeout=cfg.timeout)
        except ssl.SSLCertVerificationError:
            raise PermanentError("imap: the server's TLS certificate is not trusted") from None
        except (OSError, imaplib.IMAP4.error) as exc:
            raise TransientError(f"imap: cannot connect: {self._scrub(exc)}") from None
        try:
            imap.login(_imap_quote(cfg.imap_user), cfg.imap_password)
        except imaplib.IMAP4.abort as exc:
            _logout(imap)
            raise TransientError(f"imap: connection lost at login: {self._scrub(exc)}") from None
        except imaplib.IMAP4.error as exc:
            _logout(imap)
            text = self._scrub(exc)
            if "[UNAVAILABLE]" in text.upper() or "[INUSE]" in text.upper():
                raise TransientError(f"imap: login temporarily unavailable: {text}") from None
            raise PermanentError(
                f"imap login failed for {cfg.imap_user!r} (check user and password)") from None
        except UnicodeEncodeError:
            _logout(imap)
            raise PermanentError("imap: only ASCII user names and passwords are supported") from None
        except OSError as exc:
            _logout(imap)
            raise TransientError(f"imap: {self._scrub(exc) or 'timed out'}") from None
        return imap

    def _examine(self, imap: imaplib.IMAP4, folder: str) -> int:
        typ, data = self._imap_call(imap.select, _imap_quote(folder), readonly=True)
        if typ != "OK":
            raise PermanentError(f"imap: cannot open folder {folder!r}: {_decode(data)}")
        _, vals = imap.response("UIDVALIDITY")
        try:
            return int(vals[0])
        except (TypeError, ValueError, IndexError):
            return 0  # a server without UIDVALIDITY: cursors still work, just never restart

    def _search(self, imap: imaplib.IMAP4, start: int) -> list[int]:
        # Note "n:*" matches the last message even when its UID < n (RFC 3501): filter after.
        typ, data = self._imap_call(imap.uid, "SEARCH", "UID", f"{start}:*")
        if typ != "OK":
            raise TransientError(f"imap: UID SEARCH failed: {_decode(data)}")
        uids = set()
        for chunk in data or []:
            if isinstance(chunk, bytes):
                uids.update(int(x) for x in chunk.split() if x.isdigit())
        return sorted(uids)

    def _fetch(self, imap: imaplib.IMAP4, uids: list[int]) -> dict[int, bytes]:
        out: dict[int, bytes] = {}
        for i in range(0, len(uids), 25):
            chunk = uids[i:i + 25]
            typ, data = self._imap_call(imap.uid, "FETCH", ",".join(map(str, chunk)),
                                        "(UID BODY.PEEK[])")
            if typ != "OK":
                raise TransientError(f"imap: UID FETCH failed: {_decode(data)}")
            items = list(data or [])
            for j, item in enumerate(items):
                if not isinstance(item, tuple) or len(item) < 2:
                    continue
                match = re.search(rb"UID (\d+)", item[0])
                if match is None and j + 1 < len(items) and isinstance(items[j + 1], bytes):
                    match = re.search(rb"UID (\d+)", items[j + 1])  # UID after the literal
                if match:
                    out[int(match.group(1))] = item[1]
        return out

    def _fetch_one_sync(self, folder: str, validity: int, uid: int) -> bytes:
        imap = self._imap_login()
        try:
            if self._examine(imap, folder) != validity:
                raise PermanentError(
                    "email: the folder was renumbered (UIDVALIDITY changed); the mail is gone")
            raw = self._fetch(imap, [uid]).get(uid)
        finally:
            _logout(imap)
        if raw is None:
            raise PermanentError("email: the mail with this attachment is no longer on the server")
        self._cache_raw((folder, validity, uid), raw)
        return raw

    def _check_imap_sync(self) -> dict[str, Any]:
        imap = self._imap_login()
        try:
            validity = self._examine(imap, self.config.imap_folder)
            return {"uidvalidity": validity, "messages": len(self._search(imap, 1))}
        finally:
            _logout(imap)

    def _imap_call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except imaplib.IMAP4.abort as exc:
            raise TransientError(f"imap: connection lost: {self._scrub(exc)}") from None
        except imaplib.IMAP4.error as exc:
            raise TransientError(f"imap: {self._scrub(exc)}") from None
        except OSError as exc:
            raise TransientError(f"imap: {self._scrub(exc) or 'timed out'}") from None

    # -- parsing ----------------------------------------------------------------

    def _parse(self, raw: bytes, uid: int, validity: int) -> InboundMessage | None:
        cfg = self.config
        msg = _parse_bytes(raw)
        if msg.get_content_type() == "multipart/report":
            return None  # a bounce / delivery report, not a client
        name, address = _sender(msg)
        if not address or address == cfg.from_address.lower():
            return None
        message_id = _first_msgid(_header(msg, "Message-ID")) or f"uid:{validity}:{uid}"
        subject = " ".join(_header(msg, "Subject").split())
        in_reply_to = _first_msgid(_header(msg, "In-Reply-To"))
        references = _MSGID_RE.findall(_header(msg, "References"))
        text, quoted = _body_text(msg), ""
        if cfg.strip_quotes:
            text, quoted = strip_quoted(text)
        attachments = []
        for index, part in enumerate(_attachment_parts(msg)):
            attachments.append(_describe(part, index, {
                "folder": cfg.imap_folder, "uidvalidity": validity, "uid": uid, "part": index}))
        if attachments:
            self._cache_raw((cfg.imap_folder, validity, uid), raw)
        if not text.strip():
            text = subject if not attachments else ""
        sent_at = None
        try:
            date = parsedate_to_datetime(_header(msg, "Date"))
            sent_at = (date if date.tzinfo else date.replace(tzinfo=timezone.utc)) \
                .astimezone(timezone.utc).replace(tzinfo=None)
        except (TypeError, ValueError, IndexError, OverflowError):
            pass
        with self._lock:
            self._remember(message_id, subject, references)
            self._last_by_sender[address] = message_id
            self._last_by_sender.move_to_end(address)
            if name:
                self._names[address] = name
                self._names.move_to_end(address)
            for d in (self._last_by_sender, self._names):
                while len(d) > _THREADS_KEPT:
                    d.popitem(last=False)
        return InboundMessage(
            external_id=message_id,
            identity_external_id=address,
            text=text,
            sent_at=sent_at,
            display_name=name,
            attachments=attachments,
            raw={
                "uid": uid, "uidvalidity": validity, "folder": cfg.imap_folder,
                "message_id": message_id, "subject": subject, "in_reply_to": in_reply_to,
                "references": references, "from": address,
                "to": _addresses(msg, "To"), "cc": _addresses(msg, "Cc"),
                "date": _header(msg, "Date"), "quoted": quoted,
            },
        )

    def _remember(self, message_id: str, subject: str, references: list[str]) -> None:
        self._threads[message_id] = {"subject": subject, "references": list(references)}
        self._threads.move_to_end(message_id)
        while len(self._threads) > _THREADS_KEPT:
            self._threads.popitem(last=False)

    def _cache_raw(self, key: tuple, raw: bytes) -> None:
        if len(raw) > _CACHE_BYTES // 4:
            return
        with self._lock:
            self._raw_cache[key] = raw
            self._raw_cache.move_to_end(key)
            while sum(len(v) for v in self._raw_cache.values()) > _CACHE_BYTES:
                self._raw_cache.popitem(last=False)

    # -- SMTP -------------------------------------------------------------------

    def _build(self, to: str, message: OutboundMessage, reply_to: str,
               subject: str) -> tuple[EmailMessage, dict[str, Any]]:
        cfg = self.config
        reply_to = _bare_msgid(reply_to)
        with self._lock:
            if not reply_to:
                reply_to = self._last_by_sender.get(to.lower(), "")
            thread = self._threads.get(reply_to) if reply_to else None
        if reply_to and "@" not in reply_to:
            reply_to = ""  # a "uid:…" fallback id cannot be referenced
        if not subject:
            previous = (thread or {}).get("subject", "")
            subject = (previous if _RE_PREFIX.match(previous) else f"Re: {previous}") if previous \
                else cfg.default_subject
        subject = " ".join(subject.split())
        references = list((thread or {}).get("references", [])) + ([reply_to] if reply_to else [])
        references = list(dict.fromkeys(references))[-20:]
        domain = cfg.from_address.rpartition("@")[2] or "localhost"
        key = re.sub(r"[^A-Za-z0-9_-]", "", message.idempotency_key or "")[:40]
        message_id = _bare_msgid(make_msgid(idstring=f"m{key}" if key else None, domain=domain))

        em = EmailMessage()
        em["From"] = Address(display_name=cfg.from_name, addr_spec=cfg.from_address)
        em["To"] = to
        em["Subject"] = subject
        em["Date"] = formatdate(usegmt=True)
        em["Message-ID"] = f"<{message_id}>"
        if reply_to:
            em["In-Reply-To"] = f"<{reply_to}>"
            em["References"] = " ".join(f"<{r}>" for r in references)
        text = numbered_options(message.text or "", list(message.choices or []))
        # quoted-printable keeps non-ASCII text safe on servers without 8BITMIME
        em.set_content(text, cte="quoted-printable" if not text.isascii() else None)
        for f in message.files or []:
            if not isinstance(f, OutboundFile) or not f.path:
                raise PermanentError("email: an attachment has no local file")
            try:
                data = Path(f.path).read_bytes()
            except OSError:
                raise PermanentError(
                    f"email: cannot read attachment {f.file_name or Path(f.path).name!r}"
                ) from None
            name = _safe_filename(f.file_name or Path(f.path).name)
            mime = f.mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
            maintype, _, subtype = mime.partition("/")
            if maintype == "multipart" or not subtype:
                maintype, subtype = "application", "octet-stream"
            em.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
        info = {"message_id": message_id, "subject": subject,
                "in_reply_to": reply_to, "references": references, "to": to}
        return em, info

    def _smtp_connect(self) -> smtplib.SMTP:
        cfg = self.config
        if cfg.smtp_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(cfg.smtp_host, cfg.smtp_port, timeout=cfg.timeout,
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.timeout)
        smtp.ehlo()
        if cfg.smtp_starttls and not cfg.smtp_ssl:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if cfg.smtp_user:
            smtp.login(cfg.smtp_user, cfg.smtp_password)
        return smtp

    def _send_sync(self, to: str, email_msg: EmailMessage) -> None:
        smtp = None
        try:
            smtp = self._smtp_connect()
            smtp.send_message(email_msg, from_addr=self.config.from_address, to_addrs=[to])
        except Exception as exc:  # noqa: BLE001 — mapped, never leaked raw
            raise self._smtp_error(exc) from None
        finally:
            if smtp is not None:
                try:
                    smtp.quit()  # the mail is accepted already: a failing QUIT changes nothing
                except Exception:  # noqa: BLE001
                    smtp.close()

    def _check_smtp_sync(self) -> None:
        smtp = None
        try:
            smtp = self._smtp_connect()
            smtp.noop()
        except Exception as exc:  # noqa: BLE001
            raise self._smtp_error(exc) from None
        finally:
            if smtp is not None:
                try:
                    smtp.quit()
                except Exception:  # noqa: BLE001
                    smtp.close()

    def _smtp_error(self, exc: BaseException) -> Exception:
        if isinstance(exc, (TransientError, PermanentError)):
            return exc
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return PermanentError(
                f"smtp login failed for {self.config.smtp_user!r} ({exc.smtp_code}; "
                "check user and password)")
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            code, text = next(iter(exc.recipients.values()), (0, b""))
            detail = f"smtp: recipient refused ({code} {self._scrub(_decode(text))})"
            if code in _UNREACHABLE_SMTP:
                return UnreachableError(detail)
            return TransientError(detail) if 400 <= code < 500 else PermanentError(detail)
        if isinstance(exc, smtplib.SMTPResponseException):  # sender / data / helo / connect
            code = exc.smtp_code
            detail = f"smtp: {code} {self._scrub(_decode(exc.smtp_error))}"
            if isinstance(exc, smtplib.SMTPConnectError) or 400 <= code < 500 or code < 0:
                return TransientError(detail)
            return PermanentError(detail)
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return PermanentError(f"smtp: the server does not support it: {self._scrub(exc)}")
        if isinstance(exc, ssl.SSLCertVerificationError):
            return PermanentError("smtp: the server's TLS certificate is not trusted")
        if isinstance(exc, UnicodeEncodeError):
            return PermanentError("smtp: only ASCII user names and passwords are supported")
        if isinstance(exc, (socket.timeout, TimeoutError)):
            return TransientError("smtp: timed out")
        if isinstance(exc, (smtplib.SMTPException, OSError)):
            return TransientError(f"smtp: {self._scrub(exc) or type(exc).__name__}")
        return PermanentError(f"smtp: {type(exc).__name__}: {self._scrub(exc)}")

    def _scrub(self, text: Any) -> str:
        text = str(text)
        for secret in sorted({self.config.imap_password, self.config.smtp_password}, key=len,
                             reverse=True):
            if secret and len(secret) >= 2:
                text = text.replace(secret, "<password>")
        return text


# -- cursor ---------------------------------------------------------------------------


def _parse_cursor(cursor: str) -> tuple[int | None, int | None]:
    """"v:uid" -> (v, uid); "uid" -> (None, uid); "" or junk -> (None, None)."""
    cursor = (cursor or "").strip()
    match = re.fullmatch(r"(?:(\d+):)?(\d+)", cursor)
    if not match:
        return None, None
    return (int(match.group(1)) if match.group(1) is not None else None), int(match.group(2))


def _imap_quote(value: str) -> str:
    if value and re.fullmatch(r"[A-Za-z0-9._@+\-/&!#$'^`|~=]+", value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _logout(imap: imaplib.IMAP4) -> None:
    try:
        imap.logout()
    except Exception:  # noqa: BLE001 — the session is over either way
        try:
            imap.shutdown()
        except Exception:  # noqa: BLE001
            pass


def _decode(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return " ".join(_decode(v) for v in value if v is not None)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


# -- message parsing -------------------------------------------------------------------


def _parse_bytes(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)  # type: ignore[return-value]


def _header(msg: EmailMessage, name: str) -> str:
    try:
        value = msg.get(name)
        return "" if value is None else str(value)
    except Exception:  # noqa: BLE001 — a header the parser chokes on: take it raw
        for key, value in msg.raw_items():
            if key.lower() == name.lower():
                return str(value)
        return ""


def _sender(msg: EmailMessage) -> tuple[str, str]:
    try:
        header = msg.get("From")
        addresses = list(getattr(header, "addresses", ()) or ())
        if addresses:
            name, addr = addresses[0].display_name or "", addresses[0].addr_spec or ""
            if "@" in addr:
                return " ".join(name.split()), addr.strip().lower()
    except Exception:  # noqa: BLE001
        pass
    name, addr = parseaddr(_header(msg, "From"))
    return " ".join(name.split()), (addr.strip().lower() if "@" in addr else "")


def _addresses(msg: EmailMessage, name: str) -> list[str]:
    try:
        header = msg.get(name)
        return [a.addr_spec.lower() for a in getattr(header, "addresses", ()) if a.addr_spec]
    except Exception:  # noqa: BLE001
        return []


def _bare_msgid(value: str) -> str:
    value = (value or "").strip()
    match = _MSGID_RE.search(value)
    return match.group(1) if match else value.strip("<>").strip()


def _first_msgid(value: str) -> str:
    match = _MSGID_RE.search(value or "")
    if match:
        return match.group(1)
    value = (value or "").strip()
    return value if value and " " not in value else ""


def _part_text(part: EmailMessage) -> str:
    try:
        content = part.get_content()
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeError, AssertionError, KeyError):
        pass
    payload = part.get_payload(decode=True) or b""
    for charset in (part.get_content_charset() or "utf-8", "utf-8"):
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("utf-8", "replace")


def _body_text(msg: EmailMessage) -> str:
    """The text/plain body, else the text/html one as text (blockquotes become "> " lines)."""
    for kind in ("plain", "html"):
        try:
            part = msg.get_body(preferencelist=(kind,))
        except Exception:  # noqa: BLE001
            part = None
        if part is None:
            continue
        text = _part_text(part)
        if kind == "html":
            text = html_to_text(text)
        text = _tidy(text)
        if text.strip():
            return text
    return ""


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", out).strip("\n")


def strip_quoted(text: str) -> tuple[str, str]:
    """Cut a trailing quote: an attribution line ("On … wrote:", "… написал(а):", possibly
    wrapped over two lines) followed by nothing but "> " lines and blank lines. Anything
    else (interleaved answers, a quote without attribution) is kept whole.
    Returns (reply, quoted)."""
    lines = text.split("\n")
    for i in range(len(lines)):
        if not lines[i].strip() or lines[i].lstrip().startswith(">"):
            continue
        for span in (1, 2):
            if i + span > len(lines):
                break
            head = " ".join(line.strip() for line in lines[i:i + span])
            if not _ATTRIBUTION.match(head):
                continue
            rest = [line for line in lines[i + span:] if line.strip()]
            if rest and all(line.lstrip().startswith(">") for line in rest):
                reply = "\n".join(lines[:i]).rstrip()
                if reply.strip():
                    return reply, "\n".join(lines[i:]).strip("\n")
            return text, ""  # attribution, but not a pure trailing quote: keep it all
    return text, ""


def _attachment_parts(msg: EmailMessage) -> list[EmailMessage]:
    """Attachment leaves in document order (the index is the attachment's "part")."""
    out: list[EmailMessage] = []

    def visit(part: EmailMessage) -> None:
        ctype = part.get_content_type()
        if part.get_content_maintype() == "multipart":
            for sub in part.iter_parts():
                visit(sub)
            return
        disposition = (part.get_content_disposition() or "").lower()
        filename = _filename(part)
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
            return  # a body (or its alternative)
        out.append(part)

    visit(msg)
    return out


def _filename(part: EmailMessage) -> str:
    try:
        return part.get_filename() or ""
    except Exception:  # noqa: BLE001
        return ""


def _safe_filename(name: str) -> str:
    name = PureWindowsPath(PurePosixPath(str(name)).name).name
    name = "".join(c for c in name if c >= " " and c not in '<>:"/\\|?*').strip(" .")
    return name[:200] or "attachment"


def _part_bytes(part: EmailMessage) -> bytes:
    if part.get_content_type() == "message/rfc822" or part.is_multipart():
        payload = part.get_payload()
        if isinstance(payload, list) and payload:
            return payload[0].as_bytes(policy=policy.SMTP)
        return b""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _describe(part: EmailMessage, index: int, ref: dict[str, Any]) -> dict[str, Any]:
    mime = part.get_content_type()
    name = _filename(part)
    if not name:
        ext = ".eml" if mime == "message/rfc822" else (mimetypes.guess_extension(mime) or "")
        name = f"attachment-{index + 1}{ext}"
    cid = _bare_msgid(_header(part, "Content-ID"))
    return {
        "kind": "photo" if mime.startswith("image/") else "document",
        "file_name": _safe_filename(name),
        "mime_type": mime,
        "file_size": len(_part_bytes(part)),
        "content_id": cid,
        "_imap": ref,
    }


# -- HTML to text ----------------------------------------------------------------------


class _HtmlText(HTMLParser):
    _SKIP = {"script", "style", "head", "title", "template", "noscript"}
    _BLOCK = {"p", "div", "section", "article", "header", "footer", "main", "aside", "nav",
              "ul", "ol", "li", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
              "hr", "address", "dl", "dt", "dd", "form", "fieldset", "center", "blockquote"}
    _PARAGRAPH = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote", "pre"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.cur: list[str] = []
        self.line_depth = 0
        self.depth = 0
        self.skip = 0
        self.pre = 0
        self.links: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skip += 1
            return
        if tag == "br":
            self._newline(force=True)
            return
        if tag in self._BLOCK:
            self._newline()
        if tag == "blockquote":
            self.depth += 1
        elif tag == "pre":
            self.pre += 1
        elif tag == "li":
            self._text("- ")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append((href, len("".join(self.cur))))
        elif tag in ("td", "th") and self.cur:
            self._text(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.cur)[start:]
            if href.startswith(("http://", "https://")) and href not in label and label.strip():
                self._text(f" ({href})")
        if tag in self._BLOCK:
            self._newline()
            if tag in self._PARAGRAPH:
                self._blank()
        if tag == "blockquote":
            self.depth = max(0, self.depth - 1)
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            chunks = data.split("\n")
            for k, chunk in enumerate(chunks):
                if k:
                    self._newline(force=True)
                self._text(chunk)
            return
        self._text(re.sub(r"\s+", " ", data))

    def _text(self, text: str) -> None:
        if not self.cur:
            if not self.pre:
                text = text.lstrip()
            if not text:
                return
            self.line_depth = self.depth
        self.cur.append(text)

    def _newline(self, force: bool = False) -> None:
        line = "".join(self.cur).rstrip()
        self.cur = []
        if line:
            self.lines.append("> " * self.line_depth + line)
        elif force:
            self.lines.append("")

    def _blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def text(self) -> str:
        self._newline()
        return _tidy("\n".join(self.lines))


def html_to_text(html: str) -> str:
    """Plain text of an HTML mail body: no markup, entities decoded, paragraphs and <br> as
    line breaks, list items as "- ", links as "label (url)", <blockquote> lines as "> "."""
    parser = _HtmlText()
    try:
        parser.feed(html or "")
        parser.close()
    except Exception:  # noqa: BLE001 — html.parser is lenient; be safe anyway
        return _tidy(re.sub(r"<[^>]+>", " ", html or ""))
    return parser.text()


def _build(channel) -> EmailChannel:
    return EmailChannel(channel.config or {})


# SMTP: files as MIME parts (25 MB in all is what most servers take); choices as numbered
# options; the Message-ID we set makes a resend recognisable (dedup on the receiving side).
def _validate(token: str, config: dict) -> dict:
    return EmailConfig.from_dict(config).to_dict()  # EmailConfigError is a ValueError


KIND = ChannelKind(
    "email", "E-mail", _build, polling=True, validate=_validate,
    fields=(SettingField("imap_host", "IMAP host", required=True),
            SettingField("imap_port", "IMAP port", kind="number"),
            SettingField("imap_user", "IMAP user"),
            SettingField("imap_password", "IMAP password", secret=True, kind="password"),
            SettingField("smtp_host", "SMTP host", required=True),
            SettingField("smtp_port", "SMTP port", kind="number"),
            SettingField("smtp_user", "SMTP user"),
            SettingField("smtp_password", "SMTP password", secret=True, kind="password"),
            SettingField("from_address", "From address", required=True),
            SettingField("from_name", "From name")),
    capabilities=Capabilities(max_files=10, max_file_size=20 * 1024 * 1024, max_text=100_000,
                              native_choices=0, max_choices=10, max_choice_label=100,
                              rate_per_second=5, rate_per_chat_per_second=1, dedup_sends=True),
)
