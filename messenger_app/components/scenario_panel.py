"""The scenario editor's side panel (B1): the selected step's fields and exits, the scenario's
triggers and versions when no step is selected, and the "Try it" chat.

Every field saves on blur (or at once for a select / switch), so typing never waits for the
server; each exit has a "next step" select, the keyboard way to draw an edge."""

import reflex as rx

from messenger_app.components.common import field_label, icon_button, tid
from messenger_app.components.filter_builder import native_select
from messenger_app.states.scenario_graph import ACTION_OPS
from messenger_app.states.scenario_try import ScenarioTryState as S


def _section(title, *children, testid: str = "") -> rx.Component:
    return rx.vstack(rx.text(title, size="1", weight="bold", color_scheme="gray",
                             class_name="msg-caps"),
                     *children, spacing="2", width="100%",
                     custom_attrs=tid(testid) if testid else {})


def _text_area(label, value, on_blur, fid: str, testid: str, rows: str = "3",
               max_length: int = 4096) -> rx.Component:
    return rx.vstack(
        field_label(label, fid, size="1"),
        rx.text_area(default_value=value, key=S.panel_key, on_blur=on_blur, rows=rows,
                     max_length=max_length, width="100%", id=fid, custom_attrs=tid(testid)),
        spacing="1", width="100%")


def _number(label, value, on_blur, fid: str, testid: str, placeholder="") -> rx.Component:
    return rx.vstack(
        field_label(label, fid, size="1"),
        rx.input(default_value=value, key=S.panel_key, on_blur=on_blur, type="number", min="1",
                 step="1", placeholder=placeholder, width="100%", id=fid, custom_attrs=tid(testid)),
        spacing="1", width="100%")


def step_picker() -> rx.Component:
    """Any step by keyboard: choosing one selects it and brings it into view."""
    return rx.vstack(
        field_label(S.t["sc_go_to_step"], "sc-step-pick", size="1"),
        rx.el.select(
            rx.el.option(S.t["sc_no_step"], value=""),
            rx.foreach(S.steps, lambda o: rx.el.option(o["label"], value=o["value"])),
            value=S.sel, on_change=S.focus_node, id="sc-step-pick", class_name="msg-select",
            custom_attrs=tid("sc-step-pick")),
        spacing="1", width="100%")


def _exit_row(e) -> rx.Component:
    return rx.hstack(
        rx.text(e["label"], size="2", flex="1", min_width="0", class_name="msg-ellipsis"),
        rx.el.select(
            rx.el.option(S.t["sc_nowhere"], value=""),
            rx.foreach(S.steps, lambda o: rx.el.option(o["label"], value=o["value"])),
            value=e["target"], on_change=lambda v: S.set_exit(e["id"], v),
            aria_label=S.t["sc_next_step_for"] + " " + e["label"],
            class_name="msg-select", width="60%",
            custom_attrs={"data-testid": "sc-exit-target", "data-exit": e["id"]}),
        width="100%", align="center", spacing="2",
        custom_attrs={"data-testid": "sc-exit", "data-exit": e["id"]})


def exits() -> rx.Component:
    return rx.cond(S.sel_exits.length() > 0,
                   _section(S.t["sc_exits"], rx.foreach(S.sel_exits, _exit_row), testid="sc-exits"),
                   rx.text(S.t["sc_no_exits"], size="1", color_scheme="gray"))


def _button_row(b) -> rx.Component:
    return rx.hstack(
        rx.input(default_value=b["label"], key=S.panel_key, max_length=64,
                 on_blur=lambda v: S.set_button(b["id"], v), aria_label=S.t["sc_button_label"],
                 flex="1", min_width="0", custom_attrs={"data-testid": "sc-button-label",
                                                        "data-id": b["id"]}),
        icon_button("x", S.t["sc_remove_button"], on_click=S.remove_button(b["id"]),
                    color_scheme="gray", testid="sc-button-remove"),
        width="100%", align="center", spacing="2")


