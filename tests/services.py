"""Start and stop real redis-server / PostgreSQL on loopback for the tests that need them."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, timeout: float = 15) -> None:
    end = time.time() + timeout
    while time.time() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


class RedisServer:
    def __init__(self, workdir: Path):
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.path.exists(exe):
            raise RuntimeError("redis-server is not installed (./test.sh installs it)")
        self.port = free_port()
        self._cmd = [exe, "--port", str(self.port), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--dir", str(workdir)]
        self.start()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """(Re)start on the same port (an outage test stops and starts it again)."""
        self.proc = subprocess.Popen(self._cmd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        _wait_port(self.port)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(10)


class PostgresServer:
    """A throw-away cluster in `workdir`, run as the `postgres` user when we are root."""

    def __init__(self, workdir: Path | None = None):
        bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not bindir:
            raise RuntimeError("PostgreSQL is not installed (./test.sh installs it)")
        self.bin = bindir[-1]
        # its own folder under /tmp: pytest's tmp folders are closed to the postgres user
        workdir = Path(tempfile.mkdtemp(prefix="messenger-pg-"))
        self.workdir = workdir
        self.port = free_port()
        self.dir = workdir / "pg"
        self.dir.mkdir(parents=True)
        self.sock = workdir / "pgsock"
        self.sock.mkdir()
        self.as_user = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            shutil.chown(self.sock, "postgres")
            os.chmod(workdir, 0o755)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        subprocess.run(self.as_user + [str(self.bin / "initdb"), "-D", str(self.dir), "-U", "postgres",
                                       "--auth=trust", "-E", "UTF8"], check=True,
                       stdout=subprocess.DEVNULL)
        self._start()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _start(self) -> None:
        self.proc = subprocess.Popen(self.as_user + [str(self.bin / "postgres"), "-D", str(self.dir),
                                                     "-p", str(self.port), "-k", str(self.sock),
                                                     "-c", "listen_addresses=127.0.0.1",
                                                     "-c", "fsync=off"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(self.port)
        time.sleep(0.5)

    def stop_for(self, seconds: float) -> None:
        """An outage: fast shutdown (clients cut off), `seconds` down, then the same cluster."""
        import signal

        # SIGINT = fast shutdown, to the postmaster itself (runuser does not pass SIGINT on)
        postmaster = int((self.dir / "postmaster.pid").read_text().split()[0])
        os.kill(postmaster, signal.SIGINT)
        self.proc.wait(30)
        time.sleep(seconds)
        self._start()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(20)
        shutil.rmtree(self.workdir, ignore_errors=True)
