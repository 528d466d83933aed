"""Left panel: search with filters, views, folders, new dialog and the dialog list (L1-L9)."""

import reflex as rx

from messenger_app.components.common import plain_avatar, skeleton_bar, tid
from messenger_app.components.filter_builder import filter_dialog
from messenger_app.components.folders import folders_section
from messenger_app.components.new_dialog import new_dialog_dialog
from messenger_app.states.filter_builder import FilterBuilderState as FB
from messenger_app.states.inbox import InboxState as S
from messenger_app.states.inbox_views import DialogListState as L
from messenger_app.states.inbox_views import FolderCountsState as FC
from messenger_app.states.new_dialog import NewDialogState as ND

# Load more on scroll: an IntersectionObserver on a sentinel under the last row presses the
# "Load more" button (which stays as the fallback). It looks again a moment after each load,
# so a tall screen keeps loading until the sentinel is out of view or the list is complete.
LOAD_MORE_JS = """(function () {
  var el = document.getElementById('msg-list-sentinel');
  if (!el || el.__io || !window.IntersectionObserver) return;
  var io = new IntersectionObserver(function (entries) {
    entries.forEach(function (e) {
      if (!e.isIntersecting) return;
      var b = document.querySelector('[data-testid="dialog-list-more"]');
      var now = Date.now();
      if (b && now - (el.__t || 0) > 500) { el.__t = now; b.click(); }
      setTimeout(function () {
        if (document.body.contains(el)) { io.unobserve(el); io.observe(el); }
      }, 900);
    });
  }, { root: el.closest('.msg-scroll'), rootMargin: '0px 0px 240px 0px' });
  io.observe(el);
  el.__io = io;
})()"""


def _badge(text, color: str, testid: str) -> rx.Component:
    """A soft Radix badge as a plain <span> with Radix's own static classes (no component)."""
    return rx.el.span(text, class_name="rt-reset rt-Badge rt-r-size-1 rt-variant-soft msg-tag",
                      custom_attrs={"data-accent-color": color, "data-testid": testid,
                                    "title": text})


def row_tags(row) -> rx.Component:
    """Tag 1 / Tag 2 (R7) on the row (L1)."""
    return rx.cond(
        (row["tag1"] != "") | (row["tag2"] != ""),
        rx.el.div(
            rx.cond(row["tag1"] != "", _badge(row["tag1"], "gray", "dialog-row-tag1")),
            rx.cond(row["tag2"] != "", _badge(row["tag2"], "indigo", "dialog-row-tag2")),
            class_name="msg-drow-tags", custom_attrs=tid("dialog-row-tags"),
        ),
    )


def sr(*text) -> rx.Component:
    """Words only screen readers get (the row reads as a sentence)."""
    return rx.el.span(*text, class_name="msg-sr-only")


ROW_FIELDS = ("id", "name", "avatar", "initials", "channel", "preview", "out", "time", "unread",
              "tag1", "tag2", "blacklisted")  # the DialogItem fields shown, passed one by one


def dialog_row(row) -> rx.Component:
    """One row of the list: a React.memo component keyed by the dialog's id with plain props
    (DialogItem's fields), so a live update that moves or changes one row re-renders that row only (not the
    fifty of the page in every open tab; bench_live.py measures the browsers' CPU)."""
    return dialog_row_item(**{f: getattr(row, f) for f in ROW_FIELDS},
                           active=rx.cond(L.open_row == row.id, "true", "false"),
                           tab_stop=rx.cond(L.roving_row == row.id, "0", "-1"),
                           key=row.id)


@rx.memo
def dialog_row_item(id: rx.Var[str], name: rx.Var[str], avatar: rx.Var[str],
                    initials: rx.Var[str], channel: rx.Var[str], preview: rx.Var[str],
                    out: rx.Var[bool], time: rx.Var[str], unread: rx.Var[int], tag1: rx.Var[str],
                    tag2: rx.Var[str], blacklisted: rx.Var[bool], active: rx.Var[str],
                    tab_stop: rx.Var[str]) -> rx.Component:
    row = {"id": id, "name": name, "avatar": avatar, "initials": initials, "channel": channel,
           "preview": preview, "out": out, "time": time, "unread": unread, "tag1": tag1,
           "tag2": tag2, "blacklisted": blacklisted}
    return _dialog_row(row, active == "true", tab_stop)


def _text(*children, size: str, cls: str = "", gray: bool = True, **attrs) -> rx.Component:
    """What rx.text(size=..., color_scheme="gray") renders — a <p> with Radix's static text
    classes — without the Text component and its per-render prop extraction."""
    return rx.el.p(*children, class_name=f"rt-Text rt-r-size-{size} {cls}".strip(),
                   custom_attrs={**({"data-accent-color": "gray"} if gray else {}), **attrs})


