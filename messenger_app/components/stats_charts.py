"""Charts of /stats (X9): stacked bars per day and channel (rx.recharts) whose bars open the
dialog list of that day and channel, and small HTML bars for the response-time distribution."""

from __future__ import annotations

import reflex as rx
from reflex.vars.base import Var
from reflex_base.event import EventHandler
from reflex_components_recharts.cartesian import Bar as _RechartsBar

from messenger_app.components.common import tid
from messenger_app.services.stats_view import COLORS, SLOTS


def _bar_day(data: Var) -> tuple[Var[str]]:
    """Recharts calls a Bar's onClick(data, index, event); data.payload is the day's row."""
    return (Var(f"(({data})?.payload?.day ?? '')").to(str),)


class Bar(_RechartsBar):
    """A Bar whose click names the day it stands for (named Bar: BarChart checks its
    children's class names)."""

    on_click: EventHandler[_bar_day]


def stacked_days(state, data, title_key: str, testid: str) -> rx.Component:
    bars = [Bar.create(data_key=f"s{i}", stack_id="a", fill=COLORS[i], name=f"s{i}",
                          is_animation_active=False, cursor="pointer",
                          on_click=lambda day, i=i: state.open_bar(day, i))
            for i in range(SLOTS)]
    return rx.box(
        rx.recharts.bar_chart(
            rx.recharts.cartesian_grid(stroke_dasharray="3 3", stroke="var(--gray-a5)"),
            rx.recharts.x_axis(data_key="label", stroke="var(--gray-11)", font_size=11),
            rx.recharts.y_axis(allow_decimals=False, stroke="var(--gray-11)", font_size=11, width=36),
            rx.recharts.graphing_tooltip(cursor={"fill": "var(--gray-a3)"},
                                         content_style={"background": "var(--color-panel-solid)",
                                                        "border": "1px solid var(--gray-a6)"}),
            *bars,
            data=data, width="100%", height=220, margin={"top": 8, "right": 8, "left": 0, "bottom": 0},
        ),
        width="100%", role="img",
        custom_attrs={**tid(testid), "aria-label": state.t["st_chart_label"].replace("{title}", state.t[title_key])},
    )


def legend(state) -> rx.Component:
    return rx.flex(
        rx.foreach(state.slots, lambda s: rx.hstack(
            rx.box(width="10px", height="10px", border_radius="2px", background=s["color"]),
            rx.text(s["name"], size="1"), align="center", spacing="1")),
        wrap="wrap", gap="10px", custom_attrs=tid("stats-legend"),
    )


def distribution(state, buckets, testid: str) -> rx.Component:
    return rx.vstack(
        rx.foreach(buckets, lambda b: rx.hstack(
            rx.text(state.t["st_b_" + b["key"]], size="1", width="84px", flex_shrink="0"),
            rx.box(rx.box(height="10px", width=b["pct"] + "%", background="var(--accent-9)",
                          border_radius="2px"),
                   flex="1", background="var(--gray-a3)", border_radius="2px"),
            rx.text(b["n"], size="1", width="40px", text_align="right"),
            width="100%", align="center", spacing="2",
            custom_attrs={"data-testid": testid + "-bucket", "data-key": b["key"]})),
        width="100%", spacing="1",
    )
