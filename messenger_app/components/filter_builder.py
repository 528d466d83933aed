"""The filter builder (L5): a dialog of conditions (field, operator, value) joined by AND / OR,
with "all of / any of" groups, the resulting meaning in words, Apply and Reset."""

import reflex as rx

from messenger_app.components.common import tid
from messenger_app.states.filter_builder import FilterBuilderState as FB


def native_select(options, value, on_change, testid: str, placeholder=None, label=None,
                  **props) -> rx.Component:
    """A native <select>: the phone's own picker, easy with a thumb; named by `label` (4.1.2)."""
    label = label if label is not None else placeholder
    if label is not None:
        props["aria_label"] = label
    items = [rx.el.option(placeholder, value="", disabled=True)] if placeholder is not None else []
    return rx.el.select(
        *items,
        rx.foreach(options, lambda o: rx.el.option(o["label"], value=o["value"])),
        value=value, on_change=on_change, class_name="msg-select", custom_attrs=tid(testid), **props)


def _join_word(join) -> rx.Component:
    return rx.cond(join == "and", FB.t["and"], FB.t["or"])


def date_input(value, on_change, testid: str, **props) -> rx.Component:
    """dd.mm.yyyy in every browser locale (states/filter_rows.py: masked_date, iso_date):
    a text field with the format as its placeholder and a numeric keyboard on a phone."""
    return rx.input(value=value, on_change=on_change, debounce_timeout=400, type="text",
                    input_mode="numeric", max_length=10, placeholder=FB.t["date_ph"],
                    size="2", custom_attrs={**tid(testid), "autocomplete": "off",
                                            "data-msg-date": "1"}, **props)


def value_input(c) -> rx.Component:
    """The value input that fits the field type and operator."""
    text = rx.input(value=c.value, on_change=lambda v: FB.set_value(c.id, v), debounce_timeout=300,
                    placeholder=FB.t["filter_value_ph"], size="2", width="100%",
                    custom_attrs=tid("filter-value"))
    return rx.match(
        c.kind,
        ("none", rx.fragment()),
        ("number", rx.input(value=c.value, on_change=lambda v: FB.set_value(c.id, v),
                            debounce_timeout=300, type="number", step="any", size="2", width="100%",
                            placeholder=FB.t["filter_value_ph"], custom_attrs=tid("filter-value"))),
        ("date", date_input(c.value, lambda v: FB.set_value(c.id, v), "filter-value", width="100%")),
        ("choice", native_select(FB.opts[c.field], c.value, lambda v: FB.set_value(c.id, v),
                                 "filter-value", placeholder=FB.t["filter_value_ph"])),
        ("choices", rx.flex(
            rx.foreach(FB.opts[c.field], lambda o: rx.badge(
                rx.cond(c.picked.contains(o["value"]), rx.icon("check", size=12)),
                o["label"], size="2", radius="full",
                variant=rx.cond(c.picked.contains(o["value"]), "solid", "outline"),
                class_name="msg-chip", on_click=FB.toggle_value(c.id, o["value"]),
                custom_attrs={"data-testid": "filter-value-option", "data-value": o["value"],
                              "role": "checkbox",
                              "aria-checked": rx.cond(c.picked.contains(o["value"]), "true", "false"),
                              "data-selected": rx.cond(c.picked.contains(o["value"]), "true", "false")})),
            wrap="wrap", gap="6px", width="100%", custom_attrs=tid("filter-value"))),
        ("list", rx.input(value=c.value, on_change=lambda v: FB.set_value(c.id, v),
                          debounce_timeout=300, placeholder=FB.t["filter_list_ph"], size="2",
                          width="100%", custom_attrs=tid("filter-value"))),
        ("number_range", rx.hstack(
            rx.input(value=c.value, on_change=lambda v: FB.set_value(c.id, v), debounce_timeout=300,
                     type="number", step="any", placeholder=FB.t["filter_from"], size="2",
                     flex="1", min_width="0", custom_attrs=tid("filter-value")),
            rx.text("—", color_scheme="gray"),
            rx.input(value=c.value2, on_change=lambda v: FB.set_value2(c.id, v), debounce_timeout=300,
                     type="number", step="any", placeholder=FB.t["filter_to"], size="2",
                     flex="1", min_width="0", custom_attrs=tid("filter-value2")),
            spacing="2", align="center", width="100%")),
        ("date_range", rx.hstack(
            date_input(c.value, lambda v: FB.set_value(c.id, v), "filter-value", flex="1",
                       min_width="0"),
            rx.text("—", color_scheme="gray"),
            date_input(c.value2, lambda v: FB.set_value2(c.id, v), "filter-value2", flex="1",
                       min_width="0"),
            spacing="2", align="center", width="100%")),
        text,
    )