def _dialog_row(row, active, tab_stop) -> rx.Component:
    """One dialog: a listbox option whose content is its one accessible name — client,
    channel, last message (yours or theirs), tags, time, "N unread", blacklisted.
    Plain elements with static classes (assets/app.css `.msg-drow-*`, Radix's own classes for
    the text, badges and avatar): no style props, which emotion serialises on every render,
    and no Radix/lucide components in the fifty rows of a first load (issue 11)."""
    return rx.el.div(
        # the test id is on the avatar itself (an <img> inside only when there is a picture)
        plain_avatar(row["initials"], row["avatar"], **tid("dialog-row-avatar")),
        rx.el.div(
            rx.el.div(
                rx.el.img(src="/channels/" + row["channel"] + ".svg", alt=row["channel"],
                          title=row["channel"], class_name="msg-drow-channel",
                          custom_attrs={"data-channel": row["channel"], "aria-hidden": "true",
                                        **tid("dialog-row-channel")}),
                _text(row["name"], size="2", cls="rt-r-weight-medium msg-ellipsis", gray=False,
                      **tid("dialog-row-name")),
                rx.cond(row["channel"] != "unknown", sr(", ", S.t["kind_" + row["channel"]], ",")),
                rx.cond(row["blacklisted"],
                        rx.el.span(class_name="msg-blacklisted", role="img",
                                   custom_attrs={"data-testid": "dialog-row-blacklisted",
                                                 "title": S.t["blacklisted"],
                                                 "aria-label": S.t["blacklisted"]})),
                class_name="msg-drow-head",
            ),
            rx.cond(row["channel"] == "unknown",
                    # L2: no message yet
                    _text(S.t["no_messages_yet"], size="1",
                          cls="msg-ellipsis msg-muted msg-drow-line"),
                    rx.fragment(
                        rx.cond(row["out"], sr(S.t["a11y_outgoing"], " ")),
                        _text(rx.cond(row["out"],
                                      rx.el.span("↪ ", custom_attrs={"aria-hidden": "true"})),
                              row["preview"], size="1", cls="msg-ellipsis msg-drow-line",
                              **tid("dialog-row-preview")))),
            row_tags(row),
            class_name="msg-drow-main",
        ),
        rx.el.div(
            sr(", "),
            _text(row["time"], size="1", **tid("dialog-row-time")),
            rx.cond(row["unread"] > 0,
                    rx.el.div(
                        sr(", ", S.t["a11y_unread_prefix"]),
                        rx.el.span(row["unread"],
                                   class_name="rt-reset rt-Badge rt-r-size-1 rt-variant-solid",
                                   custom_attrs={"data-radius": "full",
                                                 **tid("dialog-row-unread")}),
                        sr(S.t["a11y_unread_suffix"]),
                        class_name="msg-drow-unread"),
                    rx.el.div(class_name="msg-drow-gap")),
            class_name="msg-drow-side",
        ),
        class_name="msg-row msg-drow",
        on_click=S.open_dialog(row["id"]),
        # a listbox option (WCAG 2.1.1, 4.1.2): one tab stop for the list (roving tabindex,
        # arrows move, Enter opens: assets/composer.js), the open dialog is the selected one
        role="option", tab_index=rx.cond(tab_stop == "0", 0, -1),
        custom_attrs={"data-testid": "dialog-row", "data-id": row["id"],
                      "data-channel": row["channel"],
                      "aria-selected": rx.cond(active, "true", "false"),
                      "data-active": rx.cond(active, "true", "false")},
    )


def list_skeleton() -> rx.Component:
    """Grey rows while the first data arrive: never "No dialogs yet" before the list loads."""
    row = rx.el.div(
        skeleton_bar("msg-skel-avatar"),
        rx.el.div(skeleton_bar("msg-skel-name"), skeleton_bar("msg-skel-line"),
                  class_name="rt-Flex rt-r-fd-column rt-r-ai-start rt-r-gap-2 msg-skel-text"),
        class_name="rt-Flex rt-r-fd-row rt-r-ai-center rt-r-gap-3 msg-skel-row")
    return rx.el.div(*[row for _ in range(7)],
                     class_name="rt-Flex rt-r-fd-column rt-r-ai-start rt-r-gap-0 msg-skel-list",
                     custom_attrs={"data-testid": "dialog-list-loading", "aria-busy": "true",
                                   "title": S.t["loading"]})


def search_bar() -> rx.Component:
    """The search box (L4) with the filter button inside it and the number of active
    filters (L5); the new dialog button next to it (L6)."""
    return rx.hstack(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            rx.input.slot(
                rx.cond(S.filter_count > 0,
                        rx.badge(S.filter_count, radius="full", variant="solid", size="1",
                                 class_name="msg-chip", on_click=FB.open_builder,
                                 custom_attrs={"data-testid": "filter-count",
                                               "title": S.t["filter_edit"]})),
                rx.tooltip(rx.icon_button(rx.icon("sliders-horizontal", size=15), size="1",
                                          variant=rx.cond(S.filter_count > 0, "soft", "ghost"),
                                          on_click=FB.open_builder, aria_label=S.t["filters"],
                                          class_name="msg-filter-open",
                                          custom_attrs=tid("filter-open")),
                           content=S.t["filters"]),
                side="right", gap="1"),
            placeholder=S.t["search_short"], value=S.search, on_change=S.set_search,
            debounce_timeout=250, size="2", flex="1", min_width="0", type="search",
            custom_attrs=tid("search-input")),
        rx.tooltip(rx.icon_button(rx.icon("square-pen", size=16), size="2", variant="soft",
                                  on_click=ND.open_new_dialog, aria_label=S.t["new_dialog"],
                                  custom_attrs=tid("new-dialog-open")),
                   content=S.t["new_dialog"]),
        spacing="2", width="100%", align="center",
    )


