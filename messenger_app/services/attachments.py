"""Files in messages: operator uploads and media downloaded from channels.

The content type is decided from the bytes (magic numbers), not from what the browser or the
file name claims. A file that only *claims* to be an image/audio/video/PDF is stored as
application/octet-stream; HTML, SVG, XML and scripts are never served as such. The stored
file's extension always matches the type it will be served with (api.files serves by
extension with X-Content-Type-Options: nosniff), adding ".bin" when it would not.

Stored through services/storage.py under the key attachments/<yyyy>/<mm>/<random-hex>-<safe-name>
(DATA_DIR/files/… by default, the S3 bucket when S3_BUCKET is set).

The dict returned (and kept in Message.attachments):
    {"kind": "photo"|"video"|"audio"|"voice"|"document",
     "url": "/files/attachments/2026/11/3f2a...-report.pdf",   # percent-encoded
     "file_name": "report.pdf",          # sanitised display name (download name)
     "mime_type": "application/pdf", "file_size": 12345,
     "inline": True,                     # True: the UI may render it in place (img/audio/
                                         # video/pdf); False: offer it as a download only
     "width": 640, "height": 480}        # PNG/JPEG/GIF only, when the header has them
"""

from __future__ import annotations

import mimetypes
import re
import secrets
import struct
import unicodedata
from pathlib import Path
from urllib.parse import quote, unquote

from messenger_app import settings
from messenger_app.clock import utcnow
from messenger_app.lib.filetypes import OFFICE as _OFFICE, sniff
from messenger_app.services import storage
from messenger_app.lib.errors import DomainError

MAX_UPLOAD = 20 * 1024 * 1024  # operator uploads
MAX_INBOUND = 50 * 1024 * 1024  # media downloaded from channels
MAX_NAME = 120  # characters of the sanitised file name
MAX_NAME_BYTES = 200  # and its UTF-8 size (file systems allow 255 bytes with the prefix)
MAX_PER_MESSAGE = 10
URL_PREFIX = "/files/attachments/"
OCTET = "application/octet-stream"
KINDS = ("photo", "video", "audio", "voice", "document")

# types a browser may display in place; only ever set when the bytes confirm them
_INLINE = {"image/png", "image/jpeg", "image/gif", "image/webp", "video/mp4", "video/webm",
           "video/quicktime", "audio/mpeg", "audio/ogg", "audio/mp4", "audio/wav",
           "audio/flac", "application/pdf"}
# what a file name or a declared type may not claim without the bytes to prove it
_NEEDS_PROOF = ("image/", "video/", "audio/", "application/pdf")
# the extension a stored file gets when its name does not already say its type
_EXT = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
        "video/mp4": ".mp4", "video/webm": ".webm", "video/quicktime": ".mov",
        "audio/mpeg": ".mp3", "audio/ogg": ".ogg", "audio/mp4": ".m4a", "audio/wav": ".wav",
        "audio/flac": ".flac", "application/pdf": ".pdf", "application/zip": ".zip",
        **{mime: "." + ext for ext, mime in _OFFICE.items()}}
_ALIASES = {"audio/x-wav": "audio/wav", "audio/x-flac": "audio/flac",
            "application/x-zip-compressed": "application/zip"}
_HTMLISH = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml",
            b"<iframe", b"<!--", b"<meta", b"<style", b"<object", b"<embed", b"<a ", b"<img",
            b"<div", b"<p>", b"<title", b"<xsl", b"<rdf")
_BAD_NAME_CHARS = set('<>:"|?*\x7f')


class AttachmentError(DomainError):
    """The file cannot be stored or attached; `code` + `params` say why."""

    code = "file"


# -- names ------------------------------------------------------------------------------

