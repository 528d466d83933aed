"""Centre: the open dialog (C1–C4, X4, X8) and the composer (C5, C7, C8)."""

import reflex as rx
from reflex_base.utils.imports import ImportVar
from reflex_base.vars.base import VarData

from messenger_app.components.common import tid
from messenger_app.components.composer import composer
from messenger_app.components.message_detail import detail_modal
from messenger_app.components.message_search import search_button, search_panel
from messenger_app.states.composer import ComposerState as C
from messenger_app.states.composer_view import ComposerViewState as CV
from messenger_app.states.inbox import OLDER_SLOTS, InboxState as S
from messenger_app.states.inbox_views import ThreadState as T
from messenger_app.states.open_dialog import OpenDialogState as O
from messenger_app.states.rows import AttachmentItem, MessageItem


def _file_link(a) -> rx.Component:
    body = rx.hstack(
        rx.center(rx.icon("file-text", size=18), class_name="msg-file-icon"),
        rx.vstack(rx.text(a["name"], size="2", weight="medium", class_name="msg-ellipsis",
                          max_width="240px"),
                  rx.text(rx.cond(a["error"] != "", a["error"], a["size"]), size="1",
                          color=rx.cond(a["error"] != "", "var(--red-11)", "var(--gray-11)"),
                          class_name="msg-ellipsis", max_width="240px"),
                  spacing="0", min_width="0"),
        rx.cond(a["url"] != "", rx.icon("download", size=15, color="var(--gray-10)")),
        spacing="2", align="center", class_name="msg-file",
    )
    return rx.cond(
        a["url"] != "",
        rx.el.a(body, href=a["url"], download=a["name"], class_name="msg-file-link",
                custom_attrs={"data-testid": "message-attachment", "data-media": "file"}),
        rx.box(body, custom_attrs={"data-testid": "message-attachment", "data-media": "missing"}),
    )


def attachment(a) -> rx.Component:
    """Inline media only when the stored bytes proved the type (a["media"]); else a link."""
    return rx.match(
        a["media"],
        ("img", rx.el.a(
            rx.el.img(src=a["url"], alt=a["name"], loading="lazy", class_name="msg-att-img",
                      width=rx.cond(a["width"] != "", a["width"], None),
                      height=rx.cond(a["height"] != "", a["height"], None)),
            href=a["url"], target="_blank", title=a["name"], class_name="msg-att-img-link",
            custom_attrs={"data-testid": "message-attachment", "data-media": "img",
                          "data-lightbox": "1", "data-name": a["name"]})),
        ("audio", rx.box(rx.el.audio(src=a["url"], controls=True, preload="metadata",
                                     class_name="msg-att-audio"),
                         rx.text(a["name"], " · ", a["size"], size="1", color_scheme="gray",
                                 as_="div", class_name="msg-ellipsis"),
                         custom_attrs={"data-testid": "message-attachment", "data-media": "audio"})),
        ("video", rx.box(rx.el.video(src=a["url"], controls=True, preload="metadata",
                                     class_name="msg-att-video"),
                         custom_attrs={"data-testid": "message-attachment", "data-media": "video"})),
        _file_link(a),
    )


MESSAGE_FIELDS = ("id", "dir", "sender", "channel", "text", "subject", "short", "time", "day",
                  "new_day", "status", "status_label", "error", "atts")  # the MessageItem fields shown


def message(m, new_day=None) -> rx.Component:
    """One message: a React.memo component keyed by its id with plain props (MessageItem's
    fields), so an older page or a new message renders only those messages, not every one
    already shown."""
    props = {f: getattr(m, f) for f in MESSAGE_FIELDS}
    if new_day is not None:
        props["new_day"] = new_day
    return message_item(**props, key=m.id)


def block(msgs: rx.Var, head: int) -> rx.Component:
    """One block of the thread (ThreadState.msgs or an older page's slot). Whether its first
    message starts a day depends on the block above, so it comes from ThreadState.heads."""
    return message_block(msgs=msgs, head=T.heads[head])


