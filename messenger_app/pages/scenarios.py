"""/scenarios (B1): the list of chat-bot scenarios, and /scenarios/<id>: the visual editor."""

import reflex as rx

from messenger_app.components.common import button_link, icon_button, tid
from messenger_app.components.flow_canvas import scenario_canvas
from messenger_app.components.page_header import page_header
from messenger_app.components.scenario_panel import side_panel
from messenger_app.states.scenario_graph import STEP_TYPES
from messenger_app.states.scenario_try import ScenarioTryState as E
from messenger_app.states.scenarios import ScenariosState as S

STEP_ICONS = {"send": "message-square", "ask": "circle-help", "branch": "git-branch",
              "act": "zap", "wait": "hourglass", "handover": "headset", "goto": "corner-down-right",
              "end": "circle-stop"}


# React Flow's ariaLabelConfig keys -> our strings
FLOW_LABELS = {"node.a11yDescription.default": "sc_rf_node_desc",
               "node.a11yDescription.keyboardDisabled": "sc_rf_node_desc",
               "edge.a11yDescription.default": "sc_rf_edge_desc",
               "controls.ariaLabel": "sc_rf_controls", "controls.zoomIn.ariaLabel": "sc_rf_zoom_in",
               "controls.zoomOut.ariaLabel": "sc_rf_zoom_out", "controls.fitView.ariaLabel": "sc_rf_fit",
               "controls.interactive.ariaLabel": "sc_rf_controls", "handle.ariaLabel": "sc_rf_handle"}


# -- the list ------------------------------------------------------------------------------
def _status(r) -> rx.Component:
    return rx.badge(rx.cond(r["status"] == "published", S.t["sc_status_published"],
                            S.t["sc_status_draft"]),
                    color_scheme=rx.cond(r["status"] == "published", "green", "gray"),
                    variant="soft", custom_attrs=tid("scenario-status"))


def scenario_row(r) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.link(r["name"], href="/scenarios/" + r["id"], size="3", weight="bold",
                        class_name="msg-ellipsis", min_width="0",
                        custom_attrs=tid("scenario-open")),
                _status(r),
                rx.spacer(),
                icon_button("pencil", S.t["a11y_rename"], on_click=S.ask_rename(r["id"]),
                            testid="scenario-rename"),
                icon_button("trash-2", S.t["delete"], on_click=S.ask_delete(r["id"]),
                            color_scheme="red", testid="scenario-delete"),
                width="100%", align="center", spacing="2"),
            rx.text(S.t["sc_triggers"], ": ", rx.cond(r["triggers"] != "", r["triggers"],
                                                      S.t["sc_no_triggers"]),
                    size="2", color_scheme="gray", custom_attrs=tid("scenario-triggers")),
            rx.hstack(
                rx.text(S.t["sc_running"], ": ", r["running"],
                        rx.cond(r["versions"] != "", " (" + r["versions"] + ")", ""),
                        size="2", custom_attrs=tid("scenario-running")),
                rx.spacer(),
                rx.text(S.t["sc_edited"], " ", r["edited_at"],
                        rx.cond(r["edited_by"] != "", " · " + r["edited_by"], ""),
                        size="1", color_scheme="gray", custom_attrs=tid("scenario-edited")),
                width="100%", wrap="wrap", spacing="2"),
            spacing="2", width="100%"),
        width="100%", custom_attrs={"data-testid": "scenario-row", "data-id": r["id"],
                                    "data-name": r["name"]})


def _name_dialog(open_, on_open_change, title, default, on_submit, testid: str) -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(title),
            rx.form(rx.vstack(
                rx.input(name="name", default_value=default, max_length=200, auto_focus=True,
                         aria_label=S.t["sc_name"], placeholder=S.t["sc_name"], width="100%",
                         custom_attrs=tid(testid + "-name")),
                rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red",
                                                  size="1", width="100%")),
                rx.hstack(rx.dialog.close(rx.button(S.t["cancel"], variant="soft", color_scheme="gray",
                                                    type="button")),
                          rx.button(S.t["tpl_save"], type="submit", custom_attrs=tid(testid + "-save")),
                          justify="end", width="100%", spacing="2"),
                spacing="3", width="100%"), on_submit=on_submit, width="100%"),
            max_width="420px", width="calc(100vw - 24px)", custom_attrs=tid(testid)),
        open=open_, on_open_change=on_open_change)


def scenarios_page() -> rx.Component:
    return rx.box(
        page_header(S, "nav_scenarios", "/scenarios", back_testid="scenarios-back"),
        rx.vstack(
            rx.hstack(
                rx.text(S.t["sc_list_hint"], size="2", color_scheme="gray", flex="1"),
                rx.button(rx.icon("plus", size=16), S.t["sc_new"], on_click=S.set_new_open(True),
                          custom_attrs=tid("scenario-new")),
                width="100%", align="center", spacing="2"),
            rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red",
                                              size="1", width="100%",
                                              custom_attrs=tid("scenario-error"))),
            rx.cond(S.rows.length() > 0,
                    rx.vstack(rx.foreach(S.rows, scenario_row), spacing="3", width="100%"),
                    rx.center(rx.vstack(rx.icon("workflow", size=36, color="var(--gray-8)"),
                                        rx.text(S.t["sc_none"], color_scheme="gray"),
                                        align="center", spacing="2"),
                              padding="48px 12px", width="100%", custom_attrs=tid("scenario-empty"))),
            spacing="3", padding="16px", max_width="1000px", margin="0 auto", width="100%",
            role="main"),
        _name_dialog(S.new_open, S.set_new_open, S.t["sc_new"], "", S.create, "scenario-create"),
        _name_dialog(S.rename_id != "", S.set_rename_open, S.t["a11y_rename"], S.rename_name,
                     S.rename, "scenario-rename-dialog"),
        rx.alert_dialog.root(
            rx.alert_dialog.content(
                rx.alert_dialog.title(S.t["sc_delete"]),
                rx.alert_dialog.description(S.t["sc_delete_q"], " «", S.confirm_name, "»?"),
                rx.hstack(
                    rx.alert_dialog.cancel(rx.button(S.t["cancel"], variant="soft", color_scheme="gray",
                                                     on_click=S.cancel_delete)),
                    rx.alert_dialog.action(rx.button(S.t["delete"], color_scheme="red", on_click=S.delete,
                                                     custom_attrs=tid("scenario-delete-confirm"))),
                    justify="end", spacing="2", padding_top="12px"),
                max_width="420px"),
            open=S.confirm_id != ""),
        min_height="100dvh", background="var(--gray-a2)", custom_attrs=tid("scenarios-page"),
    )


