"""Small building blocks shared by the pages."""

import reflex as rx
from reflex_components_core.react_router.dom import ReactRouterLink


# C8: Enter sends, Shift+Enter / Ctrl+Enter add a line (window.__msgComposerKey in assets/app.js)
COMPOSER_KEYS = rx.Var(_js_expr="((e) => window.__msgComposerKey(e))")


def tid(name: str) -> dict:
    """Stable test id (TESTIDS.md)."""
    return {"data-testid": name}


def channel_icon(kind, size: str = "16px", testid: str = "") -> rx.Component:
    return rx.image(src=f"/channels/{kind}.svg", width=size, height=size, alt=kind,
                    title=kind, flex_shrink="0", custom_attrs=tid(testid) if testid else {},
                    data_channel=kind)


def plain_avatar(initials, src, size: str = "3", **attrs) -> rx.Component:
    """What rx.avatar(size=..., radius="full") shows, as plain elements with Radix's own
    static classes: the initials, and the picture over them when there is one (a picture that
    fails to load shows nothing, so the initials under it stay visible). Radix's Avatar
    rendered twice on mount (an empty fallback, then the initials once its image status
    settled); lists of them are on the inbox's first load (issue 11)."""
    return rx.el.span(
        rx.el.span(initials, class_name=rx.cond(
            initials.length() == 1, "rt-AvatarFallback rt-one-letter",
            rx.cond(initials.length() == 2, "rt-AvatarFallback rt-two-letters",
                    "rt-AvatarFallback"))),
        rx.cond(src != "", rx.el.img(src=src, alt="", class_name="rt-AvatarImage msg-avatar-img")),
        class_name=f"rt-reset rt-AvatarRoot rt-r-size-{size} rt-variant-soft msg-avatar",
        custom_attrs={"data-radius": "full", "aria-hidden": "true", **attrs},
    )


def skeleton_bar(class_name: str) -> rx.Component:
    """What rx.skeleton(rx.box(...), loading=True) renders, as a plain element with Radix's
    own static classes (its size in `class_name`, assets/app.css .msg-skel-*). The inbox shows
    these on every first load before the data arrive (issue 11: no Skeleton, Flex or emotion
    style per bar to hydrate)."""
    return rx.el.div(class_name=f"rt-Box rt-Skeleton {class_name}", tab_index=-1,
                     custom_attrs={"aria-hidden": "true", "inert": True})


def logo(size: str = "28px") -> rx.Component:
    return rx.center(rx.icon("messages-square", size=16, color="white"), width=size, height=size,
                     border_radius="8px", background="var(--accent-9)", flex_shrink="0")


def lang_switch(state) -> rx.Component:
    return rx.segmented_control.root(
        rx.segmented_control.item("EN", value="en"),
        rx.segmented_control.item("RU", value="ru"),
        value=state.lang, on_change=state.set_lang, size="1",
    )


# -- accessible building blocks (WCAG 4.1.2, 1.3.1): every icon-only control has a name -------
def icon_button(icon: str, label, *, icon_size: int = 16, testid: str = "", tooltip: bool = True,
                **props) -> rx.Component:
    """An icon-only button named by `label` (read by screen readers, shown as its tooltip)."""
    attrs = {**props.pop("custom_attrs", {}), **(tid(testid) if testid else {})}
    props.setdefault("variant", "ghost")
    button = rx.icon_button(rx.icon(icon, size=icon_size), aria_label=label, custom_attrs=attrs,
                            **props)
    return rx.tooltip(button, content=label) if tooltip else button


def icon_link(icon: str, label, href, *, icon_size: int = 16, testid: str = "",
              **props) -> rx.Component:
    """A link that looks like an icon button: one <a> (no button inside a link), named."""
    attrs = {**props.pop("custom_attrs", {}), **(tid(testid) if testid else {})}
    props.setdefault("variant", "ghost")
    return rx.tooltip(
        rx.icon_button(ReactRouterLink.create(rx.icon(icon, size=icon_size), to=href),
                       as_child=True, aria_label=label, custom_attrs=attrs, **props),
        content=label)


def labelled_link(icon: str, label, href, *, testid: str = "", **props) -> rx.Component:
    """A top-bar link: icon and name where there is room (.msg-nav-label, wide screens), the
    icon alone where not — still named (aria-label, the same words) and with a tooltip."""
    attrs = {**props.pop("custom_attrs", {}), **(tid(testid) if testid else {})}
    props.setdefault("variant", "ghost")
    return rx.tooltip(
        rx.button(ReactRouterLink.create(rx.icon(icon, size=16),
                                         rx.el.span(label, class_name="msg-nav-label"), to=href),
                  as_child=True, aria_label=label, size="2", margin="0", custom_attrs=attrs,
                  **props),
        content=label)


def labelled_button(icon: str, label, *, testid: str = "", **props) -> rx.Component:
    """A top-bar button like labelled_link."""
    attrs = {**props.pop("custom_attrs", {}), **(tid(testid) if testid else {})}
    props.setdefault("variant", "ghost")
    return rx.tooltip(
        rx.button(rx.icon(icon, size=16), rx.el.span(label, class_name="msg-nav-label"),
                  aria_label=label, size="2", margin="0", custom_attrs=attrs, **props),
        content=label)


def button_link(href, *children, testid: str = "", **props) -> rx.Component:
    """A link that looks like a button: one <a>, keyboard and screen reader see a link."""
    attrs = {**props.pop("custom_attrs", {}), **(tid(testid) if testid else {})}
    return rx.button(ReactRouterLink.create(*children, to=href), as_child=True,
                     custom_attrs=attrs, **props)


def field_label(text, for_id: str, **props) -> rx.Component:
    """The visible label of an input, tied to it (click focuses it; screen readers read it)."""
    props.setdefault("size", "2")
    props.setdefault("weight", "medium")
    # (rx.text turns an html_for keyword into CSS: the attribute goes in as it is)
    return rx.text(text, as_="label", custom_attrs={"htmlFor": for_id}, **props)


def lang_marker(state) -> rx.Component:
    """Carries the interface language; assets/app.js copies it to <html lang> (WCAG 3.1.1)."""
    return rx.el.span(id="msg-lang", hidden=True, custom_attrs={"data-lang": state.lang})


def live_marker() -> rx.Component:
    """#msg-live: data-live="on" once the page's live listener is subscribed (states/live.py
    LIVE_ON_JS); browser tests wait on it before they make something happen elsewhere."""
    return rx.el.div(id="msg-live", hidden=True)


def ring_marker(ids) -> rx.Component:
    """#msg-ring: data-ring holds the inbound message ids the sound is for (N2); when it
    changes, assets/sound.js plays the sound once per message across tabs."""
    return rx.el.div(id="msg-ring", hidden=True, custom_attrs={"data-ring": ids})


def live_region(text, testid: str = "live-status") -> rx.Component:
    """A polite status message for screen readers (WCAG 4.1.3); visually hidden."""
    return rx.el.div(text, role="status", class_name="msg-sr-only",
                     custom_attrs={"aria-live": "polite", "aria-atomic": "true", **tid(testid)})
