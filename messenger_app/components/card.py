"""Right panel: the client card (R1-R7).

Values are edited in place: click a value (or its pencil), change it, Enter or the check
button saves, the cross cancels; a refused value keeps the input open with the reason under
it. Switches and selects save as soon as they change.
"""

import reflex as rx

from messenger_app.components.merge import merge_block

from messenger_app.components.common import channel_icon, tid
from messenger_app.states.card import CardState as C
from messenger_app.states.inbox import InboxState as S
from messenger_app.states.inbox_views import DialogListState as L

ACCENT_EDIT = {"_hover": {"background": "var(--gray-a3)"}}


def _key(what) -> rx.Var:
    """The CardState.editing / error_at key of `what` for the open client."""
    return what + "@" + S.crm.contact_id


def section(title_key: str, *children, testid: str = "", **props) -> rx.Component:
    return rx.vstack(
        rx.text(S.t[title_key], size="1", weight="bold", color_scheme="gray",
                style={"textTransform": "uppercase", "letterSpacing": "0.04em"}),
        *children,
        spacing="2", width="100%", custom_attrs=tid(testid) if testid else {}, **props,
    )


def field(label, value, testid: str) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"),
                     rx.box(value, custom_attrs=tid(testid)), spacing="0", width="100%",
                     min_width="0")


def error_line(what) -> rx.Component:
    return rx.cond(
        C.error_at == _key(what),
        rx.text(C.error, size="1", color="var(--red-11)", custom_attrs=tid("card-edit-error"),
                style={"wordBreak": "break-word"}),
    )


def save_cancel() -> rx.Component:
    return rx.hstack(
        rx.icon_button(rx.icon("check", size=14), type="submit", size="1",
                       custom_attrs={**tid("card-edit-save"), "aria-label": S.t["save"]}),
        rx.icon_button(rx.icon("x", size=14), type="button", size="1", variant="soft",
                       color_scheme="gray", on_click=C.cancel_edit,
                       custom_attrs={**tid("card-edit-cancel"), "aria-label": S.t["cancel"]}),
        spacing="1", flex_shrink="0",
    )


def shown_value(text, placeholder_key: str = "not_set", multiline: bool = False) -> rx.Component:
    return rx.cond(
        text != "",
        rx.text(text, size="2", style={"wordBreak": "break-word",
                                       "whiteSpace": "pre-wrap" if multiline else "normal"}),
        rx.text(S.t[placeholder_key], size="2", color_scheme="gray"),
    )


def click_to_edit(what, content) -> rx.Component:
    """The value as text: a click turns it into an input."""
    return rx.hstack(
        rx.box(content, flex="1", min_width="0"),
        rx.icon("pencil", size=12, color="var(--gray-9)", flex_shrink="0"),
        on_click=C.edit(what), cursor="pointer", padding="2px 6px", margin="0 -6px",
        border_radius="6px", align="center", spacing="2", width="calc(100% + 12px)",
        # a button for the keyboard too (Enter/Space: assets/composer.js), WCAG 2.1.1
        style=ACCENT_EDIT, tab_index=0, custom_attrs={**tid("card-edit-value"), "role": "button"},
    )


def pencil(what) -> rx.Component:
    return rx.icon_button(rx.icon("pencil", size=12), size="1", variant="ghost",
                          color_scheme="gray", on_click=C.edit(what),
                          custom_attrs={**tid("card-edit-open"), "aria-label": S.t["edit"]})


def text_editor(what, value, on_submit, *, input_type="text", input_mode: str = "text",
                multiline=False, hidden_key=None, placeholder="") -> rx.Component:
    box = (rx.text_area(name="value", default_value=value, auto_focus=True, rows="3",
                        size="1", width="100%", max_length=2000, resize="vertical",
                        custom_attrs=tid("card-edit-input"))
           if multiline else
           rx.input(name="value", default_value=value, auto_focus=True, type=input_type,
                    input_mode=input_mode, size="1", width="100%", placeholder=placeholder,
                    auto_complete="off", custom_attrs=tid("card-edit-input")))
    return rx.form(
        rx.hstack(
            box,
            *([rx.el.input(type="hidden", name="key", value=hidden_key)] if hidden_key is not None else []),
            save_cancel(),
            spacing="1", width="100%", align="start",
        ),
        on_submit=on_submit, reset_on_submit=False, width="100%",
    )


