"""The one logging configuration of the app's own loggers ("messenger.*" and the modules'
"messenger_app.*"): every line says when, how bad and who, e.g.

    2026-12-01 13:50:02,114 WARNING messenger.webhooks: webhook 3: 1 item(s) not stored: …

LOG_LEVEL (DEBUG, INFO, WARNING, ERROR; default INFO) sets the level. Reflex's and
Granian's own lines keep their format (ours still reach the root logger, e.g. pytest's caplog).
`configure()` is idempotent: the app module calls it
in every backend process.
"""

from __future__ import annotations

import logging
import logging.config
import os

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOGGERS = ("messenger", "messenger_app")
_done = False


def level() -> str:
    name = (os.environ.get("LOG_LEVEL") or "INFO").strip().upper()
    return name if name in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL") else "INFO"


def configure() -> None:
    global _done
    if _done:
        return
    logging.config.dictConfig({
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"app": {"format": FORMAT}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "app",
                                "stream": "ext://sys.stderr"}},
        "loggers": {name: {"handlers": ["stderr"], "level": level(), "propagate": True}
                    for name in LOGGERS},
    })
    _done = True
