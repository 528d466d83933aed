"""The client card's CRM part (R5-R7): folders, tags and the custom variables; switches
and selects save as soon as they change."""

import reflex as rx

from messenger_app.components.common import tid
from messenger_app.states.card import CardState as C
from messenger_app.states.inbox import InboxState as S
from messenger_app.states.open_dialog import OpenDialogState as O
from messenger_app.components.card_fields import (click_to_edit, error_line, inline_text,
                                                 pencil, section, shown_value, text_editor, _key)


def folder_option(f) -> rx.Component:
    return rx.el.label(
        rx.hstack(
            rx.checkbox(checked=f.checked, on_change=C.toggle_folder(f.id)),
            rx.text(f.name, size="2", class_name="msg-ellipsis"),
            align="center", spacing="2", width="100%",
        ),
        style={"cursor": "pointer", "display": "block", "padding": "4px 2px", "width": "100%"},
        custom_attrs={**tid("card-folder-option"), "data-id": f.id,
                      "data-checked": rx.cond(f.checked, "true", "false")},
    )


def folders_block() -> rx.Component:
    picker = rx.popover.root(
        rx.popover.trigger(
            rx.button(rx.icon("folder-plus", size=14), S.t["choose_folders"], size="1",
                      variant="soft", color_scheme="gray", custom_attrs=tid("card-folders-edit"))),
        rx.popover.content(
            rx.vstack(
                rx.text(S.t["folders_hint"], size="1", color_scheme="gray"),
                rx.cond(O.crm.folders.length() > 0,
                        rx.vstack(rx.foreach(O.crm.folders, folder_option), spacing="0",
                                  width="100%", max_height="260px", overflow_y="auto"),
                        rx.text(S.t["no_custom_folders"], size="2", color_scheme="gray")),
                spacing="2", width="100%",
            ),
            width="260px", side="bottom", align="start",
        ),
        on_open_change=C.refresh,
    )
    return section(
        "folders",
        rx.hstack(
            rx.foreach(O.crm.folder_names, lambda n: rx.badge(
                rx.icon("folder", size=12), n, variant="surface", size="2",
                custom_attrs=tid("card-folder-chip"))),
            picker,
            wrap="wrap", spacing="2", align="center", width="100%",
        ),
        error_line("folders"),
        testid="card-folders",
    )


# -- R7 --------------------------------------------------------------------------------------
def select_box(value, options, on_change, testid: str, label) -> rx.Component:
    """A select named by its field's label (a combobox is not named by its value, 4.1.2)."""
    return rx.select.root(
        rx.select.trigger(placeholder=S.t["not_set"], width="100%",
                          custom_attrs={**tid(testid), "aria-label": label}),
        rx.select.content(
            rx.select.item(S.t["not_set"], value="__none__", custom_attrs=tid("card-select-none")),
            rx.foreach(options, lambda o: rx.select.item(
                o, value=o, custom_attrs={**tid("card-select-option"), "data-value": o})),
        ),
        value=rx.cond(value != "", value, "__none__"),
        on_change=on_change, size="1",
    )


def tags_block() -> rx.Component:
    return section(
        "tags",
        rx.vstack(
            rx.text(S.t["tag1"], size="1", color_scheme="gray"),
            inline_text("tag1", O.crm.tag1, shown_value(O.crm.tag1), C.save_tag1),
            spacing="1", width="100%", custom_attrs=tid("card-tag1"),
        ),
        rx.vstack(
            rx.text(S.t["tag2"], size="1", color_scheme="gray"),
            rx.cond(O.crm.tag2_options.length() > 0,
                    select_box(O.crm.tag2, O.crm.tag2_options, C.set_tag2, "card-tag2", S.t["tag2"]),
                    rx.text(S.t["no_tag2_options"], size="1", color_scheme="gray",
                            custom_attrs=tid("card-tag2"))),
            error_line("tag2"),
            spacing="1", width="100%",
        ),
    )


# -- R6 --------------------------------------------------------------------------------------
def var_value(v) -> rx.Component:
    what = "var:" + v.key
    return rx.match(
        v.type,
        ("bool", rx.hstack(
            rx.switch(checked=v.on, on_change=lambda on: C.set_var(v.key, on),
                      custom_attrs={**tid("card-var-switch"), "aria-label": v.label}),
            rx.text(rx.cond(v.value == "", S.t["not_set"], rx.cond(v.on, S.t["yes"], S.t["no"])),
                    size="2", color=rx.cond(v.value == "", "var(--gray-11)", "inherit")),
            align="center", spacing="2")),
        ("select", select_box(v.value, v.options, lambda val: C.set_var(v.key, val),
                              "card-var-select", v.label)),
        ("link", rx.cond(
            C.editing == _key(what),
            text_editor(what, v.value, C.save_var, input_mode="url",
                        hidden_key=v.key, placeholder="https://"),
            rx.hstack(
                rx.cond(v.value != "",
                        rx.link(rx.hstack(rx.icon("external-link", size=12), v.shown, spacing="1",
                                          align="center"),
                                href=v.value, target="_blank", rel="noopener noreferrer",
                                size="2", custom_attrs=tid("card-var-link"),
                                style={"wordBreak": "break-all"}),
                        rx.text(S.t["not_set"], size="2", color_scheme="gray")),
                pencil(what),
                align="center", spacing="2", width="100%"))),
        ("date", rx.cond(
            C.editing == _key(what),
            text_editor(what, v.value, C.save_var, input_type="date", hidden_key=v.key),
            click_to_edit(what, shown_value(v.shown)))),
        ("number", rx.cond(
            C.editing == _key(what),
            text_editor(what, v.value, C.save_var, input_mode="decimal", hidden_key=v.key,
                        placeholder="0"),
            click_to_edit(what, shown_value(v.shown)))),
        rx.cond(
            C.editing == _key(what),
            text_editor(what, v.value, C.save_var, multiline=True, hidden_key=v.key),
            click_to_edit(what, shown_value(v.shown, multiline=True))),
    )


def var_row(v) -> rx.Component:
    return rx.vstack(
        rx.text(v.label, size="1", color_scheme="gray"),
        var_value(v),
        error_line("var:" + v.key),
        spacing="1", width="100%",
        custom_attrs={**tid("card-var"), "data-name": v.key, "data-type": v.type},
    )


def variables_block() -> rx.Component:
    return section(
        "variables",
        rx.cond(O.crm.vars.length() > 0,
                rx.vstack(rx.foreach(O.crm.vars, var_row), spacing="3", width="100%"),
                rx.text(S.t["no_crm_fields"], size="2", color_scheme="gray")),
        rx.cond(S.operator_role == "admin",
                rx.link(rx.hstack(rx.icon("settings-2", size=12), S.t["manage_fields"], spacing="1",
                                  align="center"), href="/crm", size="1")),
        testid="card-variables",
    )


# -- R3 --------------------------------------------------------------------------------------