def inline_text(what, value, display, on_submit, **kw) -> rx.Component:
    return rx.vstack(
        rx.cond(C.editing == _key(what), text_editor(what, value, on_submit, **kw),
                click_to_edit(what, display)),
        error_line(what),
        spacing="1", width="100%",
    )


# -- header: avatar, name (editable), blacklist badge --------------------------------------
def name_block() -> rx.Component:
    editor = rx.form(
        rx.vstack(
            rx.input(name="first_name", default_value=S.crm.first_name, auto_focus=True,
                     placeholder=S.t["first_name"], size="2", width="100%", auto_complete="off",
                     custom_attrs=tid("card-name-first")),
            rx.input(name="last_name", default_value=S.crm.last_name,
                     placeholder=S.t["last_name"], size="2", width="100%", auto_complete="off",
                     custom_attrs=tid("card-name-last")),
            rx.hstack(rx.spacer(), save_cancel(), width="100%"),
            spacing="2", width="100%",
        ),
        on_submit=C.save_name, reset_on_submit=False, width="100%",
    )
    shown = rx.hstack(
        rx.heading(S.card["name"], size="4", text_align="center", as_="h2",
                   style={"wordBreak": "break-word"}),
        rx.icon("pencil", size=13, color="var(--gray-9)", flex_shrink="0"),
        on_click=C.edit("name"), cursor="pointer", padding="2px 8px", border_radius="8px",
        align="center", spacing="2", style=ACCENT_EDIT,
        tab_index=0, custom_attrs={**tid("card-edit-value"), "role": "button"},
    )
    return rx.vstack(
        rx.cond(C.editing == _key("name"), editor, shown),
        error_line("name"),
        align="center", spacing="1", width="100%", custom_attrs=tid("card-name"),
    )


def header() -> rx.Component:
    return rx.vstack(
        rx.avatar(src=S.card["avatar"], fallback=S.card["initials"], size="5", radius="full"),
        name_block(),
        rx.hstack(
            rx.cond(S.crm.blacklisted,
                    rx.badge(rx.icon("ban", size=12), S.t["blacklisted"], color_scheme="red",
                             variant="soft", custom_attrs=tid("card-blacklisted-badge"))),
            rx.cond(S.crm.bot_paused,
                    rx.badge(rx.icon("headset", size=12), S.t["with_operator"], color_scheme="amber",
                             variant="soft")),
            spacing="2", justify="center", wrap="wrap",
        ),
        align="center", spacing="2", width="100%",
    )


# -- R1, R2 ----------------------------------------------------------------------------------
def phone_block() -> rx.Component:
    shown = rx.hstack(
        rx.cond(
            S.crm.phone != "",
            rx.link(rx.hstack(rx.icon("phone", size=14), S.card["phone_display"], align="center",
                              spacing="1"),
                    href=S.crm.call_url, size="2",
                    target=rx.cond(S.crm.call_external, "_blank", "_self"),
                    rel="noopener noreferrer", title=S.t["call"],
                    custom_attrs=tid("card-phone-link")),
            rx.text(S.t["no_phone"], size="2", color_scheme="gray"),
        ),
        pencil("phone"),
        align="center", spacing="2",
    )
    return rx.vstack(
        rx.text(S.t["phone"], size="1", color_scheme="gray"),
        rx.cond(C.editing == _key("phone"),
                text_editor("phone", S.crm.phone, C.save_phone, input_type="tel",
                            input_mode="tel", placeholder="+7 999 123-45-67"),
                shown),
        error_line("phone"),
        spacing="1", width="100%", custom_attrs=tid("card-phone"),
    )


