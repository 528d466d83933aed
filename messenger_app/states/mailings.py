"""/mailings (B2): the list with compact progress, the form (audience from the dialog list's
filter, channel, text, when / trigger, a live preview), and one mailing's page with its
progress, pause / resume / cancel, the report (each number links to those clients in the
dialog list) and the CSV export. Every handler checks the session; reads run in a thread."""

from __future__ import annotations

import asyncio
from datetime import datetime

import reflex as rx

from messenger_app.i18n.errors import error_text
from messenger_app.lib.errors import DomainError
from messenger_app.services import (channels, filters, mailing_audience, mailing_report,
                                    mailings, scenarios, templates)
from messenger_app.states.auth import AuthState, operator_required
from messenger_app.states import view

POLL_SECONDS = 1.0
SEGMENTS = ("sent", "delivered", "read", "started", "failed", "skipped")


def _bar(p: dict) -> dict[str, str]:
    c = p["counts"]
    out = {f"pct_{k}": f"{p['percent'][k]}%" for k in SEGMENTS}
    out.update({k: str(c.get(k, 0)) for k in (*SEGMENTS, "pending", "queued", "cancelled")})
    out["total"], out["done"] = str(p["total"]), str(p["done"])
    out["finished"] = "1" if p["finished"] else ""
    return out


