"""The left panel in a real browser (SPEC L1-L9): rows with tags / blacklist / "?" icon, load
more on scroll, the Unread view, phone search, the filter builder with a group and a
bookmarkable URL, new dialog, and folders (create, rename, toggle, delete, live counters,
collapse, hover name, folder view, With operator).

Data comes from the website widget (through the app, so live events fire) and from a small
subprocess that calls the services on the app's DATA_DIR (no live event reaches the app from
there: the page is reloaded after it)."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys

from playwright.sync_api import expect

from tests.e2e.conftest import (SHOTS_DIR, ROOT, goto, hydrated_after, login, new_page, open_widget,
                                row_by_id, row_with, unique, widget_say)
from tests.e2e.waits import settled

SHOTS = SHOTS_DIR
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def services(app, code: str):
    """Run `code` in another process on the app's database; returns what it print()s as JSON."""
    env = dict(os.environ, DATA_DIR=str(app.data_dir), RUN_WORKERS="0", PYTHONPATH=str(ROOT))
    for key in ("DATABASE_URL", "REDIS_URL"):
        env.pop(key, None)
    out = subprocess.run([sys.executable, "-c", "import json\n" + code], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else None


def reload(page) -> None:
    before = page._e2e_hydration.count
    page.reload()
    hydrated_after(page, before)


def phone_number() -> tuple[str, str]:
    """A random Russian mobile number: (E.164 digits "79xxxxxxxxx", its 10 national digits)."""
    national = "999" + "".join(random.choice("0123456789") for _ in range(7))  # a valid block
    return "7" + national, national


def new_client(app, phone: str = "", tag1: str = "", tag2: str = "", blacklisted: bool = False):
    """A CRM client with no messages (L2); returns its dialog and contact ids."""
    return services(app, f"""
from messenger_app.services import crm
contact, dialog = crm.create_contact({phone or "+" + phone_number()[0]!r})
if {tag2!r}:
    if {tag2!r} not in crm.list_tag2_options():
        crm.add_tag2_option({tag2!r})
    crm.set_tag2(contact.id, {tag2!r})
if {tag1!r}:
    crm.set_tag1(contact.id, {tag1!r})
if {blacklisted!r}:
    crm.set_blacklisted(contact.id, True)
print(json.dumps({{"dialog": str(dialog.id), "contact": contact.id}}))
""")


def contact_of(app, dialog_id: str) -> int:
    return services(app, f"""
from messenger_app.services import dialogs
print(dialogs.card({int(dialog_id)}).contact_id)""")


def visitor_dialog(operator, new_context, text_label: str):
    """A website visitor writes; returns (visitor page, dialog id, text)."""
    visitor = open_widget(new_context(viewport={"width": 390, "height": 700}))
    text = unique(text_label)
    widget_say(visitor, text)
    row = row_with(operator, text)
    expect(row).to_have_count(1)
    return visitor, row.get_attribute("data-id"), text


def folder_item(page, folder_id):
    return page.locator(f'[data-testid="folder-item"][data-id="{folder_id}"]')


def folder_named(page, name: str):
    return page.get_by_test_id("folder-item").filter(
        has=page.get_by_test_id("folder-name").filter(has_text=re.compile(f"^{re.escape(name)}$")))


def dialog_ids(page) -> list[int]:
    return [int(x) for x in page.get_by_test_id("dialog-row").evaluate_all(
        "rows => rows.map(r => r.getAttribute('data-id'))")]


# -- L1, L2 -----------------------------------------------------------------------------------

def test_rows_show_tags_blacklist_and_question_mark(app, new_context):
    tag = unique("VIP")
    marked = new_client(app, tag1=tag, tag2="Gold", blacklisted=True)
    plain = new_client(app)
    operator = login(new_context())

    row = row_by_id(operator, marked["dialog"])
    expect(row.get_by_test_id("dialog-row-tags")).to_contain_text(tag)
    expect(row.get_by_test_id("dialog-row-tags")).to_contain_text("Gold")
    expect(row.get_by_test_id("dialog-row-tag1")).to_have_attribute("title", tag)
    expect(row.get_by_test_id("dialog-row-blacklisted")).to_be_visible()
    # L2: no message yet -> a question-mark channel icon, no picture, no last message
    expect(row.get_by_test_id("dialog-row-channel")).to_have_attribute("data-channel", "unknown")
    expect(row.get_by_test_id("dialog-row-preview")).to_have_count(0)
    expect(row.get_by_test_id("dialog-row-avatar").locator("img")).to_have_count(0)

    other = row_by_id(operator, plain["dialog"])
    expect(other).to_have_count(1)
    expect(other.get_by_test_id("dialog-row-tags")).to_have_count(0)
    expect(other.get_by_test_id("dialog-row-blacklisted")).to_have_count(0)


def test_tags_stay_on_a_row_updated_live(app, operator, new_context):
    visitor, did, _ = visitor_dialog(operator, new_context, "Tagged visitor")
    tag = unique("Live tag")
    services(app, f"""
from messenger_app.services import crm, dialogs
crm.set_tag1(dialogs.card({int(did)}).contact_id, {tag!r})
print(1)""")
    reload(operator)
    row = row_by_id(operator, did)
    expect(row.get_by_test_id("dialog-row-tags")).to_contain_text(tag)
    # a new message updates this one row in place (live): the tag stays on it
    more = unique("Still tagged")
    widget_say(visitor, more)
    expect(row.get_by_test_id("dialog-row-preview")).to_have_text(more)
    expect(row.get_by_test_id("dialog-row-tags")).to_contain_text(tag)


def test_load_more_on_scroll_newest_first(app, new_context):
    tag = unique("lm")
    services(app, f"""
from messenger_app.services import crm
for i in range(120):
    contact, dialog = crm.create_contact("+7999{{:07d}}".format(i + random_base))
    crm.set_tag1(contact.id, {tag!r})
print(1)""".replace("random_base", str(random.randrange(0, 9_000_000))))
    from messenger_app.services import filters

    url = filters.to_url({"join": "and", "conditions": [{"field": "tag1", "op": "equals", "value": tag}]})
    operator = login(new_context())
    goto(operator, f"/?f={url}")
    rows = operator.get_by_test_id("dialog-row")
    expect(rows).to_have_count(50)
    expect(operator.get_by_test_id("search-count")).to_have_text("120 found")
    expect(operator.get_by_test_id("dialog-list-more")).to_be_visible()

    # scrolling to the end loads the next page by itself
    operator.get_by_test_id("dialog-list").evaluate("el => { el.scrollTop = el.scrollHeight; }")
    expect(rows).to_have_count(100)
    settled(operator)  # the second page is laid out: the sentinel is out of view again
    # Proving a negative ("no third page comes by itself"): no event says that nothing was
    # requested, so the list is given 1.5 s to wrongly load more.
    operator.wait_for_timeout(1500)
    expect(rows).to_have_count(100)

    # the button is the fallback (by keyboard: under load a pointer click at the list's
    # bottom edge was intercepted while the list was still laying out the second page)
    operator.get_by_test_id("dialog-list-more").focus()
    operator.keyboard.press("Enter")
    expect(rows).to_have_count(120)
    expect(operator.get_by_test_id("dialog-list-more")).to_have_count(0)
    ids = dialog_ids(operator)
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 120  # newest first, no repeats


# -- L3 ---------------------------------------------------------------------------------------

def test_unread_view_mark_read_and_operator_actions_keep_it_read(app, operator, new_context):
    visitor, did, _ = visitor_dialog(operator, new_context, "Unread one")
    row = row_by_id(operator, did)
    expect(row.get_by_test_id("dialog-row-unread")).to_have_text("1")

    operator.get_by_test_id("view-unread").click()
    # the unread view has come from the server once it counts what it shows ("N found");
    # until then the rows of "all" are still on the screen
    expect(operator.get_by_test_id("search-count")).to_be_visible()
    expect(row).to_have_count(1)
    expect(operator.locator('[data-testid="dialog-row"]:not(:has([data-testid="dialog-row-unread"]))')
           ).to_have_count(0)  # every row it shows has unread messages
    row.click()  # opening marks it read
    expect(operator.get_by_test_id("dialog-view")).to_be_visible()
    expect(row.get_by_test_id("dialog-row-unread")).to_have_count(0)
    operator.get_by_test_id("view-all").click()
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("dialog-row-unread")).to_have_count(0)
    row.click()  # close it: a message into the open dialog would be read at once
    expect(operator.get_by_test_id("dialog-view")).to_have_count(0)

    # operator actions (tag, folder, bot pause) never make it unread again
    tag = unique("after read")
    services(app, f"""
from messenger_app.services import crm, dialogs, folders
cid = dialogs.card({int(did)}).contact_id
crm.set_tag1(cid, {tag!r})
f = folders.create({unique("Folder for read")!r})
folders.set_contact_folders(cid, [f.id])
crm.set_bot_paused({int(did)}, True)
print(1)""")
    reload(operator)
    expect(row.get_by_test_id("dialog-row-tags")).to_contain_text(tag)
    expect(row.get_by_test_id("dialog-row-unread")).to_have_count(0)
    operator.get_by_test_id("view-unread").click()
    expect(row).to_have_count(0)

    # a new message from the client does (live, in the Unread view)
    widget_say(visitor, unique("One more"))
    expect(row.get_by_test_id("dialog-row-unread")).to_have_text("1")
    expect(operator.get_by_test_id("dialog-row").first).to_have_attribute("data-id", did)
    operator.get_by_test_id("view-all").click()
    expect(row.get_by_test_id("dialog-row-unread")).to_have_text("1")


