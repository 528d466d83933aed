"""This process's id for leases and claims (services/lease.py, outbox.claim_next, jobs.claim):
host, pid and a random part, recomputed after a fork (Granian forks workers after import)."""

from __future__ import annotations

import os
import socket
import uuid

_holder: tuple[int, str] | None = None


def holder() -> str:
    """This process's id for leases and claims (recomputed after a fork)."""
    global _holder
    pid = os.getpid()
    if _holder is None or _holder[0] != pid:
        _holder = (pid, f"{socket.gethostname()}:{pid}:{uuid.uuid4().hex[:8]}")
    return _holder[1]