class MailingsState(AuthState):
    items: list[dict[str, str]] = []
    mode: str = "list"  # list | new | view
    # the form
    audience_url: str = ""
    audience_text: str = ""
    form_key: int = 0
    name: str = ""
    text: str = ""
    buttons: str = ""
    channel_id: str = ""
    channel_options: list[dict[str, str]] = []
    scenario_id: str = ""  # "": send the text; else start this scenario for each recipient (B1)
    scenario_options: list[dict[str, str]] = []
    when: str = "now"  # now | at | auto
    at: str = ""  # datetime-local, in the operator's time zone
    trigger: str = "after_subscription"
    days_after: str = "1"
    date_field: str = ""
    date_fields: list[dict[str, str]] = []
    weekdays: list[str] = []
    template_options: list[dict[str, str]] = []
    preview_send: int = -1
    preview_skipped: list[dict[str, str]] = []
    preview_sample: str = ""
    error: str = ""
    tz: str = "UTC"
    edit_id: str = ""  # the form edits this draft / scheduled mailing ("" = a new one)
    # one mailing
    mailing_id: str = ""
    m_name: str = ""
    m_status: str = ""
    m_status_label: str = ""
    m_text: str = ""
    bar: dict[str, str] = {}
    report: list[dict[str, str]] = []
    _poll_gen: int = 0  # each page load starts one poller; an older one sees a newer gen and ends

    @rx.event
    async def on_load(self):
        if (away := self._enter()) is not None:
            return away
        params = self.router.url.query_parameters
        self.error = ""
        self._poll_gen += 1
        if str(params.get("id", "")).isdigit():
            self.mode, self.mailing_id = "view", str(params["id"])
            await self._load_one()
        elif str(params.get("edit", "")).isdigit():
            await self._open_edit(int(params["edit"]))
        elif params.get("new") or params.get("f"):
            await self._open_form(str(params.get("f", ""))[:filters.MAX_URL])
        else:
            self.mode = "list"
            await self._load_list()
        return [rx.call_script("Intl.DateTimeFormat().resolvedOptions().timeZone",
                               callback=MailingsState.set_tz), MailingsState.listen]

    @rx.event
    @operator_required
    def set_tz(self, tz: str):
        if isinstance(tz, str) and view.zone(tz).key == tz:
            self.tz = tz

    # -- list ----------------------------------------------------------------------------
    async def _load_list(self) -> None:
        def read():
            out = []
            for m in mailings.list_mailings():
                row = {"id": str(m.id), "name": m.name, "status": m.status,
                       "status_label": self.t.get(f"mstatus_{m.status}", m.status),
                       "created": view.local(m.created_at, self.tz).strftime("%d.%m.%Y %H:%M")}
                row.update(_bar(mailing_report.progress(m.id)))
                out.append(row)
            return out

        self.items = await asyncio.to_thread(read)

    # -- the form --------------------------------------------------------------------------
    async def _open_form(self, url: str) -> None:
        self.mode = "new"
        try:
            filt = filters.from_url(url)
        except filters.FilterError as e:
            self.error, filt, url = error_text(e, self.lang), filters.empty(), ""
        self.audience_url = url
        self.audience_text = filters.describe(filt, self.lang) or self.t["mailing_audience_all"]

        def read():
            chans = [{"value": str(c.id), "label": f"{c.name or c.kind} ({c.kind})"}
                     for c in channels.all_channels() if c.enabled]
            fields = [{"value": k, "label": v.label or k}
                      for k, v in filters.crm_fields().items() if v.type == "date"]
            tpls = [{"value": t.body, "label": t.title} for t in templates.list_templates()]
            scs = [{"value": str(sc.id), "label": sc.name} for sc in scenarios.list_all()
                   if sc.status == "published"]
            return chans, fields, tpls, scs

        (self.channel_options, self.date_fields, self.template_options,
         self.scenario_options) = await asyncio.to_thread(read)
        self.scenario_id = ""
        self.name = self.text = self.buttons = self.at = ""
        self.channel_id, self.when, self.weekdays, self.edit_id = "", "now", [], ""
        self.date_field = self.date_fields[0]["value"] if self.date_fields else ""
        self.form_key += 1
        await self._preview()

    async def _open_edit(self, mailing_id: int) -> None:
        m = await asyncio.to_thread(mailings.get, mailing_id)
        if m is None or m.status not in ("draft", "scheduled"):
            self.mode, self.error = "list", self.t["err_mailing_started" if m else "err_mailing_missing"]
            await self._load_list()
            return
        await self._open_form(filters.to_url(m.audience or filters.empty()))
        self.edit_id, self.name, self.text = str(m.id), m.name, m.text
        self.buttons = "\n".join(c.get("label", "") for c in m.choices or [])
        self.channel_id = str(m.channel_id or "")
        self.scenario_id = str(m.scenario_id or "")
        if m.trigger:
            self.when, self.trigger = "auto", m.trigger.get("type", "after_subscription")
            self.days_after = str(m.trigger.get("days", "1")) if self.trigger == "after_subscription" else "1"
            self.weekdays = [str(d) for d in m.trigger.get("days", [])] if self.trigger == "weekly" else []
            self.date_field = m.trigger.get("field", self.date_field)
        elif m.send_at is not None:
            self.when = "at"
            self.at = view.local(m.send_at, m.tz or self.tz).strftime("%Y-%m-%dT%H:%M")
        self.form_key += 1
        await self._preview()

    async def _preview(self) -> None:
        try:
            filt = filters.from_url(self.audience_url)
            got = await asyncio.to_thread(mailings.preview, filt,
                                          int(self.channel_id) if self.channel_id else None)
        except DomainError as e:
            self.error = error_text(e, self.lang)
            return
        self.preview_send = got["send"]
        self.preview_skipped = [{"reason": r, "label": self.t.get(f"skip_{r}", r), "n": str(n)}
                                for r, n in got["skipped"].items()]
        self.preview_sample = ", ".join(got["sample"])

    @rx.event
    @operator_required
    def set_scenario(self, value: str):
        self.scenario_id = value if str(value).isdigit() else ""

    @rx.event
    @operator_required
    async def set_channel(self, value: str):
        self.channel_id = value if str(value).isdigit() else ""
        await self._preview()

    @rx.event
    @operator_required
    def set_when(self, value: str):
        if value in ("now", "at", "auto"):
            self.when = value

    @rx.event
    @operator_required
    def set_trigger(self, value: str):
        if value in mailings.TRIGGERS:
            self.trigger = value

    @rx.event
    @operator_required
    def set_date_field(self, value: str):
        self.date_field = str(value)[:64]

    @rx.event
    @operator_required
    def toggle_weekday(self, day: str):
        if day in [str(i) for i in range(7)]:
            self.weekdays = ([d for d in self.weekdays if d != day] if day in self.weekdays
                             else sorted([*self.weekdays, day]))

    @rx.event
    @operator_required
    def use_template(self, body: str):
        self.text = str(body)[:4096]
        self.form_key += 1

    @rx.event
    @operator_required
    async def submit(self, form: dict):
        name = str(form.get("name", ""))[:500]
        text = str(form.get("text", ""))[:5000]
        buttons = str(form.get("buttons", ""))[:2000]
        self.name, self.text, self.buttons = name, text, buttons
        trigger, send_at = None, None
        if self.when == "auto":
            trigger = {"type": self.trigger, "days": str(form.get("days_after", "")).strip(),
                       "field": self.date_field}
            if self.trigger == "weekly":
                trigger["days"] = [int(d) for d in self.weekdays]
        elif self.when == "at":
            try:
                send_at = datetime.fromisoformat(str(form.get("at", ""))[:32]).replace(
                    tzinfo=view.zone(self.tz))
            except ValueError:
                self.error = self.t["err_mailing_when"]
                return
        try:
            filt = filters.from_url(self.audience_url)
            values = dict(channel_id=int(self.channel_id) if self.channel_id else None,
                          choices=[{"label": b} for b in buttons.splitlines() if b.strip()],
                          send_at=send_at, tz=self.tz, trigger=trigger,
                          scenario_id=int(self.scenario_id) if self.scenario_id else None)
            if self.edit_id:
                mid = int(self.edit_id)
                await asyncio.to_thread(mailings.update_draft, mid, name, filt, text, **values)
            else:
                mid = await asyncio.to_thread(mailings.create, name, filt, text,
                                              operator_id=self._operator().id, **values)
            await asyncio.to_thread(mailings.start, mid)
        except DomainError as e:
            self.error = error_text(e, self.lang)
            return
        self.error = ""
        return rx.redirect(f"/mailings?id={mid}")

    # -- one mailing ------------------------------------------------------------------------
    async def _load_one(self) -> None:
        try:
            mid = int(self.mailing_id)
        except ValueError:
            return
        m = await asyncio.to_thread(mailings.get, mid)
        if m is None:
            self.mode, self.error = "list", self.t["err_mailing_missing"]
            await self._load_list()
            return
        p = await asyncio.to_thread(mailing_report.progress, mid)
        self.m_name, self.m_status, self.m_text = m.name, m.status, m.text
        self.m_status_label = self.t.get(f"mstatus_{m.status}", m.status)
        self.bar = _bar(p)
        rows = []
        c = p["counts"]
        for key in ("sent", "delivered", "read", "started", "failed", "queued", "pending", "cancelled"):
            if c.get(key):
                rows.append({"bucket": key, "label": self.t[f"bucket_{key}"], "n": str(c[key])})
        for reason in mailing_audience.SKIP_REASONS:
            if c.get(f"skipped:{reason}"):
                rows.append({"bucket": f"skipped:{reason}", "label": self.t[f"skip_{reason}"],
                             "n": str(c[f"skipped:{reason}"])})
        for r in rows:
            leaf = {"join": "and", "conditions": [
                {"field": "mailing", "op": "equals", "value": f"{mid}:{r['bucket']}"}]}
            r["href"] = "/?f=" + filters.to_url(leaf)
            r["testid"] = "report-" + r["bucket"].replace(":", "-")
        self.report = rows

    @rx.event(background=True)
    async def listen(self):
        """Live progress while the page is open (the list's bars, or one mailing's)."""
        async with self:
            gen = self._poll_gen
        while True:
            await asyncio.sleep(POLL_SECONDS)
            async with self:
                if (self.router.url.path.rstrip("/") != "/mailings" or self._operator() is None
                        or self._poll_gen != gen):
                    return
                if self.mode == "view":
                    await self._load_one()
                elif self.mode == "list":
                    await self._load_list()

    async def _control(self, action) -> None:
        try:
            await asyncio.to_thread(action, int(self.mailing_id))
        except (DomainError, ValueError) as e:
            self.error = error_text(e, self.lang) if isinstance(e, DomainError) else ""
        await self._load_one()

    @rx.event
    @operator_required
    async def pause(self):
        await self._control(mailings.pause)

    @rx.event
    @operator_required
    async def resume(self):
        await self._control(mailings.resume)

    @rx.event
    @operator_required
    async def cancel(self):
        await self._control(mailings.cancel)

    @rx.event
    @operator_required
    async def export_csv(self):
        try:
            mid = int(self.mailing_id)
        except ValueError:
            return
        data = await asyncio.to_thread(mailing_report.csv_text, mid)
        return rx.download(data=data, filename=f"mailing-{mid}.csv")