def safe_name(name: str, default: str = "file") -> str:
    """A file name that is safe everywhere: no path parts, no control or bidi/format
    characters, no leading dots, at most MAX_NAME characters (extension kept); Unicode
    letters stay."""
    name = unicodedata.normalize("NFC", str(name or ""))
    out = []
    for ch in name.replace("\\", "/").replace("/", "_"):
        cat = unicodedata.category(ch)
        if ch in "\t\n\r\v\f":
            ch = " "
        elif cat[0] == "C":  # controls, bidi overrides (U+202E), zero-width, surrogates
            continue
        if cat[0] == "Z":  # any space or line separator
            ch = " "
        elif ch in _BAD_NAME_CHARS:
            ch = "_"
        out.append(ch)
    name = " ".join("".join(out).split())
    name = name.lstrip(". _-").rstrip(". ")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 16 or not ext.isalnum():
        stem, ext = name, ""
    ext = "." + ext if ext else ""
    stem = stem.rstrip(". ")
    if not stem:
        stem = default
    while stem and (len(stem) + len(ext) > MAX_NAME
                    or len((stem + ext).encode("utf-8")) > MAX_NAME_BYTES):
        stem = stem[:-1]
    stem = stem.rstrip(". ") or default
    return stem + ext


def _ext_of(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


# -- sniffing ---------------------------------------------------------------------------

def _base_type(mime: str) -> str:
    mime = (mime or "").split(";")[0].strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*", mime):
        return ""
    return _ALIASES.get(mime, mime)


def is_dangerous(mime: str) -> bool:
    """Types a browser would run or render as a document (HTML, SVG, XML, scripts)."""
    mime = _base_type(mime)
    return bool(mime) and ("html" in mime or "script" in mime or mime.endswith("+xml")
                           or mime in {"text/xml", "application/xml", "text/xsl",
                                       "application/xslt", "text/vtt", "text/cache-manifest",
                                       "application/x-shockwave-flash"})


def _looks_like_markup(data: bytes) -> bool:
    head = data[:4096]
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(bom):
            head = head[len(bom):]
            break
    head = head.replace(b"\x00", b"").lstrip().lower()  # UTF-16 markup too
    if head.startswith(_HTMLISH):
        return True
    return any(tag in head for tag in (b"<script", b"<svg", b"<html", b"<iframe", b"javascript:"))


def _is_voice(data: bytes) -> bool:
    return data.startswith(b"OggS") and b"OpusHead" in data[:128]


def image_size(data: bytes, mime: str) -> tuple[int, int] | None:
    """(width, height) from a PNG, GIF or JPEG header, or None."""
    try:
        if mime == "image/png" and data[12:16] == b"IHDR":
            w, h = struct.unpack(">II", data[16:24])
            return (w, h) if w and h else None
        if mime == "image/gif":
            w, h = struct.unpack("<HH", data[6:10])
            return (w, h) if w and h else None
        if mime == "image/jpeg":
            i, end = 2, min(len(data), 512 * 1024)
            while i + 9 < end:
                if data[i] != 0xFF:
                    return None
                marker = data[i + 1]
                if marker == 0xFF:  # fill byte
                    i += 1
                    continue
                if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                    i += 2
                    continue
                seg_len = struct.unpack(">H", data[i + 2:i + 4])[0]
                if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                    h, w = struct.unpack(">HH", data[i + 5:i + 9])
                    return (w, h) if w and h else None
                if seg_len < 2:
                    return None
                i += 2 + seg_len
    except struct.error:
        return None
    return None


def classify(data: bytes, file_name: str, declared_type: str = "") -> tuple[str, str, bool]:
    """(mime_type, kind, inline) for these bytes under this (sanitised) name."""
    ext = _ext_of(file_name)
    proven = sniff(data, ext)
    if proven:
        mime = proven
    elif _looks_like_markup(data):
        mime = OCTET
    else:
        mime = ""
        for claim in (_base_type(mimetypes.guess_type("x." + ext)[0] or "") if ext else "",
                      _base_type(declared_type)):
            if claim and claim != OCTET:
                mime = claim
                break
        if not mime or mime.startswith(_NEEDS_PROOF):
            mime = OCTET  # an unproven image/audio/video/pdf is just bytes
    if is_dangerous(mime):
        mime = OCTET
    inline = bool(proven) and mime in _INLINE
    if inline and mime.startswith("image/"):
        kind = "photo"
    elif inline and mime.startswith("video/"):
        kind = "video"
    elif inline and mime.startswith("audio/"):
        kind = "voice" if _is_voice(data) else "audio"
    else:
        kind = "document"
    return mime, kind, inline


# -- storing ----------------------------------------------------------------------------

def root() -> Path:
    return settings.get().files_dir / "attachments"


def _served_as(name: str) -> str:
    """The type api.files will send for a stored file of this name (it guesses by name)."""
    return _base_type(mimetypes.guess_type(name)[0] or "") or OCTET


def _stored_name(file_name: str, mime: str) -> str:
    name = f"{secrets.token_hex(8)}-{file_name}"
    if _served_as(name) == mime:
        return name
    ext = _EXT.get(mime, "")
    if ext and _served_as(name + ext) == mime:
        return name + ext
    return name + ".bin"  # served as application/octet-stream: downloaded, never rendered


def _store(data: bytes, filename: str, declared_type: str, limit: int) -> dict:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise AttachmentError("no file data", code="file_empty")
    data = bytes(data)
    if not data:
        raise AttachmentError("the file is empty", code="file_empty")
    if len(data) > limit:
        raise AttachmentError(f"the file is too big: {len(data) / 1048576:.1f} MB "
                              f"(max {limit // 1048576} MB)", code="file_big",
                              size=f"{len(data) / 1048576:.1f}", limit=limit // 1048576)
    provisional = safe_name(filename)
    mime, kind, inline = classify(data, provisional, declared_type)
    file_name = provisional
    if not filename or not str(filename).strip():  # channel media without a name
        file_name = safe_name(("photo" if kind == "photo" else kind) + _EXT.get(mime, ""))
    now = utcnow()
    stored = _stored_name(file_name, mime)
    storage.put(f"attachments/{now:%Y}/{now:%m}/{stored}", data)
    out = {"kind": kind, "url": f"{URL_PREFIX}{now:%Y}/{now:%m}/{quote(stored)}",
           "file_name": file_name, "mime_type": mime, "file_size": len(data), "inline": inline}
    size = image_size(data, mime) if kind == "photo" else None
    if size:
        out["width"], out["height"] = size
    return out


def store_upload(filename: str, data: bytes, declared_type: str = "") -> dict:
    """An operator's upload from the composer (max 20 MB)."""
    return _store(data, filename, declared_type, MAX_UPLOAD)


def store_inbound(channel_kind: str, data: bytes, filename: str = "",
                  content_type: str = "") -> dict:
    """Media a channel adapter downloaded for an inbound message (max 50 MB)."""
    return _store(data, filename, content_type, MAX_INBOUND)


def key_of(attachment: dict) -> str | None:
    """The storage key of an attachment dict made here, or None when its url is not ours."""
    url = attachment.get("url") if isinstance(attachment, dict) else None
    if not isinstance(url, str) or not url.startswith(URL_PREFIX):
        return None
    key = "attachments/" + unquote(url[len(URL_PREFIX):])
    try:
        return storage.check_key(key)
    except storage.StorageError:
        return None


def local_path(attachment: dict) -> Path | None:
    """A local file with the bytes of an attachment dict made here (for channel senders;
    with S3 storage a cached copy), or None when its url is not one of ours or the file is
    gone."""
    key = key_of(attachment)
    return storage.local_file(key) if key else None


def remove(attachment: dict) -> None:
    """Delete the stored file of an attachment that was never sent."""
    key = key_of(attachment)
    if key:
        storage.delete(key)


def outbound_file(attachment: dict, public_url: bool = False):
    """The typed file an adapter sends (channels never read our storage themselves), or None
    when the stored file is gone. With public_url, a signed, expiring URL is filled in for the
    channels that fetch files by URL (Viber)."""
    from messenger_app.channels.base import OutboundFile

    path = local_path(attachment)
    if path is None:
        return None
    return OutboundFile(path=str(path), file_name=str(attachment.get("file_name") or path.name),
                        mime_type=str(attachment.get("mime_type") or OCTET),
                        size=path.stat().st_size, kind=str(attachment.get("kind") or "document"),
                        url=signed_url(attachment) if public_url else "")


SIGNED_PREFIX = "/files-signed/"
SIGNED_TTL = 24 * 3600


def _signing_key() -> bytes:
    """The key of signed file URLs, in the database so that every host signs alike."""
    from messenger_app.services import app_secrets

    return bytes.fromhex(app_secrets.get_or_create("file_url_key", lambda: secrets.token_hex(32)))


def _signature(rel: str, expires: int) -> str:
    import hashlib
    import hmac

    return hmac.new(_signing_key(), f"{expires}:{rel}".encode(), hashlib.sha256).hexdigest()[:32]


def signed_url(attachment: dict, ttl: int = SIGNED_TTL, now: float | None = None) -> str:
    """A public URL of a stored attachment that works without a session until it expires."""
    import time

    url = str(attachment.get("url") or "")
    if not url.startswith(URL_PREFIX):
        return ""
    rel = url[len(URL_PREFIX):]
    expires = int((now if now is not None else time.time()) + ttl)
    return f"{settings.get().public_url}{SIGNED_PREFIX}{expires}/{_signature(rel, expires)}/{rel}"


def signed_path(expires: str, signature: str, rel: str, now: float | None = None) -> Path | None:
    """The file behind a signed URL, or None when the signature is wrong or expired."""
    import hmac
    import time

    if not expires.isdigit() or int(expires) < (now if now is not None else time.time()):
        return None
    if not hmac.compare_digest(_signature(rel, int(expires)), signature):
        return None
    return local_path({"url": URL_PREFIX + rel})


# -- sending ----------------------------------------------------------------------------

def clean_attachments(attachments) -> list[dict]:
    """Attachment dicts for a message, rebuilt from the stored files: only files made by
    store_upload()/store_inbound() are accepted, and type, kind, inline, size and
    dimensions come from the file itself (what the browser sent is not trusted)."""
    if not attachments:
        return []
    if not isinstance(attachments, (list, tuple)):
        raise AttachmentError("attachments must be a list", code="file")
    if len(attachments) > MAX_PER_MESSAGE:
        raise AttachmentError(f"too many files (max {MAX_PER_MESSAGE} per message)", code="files_many",
                              limit=MAX_PER_MESSAGE)
    out = []
    for a in attachments:
        key = key_of(a)
        path = storage.local_file(key) if key else None
        if path is None:
            raise AttachmentError("unknown attachment (upload the file first)", code="file_unknown")
        with open(path, "rb") as fh:
            head = fh.read(256 * 1024)
        stored = key.rsplit("/", 1)[-1]
        display = safe_name(a.get("file_name") or stored.partition("-")[2] or stored)
        served = _served_as(stored)
        mime, kind, inline = classify(head, stored)
        if mime != served:  # e.g. a ".bin" copy: it is downloaded, whatever it is
            mime, kind, inline = served, "document", False
        item = {"kind": kind, "url": a["url"], "file_name": display, "mime_type": mime,
                "file_size": path.stat().st_size, "inline": inline}
        size = image_size(head, mime) if kind == "photo" else None
        if size:
            item["width"], item["height"] = size
        out.append(item)
    return out


def queue_with_attachments(dialog_id: int, operator_id: int | None, text: str,
                           attachments: list[dict], identity_id: int | None = None,
                           subject: str = "") -> int:
    """The composer's send with files: checks the files, then outbox.queue(). Raises
    AttachmentError for bad files and outbox.SendRefused (also a ValueError) otherwise."""
    from messenger_app.services import outbox

    clean = clean_attachments(attachments)
    return outbox.queue(dialog_id, operator_id, text, identity_id=identity_id, attachments=clean,
                        subject=subject)
