"""MIME: an inbound mail parsed into an InboundMessage (sender, subject, body as text with the
quote cut, attachments described by reference, a stable id), and an outbound message built
(threading headers, files as parts, choices as numbered options).

external_id = the Message-ID without <>; a mail without one gets "h:" + a hash of its Date,
From, Subject and body, so the same mail has the same id whatever its UID (a UIDVALIDITY
change re-reads the folder and must not duplicate). A body longer than `body_limit`
characters is stored cut, and the whole body is offered as the attachment "message.txt"
(part "body")."""

from __future__ import annotations

import hashlib
import mimetypes
import re
from datetime import datetime, timezone
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate, make_msgid, parseaddr, parsedate_to_datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from messenger_app.channels.base import OutboundFile, OutboundMessage, PermanentError, numbered_options
from messenger_app.channels.email.config import EmailConfig
from messenger_app.channels.email.html_text import html_to_text, strip_quoted, tidy
from messenger_app.lib.subjects import reply_subject

MSGID_RE = re.compile(r"<([^<>\s]+)>")
BODY_PART = "body"  # the "part" of the attachment holding a long body whole
MAX_REFERENCES = 20


def stable_id(msg: EmailMessage, body: str) -> str:
    digest = hashlib.sha256("\x1f".join(
        (header(msg, "Date"), header(msg, "From"), header(msg, "Subject"), body)
    ).encode("utf-8", "replace")).hexdigest()
    return "h:" + digest[:40]


def parse_bytes(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)  # type: ignore[return-value]


def header(msg: EmailMessage, name: str) -> str:
    try:
        value = msg.get(name)
        return "" if value is None else str(value)
    except Exception:  # noqa: BLE001 — a header the parser chokes on: take it raw
        for key, value in msg.raw_items():
            if key.lower() == name.lower():
                return str(value)
        return ""


def sender(msg: EmailMessage) -> tuple[str, str]:
    try:
        header = msg.get("From")
        addresses = list(getattr(header, "addresses", ()) or ())
        if addresses:
            name, addr = addresses[0].display_name or "", addresses[0].addr_spec or ""
            if "@" in addr:
                return " ".join(name.split()), addr.strip().lower()
    except Exception:  # noqa: BLE001
        pass
    name, addr = parseaddr(header(msg, "From"))
    return " ".join(name.split()), (addr.strip().lower() if "@" in addr else "")


def addresses(msg: EmailMessage, name: str) -> list[str]:
    try:
        header = msg.get(name)
        return [a.addr_spec.lower() for a in getattr(header, "addresses", ()) if a.addr_spec]
    except Exception:  # noqa: BLE001
        return []


def bare_msgid(value: str) -> str:
    value = (value or "").strip()
    match = MSGID_RE.search(value)
    return match.group(1) if match else value.strip("<>").strip()


def first_msgid(value: str) -> str:
    match = MSGID_RE.search(value or "")
    if match:
        return match.group(1)
    value = (value or "").strip()
    return value if value and " " not in value else ""


def part_text(part: EmailMessage) -> str:
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


def body_text(msg: EmailMessage) -> str:
    """The text/plain body, else the text/html one as text (blockquotes become "> " lines)."""
    for kind in ("plain", "html"):
        try:
            part = msg.get_body(preferencelist=(kind,))
        except Exception:  # noqa: BLE001
            part = None
        if part is None:
            continue
        text = part_text(part)
        if kind == "html":
            text = html_to_text(text)
        text = tidy(text)
        if text.strip():
            return text
    return ""


def attachment_parts(msg: EmailMessage) -> list[EmailMessage]:
    """Attachment leaves in document order (the index is the attachment's "part")."""
    out: list[EmailMessage] = []

    def visit(part: EmailMessage) -> None:
        ctype = part.get_content_type()
        if part.get_content_maintype() == "multipart":
            for sub in part.iter_parts():
                visit(sub)
            return
        disposition = (part.get_content_disposition() or "").lower()
        fname = filename(part)
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not fname:
            return  # a body (or its alternative)
        out.append(part)

    visit(msg)
    return out


def filename(part: EmailMessage) -> str:
    try:
        return part.get_filename() or ""
    except Exception:  # noqa: BLE001
        return ""


def safe_filename(name: str) -> str:
    name = PureWindowsPath(PurePosixPath(str(name)).name).name
    name = "".join(c for c in name if c >= " " and c not in '<>:"/\\|?*').strip(" .")
    return name[:200] or "attachment"


def part_bytes(part: EmailMessage) -> bytes:
    if part.get_content_type() == "message/rfc822" or part.is_multipart():
        payload = part.get_payload()
        if isinstance(payload, list) and payload:
            return payload[0].as_bytes(policy=policy.SMTP)
        return b""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def describe(part: EmailMessage, index: int, ref: dict[str, Any]) -> dict[str, Any]:
    mime = part.get_content_type()
    name = filename(part)
    if not name:
        ext = ".eml" if mime == "message/rfc822" else (mimetypes.guess_extension(mime) or "")
        name = f"attachment-{index + 1}{ext}"
    cid = bare_msgid(header(part, "Content-ID"))
    return {
        "kind": "photo" if mime.startswith("image/") else "document",
        "file_name": safe_filename(name),
        "mime_type": mime,
        "file_size": len(part_bytes(part)),
        "content_id": cid,
        "_imap": ref,
    }




