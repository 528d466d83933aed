"""Right panel: the client card (R1, R2)."""

import reflex as rx

from messenger_app.components.common import channel_icon, tid
from messenger_app.states.inbox import InboxState as S


def field(label, value, testid: str) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"),
                     rx.box(value, custom_attrs=tid(testid)), spacing="0", width="100%")


def card_panel() -> rx.Component:
    return rx.box(
        rx.cond(
            S.open_id > 0,
            rx.vstack(
                rx.hstack(rx.icon_button(rx.icon("arrow-left", size=18), variant="ghost",
                                         class_name="msg-switch", on_click=S.show_panel("dialog")),
                          width="100%"),
                rx.center(rx.vstack(
                    rx.avatar(src=S.card["avatar"], fallback=S.card["initials"], size="6", radius="full"),
                    rx.heading(S.card["name"], size="4", text_align="center"),
                    align="center", spacing="2"), width="100%"),
                rx.separator(),
                field(S.t["client_id"], rx.code(S.card["id"]), "card-id"),
                field(S.t["subscribed"], rx.text(S.card["subscribed"], size="2"), "card-subscribed"),
                field(S.t["phone"],
                      rx.cond(S.card["phone"] != "",
                              rx.link(rx.hstack(rx.icon("phone", size=14), S.card["phone_display"],
                                                align="center", spacing="1"),
                                      href=f"tel:{S.card['phone']}", size="2"),
                              rx.text(S.t["no_phone"], size="2", color_scheme="gray")),
                      "card-phone"),
                rx.vstack(
                    rx.text(S.t["channels"], size="1", color_scheme="gray"),
                    rx.foreach(S.card_channels, lambda ch: rx.hstack(
                        channel_icon(ch["kind"], "16px"),
                        rx.text(ch["who"], size="2", class_name="msg-ellipsis"),
                        rx.cond(ch["reachable"] == "",
                                rx.badge(S.t["unreachable"], color_scheme="red", size="1",
                                         title=ch["reason"])),
                        align="center", spacing="2", width="100%")),
                    spacing="1", width="100%"),
                spacing="4", padding="16px", width="100%", custom_attrs=tid("card"),
            ),
        ),
        class_name="msg-panel msg-card msg-scroll", height="100%",
    )