# -- the editor ------------------------------------------------------------------------------
def _palette() -> rx.Component:
    return rx.flex(
        rx.text(E.t["sc_add_step"], size="1", weight="bold", color_scheme="gray", class_name="msg-caps"),
        *[rx.button(rx.icon(STEP_ICONS[k], size=14), E.t["sc_step_" + k], size="1", variant="soft",
                    color_scheme="gray", on_click=E.add_step(k),
                    custom_attrs={"data-testid": "sc-add-step", "data-kind": k})
          for k in STEP_TYPES],
        wrap="wrap", gap="6px", align="center", role="toolbar",
        custom_attrs={"aria-label": E.t["sc_add_step"], **tid("sc-palette")})


def _problems() -> rx.Component:
    return rx.cond(
        E.problems.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle-alert")),
            rx.vstack(
                rx.text(E.t["sc_problems"], weight="bold", size="2"),
                rx.el.ul(rx.foreach(E.problems, lambda p: rx.el.li(
                    rx.cond(p["node_id"] != "",
                            rx.link(p["step"], ": ", p["text"], href="#", on_click=E.focus_node(
                                p["node_id"]).prevent_default, size="2", color_scheme="red"),
                            rx.text(p["text"], size="2")),
                    custom_attrs={"data-testid": "sc-problem", "data-node": p["node_id"]})),
                    class_name="msg-sc-problems"),
                spacing="1", width="100%"),
            color_scheme="red", size="1", width="100%", custom_attrs=tid("sc-problems")))


def _toolbar() -> rx.Component:
    return rx.flex(
        button_link("/scenarios", rx.icon("arrow-left", size=14), E.t["sc_all"], size="2",
                    variant="ghost", margin="0", testid="sc-to-list"),
        rx.input(default_value=E.name, key=E.name, on_blur=E.rename, max_length=200,
                 aria_label=E.t["sc_name"], size="2", width=rx.breakpoints(initial="100%", sm="260px"),
                 custom_attrs=tid("sc-name")),
        rx.text(E.t["sc_edited"], " ", E.edited, size="1", color_scheme="gray",
                class_name="msg-desktop-only"),
        rx.spacer(),
        rx.flex(
            rx.button(rx.icon("list-checks", size=14), E.t["sc_check"], size="2", variant="soft",
                      on_click=E.check, custom_attrs=tid("sc-check")),
            rx.button(rx.icon("play", size=14), E.t["sc_try"], size="2", variant="soft",
                      on_click=E.try_start, custom_attrs=tid("sc-try")),
            rx.button(rx.icon("upload", size=14), E.t["sc_publish"], size="2", on_click=E.publish,
                      custom_attrs=tid("sc-publish")),
            wrap="wrap", gap="8px"),
        wrap="wrap", gap="8px", align="center", width="100%")


def _canvas() -> rx.Component:
    return rx.box(
        scenario_canvas(nodes=E.canvas_nodes, edges=E.canvas_edges, focus_id=E.focus_id,
                        color_mode=rx.color_mode_cond("light", "dark"), aria_label=E.t["sc_canvas"],
                        labels={key: E.t[name] for key, name in FLOW_LABELS.items()},
                        on_select_node=E.select_node, on_move_node=E.move_node,
                        on_connect_exit=E.connect_exit, on_delete_items=E.delete_items),
        rx.cond(E.canvas_nodes.length() == 0,
                rx.center(rx.text(E.t["sc_empty_canvas"], size="2", color_scheme="gray"),
                          class_name="msg-sc-empty")),
        class_name="msg-sc-canvas", custom_attrs=tid("sc-canvas"))


def scenario_editor_page() -> rx.Component:
    return rx.box(
        page_header(E, "nav_scenarios", "/scenarios"),
        rx.cond(
            E.missing,
            rx.center(rx.vstack(rx.text(E.t["sc_missing"], color_scheme="gray"),
                                button_link("/scenarios", E.t["sc_all"], variant="soft"),
                                align="center", spacing="3"),
                      padding="48px 12px", role="main", custom_attrs=tid("sc-missing")),
            rx.vstack(
                _toolbar(),
                _palette(),
                rx.cond(E.error != "", rx.callout(E.error, icon="triangle-alert", color_scheme="red",
                                                  size="1", width="100%", custom_attrs=tid("sc-error"))),
                rx.cond(E.notice != "", rx.callout(E.notice, icon="info", color_scheme="green",
                                                   size="1", width="100%",
                                                   custom_attrs=tid("sc-notice"))),
                _problems(),
                rx.box(_canvas(), side_panel(), class_name="msg-sc-work"),
                spacing="2", padding=rx.breakpoints(initial="8px", sm="12px 16px"), width="100%",
                role="main", custom_attrs=tid("sc-editor")),
        ),
        min_height="100dvh", background="var(--gray-a2)", custom_attrs=tid("scenario-editor-page"),
    )