def buttons() -> rx.Component:
    return _section(
        S.t["sc_buttons"],
        rx.foreach(S.sel_buttons, _button_row),
        rx.button(rx.icon("plus", size=14), S.t["sc_add_button"], size="1", variant="soft",
                  on_click=S.add_button, custom_attrs=tid("sc-button-add")),
        testid="sc-buttons")


def ask_fields() -> rx.Component:
    return rx.vstack(
        rx.text(rx.switch(checked=S.sel_free, on_change=S.set_free, size="1",
                          custom_attrs=tid("sc-free-answer")),
                " ", S.t["sc_free_answer"], as_="label", size="2"),
        rx.vstack(
            field_label(S.t["sc_store"], "sc-store", size="1"),
            rx.el.select(rx.foreach(S.store_opts, lambda o: rx.el.option(o["label"], value=o["value"])),
                         value=S.sel_store, on_change=S.set_store, id="sc-store",
                         class_name="msg-select", custom_attrs=tid("sc-store")),
            spacing="1", width="100%"),
        _text_area(S.t["sc_reask"], S.sel_reask, S.set_reask, "sc-reask", "sc-reask", rows="2"),
        rx.hstack(
            _number(S.t["sc_attempts"], S.sel_attempts, S.set_attempts, "sc-attempts", "sc-attempts"),
            _number(S.t["sc_timeout"], S.sel_timeout, S.set_timeout, "sc-timeout", "sc-timeout",
                    placeholder=S.t["sc_timeout_off"]),
            width="100%", spacing="2"),
        spacing="3", width="100%")


def _leaf(c, leaf) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.el.select(rx.foreach(S.field_opts, lambda o: rx.el.option(o["label"], value=o["value"])),
                         value=leaf.field, on_change=lambda v: S.set_leaf(c.id, leaf.idx, "field", v),
                         aria_label=S.t["a11y_filter_field"], class_name="msg-select",
                         custom_attrs=tid("sc-leaf-field")),
            rx.el.select(rx.foreach(S.op_opts[leaf.field],
                                    lambda o: rx.el.option(o["label"], value=o["value"])),
                         value=leaf.op, on_change=lambda v: S.set_leaf(c.id, leaf.idx, "op", v),
                         aria_label=S.t["a11y_filter_operator"], class_name="msg-select",
                         custom_attrs=tid("sc-leaf-op")),
            icon_button("x", S.t["filter_remove"], on_click=S.remove_leaf(c.id, leaf.idx),
                        color_scheme="gray", testid="sc-leaf-remove"),
            width="100%", spacing="2", align="center"),
        rx.cond(leaf.needs_value, rx.hstack(
            rx.input(default_value=leaf.value, key=S.panel_key,
                     on_blur=lambda v: S.set_leaf(c.id, leaf.idx, "value", v),
                     placeholder=rx.match(leaf.field, ("time_of_day", "09:00"),
                                          ("weekday", S.t["sc_weekday_ph"]), S.t["filter_value_ph"]),
                     aria_label=S.t["filter_value_ph"], flex="1", min_width="0",
                     custom_attrs=tid("sc-leaf-value")),
            rx.cond(leaf.needs_second, rx.input(
                default_value=leaf.value2, key=S.panel_key,
                on_blur=lambda v: S.set_leaf(c.id, leaf.idx, "value2", v),
                placeholder=rx.cond(leaf.field == "time_of_day", "18:00", S.t["filter_to"]),
                aria_label=S.t["filter_to"], flex="1", min_width="0",
                custom_attrs=tid("sc-leaf-value2"))),
            width="100%", spacing="2")),
        spacing="1", width="100%", padding_left="8px", border_left="2px solid var(--gray-a5)",
        box_sizing="border-box")


