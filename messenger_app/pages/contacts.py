"""/contacts: the client base — search, pages, new client, import and export."""

import reflex as rx

from messenger_app.components.common import live_marker, tid
from messenger_app.components.page_header import page_header
from messenger_app.states.contacts import ContactsState as S
from messenger_app.states.contacts_import import MAX_IMPORT_BYTES

ACCEPT = {
    "text/csv": [".csv", ".txt"],
    "text/plain": [".csv", ".txt"],
    "application/vnd.ms-excel": [".csv"],
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": [".xlsx", ".xlsm"],
}


# -- the table ---------------------------------------------------------------------------------
def contact_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.hstack(
            rx.avatar(fallback=r.initials, size="2", radius="full"),
            rx.vstack(
                # the row opens the dialog on a click; the name is its link for the keyboard
                rx.link(rx.text(rx.cond(r.name != "", r.name, S.t["no_name"]), weight="medium",
                                size="2", color=rx.cond(r.name != "", "inherit", "var(--gray-11)"),
                                class_name="msg-ellipsis", custom_attrs=tid("contact-row-name")),
                        href="/?dialog=" + r.dialog_id, color="inherit", underline="hover",
                        min_width="0"),
                rx.text("#", r.id, size="1", color_scheme="gray"),
                spacing="0", min_width="0"),
            align="center", spacing="2", min_width="0")),
        rx.table.cell(rx.text(r.phone, size="2", white_space="nowrap",
                              custom_attrs=tid("contact-row-phone"))),
        rx.table.cell(rx.hstack(
            rx.cond(r.tag1 != "", rx.badge(r.tag1, variant="soft", color_scheme="gray")),
            rx.cond(r.tag2 != "", rx.badge(r.tag2, variant="soft")),
            spacing="1", wrap="wrap", custom_attrs=tid("contact-row-tags"))),
        rx.table.cell(rx.hstack(
            rx.cond(r.blacklisted,
                    rx.badge(rx.icon("ban", size=12), S.t["blacklisted"], color_scheme="red",
                             variant="soft", custom_attrs=tid("contact-row-blacklisted"))),
            rx.cond(r.paused,
                    rx.badge(rx.icon("headset", size=12), S.t["with_operator"],
                             color_scheme="amber", variant="soft")),
            rx.cond(~r.blacklisted & ~r.paused,
                    rx.text(S.t["status_active"], size="1", color_scheme="gray")),
            spacing="1", wrap="wrap")),
        rx.table.cell(rx.text(r.subscribed, size="2", white_space="nowrap", as_="span",
                              custom_attrs=tid("contact-row-subscribed")),
                      custom_attrs={"data-label": S.t["subscribed"]}),
        rx.table.cell(rx.text(rx.cond(r.activity != "", r.activity, "—"), size="2", as_="span",
                              color_scheme="gray", white_space="nowrap"),
                      custom_attrs={"data-label": S.t["last_message"]}),
        on_click=rx.redirect("/?dialog=" + r.dialog_id),
        class_name="msg-row", align="center",
        custom_attrs={**tid("contact-row"), "data-id": r.id, "data-dialog": r.dialog_id,
                      "data-blacklisted": rx.cond(r.blacklisted, "true", "false")},
    )


def table() -> rx.Component:
    head = rx.table.header(rx.table.row(
        rx.table.column_header_cell(S.t["client"]),
        rx.table.column_header_cell(S.t["phone"]),
        rx.table.column_header_cell(S.t["tags"]),
        rx.table.column_header_cell(S.t["status"]),
        rx.table.column_header_cell(S.t["subscribed"]),
        rx.table.column_header_cell(S.t["last_message"]),
    ))
    return rx.cond(
        S.rows.length() > 0,
        rx.box(rx.table.root(head, rx.table.body(rx.foreach(S.rows, contact_row)),
                             variant="surface", size="1", width="100%"),
               width="100%", overflow_x="auto", class_name="msg-stack-table msg-stack-contacts",
               custom_attrs=tid("contacts-table")),
        rx.center(rx.vstack(rx.icon("users", size=32, color="var(--gray-8)"),
                            rx.text(rx.cond(S.search != "", S.t["no_results"], S.t["no_clients"]),
                                    color_scheme="gray", size="2"),
                            align="center"),
                  padding="48px 0", width="100%", custom_attrs=tid("contacts-empty")),
    )