def channels_block() -> rx.Component:
    return rx.vstack(
        rx.text(S.t["channels"], size="1", color_scheme="gray"),
        rx.cond(S.card_channels.length() > 0,
                rx.foreach(S.card_channels, lambda ch: rx.hstack(
                    channel_icon(ch["kind"], "16px"),
                    rx.vstack(
                        rx.text(rx.cond(ch["who"] != "", ch["who"], ch["address"]), size="2",
                                class_name="msg-ellipsis", max_width="100%"),
                        rx.cond((ch["address"] != "") & (ch["address"] != ch["who"]),
                                rx.text(ch["address"], size="1", color_scheme="gray",
                                        class_name="msg-ellipsis", max_width="100%",
                                        custom_attrs={"data-testid": "card-channel-address"})),
                        spacing="0", min_width="0", flex="1"),
                    rx.cond(ch["reachable"] == "",
                            rx.badge(S.t["unreachable"], color_scheme="red", size="1",
                                     title=ch["reason"])),
                    align="center", spacing="2", width="100%")),
                rx.text(S.t["no_channels_yet"], size="2", color_scheme="gray")),
        spacing="1", width="100%",
    )


# -- R5 --------------------------------------------------------------------------------------
def bot_block() -> rx.Component:
    paused = S.crm.bot_paused
    return section(
        "automation",
        rx.hstack(
            rx.badge(rx.cond(paused, rx.icon("circle-pause", size=12), rx.icon("bot", size=12)),
                     rx.cond(paused, S.t["bot_paused"], S.t["bot_active"]),
                     color_scheme=rx.cond(paused, "amber", "green"), variant="soft", size="2",
                     custom_attrs={**tid("card-bot-state"),
                                   "data-paused": rx.cond(paused, "true", "false")}),
            rx.spacer(),
            rx.button(rx.cond(paused, rx.icon("play", size=14), rx.icon("pause", size=14)),
                      rx.cond(paused, S.t["bot_resume"], S.t["bot_pause"]),
                      size="1", variant=rx.cond(paused, "solid", "soft"), on_click=C.toggle_bot,
                      custom_attrs=tid("card-bot-toggle")),
            align="center", width="100%",
        ),
        rx.text(rx.cond(paused, S.t["bot_paused_hint"], S.t["bot_active_hint"]), size="1",
                color_scheme="gray"),
        scenario_line(),
        error_line("bot"),
    )


def scenario_line() -> rx.Component:
    """B1: the scenario running for this client and its step; start one, or stop it."""
    crm_ = S.crm
    status = rx.match(crm_.bot_status, ("paused", S.t["card_bot_status_paused"]),
                      ("waiting_operator", S.t["card_bot_status_waiting_operator"]),
                      S.t["card_bot_status_running"])
    waits = rx.match(crm_.bot_waits, ("answer", S.t["card_bot_waits_answer"]),
                     ("button", S.t["card_bot_waits_button"]), ("timer", S.t["card_bot_wait"]), "")
    running = rx.vstack(
        rx.hstack(
            rx.icon("workflow", size=14),
            rx.text(crm_.bot_scenario, " · v", crm_.bot_version, size="2", weight="medium",
                    class_name="msg-ellipsis", custom_attrs=tid("card-bot-scenario")),
            rx.badge(status, size="1", variant="soft", custom_attrs=tid("card-bot-run-status")),
            rx.spacer(),
            rx.button(rx.icon("square", size=12), S.t["card_bot_stop"], size="1", variant="soft",
                      color_scheme="red", on_click=C.stop_bot, custom_attrs=tid("card-bot-stop")),
            align="center", width="100%", spacing="2",
        ),
        rx.text(S.t["card_bot_step_label"], " ", crm_.bot_step, rx.cond(waits != "", " · ", ""), waits,
                size="1", color_scheme="gray", custom_attrs=tid("card-bot-step"),
                style={"wordBreak": "break-word"}),
        spacing="1", width="100%",
    )
    choose = rx.cond(
        crm_.bot_scenarios.length() > 0,
        rx.select.root(
            rx.select.trigger(placeholder=S.t["card_bot_start"], width="100%",
                              custom_attrs=tid("card-bot-start")),
            rx.select.content(rx.foreach(crm_.bot_scenarios, lambda o: rx.select.item(
                o.name, value=o.id, custom_attrs=tid("card-bot-scenario-option")))),
            value="", on_change=C.start_bot, size="1",
        ),
        rx.text(S.t["card_bot_no_scenarios"], size="1", color_scheme="gray"),
    )
    return rx.vstack(
        rx.cond(crm_.bot_run != "", running,
                rx.text(S.t["card_bot_none"], size="1", color_scheme="gray", custom_attrs=tid("card-bot-none"))),
        choose,
        spacing="2", width="100%",
    )