def _condition(c) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(
            rx.input(default_value=c.label, key=S.panel_key, max_length=64,
                     on_blur=lambda v: S.set_cond_label(c.id, v), placeholder=S.t["sc_cond_label"],
                     aria_label=S.t["sc_cond_label"], flex="1", min_width="0",
                     custom_attrs=tid("sc-cond-label")),
            icon_button("trash-2", S.t["sc_remove_condition"], on_click=S.remove_condition(c.id),
                        color_scheme="gray", testid="sc-cond-remove"),
            width="100%", align="center", spacing="2"),
        rx.cond(c.flat, rx.vstack(
            rx.el.select(rx.el.option(S.t["sc_all_of"], value="and"),
                         rx.el.option(S.t["sc_any_of"], value="or"),
                         value=c.join, on_change=lambda v: S.set_cond_join(c.id, v),
                         aria_label=S.t["a11y_filter_group_join"],
                         class_name="msg-select msg-select-inline", custom_attrs=tid("sc-cond-join")),
            rx.foreach(c.leaves, lambda leaf: _leaf(c, leaf)),
            rx.button(rx.icon("plus", size=14), S.t["sc_add_leaf"], size="1", variant="ghost",
                      on_click=S.add_leaf(c.id), custom_attrs=tid("sc-leaf-add")),
            spacing="2", width="100%"),
            rx.text(S.t["sc_cond_grouped"], " ", c.text, size="1", color_scheme="gray")),
        spacing="2", width="100%"), width="100%", size="1",
        custom_attrs={"data-testid": "sc-condition", "data-id": c.id})


def branch_fields() -> rx.Component:
    return _section(
        S.t["sc_conditions"],
        rx.text(S.t["sc_conditions_hint"], size="1", color_scheme="gray"),
        rx.foreach(S.sel_conds, _condition),
        rx.button(rx.icon("plus", size=14), S.t["sc_add_condition"], size="1", variant="soft",
                  on_click=S.add_condition, custom_attrs=tid("sc-cond-add")),
        testid="sc-conditions")


def _action(a) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.el.select(*[rx.el.option(S.t["sc_act_" + op], value=op) for op in ACTION_OPS],
                         value=a.op, on_change=lambda v: S.set_action(a.idx, "op", v),
                         aria_label=S.t["sc_action"], class_name="msg-select",
                         custom_attrs=tid("sc-action-op")),
            icon_button("x", S.t["sc_remove_action"], on_click=S.remove_action(a.idx),
                        color_scheme="gray", testid="sc-action-remove"),
            width="100%", spacing="2", align="center"),
        rx.cond(a.op == "set_var", rx.el.select(
            rx.foreach(S.crm_opts, lambda o: rx.el.option(o["label"], value=o["value"])),
            value=a.key, on_change=lambda v: S.set_action(a.idx, "key", v),
            aria_label=S.t["sc_variable"], class_name="msg-select", custom_attrs=tid("sc-action-key"))),
        rx.cond((a.op == "add_folder") | (a.op == "remove_folder"), rx.el.select(
            rx.foreach(S.folder_opts, lambda o: rx.el.option(o["label"], value=o["value"])),
            value=a.folder, on_change=lambda v: S.set_action(a.idx, "folder", v),
            aria_label=S.t["sc_folder"], class_name="msg-select", custom_attrs=tid("sc-action-folder"))),
        rx.cond((a.op == "set_var") | (a.op == "set_tag1") | (a.op == "set_tag2"), rx.input(
            default_value=a.value, key=S.panel_key, on_blur=lambda v: S.set_action(a.idx, "value", v),
            placeholder=S.t["sc_value"], aria_label=S.t["sc_value"], width="100%",
            custom_attrs=tid("sc-action-value"))),
        spacing="1", width="100%", padding_left="8px", border_left="2px solid var(--gray-a5)",
        box_sizing="border-box",
        custom_attrs=tid("sc-action"))


def act_fields() -> rx.Component:
    return _section(
        S.t["sc_actions"],
        rx.foreach(S.sel_actions, _action),
        rx.button(rx.icon("plus", size=14), S.t["sc_add_action"], size="1", variant="soft",
                  on_click=S.add_action, custom_attrs=tid("sc-action-add")),
        testid="sc-actions")


