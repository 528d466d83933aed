"""/crm (admin): CRM fields (R6) and Tag 2 options (R7)."""

import reflex as rx

from messenger_app.components.common import field_label, live_marker, tid
from messenger_app.components.page_header import page_header
from messenger_app.models.crm import FIELD_TYPES
from messenger_app.states.crm_settings import CrmSettingsState as S


def error_at(at) -> rx.Component:
    return rx.cond(S.error_at == at, rx.text(S.error, size="1", color="var(--red-11)",
                                            custom_attrs=tid("crm-error")))


def inline_form(at, key, value, on_submit, multiline=False) -> rx.Component:
    box = (rx.text_area(name="value", default_value=value, auto_focus=True, rows="4", size="1",
                        width="100%", custom_attrs=tid("crm-edit-input"))
           if multiline else
           rx.input(name="value", default_value=value, auto_focus=True, size="1", width="100%",
                    auto_complete="off", custom_attrs=tid("crm-edit-input")))
    return rx.form(
        rx.hstack(
            box,
            rx.el.input(type="hidden", name="key", value=key),
            rx.icon_button(rx.icon("check", size=14), type="submit", size="1",
                           aria_label=S.t["save"], custom_attrs=tid("crm-edit-save")),
            rx.icon_button(rx.icon("x", size=14), type="button", size="1", variant="soft",
                           color_scheme="gray", on_click=S.cancel_edit, aria_label=S.t["cancel"]),
            spacing="1", width="100%", align="start"),
        on_submit=on_submit, reset_on_submit=False, width="100%",
    )


def move_buttons(up, down, first, last) -> rx.Component:
    return rx.hstack(
        rx.icon_button(rx.icon("arrow-up", size=14), size="1", variant="ghost", color_scheme="gray",
                       disabled=first, on_click=up,
                       custom_attrs={**tid("crm-move-up"), "aria-label": S.t["a11y_move_up"]}),
        rx.icon_button(rx.icon("arrow-down", size=14), size="1", variant="ghost", color_scheme="gray",
                       disabled=last, on_click=down,
                       custom_attrs={**tid("crm-move-down"), "aria-label": S.t["a11y_move_down"]}),
        spacing="1",
    )


def type_label(ftype) -> rx.Component:
    return rx.badge(rx.match(ftype, *[(t, S.t["type_" + t]) for t in FIELD_TYPES], ftype),
                    variant="soft", color_scheme="gray")


def field_row(f, i) -> rx.Component:
    label_at = "label:" + f["key"]
    options_at = "options:" + f["key"]
    return rx.table.row(
        rx.table.cell(move_buttons(S.move_field(f["key"], -1), S.move_field(f["key"], 1),
                                   i == 0, i == S.fields.length() - 1)),
        rx.table.cell(rx.vstack(
            rx.cond(S.editing == label_at,
                    inline_form(label_at, f["key"], f["label"], S.save_label),
                    rx.hstack(rx.text(f["label"], weight="medium", size="2"),
                              rx.icon_button(rx.icon("pencil", size=12), size="1", variant="ghost",
                                             color_scheme="gray", on_click=S.edit(label_at),
                                             aria_label=S.t["a11y_rename"] + ": " + f["label"],
                                             custom_attrs=tid("crm-field-rename")),
                              align="center", spacing="1")),
            error_at(label_at),
            rx.code(f["key"], size="1", variant="ghost", color_scheme="gray",
                    custom_attrs={"data-latin": "key"}),
            spacing="1", min_width="180px")),
        rx.table.cell(type_label(f["type"])),
        rx.table.cell(rx.cond(
            f["type"] == "select",
            rx.vstack(
                rx.cond(S.editing == options_at,
                        inline_form(options_at, f["key"], f["options"], S.save_options, multiline=True),
                        rx.hstack(rx.text(f["options_short"], size="1", color_scheme="gray"),
                                  rx.icon_button(rx.icon("pencil", size=12), size="1", variant="ghost",
                                                 color_scheme="gray", on_click=S.edit(options_at),
                                                 aria_label=S.t["a11y_edit_options"] + ": " + f["label"],
                                                 custom_attrs=tid("crm-field-options")),
                                  align="center", spacing="1")),
                error_at(options_at),
                spacing="1", min_width="180px"),
            rx.text("—", color_scheme="gray", size="1"))),
        rx.table.cell(rx.icon_button(rx.icon("trash-2", size=14), size="1", variant="ghost",
                                     color_scheme="red",
                                     on_click=S.ask_delete("field:" + f["key"], f["label"]),
                                     custom_attrs={**tid("crm-field-delete"),
                                                   "aria-label": S.t["delete"] + ": " + f["label"]})),
        align="center",
        custom_attrs={**tid("crm-field-row"), "data-key": f["key"], "data-type": f["type"]},
    )


