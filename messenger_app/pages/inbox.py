"""/: the Messenger — three panels with a top bar (S3)."""

import reflex as rx

from messenger_app.components.card import card_panel
from messenger_app.components.common import (icon_button, icon_link, labelled_button, labelled_link,
                                             lang_marker, lang_switch, live_marker, live_region,
                                             logo, ring_marker, tid)
from messenger_app.components.dialog_list import list_panel
from messenger_app.components.dialog_view import dialog_panel
from messenger_app.components.shortcuts import top_bar_tools
from messenger_app.states.inbox import InboxState as S
from messenger_app.states.inbox_views import AnnounceState as A
from messenger_app.states.open_dialog import OpenDialogState as O


def switch_button(panel: str, icon: str, label_key: str, testid: str) -> rx.Component:
    shown = O.panel == panel
    return rx.button(rx.icon(icon, size=16, class_name="msg-hide-tiny"), S.t[label_key],
                     variant=rx.cond(shown, "solid", "soft"), size="2",
                     padding_x=rx.breakpoints(initial="8px", sm="12px"),
                     on_click=S.show_panel(panel),
                     # the shown panel is told in words too, not by colour alone (WCAG 1.4.1)
                     custom_attrs={**tid(testid), "aria-pressed": rx.cond(shown, "true", "false")})


def top_bar() -> rx.Component:
    return rx.hstack(
        rx.hstack(logo(), rx.heading(S.t["app_name"], size="4", as_="h1"),
                  align="center", spacing="2", class_name="msg-brand"),
        rx.hstack(
            switch_button("list", "list", "chats", "panel-switch-list"),
            switch_button("dialog", "message-circle", "dialog", "panel-switch-dialog"),
            switch_button("card", "user-round", "client", "panel-switch-card"),
            spacing="1", class_name="msg-switch", role="group",
            custom_attrs={"aria-label": S.t["a11y_panels"]},
        ),
        rx.spacer(),
        rx.hstack(
            top_bar_tools(S),  # templates, shortcut help, dark theme (C6, X5)
            rx.box(lang_switch(S), class_name="msg-desktop-only"),
            # names beside the icons where there is room (issue 20); a phone keeps the icons,
            # each named for screen readers
            labelled_link("users", S.t["contacts"], "/contacts", testid="nav-contacts"),
            rx.box(icon_link("chart-column", S.t["nav_stats"], "/stats", testid="nav-stats"),
                   class_name="msg-desktop-only"),
            rx.box(icon_link("send", S.t["nav_mailings"], "/mailings", testid="nav-mailings"),
                   class_name="msg-desktop-only"),
            rx.cond(S.operator_role == "admin",
                    rx.box(labelled_link("list-plus", S.t["crm_settings"], "/crm", testid="nav-crm"),
                           class_name="msg-desktop-only")),
            rx.cond(S.operator_role == "admin",
                    rx.box(icon_link("workflow", S.t["nav_scenarios"], "/scenarios",
                                     testid="nav-scenarios"),
                           class_name="msg-desktop-only")),
            rx.cond(S.operator_role == "admin",
                    rx.box(labelled_link("settings", S.t["nav_channels"], "/settings",
                                         testid="nav-settings"),
                           class_name="msg-desktop-only")),
            icon_button("bell", S.t["enable_push"],
                        custom_attrs={"data-msg-push-enable": "1", "data-testid": "push-enable"}),
            rx.text(rx.cond(S.operator_name == "Administrator", S.t["role_admin"], S.operator_name),
                    size="2", color_scheme="gray", class_name="msg-desktop-only"),
            labelled_button("log-out", S.t["logout"], on_click=S.logout, testid="logout"),
            align="center", spacing=rx.breakpoints(initial="2", sm="3"), role="navigation",
            custom_attrs={"aria-label": S.t["a11y_main_nav"]},
        ),
        padding="8px 10px", align="center", width="100%", spacing="2",
        border_bottom="1px solid var(--gray-a5)", background="var(--color-panel-solid)",
        role="banner",
    )


def inbox_page() -> rx.Component:
    return rx.box(
        top_bar(),
        rx.box(list_panel(), dialog_panel(), card_panel(), class_name="msg-body", role="main"),
        lang_marker(S),
        live_region(A.announcement),
        live_marker(),
        ring_marker(A.ring),
        class_name="msg-app",
        custom_attrs={"data-panel": O.panel, "data-expanded": rx.cond(S.expanded, "true", "false")},
    )