@rx.memo
def message_block(msgs: rx.Var[list[MessageItem]], head: rx.Var[bool]) -> rx.Component:
    """A block as a React.memo component of its own, in a box of its own: an older page
    loaded renders that page, not a map over every block already shown (issue 11: the
    time per page grew with the pages above), and the browser lays out and paints only the
    blocks near the viewport (.msg-block: content-visibility)."""
    return rx.el.div(rx.foreach(msgs, lambda m, i: message(m, rx.cond(i == 0, head, m.new_day))),
                     class_name="msg-block")


def thread() -> rx.Component:
    """The older pages, oldest first, then the newest page: each block a var of its own."""
    return rx.fragment(*[block(getattr(T, f"older_{k}"), k + 1)
                         for k in reversed(range(OLDER_SLOTS))],
                       block(T.msgs, 0))


@rx.memo
def message_item(id: rx.Var[str], dir: rx.Var[str], sender: rx.Var[str], channel: rx.Var[str],
                 text: rx.Var[str], subject: rx.Var[str], short: rx.Var[str], time: rx.Var[str],
                 day: rx.Var[str], new_day: rx.Var[bool], status: rx.Var[str],
                 status_label: rx.Var[str], error: rx.Var[str],
                 atts: rx.Var[list[AttachmentItem]]) -> rx.Component:
    return _message({"id": id, "dir": dir, "sender": sender, "channel": channel, "text": text,
                     "subject": subject, "short": short, "time": time, "day": day, "new_day": new_day, "status": status,
                     "status_label": status_label, "error": error, "atts": atts})


def _message(m) -> rx.Component:
    out = m["dir"] == "out"
    note = m["dir"] == "note"
    mine = out | note
    return rx.fragment(
        rx.cond(m["new_day"],
                rx.el.div(rx.el.span(m["day"], class_name="rt-reset rt-Badge rt-r-size-1 rt-variant-surface",
                                     custom_attrs={"data-accent-color": "gray", "data-radius": "full"}),
                          class_name="msg-day", custom_attrs=tid("day-separator"))),
        rx.el.div(
            rx.el.div(
                rx.cond(note,
                        rx.hstack(rx.icon("lock", size=12), rx.text(S.t["note_label"], size="1"),
                                  spacing="1", align="center", class_name="msg-note-label",
                                  custom_attrs=tid("message-note-label"))),
                rx.cond(m["atts"].length() > 0,
                        rx.vstack(rx.foreach(m["atts"], attachment), spacing="2",
                                  class_name="msg-atts", custom_attrs=tid("message-attachments"))),
                rx.cond(m["subject"] != "",
                        rx.text(m["subject"], size="2", weight="bold", as_="div",
                                class_name="msg-break", custom_attrs=tid("message-subject"))),
                rx.cond(m["short"] != "",
                        # a long mail: its start, and the whole text behind "Show all" (the
                        # start hides while it is open: .msg-long CSS)
                        rx.box(rx.text(m["short"], size="2", as_="div", class_name="msg-short",
                                       custom_attrs=tid("message-text")),
                               rx.el.details(
                                   rx.el.summary(rx.el.span(S.t["show_all"], class_name="msg-when-closed"),
                                                 rx.el.span(S.t["show_less"], class_name="msg-when-open"),
                                                 class_name="msg-show-all",
                                                 custom_attrs=tid("message-show-all")),
                                   rx.text(m["text"], size="2", as_="div",
                                           custom_attrs=tid("message-text-full"))),
                               class_name="msg-long"),
                        rx.cond(m["text"] != "",
                                rx.el.div(m["text"], class_name="rt-Text rt-r-size-2",
                                          custom_attrs=tid("message-text")))),
                # the bottom line as plain elements with static classes (.msg-meta-line):
                # fifty of them render when a dialog opens (issue 11)
                rx.el.div(
                    rx.cond(~note, rx.el.img(src="/channels/" + m["channel"] + ".svg",
                                             alt=m["channel"], title=m["channel"],
                                             class_name="msg-meta-channel",
                                             custom_attrs={"data-channel": m["channel"],
                                                           **tid("message-channel")})),
                    rx.el.p(m["sender"], class_name="rt-Text rt-r-size-1",
                            custom_attrs=tid("message-sender")),
                    rx.el.p("·", class_name="rt-Text rt-r-size-1"),
                    rx.el.p(m["time"], class_name="rt-Text rt-r-size-1",
                            custom_attrs=tid("message-time")),
                    rx.cond(m["status"] != "",
                            rx.el.p(m["status_label"],
                                    class_name=rx.cond(m["status"] == "failed",
                                                       "rt-Text rt-r-size-1 msg-status-failed",
                                                       "rt-Text rt-r-size-1"),
                                    title=m["error"],
                                    custom_attrs={**tid("message-status"),
                                                  "data-status": m["status"]})),
                    class_name="msg-meta msg-meta-line",
                    on_click=C.open_detail(m["id"]), role="button", tab_index=0,
                    title=S.t["msg_details_open"],
                    custom_attrs={**tid("message-meta"),
                                  "data-mine": rx.cond(mine, "true", "false")},
                ),
                # beside the line, not inside it: no control within a control (4.1.2)
                rx.cond(m["status"] == "failed",
                        rx.flex(rx.button(S.t["retry"], size="1", variant="ghost",
                                          on_click=S.retry(m["id"]),
                                          custom_attrs=tid("message-retry")),
                                justify=rx.cond(mine, "end", "start"))),
                class_name=rx.cond(note, "msg-bubble msg-bubble-note",
                                   rx.cond(out, "msg-bubble msg-bubble-out", "msg-bubble msg-bubble-in")),
            ),
            class_name="msg-mrow",
            custom_attrs={"data-testid": "message", "data-id": m["id"], "data-dir": m["dir"],
                          "data-mine": rx.cond(mine, "true", "false")},
        ),
    )


