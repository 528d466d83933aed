"""Folders of the left panel (L7, L8, L9): the create / settings form and the collapsed state.

The folder list itself (`InboxState._folder_items`, with unread counters) lives in InboxState,
so the tab's live listener refreshes it together with the dialog list; the page shows it
through `inbox_views.FolderCountsState`. Clicking a folder is
`InboxState.set_folder`.
"""

from __future__ import annotations

import reflex as rx

from messenger_app.i18n.errors import error_text
from messenger_app.services import folders
from messenger_app.states.auth import operator_required
from messenger_app.states.inbox import InboxState


class FoldersState(InboxState):
    folders_open: str = rx.LocalStorage("1", name="msg_folders_open", sync=True)  # "1" | ""
    form_open: bool = False
    form_id: str = ""  # the folder being edited; "" = a new folder
    form_name: str = ""
    form_push: bool = True
    form_sound: bool = True
    form_error: str = ""
    confirm_delete: bool = False

    @rx.event
    @operator_required
    def toggle_folders(self):
        self.folders_open = "" if self.folders_open else "1"

    @rx.event
    @operator_required
    def new_folder(self):
        self.form_id, self.form_name, self.form_push, self.form_sound = "", "", True, True
        self.form_error, self.confirm_delete, self.form_open = "", False, True

    @rx.event
    @operator_required
    def edit_folder(self, folder_id: str):
        item = next((f for f in self._folder_items if f.id == str(folder_id) and not f.builtin), None)
        if item is None:  # a built-in folder, or deleted meanwhile
            return
        self.form_id, self.form_name = item.id, item.name
        self.form_push, self.form_sound = item.push, item.sound
        self.form_error, self.confirm_delete, self.form_open = "", False, True

    @rx.event
    @operator_required
    def set_form_open(self, value: bool):
        self.form_open = bool(value)
        if not self.form_open:
            self.confirm_delete = False

    @rx.event
    @operator_required
    def set_form_push(self, value: bool):
        self.form_push = bool(value)

    @rx.event
    @operator_required
    def set_form_sound(self, value: bool):
        self.form_sound = bool(value)

    def _name_error(self, name: str) -> str:
        if not name:
            return self.t["folder_err_empty"]
        if len(name) > folders.NAME_MAX:
            return self.t["folder_err_long"]
        builtin = {folders.builtin_name(k, lang).casefold()
                   for k in folders.BUILTINS for lang in ("en", "ru")}
        taken = {f.name.casefold() for f in self._folder_items
                 if not f.builtin and f.id != self.form_id}
        if name.casefold() in builtin | taken:
            return self.t["folder_err_taken"]
        return ""

    @rx.event
    @operator_required
    def save_folder(self, form: dict):
        name = " ".join(str(form.get("name", "")).split())[:folders.NAME_MAX + 1]
        self.form_name = name
        error = self._name_error(name)
        if error:
            self.form_error = error
            return
        try:
            if self.form_id:
                fid = int(self.form_id)
                folders.rename(fid, name)
                folders.set_flags(fid, push=self.form_push, sound=self.form_sound)
            else:
                folders.create(name, push=self.form_push, sound=self.form_sound)
        except folders.FolderError as e:
            self.form_error = error_text(e, self.lang)
            return
        self.form_open, self.form_error = False, ""
        self._reload_folders()

    @rx.event
    @operator_required
    def ask_delete_folder(self, value: bool = True):
        self.confirm_delete = bool(value) and bool(self.form_id)

    @rx.event
    @operator_required
    def delete_folder(self):
        if not self.form_id:
            return
        shown = self.folder == self.form_id
        try:
            folders.delete(int(self.form_id))
        except folders.FolderError as e:
            self.form_error, self.confirm_delete = error_text(e, self.lang), False
            return
        self.form_open, self.confirm_delete, self.form_id = False, False, ""
        if shown:  # its clients stay in "All chats": show them there
            self.folder = "all"
            self._reload_list()
            return self._url_script()
        self._reload_folders()
