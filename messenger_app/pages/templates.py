"""/templates: Profile → Message templates (C6): search, create, edit, delete."""

import reflex as rx

from messenger_app.components.common import tid
from messenger_app.components.page_header import page_header
from messenger_app.states.templates import TemplatesState as S

BODY_ID = "template-body-input"


def template_card(t) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(t["title"], weight="bold", size="3", class_name="msg-ellipsis", flex="1",
                        custom_attrs=tid("template-title")),
                rx.icon_button(rx.icon("pencil", size=16), variant="ghost",
                               on_click=S.edit(t["id"]), aria_label=S.t["tpl_edit"], title=S.t["tpl_edit"],
                               custom_attrs=tid("template-edit")),
                rx.icon_button(rx.icon("trash-2", size=16), variant="ghost", color_scheme="red",
                               on_click=S.ask_delete(t["id"]), aria_label=S.t["delete"],
                               title=S.t["delete"], custom_attrs=tid("template-delete")),
                width="100%", align="center", spacing="2",
            ),
            rx.text(t["body"], size="2", color_scheme="gray", class_name="msg-clamp-4",
                    white_space="pre-wrap", custom_attrs=tid("template-text")),
            rx.text(S.t["tpl_updated"], " ", t["updated"], size="1", color_scheme="gray"),
            spacing="2", width="100%",
        ),
        width="100%", custom_attrs={"data-testid": "template-row", "data-id": t["id"]},
    )


def placeholder_chip(p) -> rx.Component:
    return rx.badge(
        "{", p["key"], "}",
        variant="soft", size="2", cursor="pointer", title=p["label"], role="button", tab_index=0,
        # a click inserts "{key}" at the cursor of the text (assets/composer.js)
        custom_attrs={"data-testid": "template-placeholder", "data-key": p["key"],
                      "data-insert-into": f"#{BODY_ID}"},
    )


def editor() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(S.edit_id != "", S.t["edit_template"], S.t["new_template"])),
            rx.form(
                rx.vstack(
                    rx.text(S.t["template_title"], size="1", color_scheme="gray"),
                    rx.input(name="title", default_value=S.edit_title, key=S.edit_key, max_length=100,
                             width="100%", custom_attrs=tid("template-form-title")),
                    rx.text(S.t["template_text"], size="1", color_scheme="gray"),
                    rx.text_area(name="body", default_value=S.edit_body, key=S.edit_key, rows="7",
                                 max_length=4096, width="100%", id=BODY_ID,
                                 custom_attrs=tid("template-form-body")),
                    rx.text(S.t["placeholders_hint"], size="1", color_scheme="gray"),
                    rx.flex(rx.foreach(S.placeholders, placeholder_chip), wrap="wrap", gap="6px",
                            custom_attrs=tid("template-placeholders")),
                    rx.cond(S.error != "",
                            rx.callout(S.error, icon="triangle-alert", color_scheme="red", size="1",
                                       width="100%", custom_attrs=tid("template-error"))),
                    rx.hstack(
                        rx.dialog.close(rx.button(S.t["cancel"], variant="soft", color_scheme="gray",
                                                  type="button")),
                        rx.button(S.t["tpl_save"], type="submit", custom_attrs=tid("template-save")),
                        justify="end", width="100%", spacing="2",
                    ),
                    spacing="2", width="100%",
                ),
                on_submit=S.save, width="100%",
            ),
            max_width="560px", width="calc(100vw - 24px)", custom_attrs=tid("template-editor"),
        ),
        open=S.edit_open, on_open_change=S.set_edit_open,
    )


def confirm_delete() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(S.t["delete_template"]),
            rx.alert_dialog.description(S.t["delete_template_q"], " «", S.confirm_title, "»?"),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(S.t["cancel"], variant="soft", color_scheme="gray",
                                                 on_click=S.cancel_delete)),
                rx.alert_dialog.action(rx.button(S.t["delete"], color_scheme="red", on_click=S.delete,
                                                 custom_attrs=tid("template-delete-confirm"))),
                justify="end", spacing="2", padding_top="12px",
            ),
            max_width="420px",
        ),
        open=S.confirm_id != "",
    )


def templates_page() -> rx.Component:
    return rx.box(
        page_header(S, "message_templates", "/templates", back_testid="templates-back",
                    short_key="nav_templates"),
        rx.vstack(
            rx.hstack(
                rx.input(rx.input.slot(rx.icon("search", size=16)), value=S.query,
                         on_change=S.set_query.debounce(250), placeholder=S.t["template_search"],
                         flex="1", min_width="0", size="2", custom_attrs=tid("template-search")),
                rx.button(rx.icon("plus", size=16), S.t["new_template"], on_click=S.new,
                          custom_attrs=tid("template-new")),
                width="100%", spacing="2",
            ),
            rx.cond(S.notice != "",
                    rx.callout(S.notice, icon="info", color_scheme="amber", size="1", width="100%",
                               custom_attrs=tid("template-notice"))),
            rx.cond(
                S.items.length() > 0,
                rx.grid(rx.foreach(S.items, template_card),
                        columns=rx.breakpoints(initial="1", md="2"), spacing="3", width="100%"),
                rx.center(
                    rx.vstack(rx.icon("file-text", size=36, color="var(--gray-8)"),
                              rx.text(rx.cond(S.query != "", S.t["no_results"], S.t["no_templates"]),
                                      color_scheme="gray"),
                              rx.text(S.t["templates_hint"], size="1", color_scheme="gray",
                                      text_align="center"),
                              align="center", spacing="2"),
                    padding="48px 12px", width="100%", custom_attrs=tid("template-empty")),
            ),
            spacing="3", padding="16px", max_width="1000px", margin="0 auto", width="100%",
            role="main",
        ),
        editor(),
        confirm_delete(),
        min_height="100dvh", background="var(--gray-a2)", custom_attrs=tid("templates-page"),
    )
