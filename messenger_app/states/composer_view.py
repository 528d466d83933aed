"""What the composer shows of the open dialog, as cached vars with explicit deps, in a
substate of ComposerState of its own (the OpenDialogState pattern, states/open_dialog.py).

The values come from ComposerState's methods (states/composer.py). Each var is recomputed
only when one of the vars it lists changes, so a live update of the list (rows, folders,
the sound) computes none of them; before, they were uncached and Reflex recomputed and
compared all six for every delta of every tab (issue 11: ~13 % of a tab's share of a live
update). Opening a dialog changes `_open_id` and sends them, in this state's part of the
delta: the browser re-renders the few components bound to this state, not the ~60 bound to
ComposerState.
"""

from __future__ import annotations

import reflex as rx

from messenger_app.states.composer import ComposerState

_ROUTE = ["_routes", "_route_id"]


class ComposerViewState(ComposerState):
    @rx.var(deps=["_pending_by", "_open_id"], auto_deps=False)
    def pending(self) -> list[dict[str, str]]:
        """The files waiting to go with the open dialog's next message."""
        return self._pending_shown()

    @rx.var(deps=[*_ROUTE, "lang"], auto_deps=False)
    def attach_block(self) -> str:
        return self._attach_reason()

    @rx.var(deps=[*_ROUTE, "note_mode"], auto_deps=False)
    def route_has_subject(self) -> bool:
        return self._subject_offered()

    @rx.var(deps=[*_ROUTE, "_pending_by", "_open_id", "note_mode", "lang"], auto_deps=False)
    def route_refusal(self) -> str:
        return self._files_refusal()

    @rx.var(deps=["warning", "warning_did", "_open_id"], auto_deps=False)
    def warning_shown(self) -> str:
        return self._warning_for_open()

    @rx.var(deps=["search_open", "search_scope", "search_did", "_open_id"], auto_deps=False)
    def search_shown(self) -> bool:
        return self._search_visible()
