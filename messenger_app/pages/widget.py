"""/widget: the public chat a business embeds on its website (in an iframe)."""

import reflex as rx

from messenger_app.components.common import COMPOSER_KEYS, lang_marker, live_marker, logo, tid
from messenger_app.states.widget import WidgetState as W


def _file(a) -> rx.Component:
    """A file of the message: pictures, audio and video in place (only when the stored bytes
    proved the type), anything else as a download link."""
    attrs = {"data-testid": "widget-attachment", "data-media": a.media, "data-name": a.name}
    return rx.match(
        a.media,
        ("img", rx.el.a(rx.el.img(src=a.url, alt=a.name, loading="lazy",
                                  class_name="msg-att-img"),
                        href=a.url, target="_blank", title=a.name,
                        class_name="msg-att-img-link", custom_attrs=attrs)),
        ("audio", rx.el.audio(src=a.url, controls=True, preload="metadata",
                              class_name="msg-att-audio", custom_attrs=attrs)),
        ("video", rx.el.video(src=a.url, controls=True, preload="metadata",
                              class_name="msg-att-video", custom_attrs=attrs)),
        rx.el.a(rx.hstack(rx.icon("file-text", size=18),
                          rx.text(a.name, size="2", class_name="msg-ellipsis", max_width="220px"),
                          rx.text(a.size, size="1", color="var(--gray-11)"),
                          spacing="2", align="center", class_name="msg-file"),
                href=a.url, download=a.name, class_name="msg-file-link",
                custom_attrs=attrs),
    )


def _choice(c) -> rx.Component:
    return rx.button(c.label, type="button", variant="surface", size="2", radius="large",
                     on_click=W.choose(c.id), white_space="normal", height="auto",
                     padding_y="6px",
                     custom_attrs={"data-testid": "widget-choice", "data-id": c.id})


def bubble(m) -> rx.Component:
    out = m.dir == "out"  # the operator's answer
    return rx.flex(
        rx.box(rx.cond(m.atts.length() > 0,
                       rx.vstack(rx.foreach(m.atts, _file), spacing="2", class_name="msg-atts")),
               rx.cond(m.text != "", rx.text(m.text, size="2", as_="div")),
               rx.cond(m.choices.length() > 0,
                       rx.flex(rx.foreach(m.choices, _choice), wrap="wrap",
                               gap="6px", padding_top="6px",
                               custom_attrs={"data-testid": "widget-choices"})),
               rx.text(m.time, size="1", color="var(--gray-11)", text_align="right"),
               class_name=rx.cond(out, "msg-bubble msg-bubble-in", "msg-bubble msg-bubble-out")),
        justify=rx.cond(out, "start", "end"), width="100%", padding="3px 12px",
        custom_attrs={"data-testid": "widget-message", "data-dir": m.dir},
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
        # filled and shown by assets/widget.js when a send fails (works without the websocket)
        rx.el.div(hidden=True, role="alert", id="msg-widget-notice",
                  custom_attrs={**tid("widget-send-failed"), "data-not-sent": W.t["widget_not_sent"],
                                "data-rate": W.t["widget_rate"], "data-too-long": W.t["widget_too_long"],
                                "data-refused": W.t["widget_refused"]},
                  style={"color": "var(--red-11)", "fontSize": "12px", "padding": "0 14px"}),
        rx.el.button(type="button", hidden=True, on_click=W.refresh, tab_index=-1,
                     custom_attrs={**tid("widget-refresh"), "aria-hidden": "true"}),
        rx.script(src="/widget.js"),
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
            # assets/widget.js posts to /api/widget/messages; W.send only without that script
            on_submit=W.send, reset_on_submit=True, width="100%", padding="10px 12px",
            custom_attrs=tid("widget-form"),
            border_top="1px solid var(--gray-a4)",
        ),
        lang_marker(W),
        live_marker(),
        spacing="0", height="100dvh", width="100%", role="main",
    )