# -- R4 --------------------------------------------------------------------------------------
def folder_option(f) -> rx.Component:
    return rx.el.label(
        rx.hstack(
            rx.checkbox(checked=f.checked, on_change=C.toggle_folder(f.id)),
            rx.text(f.name, size="2", class_name="msg-ellipsis"),
            align="center", spacing="2", width="100%",
        ),
        style={"cursor": "pointer", "display": "block", "padding": "4px 2px", "width": "100%"},
        custom_attrs={**tid("card-folder-option"), "data-id": f.id,
                      "data-checked": rx.cond(f.checked, "true", "false")},
    )


def folders_block() -> rx.Component:
    picker = rx.popover.root(
        rx.popover.trigger(
            rx.button(rx.icon("folder-plus", size=14), S.t["choose_folders"], size="1",
                      variant="soft", color_scheme="gray", custom_attrs=tid("card-folders-edit"))),
        rx.popover.content(
            rx.vstack(
                rx.text(S.t["folders_hint"], size="1", color_scheme="gray"),
                rx.cond(S.crm.folders.length() > 0,
                        rx.vstack(rx.foreach(S.crm.folders, folder_option), spacing="0",
                                  width="100%", max_height="260px", overflow_y="auto"),
                        rx.text(S.t["no_custom_folders"], size="2", color_scheme="gray")),
                spacing="2", width="100%",
            ),
            width="260px", side="bottom", align="start",
        ),
        on_open_change=C.refresh,
    )
    return section(
        "folders",
        rx.hstack(
            rx.foreach(S.crm.folder_names, lambda n: rx.badge(
                rx.icon("folder", size=12), n, variant="surface", size="2",
                custom_attrs=tid("card-folder-chip"))),
            picker,
            wrap="wrap", spacing="2", align="center", width="100%",
        ),
        error_line("folders"),
        testid="card-folders",
    )


# -- R7 --------------------------------------------------------------------------------------
def select_box(value, options, on_change, testid: str, label) -> rx.Component:
    """A select named by its field's label (a combobox is not named by its value, 4.1.2)."""
    return rx.select.root(
        rx.select.trigger(placeholder=S.t["not_set"], width="100%",
                          custom_attrs={**tid(testid), "aria-label": label}),
        rx.select.content(
            rx.select.item(S.t["not_set"], value="__none__", custom_attrs=tid("card-select-none")),
            rx.foreach(options, lambda o: rx.select.item(
                o, value=o, custom_attrs={**tid("card-select-option"), "data-value": o})),
        ),
        value=rx.cond(value != "", value, "__none__"),
        on_change=on_change, size="1",
    )


def tags_block() -> rx.Component:
    return section(
        "tags",
        rx.vstack(
            rx.text(S.t["tag1"], size="1", color_scheme="gray"),
            inline_text("tag1", S.crm.tag1, shown_value(S.crm.tag1), C.save_tag1),
            spacing="1", width="100%", custom_attrs=tid("card-tag1"),
        ),
        rx.vstack(
            rx.text(S.t["tag2"], size="1", color_scheme="gray"),
            rx.cond(S.crm.tag2_options.length() > 0,
                    select_box(S.crm.tag2, S.crm.tag2_options, C.set_tag2, "card-tag2", S.t["tag2"]),
                    rx.text(S.t["no_tag2_options"], size="1", color_scheme="gray",
                            custom_attrs=tid("card-tag2"))),
            error_line("tag2"),
            spacing="1", width="100%",
        ),
    )


