"""What /stats shows, as plain rows for the page and its CSV files (X9, B3): the report of
services/stats/ with channel and operator names, chart rows, links into the dialog list."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from sqlmodel import select

from messenger_app import db
from messenger_app.models import Channel, Mailing, Operator, Scenario
from messenger_app.services import filters, stats

SLOTS = 8  # chart series: the 7 most active channels, the rest as "other"
COLORS = ["#3e63dd", "#12a594", "#e5484d", "#f76b15", "#8e4ec6", "#ffc53d", "#0090ff", "#8d8d8d"]
BUCKETS = [name for _, _, name in stats.DISTRIBUTION]
COMMON_ZONES = ["UTC", "Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg",
                "Asia/Omsk", "Asia/Novosibirsk", "Asia/Krasnoyarsk", "Asia/Irkutsk", "Asia/Yakutsk",
                "Asia/Vladivostok", "Asia/Magadan", "Asia/Kamchatka", "Europe/Minsk", "Europe/Kyiv",
                "Europe/London", "Europe/Berlin", "Asia/Almaty", "Asia/Tashkent", "Asia/Dubai",
                "America/New_York", "America/Los_Angeles"]


def zone_choices(current: str) -> list[str]:
    out = [stats.server_zone()] + COMMON_ZONES
    if current and stats.valid_zone(current):
        out.append(current)
    return list(dict.fromkeys(out))


def period(kind: str, start: str, end: str, zone: str) -> tuple[date, date]:
    """The local days of a range: today, 7, 30 (ending today) or custom (ISO days)."""
    today = datetime.now(stats.zone_of(zone)).date()
    if kind == "today":
        return today, today
    if kind in ("7", "30"):
        return today - timedelta(days=int(kind) - 1), today
    try:
        a, b = date.fromisoformat(str(start)[:10]), date.fromisoformat(str(end)[:10])
    except ValueError:
        raise stats.StatsError("bad date", code="stats_range") from None
    return a, b


def channels() -> list[dict]:
    with db.session() as s:
        rows = s.exec(select(Channel.id, Channel.kind, Channel.name).order_by(Channel.id)).all()
    return [{"id": i, "kind": k, "name": n or filters.KIND_LABELS.get(k, k)} for i, k, n in rows]


def _operator_names(ids) -> dict[int, str]:
    if not ids:
        return {}
    with db.session() as s:
        rows = s.exec(select(Operator.id, Operator.display_name, Operator.username)
                      .where(Operator.id.in_(list(ids)))).all()
    return {i: d or u for i, d, u in rows}


def dialogs_link(day: str, zone: str, channel_kind: str = "") -> str:
    """The dialog list (L5 filter in the URL) of the dialogs with a message that local day,
    and with the channel when given."""
    start, end = stats.day_bounds(date.fromisoformat(day), stats.zone_of(zone))
    last = end - timedelta(microseconds=1)
    conds = [{"field": "message_at", "op": "between",
              "value": [start.isoformat(), last.isoformat()]}]
    if channel_kind:
        conds.append({"field": "channel", "op": "equals", "value": channel_kind})
    return "/?f=" + filters.to_url({"join": "and", "conditions": conds})


def duration(seconds: float | None, lang: str) -> str:
    if seconds is None:
        return "—"
    s = int(round(seconds))
    m, h = ("мин", "ч") if lang == "ru" else ("min", "h")
    sec = "с" if lang == "ru" else "s"
    if s < 60:
        return f"{s} {sec}"
    if s < 3600:
        return f"{s // 60} {m} {s % 60:02d} {sec}" if s < 600 else f"{round(s / 60)} {m}"
    return f"{s // 3600} {h} {(s % 3600) // 60:02d} {m}"


def view(first: date, last: date, zone: str, channel_id: int | None, operator_id: int | None,
         lang: str) -> dict:
    """Everything the page shows, JSON-ready (strings and numbers)."""
    rep = stats.report(first, last, zone, channel_id, operator_id)
    chans = {c["id"]: c for c in channels()}
    totals = {}
    for per in (rep.msg_in, rep.msg_out):
        for v in per.values():
            for ch, n in v.items():
                totals[ch] = totals.get(ch, 0) + n
    order = sorted(totals, key=lambda c: -totals[c])
    slot_of = {ch: min(i, SLOTS - 1) for i, ch in enumerate(order)}
    names = [""] * SLOTS
    kinds = [""] * SLOTS
    for ch, i in slot_of.items():
        label = chans.get(ch, {}).get("name") or str(ch)
        if i == SLOTS - 1 and len(order) > SLOTS:
            label, kinds[i] = ("другие" if lang == "ru" else "other"), ""
        else:
            kinds[i] = chans.get(ch, {}).get("kind", "")
        names[i] = label

    def chart(per):
        rows = []
        for d in rep.days:
            row = {"day": d, "label": d[8:10] + "." + d[5:7]}
            for i in range(SLOTS):
                row[f"s{i}"] = 0
            for ch, n in per[d].items():
                row[f"s{slot_of[ch]}"] += n
            rows.append(row)
        return rows

    chan_kind = chans.get(channel_id, {}).get("kind", "") if channel_id else ""
    days = [{"day": d, "in": sum(rep.msg_in[d].values()), "out": sum(rep.msg_out[d].values()),
             "new_clients": rep.new_clients[d], "billed_new": rep.billed_new[d],
             "active": rep.active_dialogs[d], "href": dialogs_link(d, zone, chan_kind)}
            for d in rep.days]
    opnames = _operator_names([o["operator_id"] for o in rep.operators])
    operators = [{"id": o["operator_id"], "name": opnames.get(o["operator_id"], str(o["operator_id"])),
                  "messages": o["messages"], "dialogs": o["dialogs"],
                  "frt_median": duration(o["frt_median"], lang),
                  "frt_seconds": "" if o["frt_median"] is None else round(o["frt_median"])}
                 for o in rep.operators]

    def times(t: stats.Times) -> dict:
        peak = max(t.buckets.values()) if t.count else 0
        return {"count": t.count, "median": duration(t.median, lang), "p90": duration(t.p90, lang),
                "median_seconds": "" if t.median is None else round(t.median),
                "p90_seconds": "" if t.p90 is None else round(t.p90),
                "buckets": [{"key": b, "n": t.buckets[b],
                             "pct": round(100 * t.buckets[b] / peak) if peak else 0} for b in BUCKETS]}

    return {"days": days, "chart_in": chart(rep.msg_in), "chart_out": chart(rep.msg_out),
            "slots": [{"i": i, "name": names[i], "kind": kinds[i], "color": COLORS[i]}
                      for i in range(SLOTS) if names[i]],
            "slot_kinds": kinds, "frt": times(rep.first_response), "reply": times(rep.reply),
            "operators": operators, "bots": _named(rep.bots, Scenario),
            "mailings": _named(rep.mailings, Mailing),
            "totals": rep.totals}


def _named(rows: list[dict], model) -> list[dict]:
    """The scenario's or mailing's name beside its id (the rollups keep only the id)."""
    ids = [int(r["key"]) for r in rows if str(r["key"]).isdigit()]
    names = {}
    if ids:
        with db.session() as s:
            names = {str(i): n for i, n in s.exec(select(model.id, model.name).where(model.id.in_(ids))).all()}
    return [{**r, "name": names.get(str(r["key"]), f"#{r['key']}")} for r in rows]


TABLES = ("days", "operators", "times", "bots", "mailings", "billed")


def csv_of(table: str, v: dict, billed: dict | None = None) -> str:
    """One table of the page as CSV (UTF-8 with a BOM so spreadsheet programs read Cyrillic)."""
    if table not in TABLES:
        raise stats.StatsError("no such table", code="stats")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    if table == "days":
        w.writerow(["day", "messages_in", "messages_out", "new_clients", "billed_new", "active_dialogs"])
        for r in v["days"]:
            w.writerow([r["day"], r["in"], r["out"], r["new_clients"], r["billed_new"], r["active"]])
    elif table == "operators":
        w.writerow(["operator", "messages", "dialogs_answered", "median_first_response_seconds"])
        for r in v["operators"]:
            w.writerow([r["name"], r["messages"], r["dialogs"], r["frt_seconds"]])
    elif table == "times":
        w.writerow(["measure", "answers", "median_seconds", "p90_seconds", *BUCKETS])
        for name in ("frt", "reply"):
            t = v[name]
            w.writerow([name, t["count"], t["median_seconds"], t["p90_seconds"],
                        *[b["n"] for b in t["buckets"]]])
    elif table == "bots":
        w.writerow(["scenario_id", "scenario", "started", "finished", "handover"])
        for r in v["bots"]:
            w.writerow([r["key"], r.get("name", ""), r["started"], r["finished"], r["handover"]])
    elif table == "mailings":
        w.writerow(["mailing_id", "mailing", "sent", "delivered", "read", "failed", "skipped"])
        for r in v["mailings"]:
            w.writerow([r["key"], r.get("name", ""), r["sent"], r["delivered"], r["read"], r["failed"], r["skipped"]])
    else:
        w.writerow(["month", "new_billed", "billed_total"])
        for r in (billed or {}).get("months", []):
            w.writerow([r["month"], r["new"], r["total"]])
    return "\ufeff" + buf.getvalue()