def step_fields() -> rx.Component:
    text = _text_area(S.t["sc_text"], S.sel_text, S.set_text, "sc-text", "sc-text", rows="4")
    return rx.match(
        S.sel_kind,
        ("send", rx.vstack(text, rx.text(S.t["sc_placeholders_hint"], size="1", color_scheme="gray"),
                           buttons(), spacing="3", width="100%")),
        ("ask", rx.vstack(text, buttons(), ask_fields(), spacing="3", width="100%")),
        ("branch", branch_fields()),
        ("act", act_fields()),
        ("wait", _number(S.t["sc_wait_minutes"], S.sel_minutes, S.set_minutes, "sc-minutes",
                         "sc-minutes")),
        ("handover", _text_area(S.t["sc_handover_note"], S.sel_note, S.set_note, "sc-note",
                                "sc-note", rows="2", max_length=1000)),
        ("goto", rx.vstack(
            field_label(S.t["sc_goto_target"], "sc-goto", size="1"),
            rx.el.select(rx.el.option(S.t["sc_choose"], value=""),
                         rx.foreach(S.scenario_opts, lambda o: rx.el.option(o["label"], value=o["value"])),
                         value=S.sel_goto, on_change=S.set_goto, id="sc-goto", class_name="msg-select",
                         custom_attrs=tid("sc-goto")),
            spacing="1", width="100%")),
        rx.text(S.t["sc_end_hint"], size="2", color_scheme="gray"),
    )


def step_panel() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(S.t["sc_step_" + S.sel_kind], size="3", as_="h2"),
            rx.badge(S.sel, variant="soft", color_scheme="gray"),
            rx.spacer(),
            rx.cond(S.sel_start,
                    rx.badge(S.t["sc_start"], color_scheme="green", custom_attrs=tid("sc-is-start")),
                    rx.button(S.t["sc_make_start"], size="1", variant="soft", on_click=S.make_start,
                              custom_attrs=tid("sc-make-start"))),
            icon_button("trash-2", S.t["sc_delete_step"], on_click=S.delete_step, color_scheme="red",
                        testid="sc-delete-step"),
            icon_button("x", S.t["close"], on_click=S.clear_selection, color_scheme="gray",
                        testid="sc-deselect"),
            width="100%", align="center", spacing="2"),
        step_fields(),
        exits(),
        spacing="4", width="100%", custom_attrs={"data-testid": "sc-step-panel", "data-id": S.sel,
                                                  "data-kind": S.sel_kind})


def _channel_check(o) -> rx.Component:
    return rx.checkbox(o["label"], checked=S.first_channels.contains(o["value"]),
                       on_change=lambda v: S.toggle_channel(o["value"], v), size="2",
                       custom_attrs={"data-testid": "sc-trigger-channel", "data-id": o["value"]})


def scenario_panel() -> rx.Component:
    return rx.vstack(
        rx.heading(S.t["sc_triggers"], size="3", as_="h2"),
        rx.text(S.t["sc_first_message"], size="1", weight="medium"),
        rx.vstack(rx.foreach(S.channel_opts, _channel_check), spacing="1"),
        rx.vstack(
            field_label(S.t["sc_keywords"], "sc-keywords", size="1"),
            rx.input(default_value=S.keywords, key=S.panel_key, on_blur=S.set_keywords,
                     placeholder="/start, меню", id="sc-keywords", width="100%",
                     custom_attrs=tid("sc-keywords")),
            spacing="1", width="100%"),
        rx.vstack(
            field_label(S.t["sc_payloads"], "sc-payloads", size="1"),
            rx.input(default_value=S.payloads, key=S.panel_key, on_blur=S.set_payloads,
                     placeholder=S.t["sc_payloads_ph"], id="sc-payloads", width="100%",
                     custom_attrs=tid("sc-payloads")),
            spacing="1", width="100%"),
        rx.heading(S.t["sc_versions"], size="3", as_="h2", padding_top="8px"),
        rx.cond(S.versions.length() > 0,
                rx.vstack(rx.foreach(S.versions, lambda v: rx.hstack(
                    rx.badge("v", v["number"], variant="soft"),
                    rx.text(v["at"], size="1", color_scheme="gray"),
                    rx.spacer(),
                    rx.text(S.t["sc_running"], ": ", v["running"], size="1"),
                    width="100%", align="center",
                    custom_attrs={"data-testid": "sc-version", "data-number": v["number"]})),
                    spacing="1", width="100%"),
                rx.text(S.t["sc_not_published"], size="1", color_scheme="gray")),
        rx.text(S.t["sc_select_hint"], size="1", color_scheme="gray", padding_top="8px"),
        spacing="2", width="100%", custom_attrs=tid("sc-scenario-panel"))


