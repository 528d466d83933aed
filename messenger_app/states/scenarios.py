"""/scenarios (B1): the list of chat-bot scenarios — name, triggers, status, conversations in
progress per version, who edited it last — with create, rename, delete and open."""

from __future__ import annotations

import reflex as rx
from sqlmodel import select

from messenger_app import db
from messenger_app.i18n.errors import error_text
from messenger_app.lib.errors import DomainError
from messenger_app.models import Operator
from messenger_app.services import scenarios
from messenger_app.states.auth import AuthState, admin_required


def operator_names(ids) -> dict[int, str]:
    ids = {i for i in ids if isinstance(i, int)}
    if not ids:
        return {}
    with db.session() as s:
        rows = s.exec(select(Operator.id, Operator.display_name, Operator.username)
                      .where(Operator.id.in_(ids))).all()
    return {i: d or u for i, d, u in rows}


def _sid(value) -> int | None:
    try:
        n = int(str(value))
    except (TypeError, ValueError):
        return None
    return n if 0 < n < 2 ** 31 else None


class ScenariosState(AuthState):
    rows: list[dict[str, str]] = []
    error: str = ""
    new_open: bool = False
    rename_id: str = ""
    rename_name: str = ""
    confirm_id: str = ""
    confirm_name: str = ""

    @rx.event
    def on_load(self):
        if (away := self._enter(admin=True)) is not None:
            return away
        self.error = ""
        self._reload()

    def _reload(self) -> None:
        items = scenarios.list_all()
        names = operator_names(i.edited_by for i in items)
        self.rows = [{
            "id": str(i.id), "name": i.name, "triggers": i.triggers or "",
            "status": i.status, "running": str(i.running),
            "versions": ", ".join(f"v{n}: {r}" for n, r in i.versions),
            "edited_by": names.get(i.edited_by, "") if i.edited_by else "",
            "edited_at": i.edited_at.strftime("%d.%m.%Y %H:%M") if i.edited_at else "",
        } for i in items]

    @rx.event
    @admin_required
    def set_new_open(self, value: bool):
        self.new_open, self.error = bool(value), ""

    @rx.event
    @admin_required
    def create(self, form: dict):
        try:
            sid = scenarios.create(str(form.get("name", ""))[:500], by=self._operator().id)
        except DomainError as e:
            self.error = error_text(e, self.lang)
            return
        self.new_open, self.error = False, ""
        return rx.redirect(f"/scenarios/{sid}")

    @rx.event
    @admin_required
    def ask_rename(self, sid: str):
        row = next((r for r in self.rows if r["id"] == str(sid)), None)
        if row is not None:
            self.rename_id, self.rename_name, self.error = row["id"], row["name"], ""

    @rx.event
    @admin_required
    def set_rename_open(self, value: bool):
        if not value:
            self.rename_id = ""

    @rx.event
    @admin_required
    def rename(self, form: dict):
        sid = _sid(self.rename_id)
        if sid is None:
            return
        try:
            scenarios.rename(sid, str(form.get("name", ""))[:500], by=self._operator().id)
        except DomainError as e:
            self.error = error_text(e, self.lang)
            return
        self.rename_id, self.error = "", ""
        self._reload()

    @rx.event
    @admin_required
    def ask_delete(self, sid: str):
        row = next((r for r in self.rows if r["id"] == str(sid)), None)
        if row is not None:
            self.confirm_id, self.confirm_name, self.error = row["id"], row["name"], ""

    @rx.event
    @admin_required
    def cancel_delete(self):
        self.confirm_id = self.confirm_name = ""

    @rx.event
    @admin_required
    def delete(self):
        sid = _sid(self.confirm_id)
        self.confirm_id = self.confirm_name = ""
        if sid is None:
            return
        try:
            scenarios.delete(sid)
        except DomainError as e:  # runs in progress: refused, the list says why
            self.error = error_text(e, self.lang)
        self._reload()