def sent_at(msg: EmailMessage) -> datetime | None:
    try:
        date = parsedate_to_datetime(header(msg, "Date"))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return (date if date.tzinfo else date.replace(tzinfo=timezone.utc)) \
        .astimezone(timezone.utc).replace(tzinfo=None)


def parse(raw: bytes, uid: int, validity: int, cfg: EmailConfig):
    """-> InboundMessage, or None for mail that is not a client's (bounces, our own, no sender)."""
    from messenger_app.channels.base import InboundMessage

    msg = parse_bytes(raw)
    if msg.get_content_type() == "multipart/report":
        return None  # a bounce / delivery report, not a client
    name, address = sender(msg)
    if not address or address == cfg.from_address.lower():
        return None
    subject = " ".join(header(msg, "Subject").split())
    full = body_text(msg)
    message_id = first_msgid(header(msg, "Message-ID")) or stable_id(msg, full)
    text, quoted = full, ""
    if cfg.strip_quotes and len(text) <= 4 * cfg.body_limit:  # a huge body is kept whole anyway
        text, quoted = strip_quoted(text)
    ref = {"folder": cfg.imap_folder, "uidvalidity": validity, "uid": uid}
    attachments = [describe(part, index, {**ref, "part": index})
                   for index, part in enumerate(attachment_parts(msg))]
    if len(text) > cfg.body_limit:  # kept whole as a file, stored cut
        attachments.append({"kind": "document", "file_name": "message.txt",
                            "mime_type": "text/plain", "file_size": len(full.encode("utf-8")),
                            "content_id": "", "_imap": {**ref, "part": BODY_PART}})
        text = text[:cfg.body_limit].rstrip() + "…"
    if not text.strip():
        text = subject if not attachments else ""
    return InboundMessage(
        external_id=message_id, identity_external_id=address, text=text,
        sent_at=sent_at(msg), display_name=name, attachments=attachments, subject=subject,
        raw={"uid": uid, "uidvalidity": validity, "folder": cfg.imap_folder,
             "message_id": message_id, "subject": subject,
             "in_reply_to": first_msgid(header(msg, "In-Reply-To")),
             "references": MSGID_RE.findall(header(msg, "References")), "from": address,
             "to": addresses(msg, "To"), "cc": addresses(msg, "Cc"),
             "date": header(msg, "Date"), "quoted": quoted},
    )


def attachment_bytes(raw: bytes, part: Any) -> tuple[bytes, str]:
    """The bytes and type of attachment `part` (an index, or BODY_PART) of a stored mail."""
    msg = parse_bytes(raw)
    if part == BODY_PART:
        return body_text(msg).encode("utf-8"), "text/plain"
    parts = attachment_parts(msg)
    index = int(part)
    if not 0 <= index < len(parts):
        raise PermanentError("email: the attachment is not in that message")
    return part_bytes(parts[index]), parts[index].get_content_type()


def build(cfg: EmailConfig, to: str, message: OutboundMessage, reply_to: str,
          thread: dict[str, Any] | None) -> tuple[EmailMessage, dict[str, Any]]:
    """The mail for `message`. Subject: message.subject, else "Re: " the replied mail's subject
    (`thread`), else the default. References: message.thread (stored ids of the conversation)
    or `thread`'s, then `reply_to`."""
    reply_to = bare_msgid(reply_to)
    if reply_to and "@" not in reply_to:
        reply_to = ""  # an "h:…" id of a mail without Message-ID cannot be referenced
    subject = " ".join((message.subject or "").split())
    if not subject:
        subject = reply_subject((thread or {}).get("subject", "")) or cfg.default_subject
    earlier = list(message.thread or ()) or list((thread or {}).get("references", []))
    references = [bare_msgid(r) for r in earlier if "@" in r] + ([reply_to] if reply_to else [])
    references = list(dict.fromkeys(references))[-MAX_REFERENCES:]
    domain = cfg.from_address.rpartition("@")[2] or "localhost"
    key = re.sub(r"[^A-Za-z0-9_-]", "", message.idempotency_key or "")[:40]
    message_id = bare_msgid(make_msgid(idstring=f"m{key}" if key else None, domain=domain))

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
                f"email: cannot read attachment {f.file_name or Path(f.path).name!r}") from None
        name = safe_filename(f.file_name or Path(f.path).name)
        mime = f.mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        maintype, _, subtype = mime.partition("/")
        if maintype == "multipart" or not subtype:
            maintype, subtype = "application", "octet-stream"
        em.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    info = {"message_id": message_id, "subject": subject, "in_reply_to": reply_to,
            "references": references, "to": to}
    return em, info