# -- L4 ---------------------------------------------------------------------------------------

def test_phone_search_in_any_format_with_count(app, operator):
    e164, national = phone_number()
    client = new_client(app, phone="+" + e164)
    reload(operator)
    search = operator.get_by_test_id("search-input")
    count = operator.get_by_test_id("search-count")
    expect(count).to_have_count(0)  # the whole list: nothing narrowed
    for typed in (f"+7 ({national[:3]}) {national[3:6]}-{national[6:8]}",
                  f"8{national[:6]}",
                  e164):
        search.fill(typed)
        expect(count).to_have_text("1 found")
        expect(operator.get_by_test_id("dialog-row")).to_have_count(1)
        expect(row_by_id(operator, client["dialog"])).to_have_count(1)
    search.fill("+7 (000) 000-00-00")
    expect(count).to_have_text("0 found")
    expect(operator.get_by_test_id("dialog-row")).to_have_count(0)
    search.fill("")
    expect(count).to_have_count(0)


# -- L5 ---------------------------------------------------------------------------------------

def _choose(cond, testid: str, value: str) -> None:
    cond.get_by_test_id(testid).select_option(value)


def test_filter_builder_with_a_group_url_and_reset(app, new_context):
    mark, gold = unique("fb"), unique("Gold")
    black = new_client(app, tag1=mark, blacklisted=True)  # matches: mark AND blacklisted
    golden = new_client(app, tag1=mark, tag2=gold)  # matches: mark AND Tag 2 in (gold)
    neither = new_client(app, tag1=mark)  # only the first condition
    stranger = new_client(app, tag1=unique("other"), blacklisted=True)  # only the group
    ctx = new_context()
    page = login(ctx)

    page.get_by_test_id("filter-open").click()
    builder = page.get_by_test_id("filter-builder")
    expect(builder).to_be_visible()
    conds = builder.get_by_test_id("filter-condition")
    expect(conds).to_have_count(1)
    first = conds.nth(0)
    _choose(first, "filter-field", "tag1")
    _choose(first, "filter-operator", "contains")
    # an invalid (empty) condition gets an inline error and nothing is applied
    builder.get_by_test_id("filter-apply").click()
    expect(first.get_by_test_id("filter-error")).to_be_visible()
    expect(first).to_have_attribute("data-invalid", "true")
    expect(builder).to_be_visible()
    first.get_by_test_id("filter-value").fill(mark)
    # the value reaches the server after its debounce and clears the error, which moves the
    # buttons below up: click once that happened (a click during the shift missed under load)
    expect(first.get_by_test_id("filter-error")).to_be_hidden()
    expect(first).not_to_have_attribute("data-invalid", "true")

    builder.get_by_test_id("filter-add-group").click()
    group = builder.get_by_test_id("filter-group")
    expect(group).to_have_count(1)
    expect(group.get_by_test_id("filter-group-join")).to_have_value("or")
    g1 = group.get_by_test_id("filter-condition").nth(0)
    _choose(g1, "filter-field", "blacklisted")
    _choose(g1, "filter-operator", "is_true")
    group.get_by_test_id("filter-group-add").click()
    g2 = group.get_by_test_id("filter-condition").nth(1)
    _choose(g2, "filter-field", "tag2")
    _choose(g2, "filter-operator", "in_list")
    g2.locator(f'[data-testid="filter-value-option"][data-value="{gold}"]').click()
    expect(g2.get_by_test_id("filter-join")).to_have_attribute("data-join", "or")
    expect(group.get_by_test_id("filter-group-outer-join")).to_have_attribute("data-join", "and")
    expect(builder.get_by_test_id("filter-meaning")).to_have_text(
        f'Tag 1 contains "{mark}" AND (blacklisted OR Tag 2 is one of ("{gold}"))')
    builder.get_by_test_id("filter-apply").click()
    expect(builder).to_be_hidden()

    expect(page.get_by_test_id("filter-count")).to_have_text("3")
    expect(page.get_by_test_id("search-count")).to_have_text("2 found")
    assert sorted(dialog_ids(page)) == sorted([int(black["dialog"]), int(golden["dialog"])])
    expect(page.get_by_test_id("filter-summary")).to_contain_text("(blacklisted OR")
    assert "f=" in page.url

    # the URL is the view: a fresh tab, and another signed-in browser, show the same list
    url = page.url
    tab = new_page(ctx)
    goto(tab, url)
    expect(tab.get_by_test_id("filter-count")).to_have_text("3")
    expect(tab.get_by_test_id("search-count")).to_have_text("2 found")
    assert sorted(dialog_ids(tab)) == sorted([int(black["dialog"]), int(golden["dialog"])])
    other = login(new_context())
    goto(other, url[url.index("/?"):])
    expect(other.get_by_test_id("filter-count")).to_have_text("3")
    expect(other.get_by_test_id("search-count")).to_have_text("2 found")
    assert sorted(dialog_ids(other)) == sorted([int(black["dialog"]), int(golden["dialog"])])

    # reopening the builder shows the same conditions; switching the group to "all of" changes
    # the meaning (and the result): only a client that is both would match -> none here
    page.get_by_test_id("filter-open").click()
    expect(builder.get_by_test_id("filter-condition")).to_have_count(3)
    builder.get_by_test_id("filter-group-join").select_option("and")
    expect(builder.get_by_test_id("filter-meaning")).to_have_text(
        f'Tag 1 contains "{mark}" AND (blacklisted AND Tag 2 is one of ("{gold}"))')
    builder.get_by_test_id("filter-apply").click()
    expect(page.get_by_test_id("search-count")).to_have_text("0 found")
    expect(page.get_by_test_id("dialog-row")).to_have_count(0)

    # Reset removes it
    page.get_by_test_id("filter-open").click()
    builder.get_by_test_id("filter-reset").click()
    expect(builder).to_be_hidden()
    expect(page.get_by_test_id("filter-count")).to_have_count(0)
    expect(page.get_by_test_id("search-count")).to_have_count(0)
    for client in (black, golden, neither, stranger):
        expect(row_by_id(page, client["dialog"])).to_have_count(1)
    assert "f=" not in page.url