def pager() -> rx.Component:
    return rx.hstack(
        rx.text(S.range_text, size="2", color_scheme="gray", custom_attrs=tid("contacts-count")),
        rx.spacer(),
        rx.icon_button(rx.icon("chevron-left", size=16), variant="soft", size="2",
                       disabled=S.page <= 0, on_click=S.prev_page,
                       custom_attrs={**tid("contacts-prev"), "aria-label": S.t["a11y_prev_page"]}),
        rx.text(S.page + 1, " / ", S.pages, size="2", custom_attrs=tid("contacts-page")),
        rx.icon_button(rx.icon("chevron-right", size=16), variant="soft", size="2",
                       disabled=S.page + 1 >= S.pages, on_click=S.next_page,
                       custom_attrs={**tid("contacts-next"), "aria-label": S.t["a11y_next_page"]}),
        align="center", width="100%", spacing="2",
    )


# -- new client ------------------------------------------------------------------------------
def new_client_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("user-plus", size=14), S.t["new_client"], size="2",
                                    custom_attrs=tid("contacts-new-open"))),
        rx.dialog.content(
            rx.dialog.title(S.t["new_client"]),
            rx.dialog.description(S.t["new_client_hint"], size="2", color_scheme="gray"),
            rx.form(
                rx.vstack(
                    rx.text(S.t["phone"], size="1", weight="medium"),
                    rx.input(name="phone", placeholder="+7 999 123-45-67", type="tel",
                             auto_focus=True, width="100%", auto_complete="off",
                             custom_attrs=tid("contacts-new-phone")),
                    rx.grid(
                        rx.vstack(rx.text(S.t["first_name"], size="1", weight="medium"),
                                  rx.input(name="first_name", width="100%", auto_complete="off",
                                           custom_attrs=tid("contacts-new-first")),
                                  spacing="1"),
                        rx.vstack(rx.text(S.t["last_name"], size="1", weight="medium"),
                                  rx.input(name="last_name", width="100%", auto_complete="off",
                                           custom_attrs=tid("contacts-new-last")),
                                  spacing="1"),
                        columns="2", spacing="3", width="100%"),
                    rx.cond(S.new_error != "",
                            rx.callout(S.new_error, icon="triangle-alert", color_scheme="red",
                                       size="1", width="100%",
                                       custom_attrs=tid("contacts-new-error"))),
                    rx.hstack(
                        rx.dialog.close(rx.button(S.t["cancel"], variant="soft", color_scheme="gray",
                                                  type="button")),
                        rx.button(S.t["create_and_open"], type="submit",
                                  custom_attrs=tid("contacts-new-submit")),
                        justify="end", width="100%", spacing="2", padding_top="8px"),
                    spacing="2", width="100%"),
                on_submit=S.create_client, reset_on_submit=False),
            max_width="440px",
        ),
        open=S.new_open, on_open_change=S.set_new_open,
    )


# -- import ----------------------------------------------------------------------------------
def step_upload() -> rx.Component:
    return rx.vstack(
        rx.upload(
            rx.vstack(
                rx.icon("file-up", size=32, color="var(--accent-9)"),
                rx.text(S.t["imp_drop"], size="2", weight="medium", text_align="center"),
                rx.text(S.t["imp_formats"], size="1", color_scheme="gray", text_align="center"),
                rx.button(S.t["imp_choose"], size="2", variant="soft", type="button",
                          custom_attrs=tid("import-choose")),
                align="center", spacing="2", padding="28px 16px", width="100%",
            ),
            id="import", multiple=False, max_files=1, max_size=MAX_IMPORT_BYTES, accept=ACCEPT,
            on_drop=S.handle_upload(rx.upload_files(upload_id="import")),
            on_drop_rejected=S.upload_rejected,
            border="2px dashed var(--gray-a7)", border_radius="12px", width="100%", padding="0",
            cursor="pointer", background="var(--gray-a2)",
            custom_attrs=tid("import-dropzone"),
        ),
        rx.text(S.t["imp_rules"], size="1", color_scheme="gray"),
        spacing="3", width="100%",
    )


