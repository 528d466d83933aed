"""Two hosts, one PostgreSQL, one Redis, one S3 bucket (moto in server mode): each host is an
app process started from its own directory with its own DATA_DIR. Slow-ish (~10 s): real
servers and processes.

Covered here: both start at once on an empty database (migrations under the advisory lock),
/api/health on each, the same VAPID key from both, a file stored on host A downloads from B.
Still to add (issue #17, needs the workers' claims): 100 inbound + 100 outbound with a kill -9
of the lease holder counted at a fake; PostgreSQL stopped 15 s; Redis stopped 20 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.services import PostgresServer, RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x03" + b"\x00" * 40
pytestmark = pytest.mark.multihost


def _get(url: str, token: str = "") -> tuple[int, bytes, dict]:
    req = urllib.request.Request(url, headers={"Cookie": f"msg_session={token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)
    except OSError:
        return 0, b"", {}


class Host:
    def __init__(self, name: str, tmp: Path, env: dict):
        self.dir = tmp / name
        self.dir.mkdir()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "DATA_DIR": str(self.dir / "data"), "PYTHONPATH": str(ROOT)}
        self.log = open(self.dir / "host.log", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "tests.multihost.host_app:app",
             "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"],
            cwd=self.dir, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log_text()
            status, body, _ = _get(self.url + "/api/health")
            if status == 200:
                return json.loads(body)
            time.sleep(0.2)
        raise AssertionError(f"host did not start:\n{self.log_text()}")

    def run(self, code: str) -> str:
        """A one-off process on this host (as its poller would run), same environment."""
        out = subprocess.run([sys.executable, "-c", code], cwd=self.dir, env=self.env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    def log_text(self) -> str:
        return (self.dir / "host.log").read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)
        self.log.close()


@pytest.fixture
def cluster(tmp_path):
    import boto3
    from moto.server import ThreadedMotoServer

    pg = PostgresServer(tmp_path)
    redis = RedisServer(tmp_path)
    s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    s3.start()
    s3_url = "http://%s:%d" % s3.get_host_and_port()
    boto3.client("s3", endpoint_url=s3_url, region_name="us-east-1", aws_access_key_id="k",
                 aws_secret_access_key="s").create_bucket(Bucket="shared")
    env = {k: v for k, v in os.environ.items() if k not in ("ADMIN_PASSWORD", "DEMO_DATA")}
    env.update(DATABASE_URL=pg.url, REDIS_URL=redis.url, S3_BUCKET="shared",
               S3_ENDPOINT_URL=s3_url, S3_REGION="us-east-1", S3_ACCESS_KEY_ID="k",
               S3_SECRET_ACCESS_KEY="s", DEMO_DATA="0", ADMIN_USERNAME="admin")
    hosts = [Host("host-a", tmp_path, env), Host("host-b", tmp_path, env)]  # start at once
    try:
        yield hosts
    finally:
        for h in hosts:
            h.stop()
        s3.stop()
        redis.stop()
        pg.stop()


def test_two_hosts_share_files_and_keys(cluster):
    a, b = cluster
    for host in (a, b):
        health = host.wait_ready()
        assert (health["db"], health["redis"], health["storage"]) == ("ok", "ok", "s3")
    # one first admin for both; its password file on the host that created it, private
    files = [h.dir / "data" / "admin-password.txt" for h in (a, b)]
    [made] = [f for f in files if f.exists()]
    assert oct(made.stat().st_mode & 0o777) == "0o600"
    user, password = made.read_text().split()
    token = a.run("from messenger_app.services import auth; "
                  f"print(auth.login({user!r}, {password!r}))")

    keys = {json.loads(_get(h.url + "/api/push/key", token)[1])["key"] for h in (a, b)}
    assert len(keys) == 1  # a browser subscribed on A gets pushes B signs

    # a file fetched on host A (media of an inbound message, an avatar) downloads from B
    url = a.run(
        "import json; from messenger_app.services import attachments, storage; "
        f"att = attachments.store_inbound('telegram', {PNG!r}, 'photo.png'); "
        f"storage.put('avatars/c1_42.png', {PNG!r}); print(att['url'])")
    for path in (url, "/files/avatars/c1_42.png"):
        status, body, headers = _get(b.url + path, token)
        assert status == 200 and body == PNG, (path, status)
        assert headers.get("content-type") == "image/png"
        assert _get(b.url + path)[0] == 401  # and only for a signed-in operator
    assert not list((a.dir / "data" / "files").rglob("*.png"))  # nothing kept on A's disk
