"""The open dialog's extras: the composer (notes, files, templates — C5, X8), the message
detail modal (C4) and full-text search in the history (X4).

A substate of InboxState: it reads and refreshes the open dialog (InboxState's backend vars
_open_id, _msgs, _routes, shown through states/open_dialog.py) through InboxState's helpers. Every data handler checks the session first.
Drafts live in the browser (assets/composer.js, one per dialog); pending files live here,
per dialog, so a file attached in one dialog is never sent in another.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json

import reflex as rx

from messenger_app.channels import registry
from messenger_app.i18n.errors import error_text
from messenger_app.services import (attachments, dialogs, inbox, message_details, notes, outbox,
                                    search, templates)
from messenger_app.states import message_detail, view
from messenger_app.states.auth import operator_required
from messenger_app.states.inbox import InboxState
from messenger_app.states.inbox_follow import raw
from messenger_app.states.rows import RouteItem

JUMP_MAX = 5000  # messages loaded at most to show a found one in its thread


@dataclasses.dataclass
class Segment:
    text: str = ""
    mark: bool = False


@dataclasses.dataclass
class SearchHit:
    id: str = ""
    dialog_id: str = ""
    name: str = ""
    time: str = ""
    dir: str = ""
    segments: list[Segment] = dataclasses.field(default_factory=list)


def _js(value) -> str:
    return json.dumps(value, ensure_ascii=False)


class ComposerState(InboxState):
    note_mode: bool = False
    _pending_by: dict[str, list[dict[str, str]]] = {}
    warning: str = ""  # e.g. unknown template placeholders, shown above the composer ...
    warning_did: int = 0  # ... of this dialog
    # template picker
    tpl_open: bool = False
    tpl_query: str = ""
    tpl_items: list[dict[str, str]] = []
    # message detail (C4)
    detail_open: bool = False
    detail: dict[str, str] = {}
    detail_history: list[dict[str, str]] = []
    detail_atts: list[dict[str, str]] = []
    detail_raw: str = ""
    # search in the history (X4)
    search_open: bool = False
    msg_query: str = ""
    search_scope: str = "dialog"  # dialog | all
    search_did: int = 0
    hits: list[SearchHit] = []
    searched: bool = False

    # What the composer shows of the open dialog (the files waiting, why the route refuses
    # them, ...): plain methods here, made cached vars with explicit deps by
    # ComposerViewState (states/composer_view.py), a substate of its own. So a live update,
    # which changes none of their inputs, computes none of them, and opening a dialog sends
    # them in that small state's part of the delta: only the few components bound to it
    # re-render, not the ~60 bound to ComposerState.
    def _pending_shown(self) -> list[dict[str, str]]:
        return raw(self._pending_by).get(str(self._open_id), [])

    def _attach_reason(self) -> str:
        """Why the chosen route cannot carry files at all ("" = it can): the paperclip is
        disabled with this reason (SMS)."""
        route = self._route()
        if route is None or registry.capabilities(route.kind).max_files:
            return ""
        return self._no_files(route)

    def _subject_offered(self) -> bool:
        """The chosen route's kind takes a subject (e-mail): the composer offers one, for
        starting a new thread (empty: "Re: " the conversation's subject)."""
        route = self._route()
        return bool(route and not self.note_mode and registry.get(route.kind) is not None
                    and registry.get(route.kind).identity_address == "email")

    def _files_refusal(self) -> str:
        """Why the pending files cannot go through the chosen route ("" = they can), e.g.
        files attached, then the route switched to SMS. Sending is refused with this."""
        route, pending = self._route(), self._pending_shown()
        if route is None or not pending or self.note_mode:
            return ""
        caps = registry.capabilities(route.kind)
        code = caps.refuse_reason([{"file_size": int(a.get("bytes") or 0),
                                    "mime_type": a.get("mime") or ""} for a in pending], [])
        name = route.name or route.kind
        reason = {
            "files_not_supported": lambda: self._no_files(route),
            "too_many_files": lambda: self.t["att_route_too_many"].format(channel=name,
                                                                          n=caps.max_files),
            "file_too_large": lambda: self.t["att_route_too_big"].format(
                channel=name, mb=caps.max_file_size // 1048576),
            "file_type_not_supported": lambda: self.t["att_route_type"].format(channel=name),
        }.get(code)
        return self.t["att_route_refused"].format(reason=reason()) if reason else ""

    def _warning_for_open(self) -> str:
        return self.warning if self.warning_did == self._open_id else ""

    def _search_visible(self) -> bool:
        """A search of one dialog is put away when another dialog is opened."""
        return self.search_open and (self.search_scope == "all" or self.search_did == self._open_id)

    def _route(self) -> RouteItem | None:
        """The chosen route (read only: the plain list, not Reflex's proxy of it and of each
        route in it)."""
        return next((r for r in raw(self._routes) if r.id == self._route_id), None)

    def _no_files(self, route: RouteItem) -> str:
        return self.t.get(f"att_no_files_{route.kind}") or self.t["att_no_files"].format(
            channel=route.name or route.kind)

    # -- the composer --------------------------------------------------------------------
    @rx.event
    @operator_required
    def toggle_note(self):
        self.note_mode = not self.note_mode
        return rx.call_script("window.__msgFocusComposer && window.__msgFocusComposer()")

    def _set_pending(self, did: int, items: list[dict[str, str]]) -> None:
        by = dict(self._pending_by)
        if items:
            by[str(did)] = items
        else:
            by.pop(str(did), None)
        self._pending_by = by

    @rx.event
    @operator_required
    async def upload(self, files: list[rx.UploadFile]):
        did = self._open_id
        if not did or not files:  # react-dropzone also calls this when it refused everything
            return
        blocked = self._attach_reason()
        if blocked:  # a drop onto the dialog while the route cannot carry files
            self._composer_error = blocked
            return
        items = list(self._pending_by.get(str(did), []))
        errors = []
        for f in files or []:
            name = (f.filename or "file").replace("\\", "/").rsplit("/", 1)[-1]
            if len(items) >= attachments.MAX_PER_MESSAGE:
                errors.append(self.t["att_too_many"].format(n=attachments.MAX_PER_MESSAGE))
                break
            data = await f.read(attachments.MAX_UPLOAD + 1)
            try:
                att = await asyncio.to_thread(attachments.store_upload, name, data,
                                              f.content_type or "")
            except attachments.AttachmentError as e:
                errors.append(f"{name}: {error_text(e, self.lang)}")
                continue
            [row] = message_details.attachment_rows([att])
            items.append({**row, "file_name": att["file_name"], "bytes": str(att["file_size"])})
        self._set_pending(did, items)
        self._composer_error = "; ".join(errors)

    @rx.event
    @operator_required
    def rejected(self, files: list[dict]):
        """Files the browser refused before uploading (too big, too many)."""
        names = []
        for f in (files or [])[:10] if isinstance(files, list) else []:
            f = f if isinstance(f, dict) else {}
            name = str(f.get("name") or "")
            codes = {str(c) for c in f.get("codes") or [] if isinstance(c, str)}
            why = (self.t["att_too_big"].format(mb=attachments.MAX_UPLOAD // 1048576)
                   if "file-too-large" in codes else self.t["att_too_many"].format(
                       n=attachments.MAX_PER_MESSAGE) if "too-many-files" in codes
                   else self.t["att_refused"])
            names.append(f"{name.lstrip('./')[:120]}: {why}" if name else why)
        self._composer_error = "; ".join(names) or self.t["att_refused"]

    @rx.event
    @operator_required
    def remove_attachment(self, url: str):
        did = self._open_id
        items = self._pending_by.get(str(did), [])
        keep = [a for a in items if a["url"] != url]
        if len(keep) != len(items):
            attachments.remove({"url": url})  # never sent: the stored file goes too
            self._set_pending(did, keep)

    @rx.event
    @operator_required
    def send(self, form: dict):
        text = str(form.get("text", ""))[:20000]
        subject = " ".join(str(form.get("subject", "")).split())[:998]
        did = self._open_id
        if not did:
            return
        pending = self._pending_by.get(str(did), [])
        if not text.strip() and not (pending and not self.note_mode):
            return
        restore = rx.call_script(f"window.__msgComposerRestore({did}, {_js(text)})")
        op = self._operator()
        try:
            if self.note_mode:
                if pending:
                    self._composer_error = self.t["note_no_files"]
                    return restore
                notes.add_note(did, op.id, text)
            else:
                route = int(self._route_id) if self._route_id else None
                refusal = self._files_refusal() if pending else ""
                if refusal:
                    self._composer_error = refusal
                    return restore
                if pending:
                    attachments.queue_with_attachments(
                        did, op.id, text, [{"url": a["url"], "file_name": a["file_name"]}
                                           for a in pending], identity_id=route,
                        subject=subject)
                else:
                    outbox.queue(did, op.id, text, identity_id=route, subject=subject)
        except (outbox.SendRefused, attachments.AttachmentError, notes.NoteError) as e:
            self._composer_error = error_text(e, self.lang)
            return restore
        if not self.note_mode:
            self._set_pending(did, [])
        self._composer_error = self.warning = ""
        self._refresh_messages()
        self._reload_list(keep=len(self._rows))
        return [rx.call_script(f"window.__msgComposerSent({did})"),
                rx.call_script("window.__msgScrollBottom && window.__msgScrollBottom()")]

    @rx.event
    @operator_required
    def dismiss_warning(self):
        self.warning = ""

    # -- templates (C5, C6) ----------------------------------------------------------------
    def _load_templates(self) -> None:
        self.tpl_items = [{"id": str(t.id), "title": t.title, "body": t.body[:300]}
                          for t in templates.list_templates(self.tpl_query, limit=100)]

    @rx.event
    @operator_required
    def set_tpl_open(self, value: bool):
        self.tpl_open = bool(value)
        if self.tpl_open:
            self.tpl_query = ""
            self._load_templates()

    @rx.event
    @operator_required
    def set_tpl_query(self, text: str):
        self.tpl_query = str(text)[:100]
        self._load_templates()

    @rx.event
    @operator_required
    def use_template(self, template_id: str):
        try:
            t = templates.get(int(template_id))
        except (TypeError, ValueError):
            return
        if t is None or not self._card.id:
            return
        try:
            r = templates.render(t.body, int(self._card.id))
        except templates.TemplateError as e:
            self._composer_error = error_text(e, self.lang)
            return
        parts = []
        if r.unknown:
            parts.append(self.t["tpl_unknown"].format(
                names=", ".join("{" + n + "}" for n in r.unknown)))
        if r.empty:
            parts.append(self.t["tpl_empty"].format(names=", ".join("{" + n + "}" for n in r.empty)))
        self.warning, self.warning_did = " ".join(parts), self._open_id
        self.tpl_open = False
        return rx.call_script(f"window.__msgInsert({_js(r.text)}, true)")

    # -- message detail (C4) ----------------------------------------------------------------
    @rx.event
    @operator_required
    def open_detail(self, message_id: str):
        try:
            d = message_details.detail(int(message_id))
        except (TypeError, ValueError):
            return
        if d is None:
            return
        self.detail, self.detail_history, self.detail_atts, self.detail_raw = \
            message_detail.shown(d, self.t, self.tz)
        self.detail_open = True

    @rx.event
    @operator_required
    def set_detail_open(self, value: bool):
        self.detail_open = bool(value)

    # -- search (X4) --------------------------------------------------------------------------
    def _run_search(self) -> None:
        self.search_did = self._open_id
        if not search.words(self.msg_query):
            self.hits, self.searched = [], False
            return
        scope_dialog = self.search_scope == "dialog" and self._open_id
        found = search.search(self.msg_query, dialog_id=self._open_id if scope_dialog else None,
                              limit=50)
        self.hits = [SearchHit(id=str(h.message_id), dialog_id=str(h.dialog_id),
                               name=h.contact_name, time=view.short_time(h.created_at, self.tz),
                               dir=h.direction,
                               segments=[Segment(text, bool(mark)) for text, mark in h.snippet])
                     for h in found]
        self.searched = True

    @rx.event
    @operator_required
    def toggle_search(self):
        self.search_open = not self._search_visible()
        if self.search_open:
            if not self._open_id:
                self.search_scope = "all"
            self._run_search()
            return rx.call_script(
                "setTimeout(function(){var e=document.querySelector("
                "'[data-testid=\"msg-search-input\"]');if(e)e.focus();},60)")

    @rx.event
    @operator_required
    def close_search(self):
        self.search_open = False

    @rx.event
    @operator_required
    def set_msg_query(self, text: str):
        self.msg_query = str(text)[:200]
        self._run_search()

    @rx.event
    @operator_required
    def set_search_scope(self, scope: str | list[str]):
        if scope in ("dialog", "all"):
            self.search_scope = scope if (scope == "all" or self._open_id) else "all"
            self._run_search()

    @rx.event
    @operator_required
    def jump(self, message_id: str):
        """Show a found message in its dialog: open the dialog, load enough history to
        include it, then scroll to it and highlight it."""
        try:
            mid = int(message_id)
        except (TypeError, ValueError):
            return
        did = message_details.dialog_of(mid)
        if did is None:
            return
        if did != self._open_id:
            self._load_dialog(did)
            if self._open_id != did:
                return
            self._panel = "dialog"
            inbox.mark_read(did)
            self.search_did = did if self.search_scope == "dialog" else self.search_did
        if not any(m.id == str(mid) for m in self._messages()):
            need = min(message_details.count_from(did, mid) + 10, JUMP_MAX)
            page = dialogs.messages(did, limit=need + 1)
            self._show_thread([view.message(m, self.tz, self.t) for m in page[-need:]],
                              len(page) > need)
        return rx.call_script(f"window.__msgJumpTo({mid})")