def mapping_row(c) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(c["name"], weight="medium", size="2")),
        rx.table.cell(rx.text(c["sample"], size="1", color_scheme="gray", class_name="msg-ellipsis",
                              max_width="240px")),
        rx.table.cell(rx.select.root(
            rx.select.trigger(width="100%", custom_attrs=tid("import-map-select")),
            rx.select.content(rx.foreach(S.targets, lambda t: rx.select.item(
                t["label"], value=t["value"],
                custom_attrs={**tid("import-map-option"), "data-value": t["value"]}))),
            value=c["target"], on_change=lambda v: S.set_target(c["i"], v), size="1",
        ), min_width="170px"),
        align="center",
        custom_attrs={**tid("import-mapping-row"), "data-column": c["name"],
                      "data-target": c["target"]},
    )


def step_map() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.icon("file-spreadsheet", size=16), rx.text(S.import_file, weight="medium", size="2"),
                  rx.badge(S.import_info, variant="soft", color_scheme="gray"),
                  align="center", spacing="2", wrap="wrap"),
        rx.text(S.t["imp_map_hint"], size="1", color_scheme="gray"),
        rx.box(rx.table.root(
            rx.table.header(rx.table.row(rx.table.column_header_cell(S.t["imp_column"]),
                                         rx.table.column_header_cell(S.t["imp_example"]),
                                         rx.table.column_header_cell(S.t["imp_import_as"]))),
            rx.table.body(rx.foreach(S.columns, mapping_row)),
            variant="surface", size="1", width="100%"),
            width="100%", overflow_x="auto", max_height="46vh", overflow_y="auto",
            custom_attrs=tid("import-mapping")),
        rx.vstack(
            rx.text(S.t["imp_existing"], size="1", weight="medium"),
            rx.segmented_control.root(
                rx.segmented_control.item(S.t["imp_update"], value="update"),
                rx.segmented_control.item(S.t["imp_skip_existing"], value="skip"),
                value=S.dedupe, on_change=S.set_dedupe, size="1",
                custom_attrs=tid("import-dedupe")),
            spacing="1"),
        rx.cond(~S.has_phone_column,
                rx.text(S.t["imp_need_phone"], size="1", color="var(--amber-11)")),
        rx.hstack(
            rx.button(rx.icon("arrow-left", size=14), S.t["imp_other_file"], variant="soft",
                      color_scheme="gray", on_click=S.restart_import, type="button"),
            rx.spacer(),
            rx.button(rx.icon("play", size=14), S.t["imp_run"], on_click=S.run_import,
                      disabled=~S.has_phone_column, custom_attrs=tid("import-run")),
            width="100%", wrap="wrap", spacing="2"),
        spacing="3", width="100%",
    )


def step_running() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.spinner(size="2"), rx.text(S.t["imp_running"], size="2"),
                  rx.spacer(), rx.text(S.progress, "%", size="2", weight="medium"),
                  align="center", width="100%"),
        rx.progress(value=S.progress, max=100, width="100%", size="3",
                    custom_attrs={**tid("import-progress"), "data-value": S.progress.to_string()}),
        rx.hstack(rx.spacer(),
                  rx.button(S.t["cancel"], variant="soft", color_scheme="gray",
                            on_click=S.cancel_import, disabled=S.cancel_requested,
                            custom_attrs=tid("import-cancel")),
                  width="100%"),
        spacing="3", width="100%", padding="12px 0",
    )


def stat(label_key: str, key: str, color: str, testid: str) -> rx.Component:
    return rx.card(rx.vstack(
        rx.text(S.report[key], size="6", weight="bold", color=f"var(--{color}-11)",
                custom_attrs=tid(testid)),
        rx.text(S.t[label_key], size="1", color_scheme="gray"),
        spacing="0", align="center"), flex="1", min_width="90px")


