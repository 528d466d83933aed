"""/stats (X9, B3): the period, reporting time zone and channel the operator chose, and the
figures of that view. Admins see everyone's figures, an operator their own. The figures are
read in a worker thread (never on the event loop); every handler checks the session."""

from __future__ import annotations

import asyncio

import reflex as rx

from messenger_app.i18n.errors import error_text
from messenger_app.services import stats, stats_view
from messenger_app.states.auth import AuthState, operator_required

RANGES = ("today", "7", "30", "custom")


def _str(rows: list[dict]) -> list[dict[str, str]]:
    return [{k: "" if v is None else str(v) for k, v in r.items()} for r in rows]


class StatsState(AuthState):
    range_kind: str = "7"
    start: str = ""
    end: str = ""
    # the reporting time zone: a setting of this browser; "" = the server's zone
    zone_setting: str = rx.LocalStorage("", name="msg_report_tz", sync=True)
    channel: str = ""  # "" = all, else a channel id
    channel_options: list[dict[str, str]] = []
    zone_options: list[str] = []
    server_zone: str = ""
    own_only: bool = False
    loading: bool = True
    error: str = ""
    days: list[dict[str, str]] = []
    chart_in: list[dict] = []
    chart_out: list[dict] = []
    slots: list[dict[str, str]] = []
    frt: dict[str, str] = {}
    reply: dict[str, str] = {}
    frt_buckets: list[dict[str, str]] = []
    reply_buckets: list[dict[str, str]] = []
    operators: list[dict[str, str]] = []
    bots: list[dict[str, str]] = []
    mailings: list[dict[str, str]] = []
    totals: dict[str, int] = {}
    billed_now: int = 0
    billed_month: int = 0
    billed_months: list[dict[str, str]] = []
    _view: dict = {}
    _billed: dict = {}
    _slot_kinds: list[str] = []

    @rx.var
    def zone(self) -> str:
        z = self.zone_setting
        return z if z and stats.valid_zone(z) else (self.server_zone or "UTC")

    @rx.event
    async def on_load(self):
        if (away := self._enter()) is not None:
            return away
        self.server_zone = stats.server_zone()
        self.zone_options = stats_view.zone_choices(self.zone_setting)
        self.channel_options = [{"id": str(c["id"]), "name": c["name"]}
                                for c in await asyncio.to_thread(stats_view.channels)]
        await self._reload()

    async def _reload(self) -> None:
        op = self._operator()
        if op is None:
            return
        self.own_only = op.role != "admin"
        zone, lang = self.zone, self.lang
        channel_id = int(self.channel) if self.channel.isdigit() else None
        self.loading, self.error = True, ""
        try:
            first, last = stats_view.period(self.range_kind, self.start, self.end, zone)
            v = await asyncio.to_thread(stats_view.view, first, last, zone, channel_id,
                                        op.id if self.own_only else None, lang)
            b = ({} if self.own_only else await asyncio.to_thread(stats.billed, zone))
        except stats.StatsError as e:
            self.error, self.loading = error_text(e, lang), False
            return
        self.start, self.end = first.isoformat(), last.isoformat()
        self._view, self._billed, self._slot_kinds = v, b, v["slot_kinds"]
        self.days, self.chart_in, self.chart_out = _str(v["days"]), v["chart_in"], v["chart_out"]
        self.slots = _str(v["slots"])
        for name in ("frt", "reply"):
            t = v[name]
            setattr(self, name, {k: str(t[k]) for k in ("count", "median", "p90")})
            setattr(self, name + "_buckets", [{k: str(b[k]) for k in b} for b in t["buckets"]])
        self.operators, self.bots, self.mailings = _str(v["operators"]), _str(v["bots"]), _str(v["mailings"])
        self.totals = v["totals"]
        self.billed_now = b.get("now", 0)
        self.billed_month = b.get("this_month", 0)
        self.billed_months = _str(b.get("months", []))
        self.loading = False

    @rx.event
    @operator_required
    async def set_range(self, kind: str):
        if kind in RANGES:
            self.range_kind = kind
            if kind != "custom":
                await self._reload()

    @rx.event
    @operator_required
    async def apply_custom(self, form: dict):
        self.range_kind = "custom"
        self.start, self.end = str(form.get("start", ""))[:10], str(form.get("end", ""))[:10]
        await self._reload()

    @rx.event
    @operator_required
    async def set_zone(self, zone: str):
        zone = str(zone)[:64]
        if stats.valid_zone(zone):
            self.zone_setting = "" if zone == self.server_zone else zone
            await self._reload()

    @rx.event
    @operator_required
    async def set_channel(self, value: str):
        value = str(value)[:12]
        self.channel = value if value.isdigit() else ""
        await self._reload()

    @rx.event
    @operator_required
    def open_bar(self, day: str, slot: int):
        """A click on a bar: the dialog list of that local day and the bar's channel."""
        day = str(day)[:10]
        if day not in {d["day"] for d in self.days}:
            return
        kind = self._slot_kinds[slot] if isinstance(slot, int) and 0 <= slot < len(self._slot_kinds) else ""
        return rx.redirect(stats_view.dialogs_link(day, self.zone, kind))

    @rx.event
    @operator_required
    def export(self, table: str):
        if table not in stats_view.TABLES or not self._view:
            return
        if table == "billed" and self.own_only:
            return
        data = stats_view.csv_of(table, self._view, self._billed)
        return rx.download(data=data, mime_type="text/csv",
                           filename=f"stats-{table}-{self.start}-{self.end}.csv")
