"""Profile → Message templates (C6): list, search, create, edit, delete (with a confirm)."""

from __future__ import annotations

import reflex as rx

from messenger_app.i18n.errors import error_text
from messenger_app.services import templates
from messenger_app.states.auth import AuthState, operator_required


class TemplatesState(AuthState):
    items: list[dict[str, str]] = []
    query: str = ""
    placeholders: list[dict[str, str]] = []
    edit_open: bool = False
    edit_id: str = ""  # "" while creating a new one
    edit_title: str = ""
    edit_body: str = ""
    edit_key: int = 0  # remounts the editor's fields with fresh default values
    error: str = ""
    notice: str = ""  # unknown placeholders of the last saved template
    confirm_id: str = ""
    confirm_title: str = ""

    @rx.event
    def on_load(self):
        if (away := self._enter()) is not None:
            return away
        self.placeholders = [{"key": p["key"], "label": p["label"]}
                             for p in templates.placeholders()]
        self._reload()

    def _reload(self) -> None:
        self.items = [{"id": str(t.id), "title": t.title, "body": t.body,
                       "updated": t.updated_at.strftime("%d.%m.%Y")}
                      for t in templates.list_templates(self.query)]

    @rx.event
    @operator_required
    def set_query(self, text: str):
        self.query = str(text)[:100]
        self._reload()

    @rx.event
    @operator_required
    def new(self):
        self.edit_id, self.edit_title, self.edit_body, self.error = "", "", "", ""
        self.edit_key += 1
        self.edit_open = True

    @rx.event
    @operator_required
    def edit(self, template_id: str):
        try:
            t = templates.get(int(template_id))
        except (TypeError, ValueError):
            return
        if t is None:
            self._reload()
            return
        self.edit_id, self.edit_title, self.edit_body, self.error = str(t.id), t.title, t.body, ""
        self.edit_key += 1
        self.edit_open = True

    @rx.event
    @operator_required
    def set_edit_open(self, value: bool):
        self.edit_open = bool(value)
        if not self.edit_open:
            self.error = ""

    @rx.event
    @operator_required
    def save(self, form: dict):
        title = str(form.get("title", ""))[:500]
        body = str(form.get("body", ""))[:10000]
        try:
            if self.edit_id:
                saved = templates.update(int(self.edit_id), title, body)
            else:
                op = self._operator()
                saved = templates.create(title, body, created_by=op.id)
        except templates.TemplateError as e:
            self.error = error_text(e, self.lang)
            self.edit_title, self.edit_body = title, body
            return
        unknown = templates.render(saved.body, None).unknown
        self.notice = (self.t["tpl_saved_unknown"].format(
            title=saved.title, names=", ".join("{" + n + "}" for n in unknown)) if unknown else "")
        self.error = ""
        self.edit_open = False
        self._reload()

    @rx.event
    @operator_required
    def ask_delete(self, template_id: str):
        t = None
        try:
            t = templates.get(int(template_id))
        except (TypeError, ValueError):
            pass
        if t is None:
            return
        self.confirm_id, self.confirm_title = str(t.id), t.title

    @rx.event
    @operator_required
    def cancel_delete(self):
        self.confirm_id = self.confirm_title = ""

    @rx.event
    @operator_required
    def delete(self):
        if self.confirm_id:
            templates.delete(int(self.confirm_id))
        self.confirm_id = self.confirm_title = ""
        self.notice = ""
        self._reload()
