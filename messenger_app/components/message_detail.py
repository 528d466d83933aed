"""The message detail modal (C4): everything about one message, readable, ids copyable."""

import reflex as rx

from messenger_app.components.common import channel_icon, tid
from messenger_app.states.composer import ComposerState as C

D = C.detail


def _copy(value, testid: str) -> rx.Component:
    return rx.icon_button(rx.icon("copy", size=13), variant="ghost", size="1", color_scheme="gray",
                          type="button", title=C.t["copy_value"], aria_label=C.t["copy_value"],
                          on_click=[rx.set_clipboard(value),
                                    rx.toast.success(C.t["copied"], duration=1500)],
                          custom_attrs=tid(testid))


def _item(label, *value, testid: str = "") -> rx.Component:
    return rx.data_list.item(
        rx.data_list.label(label, min_width="120px"),
        rx.data_list.value(rx.hstack(*value, spacing="2", align="center", wrap="wrap"),
                           custom_attrs=tid(testid) if testid else {}),
        align="center",
    )


def _dash(value) -> rx.Component:
    return rx.cond(value != "", rx.text(value, size="2"), rx.text("—", size="2", color_scheme="gray"))


def _history_row(h) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.badge(h["status"], variant="soft", size="1",
                               color_scheme=rx.match(h["code"], ("failed", "red"), ("queued", "gray"),
                                                     ("read", "green"), ("delivered", "green"),
                                                     "indigo"))),
        rx.table.cell(rx.text(h["at"], size="1", white_space="nowrap")),
        rx.table.cell(rx.text(rx.cond(h["attempt"] != "", "#" + h["attempt"] + " ", ""),
                              h["error"], size="1",
                              color=rx.cond(h["error"] != "", "var(--red-11)", "inherit"))),
        custom_attrs={"data-testid": "detail-history-row", "data-status": h["code"]},
    )


def _att_row(a) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.cond(a["url"] != "",
                              rx.link(a["name"], href=a["url"], is_external=True, size="1",
                                      class_name="msg-break"),
                              rx.text(a["name"], size="1", class_name="msg-break"))),
        rx.table.cell(rx.text(a["mime"], size="1", class_name="msg-break")),
        rx.table.cell(rx.text(a["size"], size="1", white_space="nowrap")),
        custom_attrs={"data-testid": "detail-attachment"},
    )


def _section(title, *children) -> rx.Component:
    return rx.vstack(rx.text(title, size="2", weight="bold"), *children, spacing="2", width="100%")


def detail_modal() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.hstack(
                rx.dialog.title(C.t["message_details"], size="4", margin="0"),
                rx.spacer(),
                rx.dialog.close(rx.icon_button(rx.icon("x", size=16), variant="ghost",
                                               color_scheme="gray", aria_label=C.t["close"],
                                               custom_attrs=tid("message-detail-close"))),
                align="center", width="100%",
            ),
            rx.dialog.description(rx.text(C.t["message_details_hint"], size="2", color_scheme="gray"),
                                  margin_bottom="14px"),
            rx.vstack(
                rx.data_list.root(
                    _item(C.t["d_id"], rx.code(D["id"], variant="ghost"), _copy(D["id"], "detail-copy-id"),
                          testid="detail-id"),
                    _item(C.t["d_external_id"],
                          rx.cond(D["external_id"] != "",
                                  rx.fragment(rx.code(D["external_id"], variant="ghost",
                                                      class_name="msg-break"),
                                              _copy(D["external_id"], "detail-copy-external")),
                                  _dash("")),
                          testid="detail-external-id"),
                    _item(C.t["d_channel"],
                          rx.cond(D["channel"] != "",
                                  rx.fragment(channel_icon(D["channel"], "16px"),
                                              rx.text(D["channel"], size="2"),
                                              rx.cond(D["channel_name"] != "",
                                                      rx.text("· ", D["channel_name"], size="2",
                                                              color_scheme="gray"))),
                                  _dash("")),
                          testid="detail-channel"),
                    _item(C.t["d_identity"],
                          rx.cond(D["identity"] != "",
                                  rx.fragment(rx.text(D["identity_name"], size="2"),
                                              rx.code(D["identity"], variant="ghost")),
                                  _dash("")),
                          testid="detail-identity"),
                    _item(C.t["d_direction"], rx.text(D["direction"], size="2"),
                          testid="detail-direction"),
                    _item(C.t["d_sender"], rx.text(D["sender"], size="2"), testid="detail-sender"),
                    rx.cond(D["scenario"] != "",
                            _item(C.t["md_scenario"], rx.text(D["scenario"], size="2"), testid="detail-scenario")),
                    _item(C.t["d_status"],
                          rx.badge(D["status"], variant="soft",
                                   color_scheme=rx.cond(D["error"] != "", "red", "indigo")),
                          rx.cond(D["error"] != "",
                                  rx.text(D["error"], size="1", color="var(--red-11)",
                                          class_name="msg-break")),
                          testid="detail-status"),
                    _item(C.t["d_created"], _dash(D["created"]), testid="detail-created"),
                    _item(C.t["d_sent"], _dash(D["sent"]), testid="detail-sent"),
                    _item(C.t["d_attempts"], _dash(D["attempts"])),
                    size="2", orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
                    width="100%",
                ),
                rx.cond(C.detail_history.length() > 0,
                        _section(C.t["d_history"],
                                 rx.table.root(rx.table.body(rx.foreach(C.detail_history, _history_row)),
                                               size="1", variant="surface", width="100%"))),
                rx.cond(C.detail_atts.length() > 0,
                        _section(C.t["d_attachments"],
                                 rx.table.root(
                                     rx.table.header(rx.table.row(
                                         rx.table.column_header_cell(C.t["d_file"]),
                                         rx.table.column_header_cell(C.t["d_type"]),
                                         rx.table.column_header_cell(C.t["d_size"]))),
                                     rx.table.body(rx.foreach(C.detail_atts, _att_row)),
                                     size="1", variant="surface", width="100%"),
                                 rx.el.details(
                                     rx.el.summary(rx.text(C.t["d_raw"], size="1", color_scheme="gray",
                                                           as_="span"), cursor="pointer"),
                                     rx.el.pre(C.detail_raw, class_name="msg-raw"),
                                     width="100%"))),
                rx.text(C.t["d_times_in"], " ", D["tz"], size="1", color_scheme="gray"),
                spacing="4", width="100%",
            ),
            max_width="600px", width="calc(100vw - 24px)", max_height="calc(100dvh - 48px)",
            overflow_y="auto", custom_attrs=tid("message-detail"),
        ),
        open=C.detail_open, on_open_change=C.set_detail_open,
    )
