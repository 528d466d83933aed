"""Centre: the open dialog (C1–C3) and the composer (C5, C7, C8)."""

import reflex as rx

from messenger_app.components.common import COMPOSER_KEYS, channel_icon, tid
from messenger_app.states.inbox import InboxState as S


def message(m) -> rx.Component:
    out = m["dir"] == "out"
    return rx.fragment(
        rx.cond(m["new_day"] == "1",
                rx.center(rx.badge(m["day"], variant="surface", color_scheme="gray", radius="full"),
                          padding="10px 0 4px", custom_attrs=tid("day-separator"))),
        rx.flex(
            rx.box(
                rx.text(m["text"], size="2", as_="div", custom_attrs=tid("message-text")),
                rx.hstack(
                    channel_icon(m["channel"], "12px", "message-channel"),
                    rx.text(m["sender"], size="1", custom_attrs=tid("message-sender")),
                    rx.text("·", size="1"),
                    rx.text(m["time"], size="1", custom_attrs=tid("message-time")),
                    rx.cond(m["status"] != "",
                            rx.text(m["status_label"], size="1",
                                    color=rx.cond(m["status"] == "failed", "var(--red-11)", "inherit"),
                                    title=m["error"], custom_attrs=tid("message-status"),
                                    data_status=m["status"])),
                    rx.cond(m["status"] == "failed",
                            rx.link(S.t["retry"], size="1", on_click=S.retry(m["id"]),
                                    cursor="pointer")),
                    spacing="1", align="center", color="var(--gray-11)", padding_top="2px",
                    justify=rx.cond(out, "end", "start"), custom_attrs=tid("message-meta"),
                ),
                class_name=rx.cond(out, "msg-bubble msg-bubble-out", "msg-bubble msg-bubble-in"),
            ),
            justify=rx.cond(out, "end", "start"), width="100%", padding="3px 16px",
            custom_attrs={"data-testid": "message", "data-id": m["id"], "data-dir": m["dir"]},
        ),
    )


def header() -> rx.Component:
    return rx.hstack(
        rx.icon_button(rx.icon("arrow-left", size=18), variant="ghost", class_name="msg-switch",
                       on_click=S.show_panel("list")),
        rx.avatar(src=S.card["avatar"], fallback=S.card["initials"], size="2", radius="full"),
        rx.vstack(rx.text(S.card["name"], weight="bold", size="3", class_name="msg-ellipsis"),
                  rx.text(S.card["phone_display"], size="1", color_scheme="gray"),
                  spacing="0", flex="1", min_width="0", cursor="pointer",
                  on_click=S.show_panel("card")),
        rx.tooltip(rx.icon_button(rx.cond(S.expanded, rx.icon("minimize-2", size=16),
                                          rx.icon("maximize-2", size=16)),
                                  variant="ghost", on_click=S.toggle_expand,
                                  class_name="msg-desktop-only", custom_attrs=tid("dialog-expand")),
                   content=S.t["expand"]),
        rx.icon_button(rx.icon("x", size=16), variant="ghost", on_click=S.close_dialog,
                       class_name="msg-desktop-only"),
        padding="10px 16px", width="100%", align="center", spacing="3",
        border_bottom="1px solid var(--gray-a4)",
    )


def composer() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.cond(S.composer_error != "",
                    rx.callout(S.composer_error, icon="triangle-alert", color_scheme="red", size="1",
                               width="100%", custom_attrs=tid("composer-error"))),
            rx.hstack(
                rx.el.textarea(
                    name="text", placeholder=S.t["type_message"], rows=2, max_length=4096,
                                        custom_attrs={**tid("composer-input"), "on_key_down": COMPOSER_KEYS}, auto_focus=True,
                    style={"flex": "1", "border": "1px solid var(--gray-a6)", "borderRadius": "10px",
                           "padding": "9px 12px", "font": "inherit", "fontSize": "14px",
                           "background": "var(--color-surface)", "color": "var(--gray-12)",
                           "outline": "none", "minHeight": "42px", "maxHeight": "160px"},
                ),
                rx.icon_button(rx.icon("send-horizontal", size=18), type="submit", size="3",
                               radius="full", custom_attrs=tid("composer-send")),
                width="100%", align="end", spacing="2",
            ),
            rx.hstack(
                rx.text(S.t["send_via"], size="1", color_scheme="gray"),
                rx.select.root(
                    rx.select.trigger(variant="ghost", placeholder=S.t["no_channel"],
                                      custom_attrs=tid("composer-channel")),
                    rx.select.content(rx.foreach(
                        S.routes,
                        lambda r: rx.select.item(
                            rx.hstack(channel_icon(r["kind"], "14px"), rx.text(r["name"]),
                                      rx.cond(r["reason"] != "",
                                              rx.text("— ", r["reason"], size="1", color_scheme="gray")),
                                      align="center", spacing="1"),
                            value=r["id"], disabled=r["reason"] != "",
                            custom_attrs={"data-testid": "composer-channel-option",
                                          "data-kind": r["kind"]}))),
                    value=S.route_id, on_change=S.set_route, size="1",
                ),
                align="center", spacing="2",
            ),
            spacing="2", width="100%",
        ),
        on_submit=S.send, reset_on_submit=True, width="100%", padding="10px 16px 14px",
        border_top="1px solid var(--gray-a4)", class_name="msg-composer",
    )


def dialog_panel() -> rx.Component:
    return rx.box(
        rx.cond(
            S.open_id > 0,
            rx.vstack(
                header(),
                rx.box(
                    rx.cond(S.has_older,
                            rx.center(rx.button("↑", variant="ghost", size="1", on_click=S.load_older,
                                                custom_attrs=tid("dialog-load-older")), padding="8px")),
                    rx.cond(S.msgs.length() == 0,
                            rx.center(rx.text(S.t["no_messages"], color_scheme="gray", size="2"),
                                      padding="40px")),
                    rx.foreach(S.msgs, message),
                    rx.box(height="10px"),
                    class_name="msg-scroll msg-thread-bg", width="100%", id="msg-thread",
                ),
                composer(),
                spacing="0", height="100%", width="100%", custom_attrs=tid("dialog-view"),
            ),
            rx.center(
                rx.vstack(rx.icon("messages-square", size=48, color="var(--gray-7)"),
                          rx.heading(S.t["pick_dialog"], size="4", color_scheme="gray"),
                          rx.text(S.t["pick_dialog_hint"], size="2", color_scheme="gray"),
                          align="center", spacing="2"),
                height="100%", class_name="msg-thread-bg",
            ),
        ),
        class_name="msg-panel msg-dialog", height="100%",
    )