def header(attrs: dict) -> rx.Component:
    return rx.hstack(
        rx.icon_button(rx.icon("arrow-left", size=18), variant="ghost", class_name="msg-switch",
                       on_click=S.show_panel("list"), aria_label=S.t["chats"]),
        rx.avatar(src=O.card.avatar, fallback=O.card.initials, size="2", radius="full"),
        rx.vstack(rx.text(O.card.name, weight="bold", size="3", class_name="msg-ellipsis"),
                  rx.text(O.card.phone_display, size="1", color_scheme="gray"),
                  spacing="0", flex="1", min_width="0", cursor="pointer",
                  on_click=S.show_panel("card")),
        search_button(),
        rx.tooltip(rx.icon_button(rx.cond(S.expanded, rx.icon("minimize-2", size=16),
                                          rx.icon("maximize-2", size=16)),
                                  variant="ghost", on_click=S.toggle_expand,
                                  class_name="msg-desktop-only", aria_label=S.t["expand"],
                                  custom_attrs=tid("dialog-expand")),
                   content=S.t["expand"]),
        rx.tooltip(rx.icon_button(rx.icon("x", size=16), variant="ghost", on_click=S.close_dialog,
                                  class_name="msg-desktop-only", aria_label=S.t["close_dialog"],
                                  custom_attrs=tid("dialog-close")),
                   content=S.t["close_dialog"]),
        padding="10px 16px", width="100%", align="center", spacing="3",
        border_bottom="1px solid var(--gray-a4)", custom_attrs=attrs,
    )


