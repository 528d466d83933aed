"""Files behind one storage interface: DATA_DIR/files by default, an S3 bucket when S3_BUCKET
is set, so that a file stored by one host is served by another (moto in server mode plays S3).
"""

import pytest
from starlette.testclient import TestClient

from messenger_app import db, settings
from messenger_app.services import attachments, auth, storage

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x03" + b"\x00" * 40


@pytest.fixture
def s3():
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="k",
                 aws_secret_access_key="s").create_bucket(Bucket="shared")
    yield url
    server.stop()


def _host(monkeypatch, tmp_path, name, db_url, s3_url=""):
    """Point this process at one 'host': its own DATA_DIR, the shared database (and bucket)."""
    monkeypatch.setenv("DATA_DIR", str(tmp_path / name))
    monkeypatch.setenv("DATABASE_URL", db_url)
    for var, value in {"S3_BUCKET": "shared", "S3_ENDPOINT_URL": s3_url, "S3_REGION": "us-east-1",
                       "S3_ACCESS_KEY_ID": "k", "S3_SECRET_ACCESS_KEY": "s",
                       "S3_PREFIX": "msg/"}.items():
        if s3_url:
            monkeypatch.setenv(var, value)
        else:
            monkeypatch.delenv(var, raising=False)
    settings.reset()
    db.reset_engine()
    db.migrate()


def _client(token):
    from messenger_app import api

    c = TestClient(api.build())
    c.cookies.set("msg_session", token)
    return c


@pytest.mark.parametrize("key", ["", "/etc/passwd", "../x", "a/../b", "a//b", "a/./b", "a\\b",
                                 "a\x00b", "a/\nb", "x" * 901])
def test_keys_outside_the_store_are_refused(data_dir, key):
    with pytest.raises(storage.StorageError):
        storage.put(key, b"x")
    assert storage.local_file(key) is None
    assert not any(p.is_file() for p in (data_dir / "files").rglob("*"))


def test_local_store_is_data_dir_files(data_dir):
    url = storage.put("avatars/c1_a.png", PNG)
    assert url == "/files/avatars/c1_a.png"
    assert (data_dir / "files" / "avatars" / "c1_a.png").read_bytes() == PNG
    assert storage.get("avatars/c1_a.png") == PNG and storage.size("avatars/c1_a.png") == len(PNG)
    assert not list((data_dir / "files" / "avatars").glob(".*part"))
    storage.delete("avatars/c1_a.png")
    storage.delete("avatars/c1_a.png")  # gone already: no error
    assert storage.get("avatars/c1_a.png") is None and storage.size("avatars/c1_a.png") is None


def test_a_file_stored_on_one_host_downloads_from_another(tmp_path, monkeypatch, s3):
    shared_db = f"sqlite:///{tmp_path / 'shared.db'}"
    monkeypatch.delenv("REDIS_URL", raising=False)
    _host(monkeypatch, tmp_path, "host-a", shared_db, s3)
    avatar_url = storage.put("avatars/c1_42.png", PNG)
    att = attachments.store_inbound("telegram", PNG + b"doc", "report.png")
    assert not (tmp_path / "host-a" / "files" / "avatars").exists()  # nothing local on A
    auth.create_operator("op", "password-123")

    _host(monkeypatch, tmp_path, "host-b", shared_db, s3)
    client = _client(auth.login("op", "password-123"))
    got = client.get(avatar_url)
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert client.get(att["url"]).content == PNG + b"doc"
    # the composer's check and the senders work on host B from the same stored file
    clean = attachments.clean_attachments([att])
    assert clean[0]["file_size"] == len(PNG) + 3 and clean[0]["mime_type"] == "image/png"
    path = attachments.local_path(att)
    assert path.read_bytes() == PNG + b"doc" and (tmp_path / "host-b") in path.parents
    # hostile paths and missing files are 404 on S3 too; no session is 401
    for bad in ("/files/../shared.db", "/files/%2e%2e/x", "/files/avatars/missing.png",
                "/files/avatars//c1_42.png"):
        assert client.get(bad).status_code == 404, bad
    assert _client("").get(avatar_url).status_code == 401
    # a never-sent upload removed on B is gone for A as well
    attachments.remove(att)
    _host(monkeypatch, tmp_path, "host-a", shared_db, s3)
    assert storage.get(att["url"].removeprefix("/files/")) is None
    assert storage.get("avatars/c1_42.png") == PNG
    settings.reset()
    db.reset_engine()


def test_store_down_is_503_not_500(tmp_path, monkeypatch, data_dir):
    from tests.services import free_port

    auth.create_operator("op", "password-123")
    token = auth.login("op", "password-123")
    _host(monkeypatch, tmp_path, "data", f"sqlite:///{data_dir / 'messenger.db'}",
          f"http://127.0.0.1:{free_port()}")
    got = _client(token).get("/files/avatars/a.png")
    assert got.status_code == 503 and got.json() == {"error": "file store unavailable"}
