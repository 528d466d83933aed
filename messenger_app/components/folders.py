"""Folders of the left panel (L7, L8, L9): "All chats", "With operator" and the custom folders,
each with its number of unread dialogs; collapsible; a gear opens a folder's settings."""

import reflex as rx

from messenger_app.components.common import field_label, skeleton_bar, tid
from messenger_app.states.folders import FoldersState as F
from messenger_app.states.inbox import InboxState as S
from messenger_app.states.inbox_views import FolderCountsState as FC


def folder_name(item):
    """Built-in folders are named in the operator's language."""
    return rx.match(item.id, ("all", S.t["all_chats"]), ("operator", S.t["with_operator"]),
                    item.name)


def folder_item(item) -> rx.Component:
    name = folder_name(item)
    active = S.folder == item.id
    # the row holds two controls side by side (no control inside another, WCAG 4.1.2): the
    # folder itself (a button: icon, name, unread) and its gear; a click anywhere on the row
    # picks the folder
    return rx.hstack(
        rx.el.button(
            rx.match(item.id,
                     ("all", rx.icon("messages-square", size=16, class_name="msg-folder-icon")),
                     ("operator", rx.icon("headset", size=16, class_name="msg-folder-icon")),
                     rx.icon("folder", size=16, class_name="msg-folder-icon")),
            rx.text(name, size="2", class_name="msg-ellipsis msg-folder-name", flex="1",
                    weight=rx.cond(active, "medium", "regular"), as_="span",
                    custom_attrs={"data-testid": "folder-name", "title": name}),
            rx.cond(item.unread > 0,
                    rx.fragment(
                        rx.badge(item.unread, size="1", radius="full",
                                 variant=rx.cond(active, "solid", "soft"),
                                 custom_attrs={"data-testid": "folder-unread",
                                               "title": item.unread.to_string() + " "
                                               + S.t["folder_unread_title"]}),
                        rx.el.span(" ", S.t["folder_unread_title"], class_name="msg-sr-only"))),
            type="button", class_name="msg-folder-pick",
            custom_attrs={"aria-pressed": rx.cond(active, "true", "false")},
        ),
        rx.cond(~item.builtin,
                rx.icon_button(rx.icon("settings", size=14), size="1", variant="ghost",
                               color_scheme="gray", class_name="msg-folder-gear",
                               on_click=F.edit_folder(item.id).stop_propagation,
                               aria_label=S.t["folder_settings"] + ": " + name.to(str),
                               custom_attrs={"data-testid": "folder-settings",
                                             "title": S.t["folder_settings"]})),
        align="center", spacing="2", width="100%", class_name="msg-folder",
        on_click=S.set_folder(item.id),
        custom_attrs={"data-testid": "folder-item", "data-id": item.id,
                      "data-active": rx.cond(active, "true", "false"), "title": name},
    )


def current_folder_name():
    """The shown folder's name, for the collapsed header."""
    return rx.foreach(FC.folder_items, lambda f: rx.cond(
        (f.id == S.folder) & (S.folder != "all"),
        rx.text("· ", folder_name(f), size="1", color_scheme="indigo", weight="medium",
                class_name="msg-ellipsis")))


def folders_section() -> rx.Component:
    opened = F.folders_open != ""
    return rx.box(
        rx.hstack(
            rx.hstack(
                rx.icon("chevron-down", size=14, class_name="msg-folders-chevron"),
                rx.text(S.t["folders"], size="1", weight="bold", class_name="msg-caps"),
                rx.cond(~opened, current_folder_name()),
                align="center", spacing="1", flex="1", min_width="0", class_name="msg-folders-toggle",
                on_click=F.toggle_folders, role="button", tab_index=0,
                custom_attrs={"data-testid": "folders-toggle",
                              "aria-expanded": rx.cond(opened, "true", "false"),
                              "title": rx.cond(opened, S.t["folders_hide"], S.t["folders_show"])},
            ),
            rx.tooltip(rx.icon_button(rx.icon("folder-plus", size=15), size="1", variant="ghost",
                                      on_click=F.new_folder, aria_label=S.t["folder_add"],
                                      custom_attrs=tid("folder-add")),
                       content=S.t["folder_add"]),
            align="center", spacing="2", width="100%", padding="6px 12px 6px 14px",
        ),
        rx.cond(opened,
                rx.cond(S.loaded,
                        rx.box(rx.foreach(FC.folder_items, folder_item), class_name="msg-folder-list",
                               role="group", custom_attrs={**tid("folder-list"),
                                                           "aria-label": S.t["a11y_folders"]}),
                        rx.el.div(*[skeleton_bar("msg-skel-folder") for _ in range(3)],
                                  class_name="rt-Flex rt-r-fd-column rt-r-ai-start rt-r-gap-3 "
                                             "msg-skel-folders",
                                  custom_attrs=tid("folder-list-loading")))),
        folder_form(),
        class_name="msg-folders", width="100%",
        custom_attrs={"data-open": rx.cond(opened, "true", "false")},
    )


