"""/settings: connect channels, see their health, copy the widget snippet (admin)."""

import reflex as rx

from messenger_app.components.common import (button_link, channel_icon, field_label, icon_button,
                                             lang_marker, lang_switch, logo)
from messenger_app.states.settings import SettingsState as S


def channel_row(ch) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.hstack(channel_icon(ch["kind"], "20px"),
                                rx.vstack(rx.text(ch["name"], weight="medium"),
                                          rx.text(ch["label"], " ", ch["bot"], size="1",
                                                  color_scheme="gray"),
                                          spacing="0"), align="center")),
        rx.table.cell(rx.cond(ch["enabled"] == "1",
                              rx.badge(S.t["enabled"], color_scheme="green"),
                              rx.badge(S.t["disabled"], color_scheme="gray"))),
        rx.table.cell(rx.cond(ch["webhook"] != "",
                              rx.vstack(rx.text("Webhook URL", size="1", color_scheme="gray"),
                                        rx.code(ch["webhook"], size="1", style={"wordBreak": "break-all"},
                                                custom_attrs={"data-testid": "channel-webhook"}),
                                        spacing="0", max_width="340px"),
                              rx.cond(ch["polling"] == "1",
                                      rx.vstack(rx.text(S.t["last_poll"], size="1", color_scheme="gray"),
                                                rx.text(ch["last_poll"], size="1"), spacing="0")))),
        rx.table.cell(rx.vstack(
            rx.match(ch["health"],
                     ("off", rx.text(S.t["health_off"], size="1", color_scheme="gray")),
                     ("never_polled", rx.text(S.t["health_never_polled"], size="1", color="var(--amber-11)")),
                     ("failing", rx.text(S.t["health_failing"], size="1", color="var(--red-11)")),
                     ("stalled", rx.text(S.t["health_stalled"], size="1", color="var(--red-11)")),
                     ("polling", rx.text(S.t["health_polling"], size="1", color="var(--green-11)")),
                     rx.text(S.t["health_waiting"], size="1", color="var(--green-11)")),
            rx.cond(ch["last_error"] != "",
                    rx.text(ch["last_error"], size="1", color="var(--red-11)")),
            spacing="0", custom_attrs={"data-testid": "channel-health", "data-health": ch["health"]})),
        rx.table.cell(rx.cond(ch["kind"] != "widget",
                              rx.button(rx.cond(ch["enabled"] == "1", S.t["disable"], S.t["enable"]),
                                        size="1", variant="soft", on_click=S.toggle(ch["id"])))),
        custom_attrs={"data-testid": "channel-row", "data-id": ch["id"], "data-kind": ch["kind"]},
    )


def field(f) -> rx.Component:
    return rx.vstack(
        field_label(f["label"], "channel-field-input-" + f["name"], size="1", weight="regular",
                    color_scheme="gray"),
        rx.input(name=f["name"], type=f["type"], width="100%", auto_complete="off",
                 id="channel-field-input-" + f["name"],
                 custom_attrs={"data-testid": "channel-field-" + f["name"]}),
        spacing="1", width="100%")


def settings_page() -> rx.Component:
    return rx.box(
        rx.hstack(logo(), rx.heading(S.t["channel_settings"], size="5", as_="h1"), rx.spacer(),
                  lang_switch(S),
                  button_link("/", rx.icon("arrow-left", size=14), S.t["back_to_inbox"],
                              variant="soft"),
                  lang_marker(S),
                  align="center", padding="12px 20px", border_bottom="1px solid var(--gray-a5)",
                  wrap="wrap", role="banner"),
        rx.vstack(
            rx.hstack(rx.heading(S.t["channels"], size="4", as_="h2"), rx.spacer(),
                      icon_button("refresh-cw", S.t["a11y_refresh"], icon_size=14,
                                  on_click=S.refresh), width="100%", align="center"),
            rx.box(rx.table.root(rx.table.body(rx.foreach(S.items, channel_row)), width="100%",
                                 variant="surface"), width="100%", overflow_x="auto"),
            rx.card(
                rx.vstack(
                    rx.heading(S.t["add_channel"], size="3", as_="h2"),
                    rx.hstack(rx.foreach(S.kinds, lambda k: rx.button(
                        channel_icon(k["kind"], "16px"), k["label"], size="1",
                        variant=rx.cond(S.new_kind == k["kind"], "solid", "soft"),
                        on_click=S.set_new_kind(k["kind"]),
                        custom_attrs={"data-testid": "channel-kind-" + k["kind"],
                                      "aria-pressed": rx.cond(S.new_kind == k["kind"], "true", "false")})),
                        wrap="wrap", spacing="2"),
                    rx.form(
                        rx.vstack(
                            rx.grid(rx.foreach(S.form_fields, field), columns=rx.breakpoints(
                                initial="1", md="2"), spacing="3", width="100%"),
                            rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", size="1",
                                                              icon="triangle-alert", width="100%",
                                                              custom_attrs={"data-testid": "settings-error"})),
                            rx.button(S.t["connect"], type="submit",
                                      custom_attrs={"data-testid": "channel-connect"}),
                            spacing="3", width="100%"),
                        on_submit=S.add_channel, reset_on_submit=True, width="100%"),
                    spacing="3", width="100%"),
                width="100%"),
            rx.card(rx.vstack(rx.heading(S.t["widget_snippet"], size="3", as_="h2",
                                         id="widget-snippet-title"),
                              rx.text_area(value=S.widget_snippet, read_only=True, rows="4", width="100%",
                                           font_family="monospace",
                                           custom_attrs={"data-testid": "widget-snippet",
                                                         "aria-labelledby": "widget-snippet-title"}),
                              width="100%"), width="100%"),
            spacing="4", padding="20px", max_width="1100px", margin="0 auto", role="main",
        ),
        min_height="100dvh", background="var(--gray-a2)",
    )
