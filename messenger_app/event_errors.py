"""What happens when an event handler raises (rx.App's backend_exception_handler).

Any websocket client can send any event: `setvar` for a var without a setter is such
hostile input, not a bug of ours, so it is logged as one line and changes nothing. Every
other exception goes to Reflex's default handler (full traceback, error toast).
(No `from __future__ import annotations` here: Reflex evaluates the return annotation.)
"""

import logging
import traceback

from reflex.app import default_backend_exception_handler
from reflex.event import EventSpec

log = logging.getLogger("messenger.events")


def _from_setvar(exception: Exception) -> bool:
    if not isinstance(exception, AttributeError):
        return False
    frames = traceback.extract_tb(exception.__traceback__)
    # the innermost frames: Reflex's setvar asking the state for set_<name>
    return any(f.name == "setvar" and f.filename.endswith("reflex/state.py") for f in frames[-3:])


def handle(exception: Exception) -> EventSpec | None:
    if _from_setvar(exception):
        log.warning("refused setvar: %s", str(exception).splitlines()[0][:200])
        return None
    return default_backend_exception_handler(exception)
