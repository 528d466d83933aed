"""/mailings (B2): the list, the form (/mailings?new=1&f=<the dialog list's filter>) and one
mailing's page (/mailings?id=N) with its live progress and report."""

import reflex as rx

from messenger_app.components.common import button_link, field_label, tid
from messenger_app.components.page_header import page_header
from messenger_app.states.mailings import SEGMENTS, MailingsState as S

COLORS = {"sent": "var(--blue-9)", "delivered": "var(--teal-9)", "read": "var(--green-9)",
          "failed": "var(--red-9)", "skipped": "var(--gray-8)", "started": "var(--violet-9)"}


def progress_bar(bar, testid: str = "mailing-progress", height: str = "10px") -> rx.Component:
    """Segments sent / delivered / read / failed / skipped; the numbers are read out too."""
    return rx.box(
        *[rx.box(width=bar[f"pct_{k}"], height="100%", background=COLORS[k],
                 display="inline-block") for k in SEGMENTS],
        role="progressbar",
        custom_attrs={"aria-valuemin": "0", "aria-valuemax": bar["total"],
                      "aria-valuenow": bar["done"], "aria-label": S.t["mailing_progress"],
                      "data-testid": testid, "data-finished": bar["finished"]},
        width="100%", height=height, background="var(--gray-a4)", border_radius="999px",
        overflow="hidden", white_space="nowrap", line_height="0",
    )


def counts_line(bar) -> rx.Component:
    return rx.flex(
        *[rx.text(S.t[f"bucket_{k}"], ": ", bar[k], size="1", color_scheme="gray",
                  custom_attrs=tid(f"count-{k}")) for k in SEGMENTS],
        rx.text("∑ ", bar["total"], size="1", color_scheme="gray"),
        wrap="wrap", gap="10px",
    )


def list_row(m) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.link(m["name"], href="/mailings?id=" + m["id"], weight="bold", size="3",
                        class_name="msg-ellipsis", custom_attrs=tid("mailing-link")),
                rx.spacer(),
                rx.badge(m["status_label"], variant="soft", custom_attrs=tid("mailing-status")),
                width="100%", align="center",
            ),
            progress_bar(m, "mailing-row-progress", "6px"),
            counts_line(m),
            spacing="2", width="100%",
        ),
        width="100%", custom_attrs={"data-testid": "mailing-row", "data-id": m["id"]},
    )


def list_view() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.spacer(),
            button_link("/mailings?new=1", rx.icon("plus", size=16), S.t["mailing_new"],
                        testid="mailing-new"),
            width="100%",
        ),
        rx.cond(S.items.length() > 0,
                rx.vstack(rx.foreach(S.items, list_row), width="100%", spacing="3"),
                rx.text(S.t["mailing_none"], color_scheme="gray", size="2",
                        custom_attrs=tid("mailing-empty"))),
        width="100%", spacing="3",
    )


def _radio(value: str, key: str) -> rx.Component:
    return rx.el.label(
        rx.el.input(type="radio", name="when", value=value, checked=S.when == value,
                    on_change=S.set_when(value), custom_attrs=tid(f"when-{value}")),
        " ", S.t[key], class_name="msg-radio", display="flex", gap="6px", align_items="center",
    )


def preview_box() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(S.t["mailing_preview"], size="3", as_="h2"),
            rx.text(S.t["mailing_will_get"], ": ", rx.el.b(S.preview_send), size="2",
                    custom_attrs=tid("preview-send")),
            rx.foreach(S.preview_skipped, lambda r: rx.text(
                r["label"], ": ", rx.el.b(r["n"]), size="2",
                custom_attrs={"data-testid": "preview-skip", "data-reason": r["reason"]})),
            rx.cond(S.preview_sample != "",
                    rx.text(S.t["mailing_sample"], ": ", S.preview_sample, size="1",
                            color_scheme="gray", custom_attrs=tid("preview-sample"))),
            spacing="1", width="100%",
        ),
        width="100%", custom_attrs=tid("mailing-preview"),
    )


