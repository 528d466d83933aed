"""Where stored files live: avatars, attachments (inbound media and operator uploads).

One interface, two places:
- local (default): DATA_DIR/files/<key>. Fine for one host.
- S3-compatible object store (S3_BUCKET set): every host reads and writes the same bucket,
  so a file fetched by one host (the lease holder downloading an avatar) is served by all.

A *key* is the path under /files/, e.g. "avatars/c1_42.jpg" or
"attachments/2026/11/3f2a…-report.pdf"; the URL the UI uses is "/files/" + quote(key).
Keys are checked (`check_key`): relative, "/"-separated, no "." or ".." parts, no
backslashes or control characters — a key never leaves the files root.

Functions (what the rest of the app calls):
    put(key, data)         store bytes (atomic: readers see the old file or the new one)
    get(key) -> bytes|None the bytes, None when there is no such file
    size(key) -> int|None  its size
    delete(key)            remove it (no error when it is gone)
    local_file(key)        a local Path with its bytes (for senders that upload a file
                           handle); on S3 a cached copy under DATA_DIR/cache/files
    stream(key)            an iterator of chunks for the /files route, or None

Environment (settings.py): S3_BUCKET, S3_PREFIX, S3_ENDPOINT_URL, S3_REGION,
S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY (unset: boto3's usual credential chain).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import threading
from pathlib import Path
from typing import Iterator, Protocol

from messenger_app import settings

CHUNK = 256 * 1024
_BAD = re.compile(r"[\x00-\x1f\x7f\\]")


class StorageError(ValueError):
    """A key that may not be used (outside the files root, malformed)."""


def check_key(key: str) -> str:
    """The key itself when it is safe, else StorageError."""
    if not isinstance(key, str) or not key or len(key) > 900:
        raise StorageError("bad file key")
    if key.startswith("/") or _BAD.search(key):
        raise StorageError("bad file key")
    parts = key.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise StorageError("bad file key")
    return key


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes | None: ...
    def size(self, key: str) -> int | None: ...
    def delete(self, key: str) -> None: ...
    def local_file(self, key: str) -> Path | None: ...
    def stream(self, key: str) -> Iterator[bytes] | None: ...


class LocalStorage:
    """Files under one folder (DATA_DIR/files)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        check_key(key)
        base = self.root.resolve()
        path = (base / key).resolve()
        if base not in path.parents:
            raise StorageError("bad file key")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            with open(tmp, "xb") as fh:
                fh.write(bytes(data))
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def local_file(self, key: str) -> Path | None:
        try:
            path = self._path(key)
        except StorageError:
            return None
        return path if path.is_file() else None

    def get(self, key: str) -> bytes | None:
        path = self.local_file(key)
        return path.read_bytes() if path else None

    def size(self, key: str) -> int | None:
        path = self.local_file(key)
        return path.stat().st_size if path else None

    def delete(self, key: str) -> None:
        path = self.local_file(key)
        if path:
            path.unlink(missing_ok=True)

    def stream(self, key: str) -> Iterator[bytes] | None:
        path = self.local_file(key)
        if path is None:
            return None

        def chunks():
            with open(path, "rb") as fh:
                while block := fh.read(CHUNK):
                    yield block
        return chunks()


class S3Storage:
    """Objects in one bucket (under an optional prefix) of an S3-compatible store."""

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str = "", region: str = "",
                 access_key: str = "", secret_key: str = "", cache_dir: Path | None = None):
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.cache_dir = Path(cache_dir) if cache_dir else None
        kwargs = {"config": Config(retries={"max_attempts": 3, "mode": "standard"},
                                   connect_timeout=5, read_timeout=30,
                                   s3={"addressing_style": "path"} if endpoint_url else {})}
        if endpoint_url:
            kwargs["endpoint_url"] = endpoint_url
        if region:
            kwargs["region_name"] = region
        if access_key and secret_key:
            kwargs["aws_access_key_id"] = access_key
            kwargs["aws_secret_access_key"] = secret_key
        self.client = boto3.client("s3", **kwargs)
        self._lock = threading.Lock()

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _missing(self, err) -> bool:
        code = str(getattr(err, "response", {}).get("Error", {}).get("Code", ""))
        return code in ("404", "NoSuchKey", "NotFound")

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=bytes(data))

    def _object(self, call, key: str) -> dict | None:
        """The bucket's answer for this key, None when there is no such object."""
        from botocore.exceptions import ClientError

        try:
            return call(Bucket=self.bucket, Key=self._name(key))
        except ClientError as e:
            if self._missing(e):
                return None
            raise

    def get(self, key: str) -> bytes | None:
        obj = self._object(self.client.get_object, key)
        return None if obj is None else obj["Body"].read()

    def size(self, key: str) -> int | None:
        head = self._object(self.client.head_object, key)
        return None if head is None else int(head["ContentLength"])

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def stream(self, key: str) -> Iterator[bytes] | None:
        obj = self._object(self.client.get_object, key)
        return None if obj is None else obj["Body"].iter_chunks(CHUNK)

    def local_file(self, key: str) -> Path | None:
        """A local copy (stored keys never change their bytes: a new file gets a new key),
        kept under the cache folder by a hash of the key, the key's name as the suffix."""
        data_name = self._name(key)
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256(data_name.encode()).hexdigest()[:32]
        name = key.rsplit("/", 1)[-1]
        ext = name.rpartition(".")[2][:16] if "." in name else "bin"
        path = self.cache_dir / digest[:2] / f"{digest}.{ext}"
        if path.is_file():
            return path
        data = self.get(key)
        if data is None:
            return None
        LocalStorage(self.cache_dir).put(str(path.relative_to(self.cache_dir)), data)
        return path


_storage: tuple[settings.Settings, Storage] | None = None  # made for these settings
_lock = threading.Lock()


def make(cfg: settings.Settings) -> Storage:
    if cfg.s3_bucket:
        return S3Storage(cfg.s3_bucket, cfg.s3_prefix, cfg.s3_endpoint_url, cfg.s3_region,
                         cfg.s3_access_key_id, cfg.s3_secret_access_key,
                         cache_dir=cfg.data_dir / "cache" / "files")
    return LocalStorage(cfg.files_dir)


def backend() -> Storage:
    """The store for the current settings (a settings.reset() makes a new one)."""
    global _storage
    cfg = settings.get()
    current = _storage
    if current is None or current[0] is not cfg:
        with _lock:
            current = _storage
            if current is None or current[0] is not cfg:
                current = _storage = (cfg, make(cfg))
    return current[1]


def kind() -> str:
    return "s3" if settings.get().s3_bucket else "local"


def put(key: str, data: bytes) -> str:
    """Store `data` under `key`; returns its URL path ("/files/<key>")."""
    from urllib.parse import quote

    backend().put(key, data)
    return "/files/" + quote(key)


def get(key: str) -> bytes | None:
    return backend().get(key)


def size(key: str) -> int | None:
    return backend().size(key)


def delete(key: str) -> None:
    backend().delete(key)


def local_file(key: str) -> Path | None:
    return backend().local_file(key)


def stream(key: str) -> Iterator[bytes] | None:
    return backend().stream(key)
