"""Right panel: the client card (R1-R7).

Values are edited in place: click a value (or its pencil), change it, Enter or the check
button saves, the cross cancels; a refused value keeps the input open with the reason under
it. Switches and selects save as soon as they change. The editing blocks are in
card_fields.py, the CRM part (folders, tags, variables) in card_crm.py.
"""

import reflex as rx

from messenger_app.components.merge import merge_block

from messenger_app.components.common import channel_icon, plain_avatar, tid
from messenger_app.components.dialog_view import WARM
from messenger_app.states.card import CardState as C
from messenger_app.states.inbox import InboxState as S
from messenger_app.states.inbox_views import DialogListState as L
from messenger_app.states.open_dialog import OpenDialogState as O
from messenger_app.components.card_crm import folders_block, tags_block, variables_block
from messenger_app.components.card_fields import (ACCENT_EDIT, error_line, field, pencil,
                                                 save_cancel, section, text_editor, _key)


def name_block() -> rx.Component:
    editor = rx.form(
        rx.vstack(
            rx.input(name="first_name", default_value=O.crm.first_name, auto_focus=True,
                     placeholder=S.t["first_name"], size="2", width="100%", auto_complete="off",
                     custom_attrs=tid("card-name-first")),
            rx.input(name="last_name", default_value=O.crm.last_name,
                     placeholder=S.t["last_name"], size="2", width="100%", auto_complete="off",
                     custom_attrs=tid("card-name-last")),
            rx.hstack(rx.spacer(), save_cancel(), width="100%"),
            spacing="2", width="100%",
        ),
        on_submit=C.save_name, reset_on_submit=False, width="100%",
    )
    shown = rx.hstack(
        rx.heading(O.card.name, size="4", text_align="center", as_="h2",
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
        rx.avatar(src=O.card.avatar, fallback=O.card.initials, size="5", radius="full"),
        name_block(),
        rx.hstack(
            rx.cond(O.crm.blacklisted,
                    rx.badge(rx.icon("ban", size=12), S.t["blacklisted"], color_scheme="red",
                             variant="soft", custom_attrs=tid("card-blacklisted-badge"))),
            rx.cond(O.crm.bot_paused,
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
            O.crm.phone != "",
            rx.link(rx.hstack(rx.icon("phone", size=14), O.card.phone_display, align="center",
                              spacing="1"),
                    href=O.crm.call_url, size="2",
                    target=rx.cond(O.crm.call_external, "_blank", "_self"),
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
                text_editor("phone", O.crm.phone, C.save_phone, input_type="tel",
                            input_mode="tel", placeholder="+7 999 123-45-67"),
                shown),
        error_line("phone"),
        spacing="1", width="100%", custom_attrs=tid("card-phone"),
    )


def channels_block() -> rx.Component:
    return rx.vstack(
        rx.text(S.t["channels"], size="1", color_scheme="gray"),
        rx.cond(O.card_channels.length() > 0,
                rx.foreach(O.card_channels, lambda ch: rx.hstack(
                    channel_icon(ch.kind, "16px"),
                    rx.vstack(
                        rx.text(rx.cond(ch.who != "", ch.who, ch.address), size="2",
                                class_name="msg-ellipsis", max_width="100%"),
                        rx.cond((ch.address != "") & (ch.address != ch.who),
                                rx.text(ch.address, size="1", color_scheme="gray",
                                        class_name="msg-ellipsis", max_width="100%",
                                        custom_attrs={"data-testid": "card-channel-address"})),
                        spacing="0", min_width="0", flex="1"),
                    rx.cond(~ch.reachable,
                            rx.badge(S.t["unreachable"], color_scheme="red", size="1",
                                     title=ch.reason)),
                    align="center", spacing="2", width="100%")),
                rx.text(S.t["no_channels_yet"], size="2", color_scheme="gray")),
        spacing="1", width="100%",
    )


# -- R5 --------------------------------------------------------------------------------------
def bot_block() -> rx.Component:
    paused = O.crm.bot_paused
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
    crm_ = O.crm
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
def blacklist_block() -> rx.Component:
    on = O.crm.blacklisted
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
        plain_avatar(r.initials, r.avatar, size="2"),
        rx.vstack(rx.text(r.name, size="2", weight="medium", class_name="msg-ellipsis", width="100%"),
                  rx.text(r.preview, size="1", color_scheme="gray", class_name="msg-ellipsis",
                          width="100%"),
                  spacing="0", flex="1", min_width="0"),
        rx.vstack(rx.text(r.time, size="1", color_scheme="gray"),
                  rx.badge(r.unread, radius="full", variant="solid", size="1"),
                  align="end", spacing="1"),
        on_click=S.open_dialog(r.id), class_name="msg-row", padding="8px", border_radius="8px",
        width="100%", spacing="2", align="center", cursor="pointer",
        custom_attrs={"data-testid": "card-waiting-row", "data-id": r.id},
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
    """The card stays mounted while no dialog is open, hidden, as the dialog's parts do
    (dialog_view.dialog_panel; from the idle time after the first load, dialog_view.WARM): an
    open re-renders it instead of mounting it. The `card` test id is there only while a
    dialog is open."""
    shown = O.open_id > 0
    # the scroll box is inside the panel: `msg-scroll` (flex: 1) on the panel itself would let
    # it grow past the panel width of app.css and squeeze the dialog
    return rx.box(rx.box(
        rx.cond(shown | WARM, rx.vstack(
            rx.hstack(rx.icon_button(rx.icon("arrow-left", size=18), variant="ghost",
                                     class_name="msg-switch", on_click=S.show_panel("dialog"),
                                     aria_label=S.t["a11y_back_to_dialog"]),
                      width="100%"),
            header(),
            rx.separator(size="4"),
            rx.grid(
                field(S.t["client_id"], rx.code(O.card.id), "card-id"),
                field(S.t["subscribed"], rx.text(O.card.subscribed, size="2"),
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
            spacing="4", padding="16px 16px 32px", width="100%",
            custom_attrs={"data-testid": rx.cond(shown, "card", "card-idle"),
                          "data-msg-idle": rx.cond(shown, "false", "true")},
        )),
        rx.cond(~shown, no_dialog_card()),
        class_name="msg-scroll", width="100%",
    ), class_name="msg-panel msg-card", height="100%")
