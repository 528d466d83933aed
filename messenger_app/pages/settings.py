"""/settings: connect channels, see their health, copy the widget snippet (admin)."""

import reflex as rx

from messenger_app.components.common import channel_icon, field_label, icon_button
from messenger_app.components.page_header import page_header
from messenger_app.states.settings import SettingsState as S


HEALTH_COLOR = {"off": "gray", "failing": "red", "never": "amber", "stalled": "red",
                "polling": "green", "waiting": "blue", "ok": "green"}


def health_badge(ch) -> rx.Component:
    return rx.badge(S.t["health_" + ch.health],
                    color_scheme=rx.match(ch.health, *HEALTH_COLOR.items(), "gray"),
                    variant="soft", custom_attrs={"data-testid": "channel-health",
                                                  "data-health": ch.health})


def channel_row(ch) -> rx.Component:
    """One channel as a card: stacks on a phone, two or three a row on a desktop."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                channel_icon(ch.kind, "24px"),
                rx.vstack(rx.text(ch.name, weight="medium", class_name="msg-ellipsis",
                                  max_width="100%"),
                          rx.text(S.t["kind_" + ch.kind], " ", ch.bot, size="1",
                                  color_scheme="gray"),
                          spacing="0", min_width="0", flex="1"),
                health_badge(ch),
                align="center", width="100%", spacing="3"),
            rx.cond(ch.health == "failing",
                    rx.text(ch.last_error, size="1", color="var(--red-11)",
                            style={"wordBreak": "break-word"})),
            rx.cond(ch.webhook != "",
                    rx.vstack(rx.text("Webhook URL", size="1", color_scheme="gray"),
                              rx.code(ch.webhook, size="1", style={"wordBreak": "break-all"},
                                      custom_attrs={"data-testid": "channel-webhook"}),
                              spacing="0", width="100%"),
                    rx.cond(ch.polling & (ch.health != "off"),
                            rx.hstack(rx.text(S.t["last_poll"], size="1", color_scheme="gray"),
                                      rx.text(ch.last_poll, size="1"), spacing="2"))),
            rx.spacer(),
            rx.cond(S.check_id == ch.id,
                    rx.text(S.check_text, size="1", role="status",
                            color=rx.cond(S.check_ok, "var(--green-11)", "var(--red-11)"),
                            style={"wordBreak": "break-word"},
                            custom_attrs={"data-testid": "channel-test-result"})),
            rx.cond(ch.kind != "widget",
                    rx.hstack(rx.spacer(),
                              rx.button(S.t["email_test_connection"], size="1", variant="soft",
                                        color_scheme="gray", loading=S.checking == ch.id,
                                        on_click=S.test_channel(ch.id),
                                        custom_attrs={"data-testid": "channel-test"}),
                              rx.button(rx.cond(ch.enabled, S.t["disable"], S.t["enable"]),
                                        size="1", variant="soft", on_click=S.toggle(ch.id)),
                              width="100%")),
            spacing="2", width="100%", height="100%"),
        custom_attrs={"data-testid": "channel-row", "data-id": ch.id, "data-kind": ch.kind,
                      "data-enabled": rx.cond(ch.enabled, "true", "false")},
    )


def field(f) -> rx.Component:
    return rx.vstack(
        field_label(f["label"], "channel-field-input-" + f["name"], size="1", weight="regular",
                    color_scheme="gray"),
        rx.cond(
            f["type"] == "select",
            rx.el.select(
                rx.foreach(f["options"].to(str).split("|"),
                           lambda o: rx.el.option(o.to(str).split("=")[1],
                                                  value=o.to(str).split("=")[0])),
                name=f["name"], id="channel-field-input-" + f["name"],
                class_name="rt-reset rt-SelectTrigger rt-r-size-2 rt-variant-surface",
                style={"width": "100%"},
                custom_attrs={"data-testid": "channel-field-" + f["name"]}),
            rx.input(name=f["name"], type=f["type"], width="100%", auto_complete="off",
                     id="channel-field-input-" + f["name"],
                     placeholder=f["placeholder"],  # an example value: latin by nature
                     custom_attrs={"data-testid": "channel-field-" + f["name"],
                                   "data-latin": "example"})),
        spacing="1", width="100%")


def settings_page() -> rx.Component:
    return rx.box(
        page_header(S, "channel_settings", "/settings"),
        rx.vstack(
            rx.card(rx.hstack(  # B3
                rx.vstack(rx.text(S.t["st_billed"], size="1", color_scheme="gray"),
                          rx.text(S.billed_now, size="5", weight="bold",
                                  custom_attrs={"data-testid": "settings-billed-now"}), spacing="0"),
                rx.vstack(rx.text(S.t["st_billed_month"], size="1", color_scheme="gray"),
                          rx.text(S.billed_month, size="5", weight="bold",
                                  custom_attrs={"data-testid": "settings-billed-month"}), spacing="0"),
                rx.spacer(), rx.link(S.t["nav_stats"], href="/stats"),
                spacing="5", align="center", width="100%"), width="100%"),
            rx.hstack(rx.heading(S.t["connected_channels"], size="4", as_="h2"), rx.spacer(),
                      icon_button("refresh-cw", S.t["a11y_refresh"], icon_size=14,
                                  on_click=S.refresh), width="100%", align="center"),
            rx.grid(rx.foreach(S.items, channel_row), columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                    spacing="3", width="100%"),
            rx.card(
                rx.vstack(
                    rx.heading(S.t["add_channel"], size="3", as_="h2"),
                    rx.hstack(rx.foreach(S.kinds, lambda k: rx.button(
                        channel_icon(k["kind"], "16px"), k["label"], size="2",
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
            spacing="4", padding=rx.breakpoints(initial="12px", sm="20px"), max_width="1100px",
            margin="0 auto", role="main",
        ),
        min_height="100dvh", background="var(--gray-a2)",
    )
