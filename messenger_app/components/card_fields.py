"""The client card's building blocks: a titled section, a field, and values edited in
place (click the value or its pencil, Enter or the check saves, the cross cancels, a refused
value keeps the input open with the reason under it)."""

import reflex as rx

from messenger_app.components.common import tid
from messenger_app.states.card import CardState as C
from messenger_app.states.inbox import InboxState as S
from messenger_app.states.open_dialog import OpenDialogState as O

ACCENT_EDIT = {"_hover": {"background": "var(--gray-a3)"}}


def _key(what) -> rx.Var:
    """The CardState.editing / error_at key of `what` for the open client."""
    return what + "@" + O.crm.contact_id


def section(title_key: str, *children, testid: str = "", **props) -> rx.Component:
    return rx.vstack(
        rx.text(S.t[title_key], size="1", weight="bold", color_scheme="gray",
                style={"textTransform": "uppercase", "letterSpacing": "0.04em"}),
        *children,
        spacing="2", width="100%", custom_attrs=tid(testid) if testid else {}, **props,
    )


def field(label, value, testid: str) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"),
                     rx.box(value, custom_attrs=tid(testid)), spacing="0", width="100%",
                     min_width="0")


def error_line(what) -> rx.Component:
    return rx.cond(
        C.error_at == _key(what),
        rx.text(C.error, size="1", color="var(--red-11)", custom_attrs=tid("card-edit-error"),
                style={"wordBreak": "break-word"}),
    )


def save_cancel() -> rx.Component:
    return rx.hstack(
        rx.icon_button(rx.icon("check", size=14), type="submit", size="1",
                       custom_attrs={**tid("card-edit-save"), "aria-label": S.t["save"]}),
        rx.icon_button(rx.icon("x", size=14), type="button", size="1", variant="soft",
                       color_scheme="gray", on_click=C.cancel_edit,
                       custom_attrs={**tid("card-edit-cancel"), "aria-label": S.t["cancel"]}),
        spacing="1", flex_shrink="0",
    )


def shown_value(text, placeholder_key: str = "not_set", multiline: bool = False) -> rx.Component:
    return rx.cond(
        text != "",
        rx.text(text, size="2", style={"wordBreak": "break-word",
                                       "whiteSpace": "pre-wrap" if multiline else "normal"}),
        rx.text(S.t[placeholder_key], size="2", color_scheme="gray"),
    )


def click_to_edit(what, content) -> rx.Component:
    """The value as text: a click turns it into an input."""
    return rx.hstack(
        rx.box(content, flex="1", min_width="0"),
        rx.icon("pencil", size=12, color="var(--gray-9)", flex_shrink="0"),
        on_click=C.edit(what), cursor="pointer", padding="2px 6px", margin="0 -6px",
        border_radius="6px", align="center", spacing="2", width="calc(100% + 12px)",
        # a button for the keyboard too (Enter/Space: assets/composer.js), WCAG 2.1.1
        style=ACCENT_EDIT, tab_index=0, custom_attrs={**tid("card-edit-value"), "role": "button"},
    )


def pencil(what) -> rx.Component:
    return rx.icon_button(rx.icon("pencil", size=12), size="1", variant="ghost",
                          color_scheme="gray", on_click=C.edit(what),
                          custom_attrs={**tid("card-edit-open"), "aria-label": S.t["edit"]})


def text_editor(what, value, on_submit, *, input_type="text", input_mode: str = "text",
                multiline=False, hidden_key=None, placeholder="") -> rx.Component:
    box = (rx.text_area(name="value", default_value=value, auto_focus=True, rows="3",
                        size="1", width="100%", max_length=2000, resize="vertical",
                        custom_attrs=tid("card-edit-input"))
           if multiline else
           rx.input(name="value", default_value=value, auto_focus=True, type=input_type,
                    input_mode=input_mode, size="1", width="100%", placeholder=placeholder,
                    auto_complete="off", custom_attrs=tid("card-edit-input")))
    return rx.form(
        rx.hstack(
            box,
            *([rx.el.input(type="hidden", name="key", value=hidden_key)] if hidden_key is not None else []),
            save_cancel(),
            spacing="1", width="100%", align="start",
        ),
        on_submit=on_submit, reset_on_submit=False, width="100%",
    )


def inline_text(what, value, display, on_submit, **kw) -> rx.Component:
    return rx.vstack(
        rx.cond(C.editing == _key(what), text_editor(what, value, on_submit, **kw),
                click_to_edit(what, display)),
        error_line(what),
        spacing="1", width="100%",
    )


# -- header: avatar, name (editable), blacklist badge --------------------------------------
