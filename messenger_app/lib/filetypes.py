"""What a file is, decided from its bytes (magic numbers), never from what a name or a header
claims. Used for uploads, inbound media and downloads alike."""

from __future__ import annotations

import io
import zipfile

OFFICE = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
_OOXML_DIRS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}


def _zip_type(data: bytes, ext: str) -> str:
    if ext in OFFICE:
        return OFFICE[ext]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()[:200]
            if "mimetype" in names:
                declared = z.read("mimetype")[:100].decode("ascii", "ignore").strip()
                if declared in OFFICE.values():
                    return declared
            if "[Content_Types].xml" in names:
                for prefix, kind in _OOXML_DIRS.items():
                    if any(n.startswith(prefix) for n in names):
                        return OFFICE[kind]
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
