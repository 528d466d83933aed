"""The composer (C5, C7, C8, X8): text, emoji, templates, files, note mode, channel, send.

The textarea is uncontrolled (typing costs no server round trip); assets/composer.js keeps a
draft per dialog, inserts emoji/templates at the cursor and grows the box with its text.
Enter sends, Shift+Enter / Ctrl+Enter add a line (assets/app.js).
"""

import reflex as rx

from messenger_app.components.common import COMPOSER_KEYS, channel_icon, tid
from messenger_app.components.emoji import emoji_picker
from messenger_app.services.attachments import MAX_PER_MESSAGE, MAX_UPLOAD
from messenger_app.states.composer import ComposerState as C
from messenger_app.states.composer_view import ComposerViewState as CV
from messenger_app.states.open_dialog import OpenDialogState as O

UPLOAD_ID = "composer-upload"


def _tool(icon: str, label, testid: str, **props) -> rx.Component:
    return rx.icon_button(rx.icon(icon, size=20), variant="ghost", type="button",
                          color_scheme="gray", title=label, aria_label=label,
                          custom_attrs=tid(testid), **props)


def template_picker() -> rx.Component:
    item = lambda t: rx.box(  # noqa: E731
        rx.text(t["title"], size="2", weight="medium", class_name="msg-ellipsis", as_="div"),
        rx.text(t["body"], size="1", color_scheme="gray", class_name="msg-clamp-2", as_="div"),
        on_click=C.use_template(t["id"]), class_name="msg-pick-row", role="button", tab_index=0,
        custom_attrs={"data-testid": "template-item", "data-id": t["id"]},
    )
    return rx.popover.root(
        rx.popover.trigger(_tool("file-text", C.t["tpl_picker"], "composer-template")),
        rx.popover.content(
            rx.vstack(
                rx.input(rx.input.slot(rx.icon("search", size=14)), value=C.tpl_query,
                         on_change=C.set_tpl_query.debounce(200), placeholder=C.t["template_search"],
                         size="2", width="100%", custom_attrs=tid("template-search")),
                rx.box(
                    rx.foreach(C.tpl_items, item),
                    rx.cond(C.tpl_items.length() == 0,
                            rx.center(rx.text(rx.cond(C.tpl_query != "", C.t["no_results"],
                                                      C.t["no_templates"]),
                                              size="2", color_scheme="gray"), padding="18px")),
                    width="100%", max_height="min(300px, 45vh)", overflow_y="auto",
                ),
                rx.link(rx.hstack(rx.icon("settings-2", size=14), C.t["manage_templates"],
                                  align="center", spacing="1"),
                        href="/templates", size="1", custom_attrs=tid("template-manage")),
                spacing="2", width="100%",
            ),
            side="top", align="start", width="min(360px, calc(100vw - 24px))", padding="10px",
            custom_attrs=tid("template-picker"),
        ),
        open=C.tpl_open, on_open_change=C.set_tpl_open,
    )


def _rejected(rejections):
    """Only names, sizes and reasons go to the server: File objects would be sent as binary."""
    plain = rx.Var(_js_expr=f"({rejections!s}).map(r => ({{name: String((r.file && r.file.name) || ''), "
                            f"size: (r.file && r.file.size) || 0, "
                            f"codes: (r.errors || []).map(e => String(e.code))}}))",
                   _var_type=list[dict], _var_data=rejections._get_all_var_data())
    return C.rejected(plain)


def _blocked_clip() -> rx.Component:
    """The paperclip when the chosen route cannot carry files: it stays focusable so the
    reason can be read (tooltip on hover and focus, the same text as its name)."""
    return rx.tooltip(
        rx.icon_button(rx.icon("paperclip", size=20), variant="ghost", type="button",
                       color_scheme="gray", class_name="msg-tool-blocked",
                       title=CV.attach_block, aria_label=CV.attach_block,
                       custom_attrs={"data-testid": "composer-attach", "data-disabled": "true",
                                     "aria-disabled": "true"}),
        content=CV.attach_block,
    )


def attach_button() -> rx.Component:
    blocked = CV.attach_block != ""
    return rx.box(
        rx.upload.root(
            rx.cond(blocked, _blocked_clip(),
                    _tool("paperclip", C.t["att_attach"], "composer-attach")),
            id=UPLOAD_ID, multiple=True, max_size=MAX_UPLOAD, max_files=MAX_PER_MESSAGE,
            on_drop=C.upload(rx.upload_files(upload_id=UPLOAD_ID)),
            on_drop_rejected=_rejected, no_keyboard=True, no_click=blocked,
        ),
        line_height="0",
        custom_attrs={"data-msg-file-label": C.t["a11y_attach_input"]},  # named by assets/app.js
    )


def pending_item(a) -> rx.Component:
    return rx.hstack(
        rx.cond(a["media"] == "img",
                rx.el.img(src=a["url"], alt=a["name"], class_name="msg-pending-thumb"),
                rx.center(rx.match(a["media"], ("audio", rx.icon("music", size=18)),
                                   ("video", rx.icon("film", size=18)), rx.icon("file", size=18)),
                          class_name="msg-pending-thumb")),
        rx.vstack(rx.text(a["name"], size="1", weight="medium", class_name="msg-ellipsis",
                          max_width="150px", custom_attrs=tid("composer-attachment-name")),
                  rx.text(a["size"], size="1", color_scheme="gray"), spacing="0", min_width="0"),
        rx.icon_button(rx.icon("x", size=14), variant="ghost", size="1", color_scheme="gray",
                       type="button", on_click=C.remove_attachment(a["url"]),
                       title=C.t["att_remove"], aria_label=C.t["att_remove"],
                       custom_attrs=tid("composer-attachment-remove")),
        spacing="2", align="center", class_name="msg-pending",
        custom_attrs={"data-testid": "composer-attachment", "data-media": a["media"]},
    )


