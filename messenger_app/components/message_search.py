"""Full-text search in the message history (X4): in the open dialog or in all dialogs.
Snippets are rendered from (text, is_match) segments as text — never as HTML."""

import reflex as rx

from messenger_app.components.common import tid
from messenger_app.states.composer import ComposerState as C
from messenger_app.states.composer_view import ComposerViewState as CV
from messenger_app.states.open_dialog import OpenDialogState as O


def _segment(s) -> rx.Component:
    return rx.cond(s.mark, rx.el.mark(s.text, class_name="msg-mark", custom_attrs=tid("msg-search-mark")),
                   rx.el.span(s.text))


def _hit(h) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.match(h.dir,
                     ("out", rx.icon("corner-up-right", size=12, color="var(--gray-10)")),
                     ("note", rx.icon("lock", size=12, color="var(--amber-11)")),
                     rx.icon("corner-down-left", size=12, color="var(--gray-10)")),
            rx.cond(C.search_scope == "all",
                    rx.text(h.name, size="1", weight="bold", class_name="msg-ellipsis")),
            rx.spacer(),
            rx.text(h.time, size="1", color_scheme="gray", white_space="nowrap"),
            spacing="1", align="center", width="100%",
        ),
        rx.text(rx.foreach(h.segments, _segment), size="2", as_="div", class_name="msg-snippet"),
        on_click=C.jump(h.id), class_name="msg-pick-row", role="button", tab_index=0,
        custom_attrs={"data-testid": "msg-search-hit", "data-id": h.id, "data-dialog": h.dialog_id},
    )


def search_button() -> rx.Component:
    return rx.tooltip(
        rx.icon_button(rx.icon("search", size=16), variant=rx.cond(CV.search_shown, "soft", "ghost"),
                       on_click=C.toggle_search, aria_label=C.t["search_messages"],
                       custom_attrs=tid("dialog-search-open")),
        content=C.t["search_messages"])


def search_panel() -> rx.Component:
    return rx.cond(
        CV.search_shown,
        rx.vstack(
            rx.hstack(
                rx.input(rx.input.slot(rx.icon("search", size=14)), value=C.msg_query,
                         on_change=C.set_msg_query.debounce(250), placeholder=C.t["search_messages_ph"],
                         size="2", flex="1", min_width="0", custom_attrs=tid("msg-search-input")),
                rx.segmented_control.root(
                    rx.segmented_control.item(C.t["search_this"], value="dialog",
                                              disabled=O.open_id == 0,
                                              custom_attrs=tid("msg-search-scope-dialog")),
                    rx.segmented_control.item(C.t["search_all"], value="all",
                                              custom_attrs=tid("msg-search-scope-all")),
                    value=C.search_scope, on_change=C.set_search_scope, size="1",
                ),
                rx.icon_button(rx.icon("x", size=16), variant="ghost", color_scheme="gray",
                               on_click=C.close_search, aria_label=C.t["close"],
                               custom_attrs=tid("msg-search-close")),
                width="100%", align="center", spacing="2",
            ),
            rx.cond(
                C.hits.length() > 0,
                rx.box(rx.foreach(C.hits, _hit), class_name="msg-search-results",
                       custom_attrs=tid("msg-search-results")),
                rx.cond(C.searched,
                        rx.text(C.t["no_results"], size="2", color_scheme="gray", padding="6px 2px",
                                custom_attrs=tid("msg-search-empty")),
                        rx.text(C.t["search_hint"], size="1", color_scheme="gray", padding="2px"))),
            spacing="2", width="100%", class_name="msg-search-panel",
            custom_attrs=tid("msg-search-panel"),
        ),
    )
