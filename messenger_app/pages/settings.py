"""/settings: connect channels, see their health, copy the widget snippet (admin)."""

import reflex as rx

from messenger_app.components.common import channel_icon, lang_switch, logo
from messenger_app.states.settings import SettingsState as S


def channel_row(ch) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.hstack(channel_icon(ch["kind"], "20px"),
                                rx.vstack(rx.text(ch["name"], weight="medium"),
                                          rx.text(ch["bot"], size="1", color_scheme="gray"),
                                          spacing="0"), align="center")),
        rx.table.cell(rx.cond(ch["enabled"] == "1",
                              rx.badge(S.t["enabled"], color_scheme="green"),
                              rx.badge(S.t["disabled"], color_scheme="gray"))),
        rx.table.cell(rx.text(ch["last_poll"], size="1")),
        rx.table.cell(rx.cond(ch["last_error"] != "",
                              rx.text(ch["last_error"], size="1", color="var(--red-11)"),
                              rx.text(S.t["healthy"], size="1", color="var(--green-11)"))),
        rx.table.cell(rx.cond(ch["kind"] != "widget",
                              rx.button(rx.cond(ch["enabled"] == "1", S.t["disable"], S.t["enable"]),
                                        size="1", variant="soft", on_click=S.toggle(ch["id"])))),
        custom_attrs={"data-testid": "channel-row", "data-id": ch["id"]},
    )


def settings_page() -> rx.Component:
    return rx.box(
        rx.hstack(logo(), rx.heading(S.t["channel_settings"], size="5"), rx.spacer(),
                  lang_switch(S),
                  rx.link(rx.button(rx.icon("arrow-left", size=14), S.t["back_to_inbox"],
                                    variant="soft"), href="/"),
                  align="center", padding="12px 20px", border_bottom="1px solid var(--gray-a5)"),
        rx.vstack(
            rx.table.root(
                rx.table.body(rx.foreach(S.items, channel_row)), width="100%", variant="surface"),
            rx.card(
                rx.form(
                    rx.vstack(
                        rx.heading(S.t["add_telegram"], size="3"),
                        rx.input(name="token", placeholder=S.t["bot_token"], width="100%",
                                 custom_attrs={"data-testid": "telegram-token"}),
                        rx.input(name="base_url", placeholder=S.t["api_base"], width="100%",
                                 custom_attrs={"data-testid": "telegram-base-url"}),
                        rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", size="1",
                                                          icon="triangle-alert", width="100%",
                                                          custom_attrs={"data-testid": "settings-error"})),
                        rx.button(S.t["connect"], type="submit",
                                  custom_attrs={"data-testid": "telegram-connect"}),
                        spacing="2", width="100%"),
                    on_submit=S.add_telegram, reset_on_submit=True),
                width="100%"),
            rx.card(rx.vstack(rx.heading(S.t["widget_snippet"], size="3"),
                              rx.text_area(value=S.widget_snippet, read_only=True, rows="4", width="100%",
                                           font_family="monospace",
                                           custom_attrs={"data-testid": "widget-snippet"}),
                              width="100%"), width="100%"),
            spacing="4", padding="20px", max_width="960px", margin="0 auto",
        ),
        min_height="100dvh", background="var(--gray-a2)",
    )
