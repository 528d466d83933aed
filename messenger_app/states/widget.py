"""The visitor's side of the website chat widget (/widget). Checks the visitor token on
every event; never sees other clients' messages or other channels of the same client."""

from __future__ import annotations

import contextlib

import reflex as rx

from messenger_app.i18n.strings import EN, LANGS
from messenger_app.services import events, widget
from messenger_app.states import live, view
from messenger_app.states.auth import without_string_table
from messenger_app.states.rows import WidgetItem


# WidgetRefused.code -> what the visitor reads, in the widget's language (the same texts as
# assets/widget.js shows for the HTTP path); an empty message just is not sent.
_REFUSALS = {"rate": "widget_rate", "too_long": "widget_too_long", "empty": ""}


def refusal_text(e: widget.WidgetRefused, lang: str) -> str:
    key = _REFUSALS.get(e.code, "widget_refused")
    return LANGS.get(lang, EN)[key] if key else ""


class WidgetState(rx.State):
    visitor: str = rx.LocalStorage("", name="msg_widget_visitor", sync=True)
    lang: str = rx.LocalStorage("en", name="msg_lang", sync=True)
    items: list[WidgetItem] = []
    error: str = ""
    _contact_id: int = 0

    @rx.var
    def t(self) -> dict[str, str]:
        return LANGS.get(self.lang, EN)

    def __getstate__(self):
        return without_string_table(self, super().__getstate__())

    @rx.event
    def on_load(self):
        if not widget.valid_token(self.visitor):
            self.visitor = widget.new_visitor()
        self._reload()
        return WidgetState.listen

    def _reload(self) -> None:
        self._show(widget.history(self.visitor))

    def _show(self, rows) -> None:
        self._contact_id = rows[0].contact_id if rows else 0
        self.items = [view.widget_item(m) for m in widget.view(self.visitor, rows)]

    @rx.event
    def send(self, form: dict):
        self._say(str(form.get("text", "")))

    @rx.event
    def choose(self, choice_id: str):
        """The visitor pressed a button under one of our messages."""
        self._say("", str(choice_id or ""))

    def _say(self, text: str, choice_id: str = "") -> None:
        try:
            widget.send(self.visitor, text, "", address=self.router.session.client_ip or "unknown",
                        choice_id=choice_id)
        except widget.WidgetRefused as e:
            self.error = refusal_text(e, self.lang)
            return
        self.error = ""
        self._reload()

    @rx.event
    def refresh(self):
        """assets/widget.js stored a message over HTTP: show the thread with it."""
        if widget.valid_token(self.visitor):
            self.error = ""
            self._reload()

    @rx.event(background=True)
    async def listen(self):
        async with self:
            if not widget.valid_token(self.visitor):
                return
            token = self.router.session.client_token
        async with contextlib.aclosing(live.digests(f"widget:{token}", token, ready=True)) as feed:
            async for digest in feed:
                if digest.subscribed:  # the page says it is live (components/common.live_marker)
                    yield rx.call_script(live.LIVE_ON_JS)
                    continue
                if not digest.events:
                    continue
                async with self:
                    visitor, contact_id = self.visitor, self._contact_id
                if contact_id and events.RESYNC not in digest.kinds and not any(
                        ev.get("contact_id") == contact_id for ev in digest.events):
                    continue  # someone else's message
                rows = await digest.get(("widget", visitor), widget.history, visitor)  # off the loop
                async with self:
                    if self.visitor == visitor:
                        self._show(rows)
