"""/stats (X9, B3): messages per day and channel, new clients, active dialogs, billed
subscribers, first response and reply times, operators, bots and mailings; a period, a
reporting time zone and a channel; bars open the dialog list; every table as CSV."""

import reflex as rx

from messenger_app.components.common import tid
from messenger_app.components.page_header import page_header
from messenger_app.components.stats_charts import distribution, legend, stacked_days
from messenger_app.states.stats import StatsState as S


def _csv(table: str, title_key: str) -> rx.Component:
    return rx.button(rx.icon("download", size=14), S.t["st_csv"], size="1", variant="soft",
                     on_click=S.export(table),
                     aria_label=S.t["st_csv_of"].replace("{table}", S.t[title_key]),
                     custom_attrs={"data-testid": "stats-csv", "data-table": table})


def _section(title_key: str, *children, table: str = "", testid: str = "") -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading(S.t[title_key], size="3", as_="h2"), rx.spacer(),
                      _csv(table, title_key) if table else rx.fragment(),
                      width="100%", align="center"),
            *children, spacing="2", width="100%"),
        width="100%", custom_attrs=tid(testid) if testid else {},
    )


_SELECT = {"padding": "4px 8px", "border_radius": "6px", "border": "1px solid var(--gray-a7)",
           "background": "var(--color-surface)", "color": "var(--gray-12)", "font_size": "14px",
           "max_width": "220px"}


_CELL = {"padding": "6px 8px", "border_bottom": "1px solid var(--gray-a5)", "font_size": "14px"}


def _th(key: str, right: bool = False) -> rx.Component:
    return rx.el.th(S.t[key], scope="col",
                    style={**_CELL, "text_align": "right" if right else "left", "font_weight": "600"})


def _td(v, right: bool = True) -> rx.Component:
    return rx.el.td(v, style={**_CELL, "text_align": "right" if right else "left"})


def _rh(v) -> rx.Component:
    return rx.el.th(v, scope="row", style={**_CELL, "text_align": "left", "font_weight": "400"})


def _tr(*cells, **props) -> rx.Component:
    return rx.el.tr(*cells, **props)


def _table(headers: list, rows, row_fn, testid: str, label_key: str = "") -> rx.Component:
    # a plain table in a box that scrolls sideways on a phone; the box can take the focus so
    # the keyboard can scroll it too (WCAG 2.1.1)
    return rx.box(
        rx.el.table(rx.el.thead(rx.el.tr(*headers)), rx.el.tbody(rx.foreach(rows, row_fn)),
                    style={"width": "100%", "border_collapse": "collapse"}),
        overflow_x="auto", width="100%", tab_index=0, role="region",
        custom_attrs={**tid(testid), **({"aria-label": S.t[label_key]} if label_key else {})})


def controls() -> rx.Component:
    ranges = [("today", "st_today"), ("7", "st_7d"), ("30", "st_30d"), ("custom", "st_custom")]
    return rx.flex(
        rx.hstack(*[rx.button(S.t[k], size="2", on_click=S.set_range(v),
                              variant=rx.cond(S.range_kind == v, "solid", "soft"),
                              custom_attrs={"data-testid": "stats-range", "data-range": v,
                                            "aria-pressed": rx.cond(S.range_kind == v, "true", "false")})
                    for v, k in ranges],
                  spacing="1", role="group", custom_attrs={"aria-label": S.t["st_range"]}),
        rx.cond(S.range_kind == "custom", rx.form(
            rx.hstack(
                rx.el.label(S.t["st_from"], html_for="stats-start", font_size="13px"),
                rx.input(type="date", name="start", id="stats-start", default_value=S.start,
                         key=S.start, size="2", custom_attrs=tid("stats-start")),
                rx.el.label(S.t["st_to"], html_for="stats-end", font_size="13px"),
                rx.input(type="date", name="end", id="stats-end", default_value=S.end, key=S.end,
                         size="2", custom_attrs=tid("stats-end")),
                rx.button(S.t["st_apply"], type="submit", size="2", custom_attrs=tid("stats-apply")),
                align="center", spacing="2", wrap="wrap"),
            on_submit=S.apply_custom)),
        rx.hstack(
            rx.el.label(S.t["st_zone"], html_for="stats-zone", font_size="13px"),
            rx.el.select(rx.foreach(S.zone_options, lambda z: rx.el.option(
                rx.cond(z == S.server_zone, z + " (" + S.t["st_zone_server"] + ")", z), value=z)),
                value=S.zone, on_change=S.set_zone, id="stats-zone", style=_SELECT,
                custom_attrs=tid("stats-zone")),
            align="center", spacing="2"),
        rx.hstack(
            rx.el.label(S.t["st_channel"], html_for="stats-channel", font_size="13px"),
            rx.el.select(rx.el.option(S.t["st_all_channels"], value=""),
                         rx.foreach(S.channel_options, lambda c: rx.el.option(c["name"], value=c["id"])),
                         value=S.channel, on_change=S.set_channel, id="stats-channel",
                         style=_SELECT, custom_attrs=tid("stats-channel")),
            align="center", spacing="2"),
        wrap="wrap", gap="12px", align="center", width="100%",
    )


def _figure(label_key: str, value, testid: str) -> rx.Component:
    return rx.card(rx.vstack(rx.text(S.t[label_key], size="1", color_scheme="gray"),
                             rx.text(value, size="6", weight="bold", custom_attrs=tid(testid)),
                             spacing="0"), flex="1", min_width="140px")


