"""`python -m messenger_app.services.stats rebuild`: recompute the statistics (README
"Statistics")."""

from __future__ import annotations

import sys

from messenger_app import db
from messenger_app.services.stats.rebuild import rebuild


def main(argv: list[str]) -> int:
    if argv[:1] != ["rebuild"]:
        print("usage: python -m messenger_app.services.stats rebuild", file=sys.stderr)
        return 2
    db.migrate()
    print(rebuild())
    return 0




if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