def test_filter_value_inputs_fit_the_type(app, operator):
    operator.get_by_test_id("filter-open").click()
    builder = operator.get_by_test_id("filter-builder")
    cond = builder.get_by_test_id("filter-condition").nth(0)
    value = cond.get_by_test_id("filter-value")
    _choose(cond, "filter-field", "created_at")  # a date: dd.mm.yyyy in every browser locale
    expect(value).to_have_attribute("data-msg-date", "1")
    expect(value).to_have_attribute("placeholder", "dd.mm.yyyy")
    _choose(cond, "filter-operator", "between")  # a range of two dates
    expect(cond.get_by_test_id("filter-value2")).to_have_attribute("data-msg-date", "1")
    _choose(cond, "filter-field", "channel")  # a choice
    expect(value).to_have_js_property("tagName", "SELECT")
    _choose(cond, "filter-operator", "in_list")  # several choices
    expect(value.get_by_test_id("filter-value-option").first).to_be_visible()
    _choose(cond, "filter-field", "unread")  # yes / no: no value
    expect(value).to_have_count(0)
    _choose(cond, "filter-field", "tag1")
    _choose(cond, "filter-operator", "in_list")  # a list typed with commas
    expect(value).to_have_attribute("placeholder", re.compile("comma"))
    cond.get_by_test_id("filter-remove").click()
    expect(builder.get_by_test_id("filter-condition")).to_have_count(0)
    operator.keyboard.press("Escape")
    expect(builder).to_be_hidden()