def trigger_fields() -> rx.Component:
    return rx.vstack(
        field_label(S.t["mailing_trigger"], "mailing-trigger"),
        rx.el.select(
            *[rx.el.option(S.t[f"mailing_trigger_{k}"], value=k)
              for k in ("after_subscription", "date_field", "weekly")],
            value=S.trigger, on_change=S.set_trigger, id="mailing-trigger",
            class_name="msg-select", custom_attrs=tid("mailing-trigger")),
        rx.cond(S.trigger == "after_subscription", rx.vstack(
            field_label(S.t["mailing_days_after"], "mailing-days"),
            rx.input(name="days_after", default_value=S.days_after, id="mailing-days", key=S.form_key,
                     type="number", min="0", max="3650", custom_attrs=tid("mailing-days")),
            spacing="1")),
        rx.cond(S.trigger == "date_field", rx.vstack(
            field_label(S.t["mailing_date_field_label"], "mailing-date-field"),
            rx.el.select(rx.foreach(S.date_fields, lambda o: rx.el.option(o["label"], value=o["value"])),
                         value=S.date_field, on_change=S.set_date_field, id="mailing-date-field",
                         class_name="msg-select"),
            spacing="1")),
        rx.cond(S.trigger == "weekly", rx.flex(
            *[rx.button(S.t[f"weekday_{i}"], type="button", size="1",
                        variant=rx.cond(S.weekdays.contains(str(i)), "solid", "outline"),
                        on_click=S.toggle_weekday(str(i)),
                        custom_attrs={"aria-pressed": rx.cond(S.weekdays.contains(str(i)), "true", "false")})
              for i in range(7)], gap="6px", wrap="wrap")),
        rx.text(S.t["mailing_auto_hint"], size="1", color_scheme="gray"),
        spacing="2", width="100%",
    )


def form_view() -> rx.Component:
    return rx.form(
        rx.grid(
            rx.vstack(
                rx.text(S.t["mailing_audience"], ": ", rx.el.b(S.audience_text), size="2",
                        custom_attrs=tid("mailing-audience")),
                rx.link(S.t["mailing_audience_change"], href="/?f=" + S.audience_url, size="2"),
                field_label(S.t["mailing_name"], "mailing-name"),
                rx.input(name="name", id="mailing-name", default_value=S.name, key=S.form_key,
                         max_length=200, width="100%", custom_attrs=tid("mailing-name")),
                field_label(S.t["mailing_channel"], "mailing-channel"),
                rx.el.select(
                    rx.el.option(S.t["mailing_channel_last"], value=""),
                    rx.foreach(S.channel_options, lambda o: rx.el.option(o["label"], value=o["value"])),
                    value=S.channel_id, on_change=S.set_channel, id="mailing-channel",
                    class_name="msg-select", custom_attrs=tid("mailing-channel")),
                field_label(S.t["mailing_text"], "mailing-text"),
                rx.cond(S.template_options.length() > 0,
                        rx.el.select(
                            rx.el.option(S.t["mailing_template"], value="", disabled=True),
                            rx.foreach(S.template_options,
                                       lambda o: rx.el.option(o["label"], value=o["value"])),
                            value="", on_change=S.use_template, class_name="msg-select",
                            aria_label=S.t["mailing_template"])),
                rx.text_area(name="text", id="mailing-text", default_value=S.text, key=S.form_key,
                             rows="5", max_length=4096, width="100%", custom_attrs=tid("mailing-text")),
                rx.text(S.t["mailing_text_hint"], size="1", color_scheme="gray"),
                field_label(S.t["mailing_buttons"], "mailing-buttons"),
                rx.text_area(name="buttons", id="mailing-buttons", default_value=S.buttons,
                             key=S.form_key, rows="2", width="100%"),
                rx.cond(S.scenario_options.length() > 0, rx.fragment(
                    field_label(S.t["mailing_content_scenario"], "mailing-scenario"),
                    rx.el.select(
                        rx.el.option(S.t["mailing_no_scenario"], value=""),
                        rx.foreach(S.scenario_options,
                                   lambda o: rx.el.option(o["label"], value=o["value"])),
                        value=S.scenario_id, on_change=S.set_scenario, id="mailing-scenario",
                        class_name="msg-select", custom_attrs=tid("mailing-scenario")))),
                rx.el.fieldset(
                    rx.el.legend(S.t["mailing_when"]),
                    _radio("now", "mailing_when_now"),
                    _radio("at", "mailing_when_at"),
                    rx.cond(S.when == "at",
                            rx.input(name="at", type="datetime-local", default_value=S.at, key=S.form_key,
                                     aria_label=S.t["mailing_when_at"], custom_attrs=tid("mailing-at"))),
                    _radio("auto", "mailing_when_auto"),
                    rx.cond(S.when == "auto", trigger_fields()),
                    class_name="msg-fieldset", width="100%",
                ),
                spacing="2", width="100%",
            ),
            rx.vstack(
                preview_box(),
                rx.cond(S.error != "",
                        rx.callout(S.error, icon="triangle-alert", color_scheme="red", size="1",
                                   width="100%", role="alert", custom_attrs=tid("mailing-error"))),
                rx.button(rx.match(S.when, ("at", S.t["mailing_schedule"]),
                                   ("auto", S.t["mailing_activate"]), S.t["mailing_send"]),
                          type="submit", size="3", width="100%", custom_attrs=tid("mailing-send")),
                spacing="3", width="100%",
            ),
            columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%",
        ),
        on_submit=S.submit, width="100%",
    )


