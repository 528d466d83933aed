"""Files in messages: operator uploads and media downloaded from channels.

The content type is decided from the bytes (magic numbers), not from what the browser or the
file name claims. A file that only *claims* to be an image/audio/video/PDF is stored as
application/octet-stream; HTML, SVG, XML and scripts are never served as such. The stored
file's extension always matches the type it will be served with (api.files serves by
extension with X-Content-Type-Options: nosniff), adding ".bin" when it would not.

Stored under DATA_DIR/files/attachments/<yyyy>/<mm>/<random-hex>-<safe-name>.

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

import io
import mimetypes
import os
import re
import secrets
import struct
import unicodedata
import zipfile
from pathlib import Path
from urllib.parse import quote, unquote

from messenger_app import settings
from messenger_app.clock import utcnow
from messenger_app.services.errors import DomainError

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
_OFFICE = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
_OOXML_DIRS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
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


def _zip_type(data: bytes, ext: str) -> str:
    if ext in _OFFICE:
        return _OFFICE[ext]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()[:200]
            if "mimetype" in names:
                declared = z.read("mimetype")[:100].decode("ascii", "ignore").strip()
                if declared in _OFFICE.values():
                    return declared
            if "[Content_Types].xml" in names:
                for prefix, kind in _OOXML_DIRS.items():
                    if any(n.startswith(prefix) for n in names):
                        return _OFFICE[kind]
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError):
        pass
    return "application/zip"


def sniff(data: bytes, ext: str = "") -> str:
    """The type the bytes prove, or "" when they prove nothing we know."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"OggS"):
        return "audio/ogg"
    if data.startswith(b"fLaC"):
        return "audio/flac"
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] in
                                   (0xFB, 0xF3, 0xF2, 0xFA, 0xE3, 0xE2)):
        return "audio/mpeg"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in (b"M4A ", b"M4B ", b"M4P "):
            return "audio/mp4"
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"avif"):
            return ""  # HEIF/AVIF stills: no inline promise, stored as a document
        if brand == b"qt  ":
            return "video/quicktime"
        return "video/mp4"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_type(data, ext)
    return ""


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
    folder = root() / f"{now:%Y}" / f"{now:%m}"
    folder.mkdir(parents=True, exist_ok=True)
    stored = _stored_name(file_name, mime)
    target = folder / stored
    tmp = folder / f".{stored}.part"
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
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


def local_path(attachment: dict) -> Path | None:
    """The stored file of an attachment dict made here (for channel senders), or None when
    its url is not one of ours or the file is gone."""
    url = attachment.get("url") if isinstance(attachment, dict) else None
    if not isinstance(url, str) or not url.startswith(URL_PREFIX):
        return None
    base = root().resolve()
    path = (base / unquote(url[len(URL_PREFIX):])).resolve()
    if base not in path.parents or not path.is_file():
        return None
    return path


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
        path = local_path(a)
        if path is None:
            raise AttachmentError("unknown attachment (upload the file first)", code="file_unknown")
        with open(path, "rb") as fh:
            head = fh.read(256 * 1024)
        display = safe_name(a.get("file_name") or path.name.partition("-")[2] or path.name)
        served = _served_as(path.name)
        mime, kind, inline = classify(head, path.name)
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
                           attachments: list[dict], identity_id: int | None = None) -> int:
    """The composer's send with files: checks the files, then outbox.queue(). Raises
    AttachmentError for bad files and outbox.SendRefused (also a ValueError) otherwise."""
    from messenger_app.services import outbox

    clean = clean_attachments(attachments)
    return outbox.queue(dialog_id, operator_id, text, identity_id=identity_id, attachments=clean)
