"""Card section: merge this client with a duplicate (X7), and undo it."""

import reflex as rx

from messenger_app.components.common import channel_icon, tid
from messenger_app.states.inbox import InboxState as S
from messenger_app.states.merge import MergeState as M


def candidate(c) -> rx.Component:
    return rx.hstack(
        channel_icon(c["channel"], "14px"),
        rx.vstack(rx.text(c["name"], size="2", weight="medium", class_name="msg-ellipsis"),
                  rx.text(c["preview"], size="1", color_scheme="gray", class_name="msg-ellipsis"),
                  spacing="0", flex="1", min_width="0"),
        rx.alert_dialog.root(
            rx.alert_dialog.trigger(rx.button(S.t["merge"], size="1", variant="soft",
                                              custom_attrs=tid("merge-candidate-merge"))),
            rx.alert_dialog.content(
                rx.alert_dialog.title(S.t["merge_confirm_title"]),
                rx.alert_dialog.description(S.t["merge_confirm_text"], size="2"),
                rx.hstack(
                    rx.alert_dialog.cancel(rx.button(S.t["cancel"], variant="soft", color_scheme="gray")),
                    rx.alert_dialog.action(rx.button(S.t["merge"], on_click=M.merge_with(c["contact_id"]),
                                                     custom_attrs=tid("merge-confirm"))),
                    justify="end", spacing="2", padding_top="12px"),
                max_width="420px"),
        ),
        align="center", spacing="2", width="100%", padding="6px 0",
        border_bottom="1px solid var(--gray-a3)",
        custom_attrs={"data-testid": "merge-candidate", "data-id": c["contact_id"]},
    )


def merge_block() -> rx.Component:
    return rx.vstack(
        rx.cond(M.last_log > 0,
                rx.callout(rx.hstack(rx.text(S.t["merged_with"], " ", M.last_name, size="2"),
                                     rx.spacer(),
                                     rx.button(S.t["undo"], size="1", variant="soft",
                                               on_click=M.undo, custom_attrs=tid("merge-undo")),
                                     align="center", width="100%"),
                           icon="git-merge", size="1", width="100%", color_scheme="green")),
        rx.button(rx.icon("git-merge", size=14), S.t["merge_with"], size="1", variant="soft",
                  color_scheme="gray", on_click=M.show, custom_attrs=tid("merge-open")),
        rx.dialog.root(
            rx.dialog.content(
                rx.dialog.title(S.t["merge_with"]),
                rx.dialog.description(S.t["merge_hint"], size="2", color_scheme="gray"),
                rx.input(placeholder=S.t["search_placeholder"], value=M.query, on_change=M.search,
                         debounce_timeout=250, width="100%", margin_top="10px",
                         custom_attrs=tid("merge-search")),
                rx.cond(M.error != "", rx.text(M.error, color="var(--red-11)", size="1")),
                rx.vstack(rx.foreach(M.candidates, candidate), spacing="0", width="100%",
                          padding_top="8px"),
                rx.hstack(rx.button(S.t["cancel"], variant="soft", color_scheme="gray",
                                    on_click=M.hide),
                          justify="end", padding_top="12px"),
                max_width="460px"),
            open=M.open, on_open_change=M.set_open,
        ),
        spacing="2", width="100%",
    )
