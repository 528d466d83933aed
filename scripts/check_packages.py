"""Do the installed packages match the pins? (scripts/setup.sh runs it after installing.)

    python scripts/check_packages.py requirements.txt [more files]

Reads `name==version` lines (following `-r other.txt`; extras such as psycopg[binary] are
ignored for the comparison) and compares them with what the running interpreter has
installed. Prints each difference and what to do, exits 1 when there is one.
"""

from __future__ import annotations

import importlib.metadata
import re
import sys
from pathlib import Path

PIN = re.compile(r"^\s*([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)")


def pins(path: Path, seen: set[Path] | None = None) -> dict[str, str]:
    seen = seen if seen is not None else set()
    path = path.resolve()
    if path in seen:
        return {}
    seen.add(path)
    out: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith(("-r ", "--requirement ")):
            out.update(pins(path.parent / line.split(None, 1)[1], seen))
        elif (m := PIN.match(line)):
            out[_norm(m.group(1))] = m.group(2)
    return out


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def differences(wanted: dict[str, str]) -> list[str]:
    problems = []
    for name, version in sorted(wanted.items()):
        try:
            have = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            problems.append(f"{name}: not installed (pinned {version})")
            continue
        if have != version:
            problems.append(f"{name}: {have} installed, {version} pinned")
    return problems


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or [Path("requirements.txt")]
    wanted: dict[str, str] = {}
    for f in files:
        wanted.update(pins(f))
    problems = differences(wanted)
    if not problems:
        return 0
    print("==> installed packages differ from the pinned ones:", file=sys.stderr)
    for p in problems:
        print("    " + p, file=sys.stderr)
    reqs = " ".join(f"-r {f}" for f in files)
    print("    fix: .venv/bin/pip install " + reqs + "   (or delete .venv and run scripts/setup.sh"
          " again); the app is tested with exactly these versions (reflex above all)",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