def channel_choice() -> rx.Component:
    return rx.hstack(
        rx.text(C.t["send_via"], size="1", color_scheme="gray", class_name="msg-hide-narrow"),
        rx.select.root(
            rx.select.trigger(variant="ghost", placeholder=C.t["no_channel"],
                              custom_attrs={**tid("composer-channel"), "aria-label": C.t["send_via"]}),
            rx.select.content(rx.foreach(
                O.routes,
                lambda r: rx.select.item(
                    rx.hstack(channel_icon(r.kind, "14px"), rx.text(r.name),
                              rx.cond(r.reason != "",
                                      rx.text("— ", r.reason, size="1", color_scheme="gray")),
                              align="center", spacing="1"),
                    value=r.id, disabled=r.reason != "",
                    custom_attrs={"data-testid": "composer-channel-option",
                                  "data-kind": r.kind}))),
            value=O.route_id, on_change=C.set_route, size="1",
        ),
        align="center", spacing="1", min_width="0",
    )


def composer(attrs: dict) -> rx.Component:
    """`attrs`: the form's extra attributes (dialog_view.idle: hidden while no dialog is open)."""
    note = C.note_mode
    blocked = (O.no_route != "") & ~note  # nothing can be sent; a note still can
    return rx.form(
        rx.vstack(
            rx.cond(blocked,
                    rx.callout(O.no_route, icon="circle-slash", color_scheme="gray", size="1",
                               width="100%", custom_attrs=tid("composer-no-route"))),
            rx.cond(CV.warning_shown != "",
                    rx.callout.root(
                        rx.callout.icon(rx.icon("triangle-alert", size=16)),
                        rx.callout.text(CV.warning_shown, " ",
                                        rx.link(C.t["warn_dismiss"], on_click=C.dismiss_warning,
                                                cursor="pointer", size="1")),
                        color_scheme="amber", size="1", width="100%",
                        custom_attrs=tid("composer-warning"))),
            rx.cond(O.composer_error != "",
                    rx.callout(O.composer_error, icon="triangle-alert", color_scheme="red", size="1",
                               width="100%", custom_attrs=tid("composer-error"))),
            rx.cond(CV.pending.length() > 0,
                    rx.hstack(rx.foreach(CV.pending, pending_item), wrap="wrap", spacing="2",
                              width="100%", custom_attrs=tid("composer-attachments"))),
            rx.cond(CV.route_refusal != "",
                    rx.callout(CV.route_refusal, icon="ban", color_scheme="amber", size="1",
                               width="100%", role="status",
                               custom_attrs=tid("composer-route-refusal"))),
            rx.cond(CV.route_has_subject,
                    rx.input(name="subject", max_length=998, size="1", width="100%",
                             placeholder=C.t["composer_subject"],
                             aria_label=C.t["composer_subject"],
                             custom_attrs=tid("composer-subject"))),
            rx.cond(note,
                    rx.hstack(rx.icon("lock", size=13), rx.text(C.t["note_banner"], size="1"),
                              spacing="1", align="center", class_name="msg-note-banner",
                              custom_attrs=tid("composer-note-banner"))),
            rx.hstack(
                rx.el.textarea(
                    name="text", rows=1, max_length=4096,
                    placeholder=rx.cond(note, C.t["type_note"],
                                        rx.cond(blocked, C.t["composer_no_channel_short"],
                                                C.t["type_message"])),
                    disabled=blocked,
                    class_name="msg-composer-input",
                    custom_attrs={**tid("composer-input"), "on_key_down": COMPOSER_KEYS,
                                  "data-dialog": O.open_id.to_string(),
                                  "aria-label": C.t["type_message"]},
                    # no autoFocus: the composer stays mounted while no dialog is open;
                    # assets/composer.js focuses it when a dialog opens
                ),
                rx.icon_button(rx.cond(note, rx.icon("notebook-pen", size=18),
                                       rx.icon("send-horizontal", size=18)),
                               type="submit", size="3", radius="full", disabled=blocked,
                               color_scheme=rx.cond(note, "amber", "indigo"),
                               title=rx.cond(note, C.t["add_note"], C.t["send"]),
                               aria_label=C.t["send"], custom_attrs=tid("composer-send")),
                width="100%", align="end", spacing="2",
            ),
            rx.hstack(
                rx.hstack(
                    emoji_picker(C.t),
                    template_picker(),
                    attach_button(),
                    rx.tooltip(
                        rx.button(rx.icon("lock", size=14), C.t["note_toggle"], type="button", size="1",
                                  class_name="msg-note-toggle",
                                  variant=rx.cond(note, "solid", "soft"),
                                  color_scheme=rx.cond(note, "amber", "gray"),
                                  on_click=C.toggle_note,
                                  custom_attrs={"data-testid": "composer-note",
                                                "aria-pressed": rx.cond(note, "true", "false")}),
                        content=C.t["note_hint"]),
                    spacing="1", align="center", class_name="msg-tools",
                ),
                rx.spacer(),
                rx.cond(~note, channel_choice()),  # with no route: each channel's reason
                width="100%", align="center", spacing="2",
            ),
            spacing="2", width="100%",
        ),
        on_submit=C.send, reset_on_submit=True, width="100%",
        class_name="msg-composer",
        custom_attrs={"data-note": rx.cond(note, "true", "false"), **attrs},
    )
