"""New dialog (L6): phone number + channel, then "Open dialog"."""

import reflex as rx

from messenger_app.components.common import field_label, channel_icon, tid
from messenger_app.states.new_dialog import NO_CHANNEL
from messenger_app.states.new_dialog import NewDialogState as ND


def _option(c) -> rx.Component:
    limit = rx.match(c.limit, ("template", ND.t["nd_limit_template"]),
                     ("client_first", ND.t["nd_limit_client_first"]), "")
    return rx.el.option(
        c.name, rx.cond(limit != "", rx.fragment(" — ", limit)),
        value=c.id, disabled=~c.can,
    )


def new_dialog_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.form(
                rx.vstack(
                    rx.hstack(
                        rx.dialog.title(ND.t["new_dialog"], size="4", margin="0"),
                        rx.spacer(),
                        rx.dialog.close(rx.icon_button(rx.icon("x", size=16), variant="ghost",
                                                       color_scheme="gray", type="button",
                                                       aria_label=ND.t["cancel"])),
                        width="100%", align="center",
                    ),
                    rx.dialog.description(ND.t["nd_hint"], class_name="msg-modal-desc"),
                    rx.vstack(
                        field_label(ND.t["nd_phone"], "nd-phone"),
                        rx.input(rx.input.slot(rx.icon("phone", size=16)), name="phone",
                                 id="nd-phone", default_value=ND.nd_phone, type="tel",
                                 input_mode="tel", auto_complete="off", auto_focus=True,
                                 placeholder=ND.t["nd_phone_ph"], size="3", width="100%",
                                 custom_attrs=tid("new-dialog-phone")),
                        spacing="1", width="100%",
                    ),
                    rx.vstack(
                        rx.text(ND.t["nd_channel"], size="2", weight="medium"),
                        rx.hstack(
                            rx.cond(ND.nd_channel != NO_CHANNEL,
                                    rx.foreach(ND.nd_channels, lambda c: rx.cond(
                                        c.id == ND.nd_channel, channel_icon(c.kind, "20px"))),
                                    rx.icon("user-plus", size=20, color="var(--gray-10)")),
                            rx.el.select(
                                rx.foreach(ND.nd_channels, _option),
                                rx.el.option(ND.t["nd_no_channel"], value=NO_CHANNEL),
                                name="channel", value=ND.nd_channel, aria_label=ND.t["nd_channel"], on_change=ND.set_nd_channel,
                                class_name="msg-select", custom_attrs=tid("new-dialog-channel")),
                            align="center", spacing="2", width="100%",
                        ),
                        rx.text(rx.cond(ND.nd_can_start, ND.t["nd_rules"], ND.t["nd_none"]),
                                size="1", color_scheme="gray", custom_attrs=tid("new-dialog-rules")),
                        spacing="1", width="100%",
                    ),
                    rx.cond(ND.nd_error != "",
                            rx.callout(ND.nd_error, icon="circle-alert", color_scheme="red", size="1",
                                       width="100%", role="alert",
                                       custom_attrs=tid("new-dialog-error"))),
                    rx.hstack(
                        rx.dialog.close(rx.button(ND.t["cancel"], variant="soft", color_scheme="gray",
                                                  type="button")),
                        rx.button(rx.icon("message-circle", size=16), ND.t["nd_open"], type="submit",
                                  custom_attrs=tid("new-dialog-submit")),
                        justify="end", width="100%", spacing="2", class_name="msg-fb-actions",
                    ),
                    spacing="4", width="100%",
                ),
                on_submit=ND.submit_new_dialog, reset_on_submit=False, width="100%",
            ),
            class_name="msg-modal", max_width="460px", custom_attrs=tid("new-dialog"),
        ),
        open=ND.nd_open, on_open_change=ND.set_nd_open,
    )