# -- L6 ---------------------------------------------------------------------------------------

def test_new_dialog_existing_new_and_invalid_number(app, new_context):
    sms = services(app, """
from messenger_app.services import channels
from messenger_app.models import Channel
from messenger_app import db
from sqlmodel import select
with db.session() as s:
    ch = s.exec(select(Channel).where(Channel.kind == "sms")).first()
print(ch.id if ch else channels.add("sms", "SMS gateway", config={"send_url": "http://127.0.0.1:9/send"}).id)""")
    e164, national = phone_number()
    existing = new_client(app, phone="+" + e164)
    page = login(new_context())

    page.get_by_test_id("new-dialog-open").click()
    expect(page.get_by_test_id("new-dialog-channel")).to_have_value(str(sms))
    phone = page.get_by_test_id("new-dialog-phone")
    phone.fill("12-34")
    page.get_by_test_id("new-dialog-submit").click()
    expect(page.get_by_test_id("new-dialog-error")).to_be_visible()
    expect(page.get_by_test_id("dialog-view")).to_have_count(0)

    # an existing client, typed another way: their dialog opens, nobody new is created
    phone.fill(f"8 ({national[:3]}) {national[3:6]}-{national[6:8]}-{national[8:]}")
    page.get_by_test_id("new-dialog-submit").click()
    expect(page.get_by_test_id("new-dialog-phone")).to_have_count(0)
    expect(page.get_by_test_id("dialog-view")).to_be_visible()
    expect(row_by_id(page, existing["dialog"])).to_have_attribute("data-active", "true")

    # a new number: a CRM contact at once, a "?" row, not billed until the first message
    new_e164, new_national = phone_number()
    page.get_by_test_id("new-dialog-open").click()
    expect(page.get_by_test_id("new-dialog-error")).to_have_count(0)
    page.get_by_test_id("new-dialog-phone").fill(f"+7 {new_national}")
    page.get_by_test_id("new-dialog-submit").click()
    expect(page.get_by_test_id("new-dialog-phone")).to_have_count(0)
    active = page.locator('[data-testid="dialog-row"][data-active="true"]')
    expect(active).to_have_count(1)
    assert active.get_attribute("data-id") != existing["dialog"]
    expect(active.get_by_test_id("dialog-row-channel")).to_have_attribute("data-channel", "unknown")
    expect(active.get_by_test_id("dialog-row-name")).to_contain_text(new_national[-2:])
    got = services(app, f"""
from messenger_app import db
from messenger_app.models import ChannelIdentity, Contact
from sqlmodel import select
with db.session() as s:
    cs = s.exec(select(Contact).where(Contact.phone.in_(["+{e164}", "+{new_e164}"]))).all()
    idents = s.exec(select(ChannelIdentity).where(ChannelIdentity.contact_id.in_([c.id for c in cs]))).all()
print(json.dumps({{"contacts": sorted(c.phone for c in cs),
                  "billed": [c.phone for c in cs if c.first_message_at],
                  "idents": sorted((i.channel_id, i.external_id) for i in idents)}}))""")
    assert got["contacts"] == sorted([f"+{e164}", f"+{new_e164}"])
    assert got["billed"] == []
    # both got an SMS account, so the composer can write first
    assert got["idents"] == sorted([[sms, e164], [sms, new_e164]])