def report_row(r) -> rx.Component:
    return rx.hstack(
        rx.text(r["label"], size="2", flex="1"),
        rx.link(r["n"], href=r["href"], weight="bold", size="3",
                custom_attrs={"data-testid": r["testid"]}),
        width="100%", align="center", padding_y="4px", border_bottom="1px solid var(--gray-a4)",
    )


def mailing_view() -> rx.Component:
    return rx.vstack(
        rx.link("← ", S.t["mailing_back"], href="/mailings", size="2"),
        rx.hstack(
            rx.heading(S.m_name, size="5", as_="h2", class_name="msg-ellipsis",
                       custom_attrs=tid("mailing-name-shown")),
            rx.badge(S.m_status_label, variant="soft",
                     custom_attrs={"data-testid": "mailing-status", "data-status": S.m_status}),
            align="center", spacing="3", wrap="wrap",
        ),
        rx.text(S.m_text, size="2", color_scheme="gray", white_space="pre-wrap"),
        progress_bar(S.bar),
        counts_line(S.bar),
        rx.flex(
            rx.cond((S.m_status == "running") | (S.m_status == "active") | (S.m_status == "scheduled"),
                    rx.button(rx.icon("pause", size=14), S.t["mailing_pause"], on_click=S.pause,
                              variant="soft", custom_attrs=tid("mailing-pause"))),
            rx.cond((S.m_status == "scheduled") | (S.m_status == "draft"),
                    button_link("/mailings?edit=" + S.mailing_id, rx.icon("pencil", size=14),
                                S.t["mailing_edit"], variant="soft", testid="mailing-edit")),
            rx.cond(S.m_status == "paused",
                    rx.button(rx.icon("play", size=14), S.t["mailing_resume"], on_click=S.resume,
                              variant="soft", custom_attrs=tid("mailing-resume"))),
            rx.cond((S.m_status != "done") & (S.m_status != "cancelled"),
                    rx.button(S.t["mailing_cancel"], on_click=S.cancel, variant="soft",
                              color_scheme="red", custom_attrs=tid("mailing-cancel"))),
            rx.button(rx.icon("download", size=14), S.t["mailing_export"], on_click=S.export_csv,
                      variant="outline", custom_attrs=tid("mailing-export")),
            gap="8px", wrap="wrap",
        ),
        rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red",
                                          size="1", role="alert")),
        rx.heading(S.t["mailing_report"], size="4", as_="h2"),
        rx.text(S.t["mailing_report_hint"], size="1", color_scheme="gray"),
        rx.vstack(rx.foreach(S.report, report_row), width="100%", spacing="0",
                  custom_attrs=tid("mailing-report")),
        width="100%", spacing="3",
    )


def mailings_page() -> rx.Component:
    return rx.box(
        page_header(S, "mailings_title", "/mailings", back_testid="mailings-back",
                    short_key="nav_mailings"),
        rx.box(
            rx.match(S.mode, ("new", form_view()), ("view", mailing_view()), list_view()),
            max_width="1100px", margin="0 auto", width="100%",
            padding=rx.breakpoints(initial="12px", sm="20px"), role="main",
        ),
        min_height="100dvh", background="var(--gray-a2)", custom_attrs=tid("mailings-page"),
    )
