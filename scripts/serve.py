"""Starts the production server like `reflex run --env prod --single-port`, but skips the
frontend compile and build when nothing they depend on changed since the last build (a warm
start: README "Operations"). Used by run.sh.

    python scripts/serve.py PORT            # FORCE_BUILD=1: build anyway

The fingerprint (`.web/messenger-build.sha256`) covers what the compiled pages are made of:
the app's Python source, assets/, rxconfig.py, requirements*.txt, reflex.lock/, the versions
of the installed reflex packages, and the environment read while compiling (PORT,
PUBLIC_URL, CORS_ORIGINS, TRUSTED_PROXY_HOPS, REDIS_URL, REFLEX_*). It is written only after
a build succeeded, and the built pages must still be there.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAMP = ROOT / ".web" / "messenger-build.sha256"
BUILT = ROOT / ".web" / "build" / "client"
ENV_KEYS = ("PORT", "PUBLIC_URL", "CORS_ORIGINS", "TRUSTED_PROXY_HOPS", "REDIS_URL")
SOURCES = (("messenger_app", "*.py"), ("assets", "*"), ("reflex.lock", "*"))


def fingerprint(port: str, env=os.environ) -> str:
    h = hashlib.sha256()
    files = [ROOT / "rxconfig.py", *sorted(ROOT.glob("requirements*.txt"))]
    for folder, pattern in SOURCES:
        files += sorted(p for p in (ROOT / folder).rglob(pattern)
                        if p.is_file() and "__pycache__" not in p.parts)
    for path in files:
        h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    for dist in sorted(importlib.metadata.distributions(), key=lambda d: d.metadata["Name"] or ""):
        name = (dist.metadata["Name"] or "").lower()
        if name.startswith("reflex"):
            h.update(f"{name}=={dist.version}\n".encode())
    h.update(f"port={port}\n".encode())
    for key in sorted(k for k in env if k in ENV_KEYS or k.startswith("REFLEX_")):
        h.update(f"{key}={env[key]}\n".encode())
    return h.hexdigest()


def is_fresh(want: str) -> bool:
    try:
        have = STAMP.read_text().strip()
    except OSError:
        return False
    return have == want and (BUILT / "index.html").is_file()


def main() -> None:
    port = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORT", "3000")
    os.chdir(ROOT)
    want = fingerprint(port)
    from reflex import reflex as cli
    from reflex.utils import build

    if os.environ.get("FORCE_BUILD") != "1" and is_fresh(want):
        print("==> frontend unchanged since the last build: not rebuilding it", flush=True)
        cli._compile_app = lambda **_: None
        build.setup_frontend_prod = lambda _root: None
    else:
        STAMP.unlink(missing_ok=True)  # a build that fails half-way must not count
        setup = build.setup_frontend_prod

        def setup_and_stamp(root):
            setup(root)
            STAMP.write_text(want + "\n")

        build.setup_frontend_prod = setup_and_stamp
    sys.argv = ["reflex", "run", "--env", "prod", "--single-port", "--backend-port", str(port)]
    cli.cli()


if __name__ == "__main__":
    main()