def new_field_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text(S.t["crm_new_field"], size="2", weight="bold"),
            rx.grid(
                rx.vstack(field_label(S.t["crm_label"], "crm-new-label-input", size="1"),
                          rx.input(name="label", width="100%", auto_complete="off",
                                   id="crm-new-label-input",
                                   placeholder=S.t["crm_label_ph"], custom_attrs=tid("crm-new-label")),
                          spacing="1"),
                rx.vstack(field_label(S.t["crm_key"], "crm-new-key-input", size="1"),
                          rx.input(name="key", width="100%", auto_complete="off",
                                   id="crm-new-key-input",
                                   placeholder="birthday",
                                   custom_attrs={**tid("crm-new-key"), "data-latin": "key"}),
                          spacing="1"),
                rx.vstack(rx.text(S.t["crm_type"], size="1", weight="medium"),
                          rx.select.root(
                              rx.select.trigger(width="100%", custom_attrs={
                                  **tid("crm-new-type"), "aria-label": S.t["crm_type"]}),
                              rx.select.content(*[rx.select.item(
                                  S.t["type_" + t], value=t,
                                  custom_attrs={**tid("crm-type-option"), "data-value": t})
                                  for t in FIELD_TYPES]),
                              value=S.new_type, on_change=S.set_new_type),
                          spacing="1"),
                columns=rx.breakpoints(initial="1", sm="3"), spacing="3", width="100%"),
            rx.cond(S.new_type == "select",
                    rx.vstack(field_label(S.t["crm_options"], "crm-new-options-input", size="1"),
                              rx.text_area(name="options", rows="4", width="100%",
                                           id="crm-new-options-input",
                                           placeholder=S.t["crm_options_ph"],
                                           custom_attrs=tid("crm-new-options")),
                              spacing="1", width="100%")),
            rx.text(S.t["crm_key_hint"], size="1", color_scheme="gray"),
            error_at("new"),
            rx.button(rx.icon("plus", size=14), S.t["crm_add_field"], type="submit",
                      custom_attrs=tid("crm-new-submit")),
            spacing="3", width="100%"),
        on_submit=S.create_field, reset_on_submit=False, width="100%", key=S.form_rev,
    )


def option_row(o, i) -> rx.Component:
    at = "opt:" + o
    return rx.hstack(
        move_buttons(S.move_option(o, -1), S.move_option(o, 1), i == 0, i == S.tag2.length() - 1),
        rx.box(rx.cond(S.editing == at,
                       inline_form(at, o, o, S.rename_option),
                       rx.hstack(rx.badge(o, variant="soft", size="2"),
                                 rx.icon_button(rx.icon("pencil", size=12), size="1", variant="ghost",
                                                color_scheme="gray", on_click=S.edit(at),
                                                aria_label=S.t["a11y_rename"] + ": " + o,
                                                custom_attrs=tid("tag2-option-rename")),
                                 align="center", spacing="1")),
               error_at(at), flex="1", min_width="0"),
        rx.icon_button(rx.icon("trash-2", size=14), size="1", variant="ghost", color_scheme="red",
                       on_click=S.ask_delete("opt:" + o, o),
                       custom_attrs={**tid("tag2-option-delete"), "aria-label": S.t["delete"] + ": " + o}),
        align="center", width="100%", padding="6px 0", border_bottom="1px solid var(--gray-a3)",
        custom_attrs={**tid("tag2-option-row"), "data-value": o},
    )


def confirm_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(S.t["crm_confirm_title"], " «", S.confirm_name, "»?"),
            rx.alert_dialog.description(
                rx.cond(S.confirm.startswith("field:"), S.t["crm_confirm_field"],
                        S.t["crm_confirm_option"]), size="2"),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(S.t["cancel"], variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button(S.t["delete"], color_scheme="red",
                                                 on_click=S.confirm_delete,
                                                 custom_attrs=tid("crm-confirm-delete"))),
                justify="end", spacing="2", padding_top="12px"),
            max_width="440px",
        ),
        open=S.confirm != "", on_open_change=S.set_confirm_open,
    )


def crm_settings_page() -> rx.Component:
    return rx.box(
        page_header(S, "crm_settings", "/crm"),
        rx.vstack(
            error_at("order"),
            rx.card(rx.vstack(
                rx.heading(S.t["crm_fields"], size="4", as_="h2"),
                rx.text(S.t["crm_fields_hint"], size="2", color_scheme="gray"),
                rx.cond(S.fields.length() > 0,
                        rx.box(rx.table.root(
                            rx.table.header(rx.table.row(
                                rx.table.column_header_cell("", width="72px"),
                                rx.table.column_header_cell(S.t["crm_label"]),
                                rx.table.column_header_cell(S.t["crm_type"]),
                                rx.table.column_header_cell(S.t["crm_options"]),
                                rx.table.column_header_cell("", width="48px"))),
                            rx.table.body(rx.foreach(S.fields, field_row)),
                            variant="ghost", size="1", width="100%"),
                            width="100%", overflow_x="auto", class_name="msg-stack-table msg-stack-crm",
                            custom_attrs=tid("crm-fields")),
                        rx.text(S.t["crm_no_fields"], size="2", color_scheme="gray")),
                rx.separator(size="4"),
                new_field_form(),
                spacing="3", width="100%"), width="100%"),
            rx.card(rx.vstack(
                rx.heading(S.t["tag2"], size="4", as_="h2"),
                rx.text(S.t["crm_tag2_hint"], size="2", color_scheme="gray"),
                rx.vstack(rx.foreach(S.tag2, option_row), spacing="0", width="100%",
                          custom_attrs=tid("tag2-options")),
                rx.form(
                    rx.hstack(
                        rx.input(name="value", placeholder=S.t["crm_new_option"],
                                 width="100%", auto_complete="off",
                                 custom_attrs={**tid("tag2-new-value"),
                                               "aria-label": S.t["crm_new_option"]}),
                        rx.button(rx.icon("plus", size=14), S.t["add"], type="submit",
                                  custom_attrs=tid("tag2-new-submit")),
                        width="100%", spacing="2"),
                    on_submit=S.add_option, reset_on_submit=False, width="100%",
                    key=S.form_rev),
                error_at("newopt"),
                spacing="3", width="100%"), width="100%"),
            confirm_dialog(),
            role="main",
            spacing="4", padding=rx.breakpoints(initial="12px", sm="20px"), max_width="1000px",
            margin="0 auto", width="100%",
        ),
        live_marker(),
        min_height="100dvh", background="var(--gray-a2)",
    )
