"""One running app per checkout: its `.web/` build belongs to the instance that made it.

A second `reflex run` from the same checkout rebuilt `.web/` for its own port, silently
pointing the first instance's pages at the second backend. Now `reflex run` takes an
exclusive lock on `.instance.lock` beside it (rxconfig.py calls `hold()`); a second one stops at
once with a message saying which process holds it and what to do (another checkout, or
scripts/e2e_in_copy.sh). The lock goes with the process: nothing to clean after a crash.
The backend's own worker processes (children of the holder) pass.
"""

from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path

_held = None  # the open lock file, kept for the life of the process


def _ancestors() -> set[int]:
    """This process's parents, up to init (Linux /proc; empty elsewhere)."""
    out, pid = set(), os.getppid()
    while pid > 1 and pid not in out:
        out.add(pid)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            break
        pid = int(stat.rsplit(")", 1)[1].split()[1])
    return out


def hold(checkout: Path) -> None:
    """Take the checkout's lock or exit with a clear message (SystemExit)."""
    global _held
    if _held is not None:
        return
    f = open(checkout / ".instance.lock", "a+")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.seek(0)
        holder = f.read().strip()
        f.close()
        if holder.isdigit() and int(holder) in _ancestors():
            return  # a worker of the instance that holds it
        raise SystemExit(
            f"Another instance of this app (process {holder or '?'}) is running from "
            f"{checkout} and owns its frontend build ({checkout / '.web'}). Stop it first, or "
            "start the second one from another checkout (scripts/e2e_in_copy.sh makes one).")
    f.seek(0)
    f.truncate()
    f.write(str(os.getpid()))
    f.flush()
    _held = f


def wanted(argv: list[str] | None = None) -> bool:
    """True for the `reflex run` command line (not export, init, or a test importing it)."""
    argv = sys.argv if argv is None else argv
    return len(argv) > 1 and Path(argv[0]).name == "reflex" and argv[1] == "run"
