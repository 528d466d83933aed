"""Small building blocks shared by the pages."""

import reflex as rx


# C8: Enter sends, Shift+Enter / Ctrl+Enter add a line (window.__msgComposerKey in assets/app.js)
COMPOSER_KEYS = rx.Var(_js_expr="((e) => window.__msgComposerKey(e))")


def tid(name: str) -> dict:
    """Stable test id (TESTIDS.md)."""
    return {"data-testid": name}


def channel_icon(kind, size: str = "16px", testid: str = "") -> rx.Component:
    return rx.image(src=f"/channels/{kind}.svg", width=size, height=size, alt=kind,
                    title=kind, flex_shrink="0", custom_attrs=tid(testid) if testid else {},
                    data_channel=kind)


def logo(size: str = "28px") -> rx.Component:
    return rx.center(rx.icon("messages-square", size=16, color="white"), width=size, height=size,
                     border_radius="8px", background="var(--accent-9)", flex_shrink="0")


def lang_switch(state) -> rx.Component:
    return rx.segmented_control.root(
        rx.segmented_control.item("EN", value="en"),
        rx.segmented_control.item("RU", value="ru"),
        value=state.lang, on_change=state.set_lang, size="1",
    )