# -- R6 --------------------------------------------------------------------------------------
def var_value(v) -> rx.Component:
    what = "var:" + v.key
    return rx.match(
        v.type,
        ("bool", rx.hstack(
            rx.switch(checked=v.on, on_change=lambda on: C.set_var(v.key, on),
                      custom_attrs={**tid("card-var-switch"), "aria-label": v.label}),
            rx.text(rx.cond(v.value == "", S.t["not_set"], rx.cond(v.on, S.t["yes"], S.t["no"])),
                    size="2", color=rx.cond(v.value == "", "var(--gray-11)", "inherit")),
            align="center", spacing="2")),
        ("select", select_box(v.value, v.options, lambda val: C.set_var(v.key, val),
                              "card-var-select", v.label)),
        ("link", rx.cond(
            C.editing == _key(what),
            text_editor(what, v.value, C.save_var, input_mode="url",
                        hidden_key=v.key, placeholder="https://"),
            rx.hstack(
                rx.cond(v.value != "",
                        rx.link(rx.hstack(rx.icon("external-link", size=12), v.shown, spacing="1",
                                          align="center"),
                                href=v.value, target="_blank", rel="noopener noreferrer",
                                size="2", custom_attrs=tid("card-var-link"),
                                style={"wordBreak": "break-all"}),
                        rx.text(S.t["not_set"], size="2", color_scheme="gray")),
                pencil(what),
                align="center", spacing="2", width="100%"))),
        ("date", rx.cond(
            C.editing == _key(what),
            text_editor(what, v.value, C.save_var, input_type="date", hidden_key=v.key),
            click_to_edit(what, shown_value(v.shown)))),
        ("number", rx.cond(
            C.editing == _key(what),
            text_editor(what, v.value, C.save_var, input_mode="decimal", hidden_key=v.key,
                        placeholder="0"),
            click_to_edit(what, shown_value(v.shown)))),
        rx.cond(
            C.editing == _key(what),
            text_editor(what, v.value, C.save_var, multiline=True, hidden_key=v.key),
            click_to_edit(what, shown_value(v.shown, multiline=True))),
    )


def var_row(v) -> rx.Component:
    return rx.vstack(
        rx.text(v.label, size="1", color_scheme="gray"),
        var_value(v),
        error_line("var:" + v.key),
        spacing="1", width="100%",
        custom_attrs={**tid("card-var"), "data-name": v.key, "data-type": v.type},
    )


def variables_block() -> rx.Component:
    return section(
        "variables",
        rx.cond(S.crm.vars.length() > 0,
                rx.vstack(rx.foreach(S.crm.vars, var_row), spacing="3", width="100%"),
                rx.text(S.t["no_crm_fields"], size="2", color_scheme="gray")),
        rx.cond(S.operator_role == "admin",
                rx.link(rx.hstack(rx.icon("settings-2", size=12), S.t["manage_fields"], spacing="1",
                                  align="center"), href="/crm", size="1")),
        testid="card-variables",
    )


# -- R3 --------------------------------------------------------------------------------------
def blacklist_block() -> rx.Component:
    on = S.crm.blacklisted
    return section(
        "blacklist",
        rx.button(rx.cond(on, rx.icon("undo-2", size=14), rx.icon("ban", size=14)),
                  rx.cond(on, S.t["blacklist_remove"], S.t["blacklist_add"]),
                  size="2", width="100%", variant=rx.cond(on, "soft", "outline"),
                  color_scheme=rx.cond(on, "gray", "red"), on_click=C.set_blacklisted(~on),
                  custom_attrs={**tid("card-blacklist"),
                                "data-blacklisted": rx.cond(on, "true", "false")}),
        rx.text(S.t["blacklist_hint"], size="1", color_scheme="gray"),
        error_line("blacklist"),
    )