# Whether the open dialog's parts may be mounted while none is open: a flag of the component
# that renders them, false on the first render and set once the list's first rows are there
# and the browser is idle, so a first load does not pay for mounting them (issue 11).
_WARM_HOOK = """const [msgWarm, setMsgWarm] = useState(false);
useEffect(() => {
  let timer = 0, idle = 0, tries = 0;
  const wait = () => {
    if (document.querySelector('[data-testid="dialog-row"]') || ++tries > 40)
      idle = window.requestIdleCallback(() => setMsgWarm(true), {timeout: 2000});
    else timer = setTimeout(wait, 250);
  };
  wait();
  return () => { clearTimeout(timer); if (idle) window.cancelIdleCallback(idle); };
}, []);"""
WARM = rx.Var(_js_expr="msgWarm", _var_type=bool,
              _var_data=VarData(hooks={_WARM_HOOK: None},
                                imports={"react": [ImportVar(tag="useState"),
                                                   ImportVar(tag="useEffect")]}))


def idle(shown: rx.Var) -> dict:
    """`data-msg-idle`: hidden (display: none, so out of the tab order and the accessibility
    tree: assets/app.css) while `shown` is false, but still mounted."""
    return {"data-msg-idle": rx.cond(shown, "false", "true")}


def dialog_panel() -> rx.Component:
    """The open dialog's parts stay mounted while none is open, hidden (issue 11): opening
    one re-renders them with its values instead of mounting the header, the composer's
    popovers, selects and tooltips again with the 50 messages. The `dialog-view` test id
    (and the drop target of assets/composer.js) is there only while a dialog is open."""
    shown = O.open_id > 0
    return rx.box(
        rx.vstack(
            rx.cond(shown | WARM, rx.fragment(header(idle(shown)))),
            search_panel(),
            rx.cond(shown | WARM, rx.fragment(rx.box(
                rx.cond(T.has_older,
                        rx.center(rx.button(rx.icon("history", size=14), S.t["load_older"],
                                            variant="ghost", size="1", on_click=S.load_older,
                                            custom_attrs=tid("dialog-load-older")),
                                  padding="8px")),
                rx.cond(T.msgs.length() == 0,
                        rx.center(rx.text(S.t["no_messages"], color_scheme="gray", size="2"),
                                  padding="40px")),
                thread(),
                rx.box(height="10px"),
                class_name="msg-scroll msg-thread-bg", width="100%", id="msg-thread",
                # 4.1.3: new messages are read politely; a new box per dialog, so that
                # opening one does not read out its whole history
                role="log", tab_index=0, key=O.open_id,
                custom_attrs={**tid("dialog-thread"), "aria-label": S.t["a11y_thread"],
                              "aria-relevant": "additions", **idle(shown)},
            ), composer(idle(shown)))),
            rx.center(rx.vstack(rx.icon("paperclip", size=28), rx.text(S.t["drop_files"], size="3"),
                                align="center", spacing="2"),
                      class_name="msg-drop-overlay"),
            rx.center(
                rx.vstack(rx.icon("messages-square", size=48, color="var(--gray-7)"),
                          rx.heading(S.t["pick_dialog"], size="4", color_scheme="gray", as_="h2"),
                          rx.text(S.t["pick_dialog_hint"], size="2", color_scheme="gray",
                                  text_align="center"),
                          rx.cond(~CV.search_shown,
                                  rx.button(rx.icon("search", size=14), S.t["search_all_messages"],
                                            variant="soft", size="2", margin_top="8px",
                                            on_click=C.toggle_search,
                                            custom_attrs=tid("global-search-open"))),
                          align="center", spacing="2", padding="16px"),
                flex="1", width="100%", custom_attrs=idle(~shown),
            ),
            spacing="0", height="100%", width="100%", position="relative",
            class_name=rx.cond(shown, "", "msg-thread-bg"),
            custom_attrs={"data-testid": rx.cond(shown, "dialog-view", "dialog-none")},
        ),
        detail_modal(),
        class_name="msg-panel msg-dialog", height="100%",
    )
