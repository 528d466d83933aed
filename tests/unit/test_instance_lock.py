"""One `reflex run` per checkout (messenger_app/instance_lock.py): a second instance stops
with a message naming the first; the first one's own children pass; the lock goes with
the process."""

import subprocess
import sys
from pathlib import Path

import pytest

from messenger_app import instance_lock

ROOT = Path(__file__).resolve().parents[2]
HOLDER = ("import sys; from pathlib import Path; from messenger_app import instance_lock; "
          "instance_lock.hold(Path(sys.argv[1])); print('held', flush=True); sys.stdin.read()")


@pytest.fixture
def holder(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"  # the readiness signal
    yield proc
    proc.stdin.close()
    proc.wait(timeout=10)


def _fresh(monkeypatch):
    monkeypatch.setattr(instance_lock, "_held", None)


def test_a_second_instance_is_refused_while_the_first_runs(tmp_path, holder, monkeypatch):
    _fresh(monkeypatch)
    with pytest.raises(SystemExit) as refused:
        instance_lock.hold(tmp_path)
    assert f"process {holder.pid}" in str(refused.value) and str(tmp_path) in str(refused.value)
    holder.stdin.close()
    holder.wait(timeout=10)
    instance_lock.hold(tmp_path)  # gone with its process: the next instance takes it
    assert instance_lock._held is not None
    instance_lock._held.close()


def test_the_holders_own_children_pass(tmp_path, holder, monkeypatch):
    _fresh(monkeypatch)
    monkeypatch.setattr(instance_lock, "_ancestors", lambda: {holder.pid})
    instance_lock.hold(tmp_path)  # no SystemExit: a backend worker of that instance
    assert instance_lock._held is None


def test_only_reflex_run_takes_it():
    assert instance_lock.wanted(["/x/.venv/bin/reflex", "run", "--env", "prod"])
    assert not instance_lock.wanted(["/x/.venv/bin/reflex", "export"])
    assert not instance_lock.wanted(["pytest", "run"])