def step_report() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            stat("imp_created", "created", "green", "import-created"),
            stat("imp_updated", "updated", "blue", "import-updated"),
            stat("imp_skipped", "skipped", "gray", "import-skipped"),
            stat("imp_rejected", "rejected", "red", "import-rejected"),
            spacing="2", width="100%", wrap="wrap",
        ),
        rx.cond(
            S.rejected.length() > 0,
            rx.vstack(
                rx.hstack(rx.text(S.t["imp_rejected_rows"], size="2", weight="medium"), rx.spacer(),
                          rx.button(rx.icon("download", size=14), S.t["imp_download_rejected"],
                                    size="1", variant="soft", on_click=S.download_rejected,
                                    custom_attrs=tid("import-rejected-download")),
                          width="100%", align="center"),
                rx.box(rx.table.root(
                    rx.table.header(rx.table.row(
                        rx.table.column_header_cell(S.t["imp_row"], width="72px"),
                        rx.table.column_header_cell(S.t["imp_reason"]))),
                    rx.table.body(rx.foreach(S.rejected, lambda r: rx.table.row(
                        rx.table.cell(rx.code(r["row"])),
                        rx.table.cell(rx.text(r["reason"], size="1", style={"wordBreak": "break-word"})),
                        custom_attrs={**tid("import-rejected-row"), "data-row": r["row"]}))),
                    variant="surface", size="1", width="100%"),
                    width="100%", max_height="38vh", overflow_y="auto"),
                spacing="2", width="100%"),
            rx.callout(S.t["imp_all_good"], icon="circle-check", color_scheme="green", size="1",
                       width="100%"),
        ),
        rx.hstack(
            rx.button(rx.icon("file-up", size=14), S.t["imp_another"], variant="soft",
                      on_click=S.restart_import),
            rx.spacer(),
            rx.dialog.close(rx.button(S.t["close"], custom_attrs=tid("import-close"))),
            width="100%"),
        spacing="3", width="100%", custom_attrs=tid("import-report"),
    )


def import_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("file-up", size=14), S.t["import"], size="2",
                                    variant="soft", custom_attrs=tid("import-open"))),
        rx.dialog.content(
            rx.hstack(rx.dialog.title(S.t["imp_title"], margin="0"), rx.spacer(),
                      rx.cond(S.import_step != "running",
                              rx.dialog.close(rx.icon_button(rx.icon("x", size=16), variant="ghost",
                                                             color_scheme="gray"))),
                      align="center", width="100%", padding_bottom="8px"),
            rx.cond(S.import_error != "",
                    rx.callout(S.import_error, icon="triangle-alert", color_scheme="red", size="1",
                               width="100%", margin_bottom="12px",
                               custom_attrs=tid("import-error"))),
            rx.match(S.import_step,
                     ("map", step_map()),
                     ("running", step_running()),
                     ("report", step_report()),
                     step_upload()),
            max_width="760px", width="calc(100vw - 24px)",
            custom_attrs=tid("import-dialog"),
        ),
        open=S.import_open, on_open_change=S.set_import_open,
    )


def contacts_page() -> rx.Component:
    return rx.box(
        page_header(S, "contacts", "/contacts"),
        rx.vstack(
            rx.hstack(
                rx.input(rx.input.slot(rx.icon("search", size=16)),
                         placeholder=S.t["search_placeholder"], value=S.search,
                         on_change=S.set_search, debounce_timeout=300, size="2",
                         flex="1", min_width="min(100%, 260px)",
                         custom_attrs={**tid("contacts-search"), "aria-label": S.t["search_placeholder"]}),
                rx.hstack(
                    new_client_dialog(),
                    import_dialog(),
                    rx.button(rx.icon("download", size=14), "CSV", size="2", variant="soft",
                              color_scheme="gray", on_click=S.export_csv,
                              title=S.t["export_hint"], custom_attrs=tid("export-csv")),
                    rx.button(rx.icon("download", size=14), "XLSX", size="2", variant="soft",
                              color_scheme="gray", on_click=S.export_xlsx,
                              title=S.t["export_hint"], custom_attrs=tid("export-xlsx")),
                    spacing="2", wrap="wrap"),
                width="100%", spacing="3", wrap="wrap", align="center",
            ),
            rx.cond(S.list_error != "", rx.callout(S.list_error, color_scheme="red", size="1",
                                                   icon="triangle-alert", width="100%")),
            pager(),
            table(),
            spacing="3", padding=rx.breakpoints(initial="12px", sm="20px"), max_width="1200px",
            margin="0 auto", width="100%", role="main",
        ),
        live_marker(),
        min_height="100dvh", background="var(--gray-a2)",
    )