# -- L7, L8, L9 -------------------------------------------------------------------------------

def test_folders_create_rename_toggle_delete_live_counts(app, new_context):
    tab_a = login(new_context())
    tab_b = login(new_context())
    for tab in (tab_a, tab_b):  # the two built-ins, without settings
        expect(folder_item(tab, "all")).to_be_visible()
        expect(folder_item(tab, "operator")).to_be_visible()
        expect(folder_item(tab, "all").get_by_test_id("folder-settings")).to_have_count(0)
        expect(folder_item(tab, "operator").get_by_test_id("folder-settings")).to_have_count(0)

    # create: name, PUSH off, sound on
    name = unique("Clients from the big autumn exhibition in the north hall")
    tab_a.get_by_test_id("folder-add").click()
    tab_a.get_by_test_id("folder-form-name").fill(name)
    push = tab_a.get_by_test_id("folder-form-push")
    expect(push).to_have_attribute("data-state", "checked")
    push.click()
    expect(push).to_have_attribute("data-state", "unchecked")
    tab_a.get_by_test_id("folder-form-save").click()
    expect(tab_a.get_by_test_id("folder-form-name")).to_have_count(0)
    for tab in (tab_a, tab_b):  # tab B sees it live
        expect(folder_named(tab, name)).to_have_count(1)
    folder = folder_named(tab_a, name)
    fid = folder.get_attribute("data-id")

    # the same name again is refused with a clear error
    tab_a.get_by_test_id("folder-add").click()
    tab_a.get_by_test_id("folder-form-name").fill(name.upper())
    tab_a.get_by_test_id("folder-form-save").click()
    expect(tab_a.get_by_test_id("folder-form-error")).to_be_visible()
    tab_a.keyboard.press("Escape")
    expect(tab_a.get_by_test_id("folder-form-name")).to_have_count(0)

    # a long name is cut with an ellipsis; hovering shows it in full
    label = folder_item(tab_a, fid).get_by_test_id("folder-name")
    expect(label).to_have_attribute("title", name)
    assert label.evaluate("e => e.scrollWidth > e.clientWidth"), "the long name is not truncated"
    assert label.evaluate("e => getComputedStyle(e).textOverflow") == "ellipsis"

    # a client in the folder: its unread dialogs are counted, live in both tabs
    visitor, did, _ = visitor_dialog(tab_a, new_context, "Folder client")
    services(app, f"""
from messenger_app.services import folders
folders.set_contact_folders({contact_of(app, did)}, [{int(fid)}])
print(1)""")
    reload(tab_a)
    reload(tab_b)
    for tab in (tab_a, tab_b):
        expect(folder_item(tab, fid).get_by_test_id("folder-unread")).to_have_text("1")
    row_by_id(tab_a, did).click()  # read in tab A
    for tab in (tab_a, tab_b):
        expect(folder_item(tab, fid).get_by_test_id("folder-unread")).to_have_count(0)
    row_by_id(tab_a, did).click()  # close it again, so the next message stays unread
    expect(tab_a.get_by_test_id("dialog-view")).to_have_count(0)
    widget_say(visitor, unique("New in the folder"))
    for tab in (tab_a, tab_b):
        expect(folder_item(tab, fid).get_by_test_id("folder-unread")).to_have_text("1")

    # clicking the folder shows its dialogs only
    folder_item(tab_a, fid).click()
    expect(folder_item(tab_a, fid)).to_have_attribute("data-active", "true")
    expect(tab_a.get_by_test_id("search-count")).to_have_text("1 found")
    assert dialog_ids(tab_a) == [int(did)]
    expect(tab_a).to_have_url(re.compile(rf"[?&]folder={fid}\b"))  # set by a script after the list

    # settings (gear): rename, sound off
    new_name = unique("Expo")
    folder_item(tab_a, fid).get_by_test_id("folder-settings").click()
    expect(tab_a.get_by_test_id("folder-form-name")).to_have_value(name)
    expect(tab_a.get_by_test_id("folder-form-push")).to_have_attribute("data-state", "unchecked")
    sound = tab_a.get_by_test_id("folder-form-sound")
    expect(sound).to_have_attribute("data-state", "checked")
    sound.click()
    tab_a.get_by_test_id("folder-form-name").fill(new_name)
    tab_a.get_by_test_id("folder-form-save").click()
    for tab in (tab_a, tab_b):
        expect(folder_item(tab, fid).get_by_test_id("folder-name")).to_have_text(new_name)
    folder_item(tab_a, fid).get_by_test_id("folder-settings").click()
    expect(tab_a.get_by_test_id("folder-form-sound")).to_have_attribute("data-state", "unchecked")

    # delete asks first; cancelling keeps it
    tab_a.get_by_test_id("folder-delete").click()
    expect(tab_a.get_by_test_id("folder-delete-dialog")).to_be_visible()
    tab_a.get_by_test_id("folder-delete-cancel").click()
    expect(tab_a.get_by_test_id("folder-delete-dialog")).to_have_count(0)
    expect(folder_item(tab_b, fid)).to_have_count(1)
    tab_a.get_by_test_id("folder-delete").click()
    tab_a.get_by_test_id("folder-delete-confirm").click()
    for tab in (tab_a, tab_b):
        expect(folder_item(tab, fid)).to_have_count(0)
    # the folder was being shown: back to All chats, where its client still is
    expect(folder_item(tab_a, "all")).to_have_attribute("data-active", "true")
    expect(row_by_id(tab_a, did)).to_have_count(1)
    assert "folder=" not in tab_a.url


