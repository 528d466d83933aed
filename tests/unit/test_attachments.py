"""services/attachments: type by magic bytes, dangerous types never rendered, size limits,
hostile file names, storage layout, and queueing a message with files."""

import io
import mimetypes
import struct
import zipfile
import zlib
from urllib.parse import unquote

import pytest

from messenger_app import db, settings
from messenger_app.models import Message
from messenger_app.services import attachments, auth, dialog_list, dialogs, outbox
from messenger_app.services.attachments import AttachmentError


def png(w=3, h=2) -> bytes:
    def chunk(kind, data):
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc
    raw = b"".join(b"\x00" + b"\x00\x00\x00" * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def jpeg(w=640, h=480) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    exif = b"\xff\xe1" + struct.pack(">H", 2 + 300) + b"x" * 300
    sof = (b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, h, w, 3)
           + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01")
    return b"\xff\xd8" + app0 + exif + sof + b"\xff\xda" + b"\x00" * 20 + b"\xff\xd9"


def gif(w=10, h=20) -> bytes:
    return b"GIF89a" + struct.pack("<HH", w, h) + b"\x00\x00\x00" + b";"


def docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


OGG_OPUS = b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x13OpusHead\x01\x01" + b"\x00" * 40
OGG_VORBIS = b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x1e\x01vorbis" + b"\x00" * 40
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x0a" + b"\x00" * 64
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
M4A = b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A isom" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'


def _path(att):
    return attachments.local_path(att)


def test_png_upload_is_a_photo_with_size_and_is_stored_by_month(data_dir):
    data = png(3, 2)
    att = attachments.store_upload("Фото отпуска.png", data, "image/png")
    assert att["kind"] == "photo" and att["mime_type"] == "image/png" and att["inline"] is True
    assert (att["width"], att["height"]) == (3, 2)
    assert att["file_name"] == "Фото отпуска.png" and att["file_size"] == len(data)
    assert att["url"].startswith("/files/attachments/")
    yyyy, mm, stored = unquote(att["url"]).split("/")[3:]
    assert len(yyyy) == 4 and len(mm) == 2 and stored.endswith("-Фото отпуска.png")
    path = settings.get().files_dir / "attachments" / yyyy / mm / stored
    assert path.read_bytes() == data and _path(att) == path.resolve()
    assert len(stored.split("-")[0]) == 16  # random hex prefix
    again = attachments.store_upload("Фото отпуска.png", data)
    assert again["url"] != att["url"]  # same name twice: two files


@pytest.mark.parametrize("name,data,mime,kind,inline", [
    ("a.jpg", jpeg(640, 480), "image/jpeg", "photo", True),
    ("a.gif", gif(), "image/gif", "photo", True),
    ("a.webp", b"RIFF\x20\x00\x00\x00WEBPVP8 " + b"\x00" * 40, "image/webp", "photo", True),
    ("voice", OGG_OPUS, "audio/ogg", "voice", True),
    ("song.ogg", OGG_VORBIS, "audio/ogg", "audio", True),
    ("song.mp3", MP3, "audio/mpeg", "audio", True),
    ("clip.mp4", MP4, "video/mp4", "video", True),
    ("memo.m4a", M4A, "audio/mp4", "audio", True),
    ("doc.pdf", PDF, "application/pdf", "document", True),
    ("report.docx", docx(), attachments._OFFICE["docx"], "document", False),
    ("report", docx(), attachments._OFFICE["docx"], "document", False),  # found inside the zip
    ("notes.txt", "Привет, мир".encode(), "text/plain", "document", False),
    ("blob", b"\x00\x01\x02\x03 binary", "application/octet-stream", "document", False),
])
def test_type_is_sniffed_from_the_bytes(data_dir, name, data, mime, kind, inline):
    att = attachments.store_upload(name, data)
    assert (att["mime_type"], att["kind"], att["inline"]) == (mime, kind, inline)
    # the stored file is served (by extension) with exactly this type
    assert (mimetypes.guess_type(_path(att).name)[0] or "application/octet-stream") in (
        mime, "audio/x-wav")


def test_jpeg_dimensions_come_from_the_sof_header(data_dir):
    att = attachments.store_upload("x.jpg", jpeg(1280, 720))
    assert (att["width"], att["height"]) == (1280, 720)
    assert "width" not in attachments.store_upload("doc.pdf", PDF)


def test_a_wrong_extension_does_not_decide_the_type(data_dir):
    att = attachments.store_upload("photo.png", jpeg())
    assert att["mime_type"] == "image/jpeg" and att["kind"] == "photo"
    assert att["file_name"] == "photo.png"
    assert mimetypes.guess_type(_path(att).name)[0] == "image/jpeg"  # stored as …photo.png.jpg
    att = attachments.store_upload("evil.html", png())  # a real PNG under an HTML name
    assert att["mime_type"] == "image/png" and att["file_name"] == "evil.html"
    assert mimetypes.guess_type(_path(att).name)[0] == "image/png"  # never served as HTML


@pytest.mark.parametrize("name,data,declared", [
    ("photo.png", HTML, "image/png"),  # HTML pretending to be an image
    ("page.html", HTML, "text/html"),
    ("logo.svg", SVG, "image/svg+xml"),
    ("app.js", b"fetch('/api').then(r => r.text())", "application/javascript"),
    ("picture.jpg", b"just some text, not a picture", "image/jpeg"),  # unproven image
    ("data.xml", b"\xef\xbb\xbf  <?xml version='1.0'?><x/>", "text/xml"),
    ("readme.txt", b"hello <script>alert(1)</script>", "text/plain"),
    ("noext", "<svg onload=alert(1)>".encode("utf-16"), ""),
])
def test_dangerous_or_unproven_files_are_never_rendered(data_dir, name, data, declared):
    att = attachments.store_upload(name, data, declared)
    assert att["mime_type"] == "application/octet-stream"
    assert att["inline"] is False and att["kind"] == "document"
    stored = _path(att).name
    assert stored.endswith(".bin") or "." not in stored  # how api.files will serve it:
    assert (mimetypes.guess_type(stored)[0] or "application/octet-stream") == (
        "application/octet-stream")


@pytest.mark.filterwarnings("ignore:Using `httpx`")
def test_html_named_png_is_served_as_a_download(data_dir):
    from starlette.testclient import TestClient

    from messenger_app import api
    from messenger_app.states.auth import SESSION_COOKIE

    auth.create_operator("op", "password-123")
    token = auth.login("op", "password-123")
    bad = attachments.store_upload("photo.png", HTML, "image/png")
    good = attachments.store_upload("Фото #1 100%.png", png())  # the url is percent-encoded
    client = TestClient(api.build())
    client.cookies.set(SESSION_COOKIE, token)
    r = client.get(bad["url"])
    assert r.status_code == 200 and r.content == HTML
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["x-content-type-options"] == "nosniff"
    r = client.get(good["url"])
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"


def test_size_limits_and_empty_files(data_dir, monkeypatch):
    with pytest.raises(AttachmentError, match="empty"):
        attachments.store_upload("a.txt", b"")
    monkeypatch.setattr(attachments, "MAX_UPLOAD", 1000)
    monkeypatch.setattr(attachments, "MAX_INBOUND", 2000)
    attachments.store_upload("ok.bin", b"x" * 1000)
    with pytest.raises(AttachmentError, match="too big"):
        attachments.store_upload("big.bin", b"x" * 1001)
    attachments.store_inbound("telegram", b"x" * 2000, "ok.bin", "")
    with pytest.raises(AttachmentError, match="too big"):
        attachments.store_inbound("telegram", b"x" * 2001, "big.bin", "")
    files = [p for p in (settings.get().files_dir / "attachments").rglob("*") if p.is_file()]
    assert len(files) == 2  # nothing written for refused files, no temp files left


def test_the_real_limits():
    assert attachments.MAX_UPLOAD == 20 * 1024 * 1024
    assert attachments.MAX_INBOUND == 50 * 1024 * 1024


@pytest.mark.parametrize("name,expected", [
    ("../../etc/passwd", "etc_passwd"),
    ("..\\..\\windows\\system32\\cmd.exe", "windows_system32_cmd.exe"),
    ("a\u202egnp.exe", "agnp.exe"),  # the right-to-left override is gone
    ("in\x00vo\x1fice\r\n.pdf", "invoice.pdf"),
    ("a\nb.txt", "a b.txt"),
    ("zero\u200bwidth.txt", "zerowidth.txt"),
    ('what?<b>"x"</b>*|:.doc', "what__b__x___b____.doc"),
    (".htaccess", "htaccess"),
    ("   ", "file"),
    ("", "file"),
    ("Счёт №5 (копия).pdf", "Счёт №5 (копия).pdf"),  # Unicode letters stay
    ("tab\tand\u2028line  spaces.txt", "tab and line spaces.txt"),
])
def test_hostile_file_names(name, expected):
    assert attachments.safe_name(name) == expected


def test_long_names_are_cut_keeping_the_extension(data_dir):
    name = attachments.safe_name("я" * 500 + ".pdf")
    assert len(name) <= 120 and name.endswith(".pdf") and name.startswith("яяя")
    assert len(name.encode()) <= attachments.MAX_NAME_BYTES
    att = attachments.store_upload("a" * 500 + ".pdf", PDF)
    assert len(att["file_name"]) == 120 and att["file_name"].endswith(".pdf")
    assert _path(att).is_file()


def test_hostile_names_are_stored_inside_the_attachments_folder(data_dir):
    for name in ("../../etc/passwd", "/abs/path.txt", "..", "a\u202egnp.exe"):
        att = attachments.store_upload(name, b"data")
        path = _path(att)
        folder = (settings.get().files_dir / "attachments").resolve()
        assert path is not None and folder in path.parents
        assert ".." not in att["url"] and "\u202e" not in att["url"]


def test_inbound_media_without_a_name_gets_one(data_dir):
    att = attachments.store_inbound("telegram", jpeg(), "", "image/jpeg")
    assert att["file_name"] == "photo.jpg" and att["kind"] == "photo"
    voice = attachments.store_inbound("telegram", OGG_OPUS, "", "audio/ogg")
    assert voice["kind"] == "voice" and voice["file_name"] == "voice.ogg"


def test_local_path_refuses_foreign_urls(data_dir):
    assert attachments.local_path({"url": "/files/avatars/x.png"}) is None
    assert attachments.local_path({"url": "/files/attachments/../../messenger.db"}) is None
    assert attachments.local_path({"url": "/files/attachments/%2e%2e/%2e%2e/messenger.db"}) is None
    assert attachments.local_path({"url": "https://evil.example/x.png"}) is None
    assert attachments.local_path({"url": "/files/attachments/2020/01/missing.png"}) is None


def test_queue_with_attachments(dialog):
    did, op = dialog
    att = attachments.store_upload("Договор.pdf", PDF)
    forged = {**att, "mime_type": "text/html", "inline": True, "kind": "photo", "file_size": 1}
    mid = attachments.queue_with_attachments(did, op, "", [forged])
    with db.session() as s:
        m = s.get(Message, mid)
    assert m.status == "queued" and m.direction == "out" and m.text == ""
    [stored] = m.attachments
    # rebuilt from the file, not from what the browser sent
    assert stored["mime_type"] == "application/pdf" and stored["kind"] == "document"
    assert stored["file_size"] == len(PDF) and stored["url"] == att["url"]
    assert outbox.due() == [mid]
    assert dialog_list.row(did).preview == "📎 Договор.pdf"
    assert dialogs.messages(did)[-1].attachments == [stored]


def test_queue_with_attachments_keeps_text_and_photo_size(dialog):
    did, op = dialog
    att = attachments.store_upload("p.png", png(5, 7))
    mid = attachments.queue_with_attachments(did, op, "смотрите", [att])
    with db.session() as s:
        m = s.get(Message, mid)
    assert m.text == "смотрите" and m.attachments[0]["kind"] == "photo"
    assert (m.attachments[0]["width"], m.attachments[0]["height"]) == (5, 7)
    assert dialog_list.row(did).preview == "смотрите"


def test_queue_with_attachments_refuses_foreign_files_and_empty_messages(dialog):
    did, op = dialog
    with pytest.raises(AttachmentError, match="unknown attachment"):
        attachments.queue_with_attachments(did, op, "x", [{"url": "/files/avatars/a.png"}])
    with pytest.raises(AttachmentError, match="unknown attachment"):
        attachments.queue_with_attachments(did, op, "x", ["/etc/passwd"])
    att = attachments.store_upload("a.txt", b"a")
    with pytest.raises(AttachmentError, match="too many"):
        attachments.queue_with_attachments(did, op, "x", [att] * 11)
    with pytest.raises(outbox.SendRefused, match="empty"):
        attachments.queue_with_attachments(did, op, "  ", [])
    assert outbox.due() == []
