"""/crm (admin): the CRM fields every client card shows (R6) and the Tag 2 options (R7)."""

from __future__ import annotations

import contextlib
import re
import unicodedata

import reflex as rx

from messenger_app.models.crm import FIELD_TYPES
from messenger_app.models.operator import ADMIN
from messenger_app.i18n.errors import error_text
from messenger_app.services import auth, crm
from messenger_app.states import live
from messenger_app.states.auth import AuthState, admin_required

_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n",
                      "o", "p", "r", "s", "t", "u", "f", "h", "ts", "ch", "sh", "sch", "", "y", "",
                      "e", "yu", "ya"]))


def slug(label: str) -> str:
    """A field key from its label: 'Дата рождения' -> 'data_rozhdeniya'."""
    text = "".join(_TRANSLIT.get(ch, ch) for ch in (label or "").casefold())
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:64].strip("_")
    if not text:
        return "field"
    if text in crm.RESERVED_KEYS:
        text = "crm_" + text
    return text


def _options(text: str) -> list[str]:
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]



def _read() -> tuple[list[dict], list[str]]:
    """The CRM fields and the Tag 2 options (a worker thread's read)."""
    return crm.list_fields(), crm.list_tag2_options()

class CrmSettingsState(AuthState):
    fields: list[dict[str, str]] = []  # id, key, label, type, options (one per line), count
    tag2: list[str] = []
    editing: str = ""  # "label:<key>" | "options:<key>" | "opt:<value>"
    error_at: str = ""  # "new" | "newopt" | the editing key
    error: str = ""
    new_type: str = "text"
    confirm: str = ""  # "field:<key>" | "opt:<value>" waiting for the confirm dialog
    confirm_name: str = ""
    form_rev: int = 0  # bumped after an add: the "new" forms remount empty (no value race)

    @rx.event
    def on_load(self):
        if (away := self._enter(admin=True)) is not None:
            return away
        self._reload()
        return CrmSettingsState.listen

    def _reload(self) -> None:
        self._show(_read())

    def _show(self, got: tuple) -> None:
        fields, self.tag2 = got
        self.fields = [{"id": str(f["id"]), "key": f["key"], "label": f["label"],
                        "type": f["type"], "options": "\n".join(f["options"]),
                        "options_short": ", ".join(f["options"])[:120]}
                       for f in fields]

    def _fail(self, at: str, e: Exception) -> None:
        self.error_at, self.error = at, error_text(e, self.lang)

    def _done(self) -> None:
        self.error_at = self.error = self.editing = ""
        self._reload()

    @rx.event(background=True)
    async def listen(self):
        async with self:
            op = self._operator()
            if op is None or op.role != ADMIN:
                return
            token = self.router.session.client_token
        async with contextlib.aclosing(live.digests(f"crm:{token}", token, ready=True)) as feed:
            async for digest in feed:
                if digest.subscribed:  # the page says it is live (components/common.live_marker)
                    yield rx.call_script(live.LIVE_ON_JS)
                    continue
                async with self:
                    if self.router.url.path.rstrip("/") != "/crm":
                        return  # the tab went to another page
                    session = self._session()
                if await digest.get(("operator", session), auth.operator_for_session, session) is None:
                    return  # signed out
                if digest.kinds & {"crm_fields", "tag2_options"}:
                    got = await digest.get("crm_settings", _read)  # once for every such tab
                    async with self:
                        self._show(got)

    # -- editing in place ----------------------------------------------------------------
    @rx.event
    @admin_required
    def edit(self, what: str):
        self.editing = str(what)[:300]
        if self.error_at != self.editing:
            self.error_at = self.error = ""

    @rx.event
    @admin_required
    def cancel_edit(self):
        if self.error_at == self.editing:
            self.error_at = self.error = ""
        self.editing = ""

    # -- fields --------------------------------------------------------------------------
    @rx.event
    @admin_required
    def set_new_type(self, value: str):
        if value in FIELD_TYPES:
            self.new_type = value

    @rx.event
    @admin_required
    def create_field(self, form: dict):
        label = str(form.get("label", ""))[:300]
        key = str(form.get("key", "")).strip()[:100] or slug(label)
        try:
            crm.create_field(key, label, self.new_type, _options(str(form.get("options", ""))[:20000])
                             if self.new_type == "select" else None)
        except crm.CrmError as e:
            self._fail("new", e)
            return
        self.form_rev += 1
        self._done()

    @rx.event
    @admin_required
    def save_label(self, form: dict):
        key = str(form.get("key", ""))[:100]
        try:
            crm.update_field(key, label=str(form.get("value", ""))[:300])
        except crm.CrmError as e:
            self._fail("label:" + key, e)
            return
        self._done()

    @rx.event
    @admin_required
    def save_options(self, form: dict):
        key = str(form.get("key", ""))[:100]
        try:
            crm.update_field(key, options=_options(str(form.get("value", ""))[:20000]))
        except crm.CrmError as e:
            self._fail("options:" + key, e)
            return
        self._done()

    @rx.event
    @admin_required
    def move_field(self, key: str, delta: int):
        keys = [f["key"] for f in self.fields]
        if key not in keys:
            return
        i = keys.index(key)
        j = i + (1 if int(delta) > 0 else -1)
        if not 0 <= j < len(keys):
            return
        keys[i], keys[j] = keys[j], keys[i]
        try:
            crm.reorder_fields(keys)
        except crm.CrmError as e:  # another admin changed the list meanwhile
            self._fail("order", e)
        self._reload()

    @rx.event
    @admin_required
    def ask_delete(self, what: str, name: str):
        self.confirm, self.confirm_name = str(what)[:300], str(name)[:300]

    @rx.event
    @admin_required
    def set_confirm_open(self, open_: bool):
        if not open_:
            self.confirm = self.confirm_name = ""

    @rx.event
    @admin_required
    def confirm_delete(self):
        what, self.confirm, self.confirm_name = self.confirm, "", ""
        kind, _, ref = what.partition(":")
        try:
            if kind == "field":
                crm.delete_field(ref)
            elif kind == "opt":
                crm.delete_tag2_option(ref)
        except crm.CrmError as e:
            self._fail("order", e)
            self._reload()
            return
        self._done()

    # -- Tag 2 options ---------------------------------------------------------------------
    @rx.event
    @admin_required
    def add_option(self, form: dict):
        try:
            crm.add_tag2_option(str(form.get("value", ""))[:300])
        except crm.CrmError as e:
            self._fail("newopt", e)
            return
        self.form_rev += 1
        self._done()

    @rx.event
    @admin_required
    def rename_option(self, form: dict):
        old = str(form.get("key", ""))[:300]
        try:
            crm.rename_tag2_option(old, str(form.get("value", ""))[:300])
        except crm.CrmError as e:
            self._fail("opt:" + old, e)
            return
        self._done()

    @rx.event
    @admin_required
    def move_option(self, value: str, delta: int):
        opts = list(self.tag2)
        if value not in opts:
            return
        i = opts.index(value)
        j = i + (1 if int(delta) > 0 else -1)
        if not 0 <= j < len(opts):
            return
        opts[i], opts[j] = opts[j], opts[i]
        try:
            crm.reorder_tag2_options(opts)
        except crm.CrmError as e:
            self._fail("order", e)
        self._reload()
