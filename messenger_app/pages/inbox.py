"""/: the Messenger — three panels with a top bar (S3)."""

import reflex as rx

from messenger_app.components.card import card_panel
from messenger_app.components.common import lang_switch, logo, tid
from messenger_app.components.dialog_list import list_panel
from messenger_app.components.dialog_view import dialog_panel
from messenger_app.components.shortcuts import top_bar_tools
from messenger_app.states.inbox import InboxState as S


def switch_button(panel: str, icon: str, label_key: str, testid: str) -> rx.Component:
    return rx.button(rx.icon(icon, size=16, class_name="msg-hide-tiny"), S.t[label_key],
                     variant=rx.cond(S.panel == panel, "solid", "soft"), size="2",
                     padding_x=rx.breakpoints(initial="8px", sm="12px"),
                     on_click=S.show_panel(panel), custom_attrs=tid(testid))


def top_bar() -> rx.Component:
    return rx.hstack(
        rx.hstack(logo(), rx.heading(S.t["app_name"], size="4"),
                  align="center", spacing="2", class_name="msg-desktop-only"),
        rx.hstack(
            switch_button("list", "list", "chats", "panel-switch-list"),
            switch_button("dialog", "message-circle", "dialog", "panel-switch-dialog"),
            switch_button("card", "user-round", "client", "panel-switch-card"),
            spacing="1", class_name="msg-switch",
        ),
        rx.spacer(),
        rx.hstack(
            top_bar_tools(S),  # templates, shortcut help, dark theme (C6, X5)
            rx.box(lang_switch(S), class_name="msg-desktop-only"),
            rx.tooltip(rx.link(rx.icon_button(rx.icon("users", size=16), variant="ghost"),
                               href="/contacts", custom_attrs=tid("nav-contacts")),
                       content=S.t["contacts"]),
            rx.cond(S.operator_role == "admin",
                    rx.box(rx.tooltip(rx.link(rx.icon_button(rx.icon("list-plus", size=16), variant="ghost"),
                                              href="/crm", custom_attrs=tid("nav-crm")),
                                      content=S.t["crm_settings"]),
                           class_name="msg-desktop-only")),
            rx.cond(S.operator_role == "admin",
                    rx.box(rx.tooltip(rx.link(rx.icon_button(rx.icon("settings", size=16), variant="ghost"),
                                              href="/settings"), content=S.t["settings"]),
                           class_name="msg-desktop-only")),
            rx.tooltip(rx.icon_button(rx.icon("bell", size=16), variant="ghost",
                                      custom_attrs={"data-msg-push-enable": "1",
                                                    "data-testid": "push-enable"}),
                       content=S.t["enable_push"]),
            rx.text(rx.cond(S.operator_name == "Administrator", S.t["role_admin"], S.operator_name),
                    size="2", color_scheme="gray", class_name="msg-desktop-only"),
            rx.tooltip(rx.icon_button(rx.icon("log-out", size=16), variant="ghost",
                                      on_click=S.logout, custom_attrs=tid("logout")),
                       content=S.t["logout"]),
            align="center", spacing=rx.breakpoints(initial="2", sm="3"),
        ),
        padding="8px 10px", align="center", width="100%", spacing="2",
        border_bottom="1px solid var(--gray-a5)", background="var(--color-panel-solid)",
    )


def inbox_page() -> rx.Component:
    return rx.box(
        top_bar(),
        rx.box(list_panel(), dialog_panel(), card_panel(), class_name="msg-body"),
        class_name="msg-app",
        custom_attrs={"data-panel": S.panel, "data-expanded": rx.cond(S.expanded, "true", "false")},
    )
