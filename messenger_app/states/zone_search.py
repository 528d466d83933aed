"""The operator's time zone and search text, shared by the inbox and the client base.

The zone is asked from the browser on load (`ask_zone`); `set_tz` keeps it only when it is a
real zone name and different, then the state re-reads what shows times (`_zone_changed`).
The state declares its own `tz` var.
"""

from __future__ import annotations

import reflex as rx

from messenger_app.states import view
from messenger_app.states.auth import operator_required

MAX_SEARCH = 100  # characters of the search box that are searched
_BROWSER_ZONE = "Intl.DateTimeFormat().resolvedOptions().timeZone"


def clean_search(text) -> str:
    return str(text)[:MAX_SEARCH]


def ask_zone(state: type[rx.State]):
    """The event that asks the browser for its zone and hands it to `state.set_tz`."""
    return rx.call_script(_BROWSER_ZONE, callback=state.set_tz)


class BrowserZone(rx.State, mixin=True):
    """`set_tz` for a state with a `tz` var and a `_zone_changed()` hook."""

    @rx.event
    @operator_required
    def set_tz(self, tz: str):
        if isinstance(tz, str) and tz != self.tz and view.zone(tz).key == tz:
            self.tz = tz
            self._zone_changed()

    def _zone_changed(self) -> None:
        raise NotImplementedError