def active_filter() -> rx.Component:
    """The active filter in words (its grouping shown); click to edit, x to reset (L5)."""
    return rx.cond(
        S.filter_count > 0,
        rx.hstack(
            rx.icon("list-filter", size=14, color="var(--accent-11)", flex_shrink="0"),
            rx.text(S.filter_text, size="1", class_name="msg-clamp2", flex="1",
                    custom_attrs={"data-testid": "filter-summary", "title": S.filter_text}),
            rx.icon_button(rx.icon("x", size=12), size="1", variant="ghost", radius="full",
                           on_click=S.apply_filter("").stop_propagation,
                           aria_label=S.t["filter_reset"],
                           custom_attrs={"data-testid": "filter-clear", "title": S.t["filter_reset"]}),
            align="center", spacing="2", width="100%", class_name="msg-filter-summary",
            on_click=FB.open_builder,
        ),
    )


def views_row() -> rx.Component:
    return rx.hstack(
        rx.segmented_control.root(
            rx.segmented_control.item(S.t["view_all"], value="all", custom_attrs=tid("view-all")),
            rx.segmented_control.item(
                rx.hstack(S.t["unread"],
                          rx.cond(FC.unread_total > 0, rx.badge(FC.unread_total, size="1", radius="full")),
                          spacing="1", align="center"),
                value="unread", custom_attrs=tid("view-unread")),
            value=S.view_mode, on_change=S.set_view, size="1", flex="1",
        ),
        rx.cond(S.found >= 0,
                rx.text(S.t["found_prefix"], S.found, S.t["found_suffix"], size="1",
                        color_scheme="gray", white_space="nowrap", custom_attrs=tid("search-count"))),
        width="100%", align="center", spacing="3",
    )


def mail_these() -> rx.Component:
    """B2: the clients of the current filter become a mailing's audience (only the filter:
    search, folder and the unread view are not part of it, so it shows for a plain filter)."""
    return rx.cond(
        (S.filter_url != "") & (S.found > 0) & (S.search == "") & (S.folder == "all")
        & (S.view_mode == "all"),
        rx.link(rx.icon("send", size=14), S.t["mailing_to_these_prefix"], S.found,
                S.t["mailing_to_these_suffix"], href="/mailings?f=" + S.filter_url, size="1",
                display="inline-flex", align_items="center", gap="4px",
                custom_attrs=tid("mail-these")))


def list_panel() -> rx.Component:
    return rx.vstack(
        rx.vstack(search_bar(), active_filter(), mail_these(), spacing="2", width="100%",
                  padding="12px 12px 8px"),
        folders_section(),
        rx.box(views_row(), width="100%", padding="8px 12px",
               border_bottom="1px solid var(--gray-a4)"),
        rx.cond(S.list_error != "",
                rx.box(rx.callout(S.list_error, icon="triangle-alert", color_scheme="red", size="1",
                                  custom_attrs=tid("list-error")),
                       width="100%", padding="8px 12px 0")),
        rx.box(
            rx.cond(
                ~S.loaded,
                list_skeleton(),
                rx.cond(
                L.rows.length() > 0,
                rx.fragment(
                    rx.box(rx.foreach(L.rows, dialog_row), role="listbox",
                           custom_attrs={"aria-label": S.t["a11y_dialogs"],
                                         "data-testid": "dialog-listbox"}),
                    rx.cond(S.has_more,
                            rx.center(
                                rx.el.div(id="msg-list-sentinel", class_name="msg-sentinel",
                                          on_mount=rx.call_script(LOAD_MORE_JS)),
                                rx.button(S.t["load_more"], variant="soft", size="1",
                                          on_click=S.load_more, custom_attrs=tid("dialog-list-more")),
                                padding="12px", position="relative")),
                ),
                rx.center(rx.vstack(rx.icon("inbox", size=32, color="var(--gray-8)"),
                                    rx.text(rx.cond((S.search != "") | (S.filter_count > 0)
                                                    | (S.folder != "all"),
                                                    S.t["no_results"], S.t["no_dialogs"]),
                                            color_scheme="gray", size="2"),
                                    align="center"), padding="48px 0",
                          custom_attrs=tid("dialog-list-empty")),
            )),
            class_name="msg-scroll", width="100%", custom_attrs=tid("dialog-list"),
        ),
        filter_dialog(),
        new_dialog_dialog(),
        spacing="0", class_name="msg-panel msg-list", height="100%",
    )