def test_folder_list_collapse_is_remembered(operator):
    folder_list = operator.get_by_test_id("folder-list")
    toggle = operator.get_by_test_id("folders-toggle")
    expect(folder_list).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    toggle.click()
    expect(folder_list).to_have_count(0)
    expect(toggle).to_have_attribute("aria-expanded", "false")
    reload(operator)
    # the remembered choice is applied once the page's state has loaded
    expect(operator.get_by_test_id("folders-toggle")).to_have_attribute("aria-expanded", "false")
    expect(operator.get_by_test_id("folder-list")).to_have_count(0)
    operator.get_by_test_id("folders-toggle").click()
    expect(operator.get_by_test_id("folder-list")).to_be_visible()
    reload(operator)
    expect(operator.get_by_test_id("folder-list")).to_be_visible()


def test_with_operator_shows_paused_dialogs(app, operator, new_context):
    _, paused, _ = visitor_dialog(operator, new_context, "Wants a human")
    _, running, _ = visitor_dialog(operator, new_context, "Bot is fine")
    services(app, f"""
from messenger_app.services import crm
crm.set_bot_paused({int(paused)}, True)
print(1)""")
    reload(operator)
    folder_item(operator, "operator").click()
    expect(folder_item(operator, "operator")).to_have_attribute("data-active", "true")
    expect(row_by_id(operator, paused)).to_have_count(1)
    expect(row_by_id(operator, running)).to_have_count(0)
    # the unread counter of "With operator" counts its dialogs with unread messages
    expect(folder_item(operator, "operator").get_by_test_id("folder-unread")).to_have_text(
        re.compile(r"^[1-9]\d*$"))
    folder_item(operator, "all").click()
    expect(row_by_id(operator, running)).to_have_count(1)