def condition(c, first, container_join) -> rx.Component:
    """One condition; `first` = the first of its group (no AND / OR before it)."""
    return rx.box(
        rx.box(
            rx.cond(first,
                    rx.text(FB.t["filter_where"], size="1", color_scheme="gray", weight="medium"),
                    rx.button(_join_word(container_join), size="1", variant="soft",
                              color_scheme=rx.cond(container_join == "and", "indigo", "orange"),
                              on_click=FB.toggle_join(c.id), class_name="msg-join",
                              custom_attrs={"data-testid": "filter-join", "data-join": container_join})),
            class_name="msg-fc-join"),
        rx.box(
            native_select(FB.fields, c.field, lambda v: FB.set_field(c.id, v), "filter-field",
                          placeholder=FB.t["filter_field_ph"], label=FB.t["a11y_filter_field"]),
            class_name="msg-fc-field"),
        rx.box(
            rx.cond(c.field != "",
                    native_select(FB.ops[c.field], c.op, lambda v: FB.set_op(c.id, v),
                                  "filter-operator", label=FB.t["a11y_filter_operator"])),
            class_name="msg-fc-op"),
        rx.box(value_input(c), class_name="msg-fc-value"),
        rx.box(
            rx.tooltip(rx.icon_button(rx.icon("x", size=14), size="1", variant="ghost",
                                      color_scheme="gray", on_click=FB.remove_condition(c.id),
                                      aria_label=FB.t["filter_remove"],
                                      custom_attrs=tid("filter-remove")),
                       content=FB.t["filter_remove"]),
            class_name="msg-fc-remove"),
        rx.cond(c.error != "",
                rx.text(rx.icon("circle-alert", size=12), " ", c.error, size="1", color_scheme="red",
                        class_name="msg-fc-error", custom_attrs=tid("filter-error"))),
        class_name="msg-fc",
        custom_attrs={"data-testid": "filter-condition", "data-id": c.id, "data-field": c.field,
                      "data-invalid": rx.cond(c.error != "", "true", "false")},
    )


def block(b, i) -> rx.Component:
    return rx.cond(
        b.group,
        rx.box(
            rx.hstack(
                rx.cond(i == 0,
                        rx.text(FB.t["filter_where"], size="1", color_scheme="gray", weight="medium",
                                class_name="msg-fc-join"),
                        rx.box(rx.button(_join_word(FB.top_join), size="1", variant="soft",
                                         color_scheme=rx.cond(FB.top_join == "and", "indigo", "orange"),
                                         on_click=FB.toggle_top_join, class_name="msg-join",
                                         custom_attrs={"data-testid": "filter-group-outer-join",
                                                       "data-join": FB.top_join}),
                               class_name="msg-fc-join")),
                rx.icon("brackets", size=14, color="var(--gray-10)"),
                rx.el.select(
                    rx.el.option(FB.t["filter_all_of"], value="and"),
                    rx.el.option(FB.t["filter_any_of"], value="or"),
                    value=b.join, on_change=lambda v: FB.set_group_join(b.id, v),
                    aria_label=FB.t["a11y_filter_group_join"],
                    class_name="msg-select msg-select-inline", custom_attrs=tid("filter-group-join")),
                rx.spacer(),
                rx.tooltip(rx.icon_button(rx.icon("trash-2", size=14), size="1", variant="ghost",
                                          color_scheme="gray", on_click=FB.remove_group(b.id),
                                          aria_label=FB.t["filter_remove"],
                                          custom_attrs=tid("filter-group-remove")),
                           content=FB.t["filter_remove"]),
                align="center", spacing="2", width="100%",
            ),
            rx.box(
                rx.foreach(b.conds, lambda c, j: condition(c, j == 0, b.join)),
                rx.button(rx.icon("plus", size=14), FB.t["filter_group_add"], size="1", variant="ghost",
                          on_click=FB.add_to_group(b.id), custom_attrs=tid("filter-group-add")),
                class_name="msg-fgroup-body",
            ),
            class_name="msg-fgroup",
            custom_attrs={"data-testid": "filter-group", "data-join": b.join},
        ),
        rx.foreach(b.conds, lambda c: condition(c, i == 0, FB.top_join)),
    )


def filter_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.vstack(
                rx.hstack(
                    rx.dialog.title(FB.t["filter_title"], size="4", margin="0"),
                    rx.spacer(),
                    rx.dialog.close(rx.icon_button(rx.icon("x", size=16), variant="ghost",
                                                   color_scheme="gray", aria_label=FB.t["cancel"])),
                    width="100%", align="center",
                ),
                rx.dialog.description(FB.t["filter_hint"], class_name="msg-modal-desc"),
                rx.box(
                    rx.foreach(FB.blocks, block),
                    rx.cond(FB.blocks.length() == 0,
                            rx.text(FB.t["filter_empty"], size="2", color_scheme="gray")),
                    class_name="msg-fb-list", width="100%",
                ),
                rx.hstack(
                    rx.button(rx.icon("plus", size=14), FB.t["filter_add_condition"], size="2",
                              variant="soft", on_click=FB.add_condition,
                              custom_attrs=tid("filter-add-condition")),
                    rx.button(rx.icon("brackets", size=14), FB.t["filter_add_group"], size="2",
                              variant="soft", color_scheme="gray", on_click=FB.add_group,
                              custom_attrs=tid("filter-add-group")),
                    spacing="2", wrap="wrap",
                ),
                rx.cond(FB.meaning != "",
                        rx.box(rx.text(FB.t["filter_meaning"], size="1", color_scheme="gray"),
                               rx.text(FB.meaning, size="2", weight="medium",
                                       custom_attrs=tid("filter-meaning")),
                               class_name="msg-fb-meaning", width="100%")),
                rx.cond(FB.fb_error != "",
                        rx.callout(FB.fb_error, icon="triangle-alert", color_scheme="red", size="1",
                                   width="100%", custom_attrs=tid("filter-builder-error"))),
                rx.hstack(
                    rx.button(rx.icon("rotate-ccw", size=14), FB.t["filter_reset"], variant="soft",
                              color_scheme="gray", on_click=FB.reset_filter, custom_attrs=tid("filter-reset")),
                    rx.spacer(),
                    rx.button(rx.icon("check", size=14), FB.t["filter_apply"], on_click=FB.apply_builder,
                              custom_attrs=tid("filter-apply")),
                    width="100%", align="center", class_name="msg-fb-actions",
                ),
                spacing="4", width="100%",
            ),
            class_name="msg-modal msg-modal-wide", custom_attrs=tid("filter-builder"),
        ),
        open=FB.fb_open, on_open_change=FB.set_fb_open,
    )