def waiting_item(r) -> rx.Component:
    return rx.hstack(
        rx.avatar(src=r["avatar"], fallback=r["initials"], size="2", radius="full"),
        rx.vstack(rx.text(r["name"], size="2", weight="medium", class_name="msg-ellipsis", width="100%"),
                  rx.text(r["preview"], size="1", color_scheme="gray", class_name="msg-ellipsis",
                          width="100%"),
                  spacing="0", flex="1", min_width="0"),
        rx.vstack(rx.text(r["time"], size="1", color_scheme="gray"),
                  rx.badge(r["unread"], radius="full", variant="solid", size="1"),
                  align="end", spacing="1"),
        on_click=S.open_dialog(r["id"]), class_name="msg-row", padding="8px", border_radius="8px",
        width="100%", spacing="2", align="center", cursor="pointer",
        custom_attrs={"data-testid": "card-waiting-row", "data-id": r["id"]},
    )


def no_dialog_card() -> rx.Component:
    """The card panel with no dialog open (desktop): what waits for an answer, and the keys."""
    return rx.vstack(
        rx.vstack(rx.icon("user-round-search", size=28, color="var(--gray-8)"),
                  rx.text(S.t["card_empty_title"], weight="medium", size="3"),
                  rx.text(S.t["card_empty_text"], size="2", color_scheme="gray", text_align="center"),
                  align="center", spacing="2", width="100%", padding="8px 0"),
        rx.separator(size="4"),
        rx.text(S.t["card_waiting"], size="1", weight="bold", class_name="msg-caps"),
        rx.cond(L.waiting_rows.length() > 0,
                rx.vstack(rx.foreach(L.waiting_rows, waiting_item), spacing="0", width="100%"),
                rx.text(S.t["card_waiting_none"], size="2", color_scheme="gray")),
        rx.separator(size="4"),
        rx.text(S.t["card_shortcuts"], size="1", weight="bold", class_name="msg-caps"),
        rx.grid(
            *[rx.fragment(rx.hstack(*[rx.el.kbd(k, class_name="msg-kbd") for k in keys], spacing="1"),
                          rx.text(S.t[key], size="1", color_scheme="gray"))
              for keys, key in ((("Alt", "↑"), "sc_prev"), (("Alt", "↓"), "sc_next"),
                                (("/",), "sc_search"), (("?",), "sc_help"))],
            columns="auto 1fr", spacing="2", align_items="center", width="100%"),
        spacing="3", padding="16px", width="100%", custom_attrs=tid("card-empty"),
    )


def card_panel() -> rx.Component:
    # the scroll box is inside the panel: `msg-scroll` (flex: 1) on the panel itself would let
    # it grow past the panel width of app.css and squeeze the dialog
    return rx.box(rx.box(
        rx.cond(
            S.open_id > 0,
            rx.vstack(
                rx.hstack(rx.icon_button(rx.icon("arrow-left", size=18), variant="ghost",
                                         class_name="msg-switch", on_click=S.show_panel("dialog"),
                                         aria_label=S.t["a11y_back_to_dialog"]),
                          width="100%"),
                header(),
                rx.separator(size="4"),
                rx.grid(
                    field(S.t["client_id"], rx.code(S.card["id"]), "card-id"),
                    field(S.t["subscribed"], rx.text(S.card["subscribed"], size="2"),
                          "card-subscribed"),
                    columns="2", spacing="3", width="100%",
                ),
                phone_block(),
                channels_block(),
                rx.separator(size="4"),
                bot_block(),
                rx.separator(size="4"),
                folders_block(),
                rx.separator(size="4"),
                tags_block(),
                rx.separator(size="4"),
                variables_block(),
                rx.separator(size="4"),
                blacklist_block(),
                merge_block(),
                spacing="4", padding="16px 16px 32px", width="100%", custom_attrs=tid("card"),
            ),
            no_dialog_card(),
        ),
        class_name="msg-scroll", width="100%",
    ), class_name="msg-panel msg-card", height="100%")
