"""Left panel: views, search, the dialog list (L1, L2, L3, L4)."""

import reflex as rx

from messenger_app.components.common import channel_icon, tid
from messenger_app.states.inbox import InboxState as S


def dialog_row(row) -> rx.Component:
    return rx.hstack(
        # the test id sits on a wrapper: Radix passes extra props of an avatar to its <img>,
        # which only exists once a picture has loaded
        rx.box(rx.avatar(src=row["avatar"], fallback=row["initials"], size="3", radius="full"),
               flex_shrink="0", line_height="0", custom_attrs=tid("dialog-row-avatar")),
        rx.vstack(
            rx.hstack(
                channel_icon(row["channel"], "14px", "dialog-row-channel"),
                rx.text(row["name"], weight="medium", size="2", class_name="msg-ellipsis",
                        custom_attrs=tid("dialog-row-name")),
                spacing="1", align="center", width="100%", min_width="0",
            ),
            rx.text(rx.cond(row["out"] == "1", "↪ ", ""), row["preview"], size="1",
                    color_scheme="gray", class_name="msg-ellipsis", width="100%",
                    custom_attrs=tid("dialog-row-preview")),
            spacing="1", flex="1", min_width="0",
        ),
        rx.vstack(
            rx.text(row["time"], size="1", color_scheme="gray", custom_attrs=tid("dialog-row-time")),
            rx.cond(row["unread"] != "",
                    rx.badge(row["unread"], radius="full", variant="solid", size="1",
                             custom_attrs=tid("dialog-row-unread")),
                    rx.box(height="18px")),
            align="end", spacing="1", flex_shrink="0",
        ),
        padding="10px 12px", spacing="3", align="center", width="100%", class_name="msg-row",
        on_click=S.open_dialog(row["id"]),
        custom_attrs={"data-testid": "dialog-row", "data-id": row["id"],
                      "data-active": rx.cond(S.open_id.to_string() == row["id"], "true", "false")},
    )


def list_panel() -> rx.Component:
    return rx.vstack(
        rx.box(
            rx.input(rx.input.slot(rx.icon("search", size=16)), placeholder=S.t["search_placeholder"],
                     value=S.search, on_change=S.set_search, debounce_timeout=250, size="2",
                     width="100%", custom_attrs=tid("search-input")),
            rx.hstack(
                rx.segmented_control.root(
                    rx.segmented_control.item(S.t["all_chats"], value="all", custom_attrs=tid("view-all")),
                    rx.segmented_control.item(
                        rx.hstack(S.t["unread"],
                                  rx.cond(S.unread_total > 0, rx.badge(S.unread_total, size="1", radius="full")),
                                  spacing="1", align="center"),
                        value="unread", custom_attrs=tid("view-unread")),
                    value=S.view_mode, on_change=S.set_view, size="1", width="100%",
                ),
                width="100%", padding_top="8px",
            ),
            padding="12px", width="100%", border_bottom="1px solid var(--gray-a4)",
        ),
        rx.box(
            rx.cond(
                S.rows.length() > 0,
                rx.fragment(
                    rx.foreach(S.rows, dialog_row),
                    rx.cond(S.has_more,
                            rx.center(rx.button(S.t["load_more"], variant="soft", size="1",
                                                on_click=S.load_more,
                                                custom_attrs=tid("dialog-list-more")),
                                      padding="12px")),
                ),
                rx.center(rx.vstack(rx.icon("inbox", size=32, color="var(--gray-8)"),
                                    rx.text(rx.cond(S.search != "", S.t["no_results"], S.t["no_dialogs"]),
                                            color_scheme="gray", size="2"),
                                    align="center"), padding="48px 0"),
            ),
            class_name="msg-scroll", width="100%", custom_attrs=tid("dialog-list"),
        ),
        spacing="0", class_name="msg-panel msg-list", height="100%",
    )
