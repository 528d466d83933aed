"""Start-up on several hosts: migrations under a PostgreSQL advisory lock, one first admin,
its password file readable by its owner only."""

import os
import stat
import subprocess
import sys
import time

from sqlalchemy import text
from sqlmodel import select

from messenger_app import db, settings
from messenger_app.models import Operator
from messenger_app.services import startup
from tests.conftest import ROOT

PREPARE = "from messenger_app.services import startup; startup.prepare(); print('ready')"


def test_password_file_is_private_and_written_once(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    monkeypatch.setenv("DEMO_DATA", "0")
    settings.reset()
    db.reset_engine()
    startup.prepare()
    path = tmp_path / "data" / "admin-password.txt"
    user, password = path.read_text().split()
    assert user == "admin" and len(password) >= 12
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    startup.prepare()  # a restart: no new admin, the file is left as it was
    assert path.read_text().split() == [user, password]
    with db.session() as s:
        assert len(s.exec(select(Operator)).all()) == 1
    db.reset_engine()
    settings.reset()


def _waiting_on_lock(conn) -> int:
    return conn.execute(text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        "AND objid = :lo"), {"lo": startup.MIGRATION_LOCK & 0xFFFFFFFF}).scalar()


def test_two_hosts_migrate_a_fresh_postgres_at_once(postgres, tmp_path, monkeypatch):
    """Two processes with their own DATA_DIR (no shared lock file) start on one empty
    database. The test holds the advisory lock until both are queued behind it, then lets
    them go: one migrates and creates the admin, the other finds it done."""
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    env = dict(os.environ, DATABASE_URL=postgres.url, DEMO_DATA="0", PYTHONPATH=str(ROOT))
    env.pop("ADMIN_PASSWORD", None)
    holder = db.engine().connect()
    holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": startup.MIGRATION_LOCK})
    holder.commit()
    procs = [subprocess.Popen([sys.executable, "-c", PREPARE], cwd=ROOT, text=True,
                              env={**env, "DATA_DIR": str(tmp_path / name)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for name in ("host-a", "host-b")]
    try:
        deadline = time.monotonic() + 60
        while _waiting_on_lock(holder) < 2:
            assert time.monotonic() < deadline, "the hosts never asked for the lock"
            assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
            holder.rollback()
            time.sleep(0.05)
        holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": startup.MIGRATION_LOCK})
        holder.commit()
        outs = [p.communicate(timeout=120) for p in procs]
    finally:
        holder.close()
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert out.strip().endswith("ready")
        assert "Traceback" not in err
    with db.session() as s:
        assert [o.username for o in s.exec(select(Operator)).all()] == ["admin"]
    files = [tmp_path / n / "admin-password.txt" for n in ("host-a", "host-b")]
    assert sum(f.exists() for f in files) == 1  # the host that created the admin
    with db.engine().connect() as c:
        assert c.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
