"""/widget: the public chat a business embeds on its website (in an iframe)."""

import reflex as rx

from messenger_app.components.common import COMPOSER_KEYS, lang_marker, logo, tid
from messenger_app.states.widget import WidgetState as W


def bubble(m) -> rx.Component:
    out = m["dir"] == "out"  # the operator's answer
    return rx.flex(
        rx.box(rx.text(m["text"], size="2", as_="div"),
               rx.text(m["time"], size="1", color="var(--gray-11)", text_align="right"),
               class_name=rx.cond(out, "msg-bubble msg-bubble-in", "msg-bubble msg-bubble-out")),
        justify=rx.cond(out, "start", "end"), width="100%", padding="3px 12px",
        custom_attrs={"data-testid": "widget-message", "data-dir": m["dir"]},
    )


def widget_page() -> rx.Component:
    return rx.vstack(
        rx.hstack(logo("32px"),
                  rx.vstack(rx.heading(W.t["widget_title"], weight="bold", size="3", as_="h1"),
                            rx.text(W.t["widget_subtitle"], size="1", color_scheme="gray"),
                            spacing="0"),
                  padding="12px 14px", align="center", width="100%",
                  border_bottom="1px solid var(--gray-a4)"),
        rx.box(
            rx.cond(W.items.length() == 0,
                    rx.center(rx.text(W.t["widget_empty"], size="2", color_scheme="gray",
                                      text_align="center"), padding="40px 20px")),
            rx.foreach(W.items, bubble),
            class_name="msg-scroll msg-thread-bg", width="100%", id="msg-thread", padding_y="8px",
            role="log", tab_index=0,  # 4.1.3: the operator's answers are read out politely
            custom_attrs={"aria-label": W.t["a11y_thread"], "aria-relevant": "additions"},
        ),
        rx.cond(W.error != "", rx.text(W.error, color="var(--red-11)", size="1", padding_x="14px")),
        rx.form(
            rx.hstack(
                rx.el.textarea(name="text", placeholder=W.t["widget_placeholder"], rows=1,
                               max_length=2000,
                                                              custom_attrs={**tid("widget-input"), "on_key_down": COMPOSER_KEYS,
                                                              "aria-label": W.t["a11y_your_message"]},
                               style={"flex": "1", "border": "1px solid var(--gray-a6)",
                                      "borderRadius": "10px", "padding": "9px 12px",
                                      "font": "inherit", "fontSize": "14px", "resize": "none",
                                      "background": "var(--color-surface)",
                                      "color": "var(--gray-12)", "outline": "none"}),
                rx.icon_button(rx.icon("send-horizontal", size=18), type="submit", size="3",
                               radius="full", aria_label=W.t["send"], title=W.t["send"],
                               custom_attrs=tid("widget-send")),
                width="100%", align="end", spacing="2"),
            on_submit=W.send, reset_on_submit=True, width="100%", padding="10px 12px",
            border_top="1px solid var(--gray-a4)",
        ),
        lang_marker(W),
        spacing="0", height="100dvh", width="100%", role="main",
    )
