"""The client base's import (R6): upload -> column mapping -> run with a progress bar and
cancel -> report, with the rejected rows to download. The file waits in DATA_DIR/imports
between the steps; the import itself runs in a worker thread (services/client_import).

Mixed into states/contacts.ContactsState."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import threading
import time
import uuid
from pathlib import Path

import reflex as rx

from messenger_app import settings
from messenger_app.i18n.errors import error_text
from messenger_app.services import client_import, crm
from messenger_app.states.auth import operator_required

log = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 25 * 1024 * 1024
SHOW_REJECTED = 200  # rejected rows listed on the screen; all of them in the download
SKIP = "__skip__"  # "do not import this column" (a select item cannot have the value "")
_STALE_UPLOAD_S = 24 * 3600


class _Cancelled(Exception):
    pass


def _imports_dir() -> Path:
    d = settings.get().data_dir / "imports"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _drop_stale_uploads() -> None:
    cutoff = time.time() - _STALE_UPLOAD_S
    for p in _imports_dir().glob("*.upload"):
        try:
            if p.stat().st_mtime < cutoff:
                p.unlink()
        except OSError:
            pass


class ContactsImport(rx.State, mixin=True):
    """The import window of ContactsState (uses its `_reload`)."""

    import_open: bool = False
    import_step: str = "upload"  # upload | map | running | report
    import_error: str = ""
    import_file: str = ""  # the file's name as uploaded
    import_info: str = ""  # "UTF-8 · ;" — what was detected
    columns: list[dict[str, str]] = []  # i, name, sample, target
    targets: list[dict[str, str]] = []  # value, label
    dedupe: str = "update"
    progress: int = 0
    cancel_requested: bool = False
    report: dict[str, int] = {}
    rejected: list[dict[str, str]] = []  # the first SHOW_REJECTED: row, reason
    _upload_path: str = ""
    _rejected_all: list[tuple[int, str]] = []

    # -- import (R6): upload -> mapping -> run with progress -> report -----------------------
    @rx.event
    @operator_required
    def set_import_open(self, open_: bool):
        if self.import_step == "running" and not open_:
            return  # closing the window does not stop the import; cancel does
        self.import_open = bool(open_)
        if open_ and self.import_step == "report":
            self._reset_import()

    def _reset_import(self) -> None:
        if self._upload_path:
            Path(self._upload_path).unlink(missing_ok=True)
        self._upload_path = ""
        self.import_step, self.import_error, self.import_file, self.import_info = "upload", "", "", ""
        self.columns, self.progress, self.report, self.rejected = [], 0, {}, []
        self._rejected_all = []
        self.cancel_requested = False

    @rx.event
    @operator_required
    def restart_import(self):
        if self.import_step != "running":
            self._reset_import()

    @rx.event
    @operator_required
    def upload_rejected(self, rejected: list):
        self.import_error = self.t["imp_bad_file_type"]

    @rx.event
    @operator_required
    async def handle_upload(self, files: list[rx.UploadFile]):
        if self.import_step == "running" or not files:
            return
        f = files[0]
        data = await f.read()
        name = (f.name or "clients.csv")[-200:]
        if len(data) > MAX_IMPORT_BYTES:
            self.import_error = self.t["imp_too_big"].format(MAX_IMPORT_BYTES // (1024 * 1024))
            return
        try:
            pv = await asyncio.to_thread(client_import.preview, data, name)
        except client_import.ClientImportError as e:
            self.import_error = error_text(e, self.lang)
            return
        await asyncio.to_thread(_drop_stale_uploads)
        self._reset_import()
        path = _imports_dir() / f"{uuid.uuid4().hex}.upload"
        await asyncio.to_thread(path.write_bytes, data)
        self._upload_path, self.import_file = str(path), name
        enc = {"utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8", "cp1251": "Windows-1251",
               "utf-16": "UTF-16", "xlsx": "Excel"}.get(pv.detected_encoding, pv.detected_encoding)
        delim = {",": ",", ";": ";", "\t": "Tab"}.get(pv.delimiter, pv.delimiter)
        self.import_info = enc + (f" · {self.t['imp_delimiter']} {delim}" if delim else "")
        self.targets = self._targets()
        valid = {t["value"] for t in self.targets}
        self.columns = [{
            "i": str(i), "name": col,
            "sample": " · ".join(v for v in (row[i] for row in pv.sample_rows[:3]) if v)[:120],
            "target": pv.suggested_mapping.get(col, "") if pv.suggested_mapping.get(col, "") in valid
            else SKIP,
        } for i, col in enumerate(pv.columns)]
        for c in self.columns:
            if not c["target"]:
                c["target"] = SKIP
        self.import_step, self.import_error = "map", ""

    def _targets(self) -> list[dict[str, str]]:
        t = self.t
        out = [{"value": SKIP, "label": t["imp_skip"]},
               {"value": "phone", "label": t["phone"]},
               {"value": "first_name", "label": t["first_name"]},
               {"value": "last_name", "label": t["last_name"]},
               {"value": "tag1", "label": t["tag1"]},
               {"value": "tag2", "label": t["tag2"]}]
        out += [{"value": "var:" + f["key"], "label": f"{f['label']} ({f['key']})"}
                for f in crm.list_fields()]
        return out

    @rx.event
    @operator_required
    def set_target(self, index: str, target: str):
        if self.import_step != "map" or target not in {t["value"] for t in self.targets}:
            return
        cols = [dict(c) for c in self.columns]
        for c in cols:
            if c["i"] == str(index):
                c["target"] = target
            elif target != SKIP and c["target"] == target:
                c["target"] = SKIP  # one column per target: the earlier choice gives way
        self.columns = cols

    @rx.event
    @operator_required
    def set_dedupe(self, value: str | list[str]):
        if value in ("update", "skip"):
            self.dedupe = value

    @rx.event
    @operator_required
    def cancel_import(self):
        if self.import_step == "running":
            self.cancel_requested = True

    @rx.event(background=True)
    @operator_required
    async def run_import(self):
        async with self:
            if self.import_step != "map" or not self._upload_path:
                return
            if not any(c["target"] == "phone" for c in self.columns):
                self.import_error = self.t["imp_need_phone"]
                return
            path, name, dedupe = self._upload_path, self.import_file, self.dedupe
            mapping = {int(c["i"]): c["target"] for c in self.columns if c["target"] != SKIP}
            self.import_step, self.progress, self.import_error = "running", 0, ""
            self.cancel_requested = False
            t, lang = dict(self.t), self.lang
        progress = [0, 0]
        cancel = threading.Event()

        def on_progress(done: int, total: int) -> None:
            progress[0], progress[1] = done, total
            if cancel.is_set():
                raise _Cancelled()

        def work():
            data = Path(path).read_bytes()
            return client_import.run(data, name, mapping, on_progress=on_progress, dedupe=dedupe)

        task = asyncio.ensure_future(asyncio.to_thread(work))
        while True:
            done, _ = await asyncio.wait({task}, timeout=0.25)
            async with self:
                if progress[1]:
                    self.progress = min(100, int(progress[0] * 100 / progress[1]))
                if self.cancel_requested:
                    cancel.set()
            if done:
                break
        report, error = None, ""
        try:
            report = task.result()
        except _Cancelled:
            error = t["imp_cancelled"]
        except (client_import.ClientImportError, crm.CrmError) as e:
            error = error_text(e, lang)
        except Exception:  # nothing was written (one transaction); say so
            log.exception("import failed")
            error = t["imp_failed"]
        async with self:
            self.cancel_requested = False
            if report is None:
                self.import_step, self.import_error, self.progress = "map", error, 0
                return
            self.progress = 100
            self.report = {"created": report.created, "updated": report.updated,
                           "skipped": report.skipped, "rejected": len(report.rejected),
                           "total": report.total}
            self._rejected_all = list(report.rejected)
            self.rejected = [{"row": str(n), "reason": error_text(reason, lang)}
                             for n, reason in report.rejected[:SHOW_REJECTED]]
            self.import_step = "report"
            if self._upload_path:
                Path(self._upload_path).unlink(missing_ok=True)
                self._upload_path = ""
            self._reload()

    @rx.event
    @operator_required
    def download_rejected(self):
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
        w.writerow([self.t["imp_row"], self.t["imp_reason"]])
        for n, reason in self._rejected_all:
            w.writerow([n, error_text(reason, self.lang)])
        return rx.download(data=("\ufeff" + buf.getvalue()).encode("utf-8"),
                           filename="import-rejected.csv", mime_type="text/csv")