# -- screenshots ------------------------------------------------------------------------------

def test_left_panel_screenshots(app, new_context):
    SHOTS.mkdir(exist_ok=True)
    people = (("Anna Smirnova", "Could you send me the price list for the spring collection?",
               "Wholesale", "Gold", ["Wholesale", "Moscow office"]),
              ("Oleg Petrov", "Is delivery to Kazan possible this week?", "VIP", "Silver", ["VIP"]),
              ("Maria Ivanova", "Thank you, the order arrived in perfect condition!", "", "", []))
    visitors = []
    for name, text, *_ in people:
        v = open_widget(new_context(viewport={"width": 390, "height": 700}))
        visitors.append(v)
        widget_say(v, text)
    desk = login(new_context(viewport=DESKTOP))
    ids = [row_with(desk, text).get_attribute("data-id") for _, text, *_ in people]
    services(app, f"""
from messenger_app.services import crm, dialogs, folders
people = {[(name, tag1, tag2, fl) for name, _, tag1, tag2, fl in people]!r}
ids = {ids!r}
have = {{f.name: f.id for f in folders.list_folders()}}
for label in ("VIP", "Wholesale", "Moscow office", "Returns and exchanges — second line support"):
    if label not in have:
        have[label] = folders.create(label).id
for (name, tag1, tag2, fl), did in zip(people, ids):
    cid = dialogs.card(int(did)).contact_id
    first, last = name.split()
    crm.set_name(cid, first, last)
    if tag1:
        crm.set_tag1(cid, tag1)
    if tag2:
        if tag2 not in crm.list_tag2_options():
            crm.add_tag2_option(tag2)
        crm.set_tag2(cid, tag2)
    folders.set_contact_folders(cid, [have[f] for f in fl])
crm.set_bot_paused(int(ids[1]), True)
print(1)""")
    reload(desk)
    desk.get_by_test_id("filter-open").click()
    builder = desk.get_by_test_id("filter-builder")
    cond = builder.get_by_test_id("filter-condition").nth(0)
    _choose(cond, "filter-field", "channel")
    _choose(cond, "filter-operator", "in_list")
    cond.locator('[data-testid="filter-value-option"][data-value="widget"]').click()
    builder.get_by_test_id("filter-add-group").click()
    group = builder.get_by_test_id("filter-group")
    g1 = group.get_by_test_id("filter-condition").nth(0)
    _choose(g1, "filter-field", "unread")
    group.get_by_test_id("filter-group-add").click()
    g2 = group.get_by_test_id("filter-condition").nth(1)
    _choose(g2, "filter-field", "last_message_at")
    _choose(g2, "filter-operator", "after")
    g2.get_by_test_id("filter-value").fill("01012024")  # dd.mm.yyyy, dots added as typed
    expect(g2.get_by_test_id("filter-value")).to_have_value("01.01.2024")
    expect(builder.get_by_test_id("filter-meaning")).to_contain_text("OR")
    desk.mouse.move(10, 10)
    settled(desk)
    desk.screenshot(path=str(SHOTS / "filter-builder.png"))
    builder.get_by_test_id("filter-apply").click()
    expect(builder).to_be_hidden()
    expect(desk.get_by_test_id("filter-count")).to_have_text("3")
    desk.mouse.move(1300, 700)
    settled(desk)
    desk.screenshot(path=str(SHOTS / "left-panel.png"))
    desk.get_by_test_id("filter-clear").click()  # the x on the active filter resets it too
    expect(desk.get_by_test_id("filter-count")).to_have_count(0)
    expect(desk.get_by_test_id("filter-summary")).to_have_count(0)

    phone = login(new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True))
    expect(phone.get_by_test_id("folder-list")).to_be_visible()
    expect(phone.get_by_test_id("new-dialog-open")).to_be_visible()
    box = phone.get_by_test_id("dialog-list").bounding_box()
    assert box["width"] >= 380, box  # the list takes the whole width of a phone
    for testid in ("folders-toggle", "folder-item", "filter-open", "new-dialog-open"):
        b = phone.get_by_test_id(testid).first.bounding_box()
        assert b["height"] >= 24 and b["width"] >= 24, (testid, b)
    item = phone.get_by_test_id("folder-item").first.bounding_box()
    assert item["height"] >= 40, item  # easy with a thumb
    settled(phone)
    phone.screenshot(path=str(SHOTS / "left-panel-phone.png"))
    phone.get_by_test_id("filter-open").click()
    expect(phone.get_by_test_id("filter-builder")).to_be_visible()
    settled(phone)
    phone.screenshot(path=str(SHOTS / "filter-builder-phone.png"))
    fb = phone.get_by_test_id("filter-builder").bounding_box()
    assert fb["width"] >= 380, fb
    for name in ("left-panel", "filter-builder", "left-panel-phone", "filter-builder-phone"):
        assert (SHOTS / f"{name}.png").stat().st_size > 5000, name