def figures() -> rx.Component:
    return rx.flex(
        _figure("st_in", S.totals["in"], "stats-total-in"),
        _figure("st_out", S.totals["out"], "stats-total-out"),
        rx.cond(~S.own_only, _figure("st_new_clients", S.totals["new_clients"], "stats-total-new")),
        rx.cond(~S.own_only, _figure("st_billed", S.billed_now, "stats-billed-now")),
        wrap="wrap", gap="12px", width="100%")


def times_card(key: str, t, buckets, testid: str) -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading(S.t[key], size="3", as_="h2"),
        rx.hstack(
            rx.vstack(rx.text(S.t["st_median"], size="1", color_scheme="gray"),
                      rx.text(t["median"], size="4", weight="bold", custom_attrs=tid(testid + "-median")),
                      spacing="0"),
            rx.vstack(rx.text(S.t["st_p90"], size="1", color_scheme="gray"),
                      rx.text(t["p90"], size="4", weight="bold", custom_attrs=tid(testid + "-p90")),
                      spacing="0"),
            rx.vstack(rx.text(S.t["st_count"], size="1", color_scheme="gray"),
                      rx.text(t["count"], size="4", weight="bold", custom_attrs=tid(testid + "-count")),
                      spacing="0"),
            spacing="5"),
        distribution(S, buckets, testid), spacing="2", width="100%"),
        flex="1", min_width="280px", custom_attrs=tid(testid))


def day_row(r) -> rx.Component:
    return _tr(
        _rh(r["day"]), _td(r["in"]), _td(r["out"]),
        rx.cond(~S.own_only, _td(r["new_clients"])), _td(r["active"]),
        rx.el.td(rx.link(S.t["st_open_list"], href=r["href"],
                              aria_label=S.t["st_open_day"].replace("{day}", r["day"].to(str)),
                              custom_attrs=tid("stats-day-link")), style=_CELL),
        custom_attrs={"data-testid": "stats-day", "data-day": r["day"]})


def stats_page() -> rx.Component:
    return rx.box(
        page_header(S, "stats_title", "/stats", back_testid="stats-back"),
        rx.vstack(
            controls(),
            rx.cond(S.own_only, rx.text(S.t["st_own"], size="2", color_scheme="gray")),
            rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red",
                                              size="1", width="100%", custom_attrs=tid("stats-error"))),
            figures(),
            _section("st_in", legend(S), stacked_days(S, S.chart_in, "st_in", "stats-chart-in"),
                     rx.text(S.t["st_click_hint"], size="1", color_scheme="gray"),
                     testid="stats-in"),
            _section("st_out", stacked_days(S, S.chart_out, "st_out", "stats-chart-out"),
                     testid="stats-out"),
            rx.flex(times_card("st_frt", S.frt, S.frt_buckets, "stats-frt"),
                    times_card("st_reply", S.reply, S.reply_buckets, "stats-reply"),
                    wrap="wrap", gap="12px", width="100%"),
            rx.hstack(rx.text(S.t["st_times_hint"], size="1", color_scheme="gray"), rx.spacer(),
                      _csv("times", "st_frt"), width="100%", align="center", spacing="2"),
            _section("st_days", _table(
                [_th("st_day"), _th("st_in_short", True), _th("st_out_short", True),
                 rx.cond(~S.own_only, _th("st_new_clients", True)), _th("st_active", True),
                 _th("st_open_list")], S.days, day_row, "stats-days", "st_days"), table="days"),
            _section("st_operators", _table(
                [_th("st_operator"), _th("st_messages", True), _th("st_dialogs", True),
                 _th("st_frt_median", True)], S.operators,
                lambda r: _tr(_rh(r["name"]), _td(r["messages"]),
                                       _td(r["dialogs"]), _td(r["frt_median"]),
                                       custom_attrs={"data-testid": "stats-operator", "data-id": r["id"]}),
                "stats-operators", "st_operators"), table="operators"),
            rx.cond(~S.own_only, rx.vstack(
                _section("st_billed", rx.text(S.t["st_billed_hint"], size="1", color_scheme="gray"),
                         _table([_th("st_month"), _th("st_new", True), _th("st_total", True)],
                                S.billed_months,
                                lambda r: _tr(_rh(r["month"]),
                                                       _td(r["new"]), _td(r["total"]),
                                                       custom_attrs=tid("stats-billed-month")),
                                "stats-billed", "st_billed"), table="billed", testid="stats-billed-card"),
                _section("st_bots", _table(
                    [_th("st_scenario"), _th("st_started", True), _th("st_finished", True),
                     _th("st_handover", True)], S.bots,
                    lambda r: _tr(_rh(r["name"]), _td(r["started"]),
                                           _td(r["finished"]), _td(r["handover"]),
                                           custom_attrs=tid("stats-bot")),
                    "stats-bots", "st_bots"), table="bots"),
                _section("st_mailings", _table(
                    [_th("st_mailing"), _th("st_sent", True), _th("st_delivered", True),
                     _th("st_read", True), _th("st_failed", True), _th("st_skipped", True)], S.mailings,
                    lambda r: _tr(_rh(r["name"]), _td(r["sent"]),
                                           _td(r["delivered"]), _td(r["read"]), _td(r["failed"]),
                                           _td(r["skipped"]), custom_attrs=tid("stats-mailing")),
                    "stats-mailings", "st_mailings"), table="mailings"),
                spacing="3", width="100%")),
            spacing="3", padding=rx.breakpoints(initial="10px", sm="16px"), max_width="1100px",
            margin="0 auto", width="100%", role="main",
            custom_attrs={"aria-busy": rx.cond(S.loading, "true", "false")},
        ),
        min_height="100dvh", background="var(--gray-a2)", custom_attrs=tid("stats-page"),
    )
