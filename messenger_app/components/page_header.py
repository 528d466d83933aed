"""The header every sub-page shares (/contacts, /crm, /settings, /templates): the page's
name, the same labelled navigation (links with names on a desktop, a menu on a phone),
and the theme and language switches everywhere (issue 20)."""

import reflex as rx

from messenger_app.components.common import (button_link, icon_button, icon_link, lang_marker,
                                            lang_switch, logo, tid)
from messenger_app.components.shortcuts import theme_toggle

# (path, icon, label key, admin only)
PAGES = [("/", "messages-square", "nav_inbox", False),
         ("/contacts", "users", "contacts", False),
         ("/templates", "file-text", "nav_templates", False),
         ("/mailings", "send", "nav_mailings", False),
         ("/stats", "chart-column", "nav_stats", False),
         ("/crm", "list-plus", "crm_settings", True),
         ("/scenarios", "workflow", "nav_scenarios", True),
         ("/settings", "settings", "nav_channels", True)]


def _visible(state, admin: bool, item: rx.Component) -> rx.Component:
    return rx.cond(state.operator_role == "admin", item) if admin else item


def _link(state, path: str, icon: str, key: str, current: str) -> rx.Component:
    here = path == current
    # one <a> that looks like a button (no button inside a link, WCAG 4.1.2)
    return button_link(path, rx.icon(icon, size=14), state.t[key], size="2",
                       variant="soft" if here else "ghost", color_scheme=None if here else "gray",
                       margin="0",  # a ghost button's negative margins would shift it
                       custom_attrs={"data-testid": "nav-" + (path.strip("/") or "inbox"),
                                     "aria-current": "page" if here else "false"})


def _menu(state, current: str) -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(icon_button("menu", state.t["a11y_main_nav"], icon_size=18, variant="soft",
                                    size="2", testid="nav-menu", tooltip=False)),
        rx.menu.content(*[_visible(state, admin, rx.menu.item(
            rx.hstack(rx.icon(icon, size=14), state.t[key], align="center", spacing="2"),
            on_click=rx.redirect(path), disabled=path == current,
            custom_attrs={"data-testid": "nav-menu-item", "data-path": path}))
            for path, icon, key, admin in PAGES]),
    )


def page_header(state, title_key: str, current: str, back_testid: str = "",
                short_key: str = "") -> rx.Component:
    """`short_key`: the title on a phone when the full one would not fit."""
    back = icon_link("arrow-left", state.t["back_to_inbox"], "/", size="2", testid=back_testid)
    return rx.hstack(
        back,
        rx.box(logo(), class_name="msg-desktop-only"),
        # the page's one h1: the full title on a desktop, the short one on a phone
        rx.heading(rx.el.span(state.t[title_key], class_name="msg-desktop-only"),
                   rx.el.span(state.t[short_key or title_key], class_name="msg-phone-only"),
                   size=rx.breakpoints(initial="4", sm="5"), class_name="msg-ellipsis",
                   min_width="0", as_="h1"),
        rx.spacer(),
        rx.hstack(*[_visible(state, admin, _link(state, path, icon, key, current))
                    for path, icon, key, admin in PAGES],
                  spacing="1", class_name="msg-desktop-only", role="navigation",
                  custom_attrs={"aria-label": state.t["a11y_main_nav"]}),
        theme_toggle(state.t),
        lang_switch(state),
        rx.box(_menu(state, current), class_name="msg-phone-only"),
        lang_marker(state),
        align="center", padding=rx.breakpoints(initial="10px 12px", sm="12px 20px"),
        border_bottom="1px solid var(--gray-a5)", background="var(--color-panel-solid)",
        width="100%", spacing="3", role="banner", custom_attrs=tid("page-header"),
    )