def _try_line(line) -> rx.Component:
    return rx.box(
        rx.text(line["text"], size="2", white_space="pre-wrap"),
        class_name="msg-try-line",
        custom_attrs={"data-testid": "sc-try-line", "data-who": line["who"]})


def try_panel() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.heading(S.t["sc_try"], size="3", as_="h2"), rx.spacer(),
                  rx.button(rx.icon("rotate-ccw", size=14), S.t["sc_try_restart"], size="1",
                            variant="soft", on_click=S.try_start, custom_attrs=tid("sc-try-restart")),
                  icon_button("x", S.t["close"], on_click=S.set_try_open(False), color_scheme="gray",
                              testid="sc-try-close"),
                  width="100%", align="center", spacing="2"),
        rx.text(S.t["sc_try_hint"], size="1", color_scheme="gray"),
        rx.vstack(rx.foreach(S.try_log, _try_line), spacing="2", width="100%",
                  class_name="msg-try-log", role="log",
                  custom_attrs={"aria-live": "polite", "data-testid": "sc-try-log"}),
        rx.cond(S.try_mode == "answer", rx.vstack(
            rx.flex(rx.foreach(S.try_buttons, lambda b: rx.button(
                b["label"], size="2", variant="outline", on_click=S.try_choose(b["id"]),
                custom_attrs={"data-testid": "sc-try-button", "data-id": b["id"]})),
                wrap="wrap", gap="6px"),
            rx.form(rx.hstack(
                rx.input(name="text", key=S.try_key, placeholder=S.t["sc_try_type"],
                         aria_label=S.t["sc_try_type"], flex="1", min_width="0", max_length=1000,
                         custom_attrs=tid("sc-try-input")),
                rx.button(S.t["send"], type="submit", custom_attrs=tid("sc-try-send")),
                spacing="2", width="100%"), on_submit=S.try_answer, width="100%"),
            rx.cond(S.try_can_timeout,
                    rx.button(rx.icon("timer-off", size=14), S.t["sc_try_no_answer"], size="1",
                              variant="soft", color_scheme="gray", on_click=S.try_timeout,
                              custom_attrs=tid("sc-try-timeout"))),
            spacing="2", width="100%")),
        rx.cond(S.try_mode == "wait",
                rx.button(rx.icon("fast-forward", size=14), S.t["sc_try_skip"], size="2",
                          variant="soft", on_click=S.try_skip, custom_attrs=tid("sc-try-skip"))),
        rx.cond(S.try_mode == "done",
                rx.text(S.t["sc_try_over"], size="1", color_scheme="gray",
                        custom_attrs=tid("sc-try-over"))),
        rx.cond(S.try_vars.length() > 0, rx.vstack(
            rx.text(S.t["sc_try_vars"], size="1", weight="bold", color_scheme="gray"),
            rx.foreach(S.try_vars, lambda v: rx.text(v["key"], ": ", v["value"], size="1",
                                                     custom_attrs=tid("sc-try-var"))),
            spacing="1", width="100%")),
        spacing="3", width="100%", id="sc-try-panel", custom_attrs=tid("sc-try-panel"))


def side_panel() -> rx.Component:
    return rx.box(
        rx.vstack(
            step_picker(),
            rx.cond(S.try_open, try_panel(),
                    rx.cond(S.sel != "", step_panel(), scenario_panel())),
            spacing="4", width="100%"),
        class_name="msg-sc-panel", role="complementary",
        custom_attrs={"aria-label": S.t["sc_panel"]})