def _switch_row(label, hint, checked, on_change, testid: str) -> rx.Component:
    return rx.el.label(
        rx.vstack(rx.text(label, size="2", weight="medium"),
                  rx.text(hint, size="1", color_scheme="gray"), spacing="0", flex="1"),
        rx.switch(checked=checked, on_change=on_change, custom_attrs=tid(testid)),
        class_name="msg-switch-row",
    )


def folder_form() -> rx.Component:
    """Create a folder, or a folder's settings (rename, PUSH, sound, delete)."""
    editing = F.form_id != ""
    return rx.dialog.root(
        rx.dialog.content(
            rx.form(
                rx.vstack(
                    rx.hstack(
                        rx.dialog.title(rx.cond(editing, S.t["folder_settings"], S.t["folder_add"]),
                                        size="4", margin="0"),
                        rx.spacer(),
                        rx.dialog.close(rx.icon_button(rx.icon("x", size=16), variant="ghost",
                                                       color_scheme="gray", type="button",
                                                       aria_label=S.t["cancel"])),
                        width="100%", align="center",
                    ),
                    rx.vstack(
                        field_label(S.t["folder_name"], "folder-name-input"),
                        rx.input(name="name", id="folder-name-input", default_value=F.form_name,
                                 placeholder=S.t["folder_name_ph"], max_length=120, auto_focus=True,
                                 size="3", width="100%", custom_attrs=tid("folder-form-name")),
                        spacing="1", width="100%",
                    ),
                    _switch_row(S.t["folder_push"], S.t["folder_push_hint"], F.form_push,
                                F.set_form_push, "folder-form-push"),
                    _switch_row(S.t["folder_sound"], S.t["folder_sound_hint"], F.form_sound,
                                F.set_form_sound, "folder-form-sound"),
                    rx.cond(F.form_error != "",
                            rx.callout(F.form_error, icon="circle-alert", color_scheme="red", size="1",
                                       width="100%", role="alert",
                                       custom_attrs=tid("folder-form-error"))),
                    rx.hstack(
                        rx.cond(editing,
                                rx.button(rx.icon("trash-2", size=14), S.t["delete"], type="button",
                                          variant="soft", color_scheme="red",
                                          on_click=F.ask_delete_folder(True),
                                          custom_attrs=tid("folder-delete"))),
                        rx.spacer(),
                        rx.dialog.close(rx.button(S.t["cancel"], variant="soft", color_scheme="gray",
                                                  type="button")),
                        rx.button(rx.cond(editing, S.t["folder_save"], S.t["folder_create"]),
                                  type="submit", custom_attrs=tid("folder-form-save")),
                        width="100%", align="center", spacing="2", class_name="msg-fb-actions",
                    ),
                    spacing="4", width="100%",
                ),
                on_submit=F.save_folder, reset_on_submit=False, width="100%",
            ),
            rx.alert_dialog.root(
                rx.alert_dialog.content(
                    rx.alert_dialog.title(S.t["folder_delete_title"], size="4"),
                    rx.alert_dialog.description(S.t["folder_delete_text"], class_name="msg-modal-desc"),
                    rx.hstack(
                        rx.alert_dialog.cancel(rx.button(S.t["cancel"], variant="soft",
                                                         color_scheme="gray",
                                                         custom_attrs=tid("folder-delete-cancel"))),
                        rx.button(rx.icon("trash-2", size=14), S.t["folder_delete"], color_scheme="red",
                                  on_click=F.delete_folder, custom_attrs=tid("folder-delete-confirm")),
                        justify="end", spacing="2", width="100%", margin_top="16px",
                    ),
                    max_width="420px", custom_attrs=tid("folder-delete-dialog"),
                ),
                open=F.confirm_delete, on_open_change=F.ask_delete_folder,
            ),
            class_name="msg-modal", max_width="440px", custom_attrs=tid("folder-form"),
        ),
        open=F.form_open, on_open_change=F.set_form_open,
    )
