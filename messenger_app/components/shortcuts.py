"""Top-bar tools: message templates (C6), keyboard shortcut help (X5), dark theme (X5).
The shortcuts themselves are handled in assets/composer.js."""

import reflex as rx

from messenger_app.components.common import labelled_link, tid

SHORTCUTS = [
    (("Alt", "↑"), "sc_prev"),
    (("Alt", "↓"), "sc_next"),
    (("Esc",), "sc_close"),
    (("/",), "sc_search"),
    (("Enter",), "sc_send"),
    (("Shift", "Enter"), "sc_newline"),
    (("Ctrl", "Enter"), "sc_newline"),
    (("?",), "sc_help"),
]


def theme_toggle(t) -> rx.Component:
    return rx.tooltip(
        rx.icon_button(rx.color_mode_cond(light=rx.icon("moon", size=16), dark=rx.icon("sun", size=16)),
                       variant="ghost", on_click=rx.toggle_color_mode, aria_label=t["theme_toggle"],
                       custom_attrs=tid("theme-toggle")),
        content=t["theme_toggle"])


def shortcuts_help(t) -> rx.Component:
    rows = [rx.table.row(
        rx.table.cell(rx.hstack(*[rx.el.kbd(k, class_name="msg-kbd") for k in keys], spacing="1")),
        rx.table.cell(rx.text(t[key], size="2")),
        custom_attrs=tid("shortcut-row"))
        for keys, key in SHORTCUTS]
    return rx.dialog.root(
        rx.tooltip(
            rx.dialog.trigger(rx.icon_button(rx.icon("keyboard", size=16), variant="ghost",
                                             aria_label=t["kb_shortcuts"],
                                             custom_attrs=tid("shortcuts-open"))),
            content=t["kb_shortcuts"]),
        rx.dialog.content(
            rx.dialog.title(t["kb_shortcuts"], size="4"),
            rx.table.root(rx.table.body(*rows), size="1", width="100%"),
            rx.flex(rx.dialog.close(rx.button(t["close"], variant="soft", size="2")),
                    justify="end", padding_top="12px"),
            max_width="420px", custom_attrs=tid("shortcuts-help"),
        ),
    )


def templates_link(t) -> rx.Component:
    return labelled_link("file-text", t["nav_templates"], "/templates", testid="templates-link")


def top_bar_tools(state) -> rx.Component:
    """The extra top-bar buttons (desktop only; a phone has the picker's link)."""
    t = state.t
    return rx.hstack(templates_link(t), shortcuts_help(t), theme_toggle(t),
                     spacing="3", align="center", class_name="msg-desktop-only")
