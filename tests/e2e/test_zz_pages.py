"""Every page with the demo data (issue 20), in English and Russian, at 1366x768 and 390x844:

* no page's main content scrolls horizontally on a phone (scrollWidth <= clientWidth, for the
  document and for every element that is not meant to scroll);
* in Russian no Latin-only label is left (a list of the visible strings, placeholders and
  titles, minus an allow-list of proper names such as Telegram);
* screenshots of each page go to SCREENSHOTS_DIR (default: a temporary folder, so a test run
  leaves the checkout clean; `scripts/screenshots.sh` points it at screenshots/ to refresh
  the README's pictures).

Named test_zz_* so it runs after the session app's tests: it stops that app and starts its
own with DEMO_DATA=1 (one build folder at a time).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (SHOTS_DIR, ADMIN_PASSWORD, ADMIN_USER, CHROMIUM, CHROMIUM_ARGS, WAIT_MS, goto,
                                login, new_page, path_of_url, start_app, stop_session_app)
from tests.e2e.waits import settled

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

# Proper names, formats and codes that stay Latin in a Russian interface.
ALLOWED_LATIN = {
    "telegram", "whatsapp", "vk", "viber", "sms", "e-mail", "email", "imap", "smtp", "csv", "xlsx",
    "url", "api", "id", "en", "ru", "push", "http", "https", "webhook", "messenger", "bot", "iframe",
    "html", "utf", "cloud", "vapid", "tag", "www", "com", "ru", "example", "org", "shop", "mail",
    "smtp", "tls", "ssl", "gateway", "json", "get", "post", "ok", "vip", "b2b", "crm",
    "alt", "ctrl", "shift", "enter", "esc",  # key names on the keyboard
}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def _shots_dir(tmp_path_factory) -> Path:
    path = SHOTS_DIR / "pages"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module", params=["en", "ru"])
def demo_app(request, tmp_path_factory, fake_tg):
    """The app with the demo data of one language (DEMO_LANG), as a new user sees it."""
    stop_session_app()
    inst = start_app(tmp_path_factory.mktemp("e2e-demo"), fake_tg.url,
                     {"DEMO_DATA": "1", "DEMO_LANG": request.param})
    inst.lang = request.param
    try:
        yield inst
    finally:
        inst.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    return _shots_dir(tmp_path_factory)


@pytest.fixture(scope="module")
def chromium(pw):
    b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()


def _context(chromium, app, lang: str, phone: bool):
    kw = dict(base_url=app.url, viewport=PHONE if phone else DESKTOP, locale=lang)
    if phone:
        kw.update(device_scale_factor=2, is_mobile=True, has_touch=True)
    ctx = chromium.new_context(**kw)
    ctx.set_default_timeout(WAIT_MS)
    # the interface language lives in localStorage (LangState.lang)
    ctx.add_init_script(f"localStorage.setItem('msg_lang', {lang!r});")
    return ctx


def _login(ctx):
    """The admin signed in (conftest.login), with the demo's dialogs listed."""
    page = login(ctx)
    expect(page.get_by_test_id("dialog-row").first).to_be_visible()
    return page


OVERFLOW_JS = """() => {
  const doc = document.scrollingElement;
  const out = [];
  if (doc.scrollWidth > doc.clientWidth) out.push(`document ${doc.scrollWidth} > ${doc.clientWidth}`);
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || st.position === 'fixed') continue;
    // an element wider than the screen, not inside a box that scrolls on purpose
    if (r.right > window.innerWidth + 1 || r.left < -1) {
      let p = el.parentElement, scrolls = false;
      while (p) {
        const ps = getComputedStyle(p);
        // a box that scrolls sideways on purpose; one that hides the overflow cuts it off
        if (['auto', 'scroll'].includes(ps.overflowX) && p !== document.body
            && p !== document.documentElement) { scrolls = true; break; }
        p = p.parentElement;
      }
      if (!scrolls) out.push(`${el.tagName.toLowerCase()}.${el.className} [${(el.innerText || '').slice(0, 40)}] ${Math.round(r.left)}..${Math.round(r.right)}`);
    }
  }
  return out.slice(0, 10);
}"""

TEXTS_JS = """() => {
  const out = [];
  const visible = (el) => {
    if (!el) return false;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) return false;
    const st = getComputedStyle(el);
    return st.visibility !== 'hidden' && st.display !== 'none';
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walker.nextNode())) {
    const el = n.parentElement;
    if (!el || ['SCRIPT', 'STYLE', 'NOSCRIPT', 'CODE', 'TEXTAREA'].includes(el.tagName)) continue;
    if (el.closest('[data-latin]')) continue;  // e.g. a CRM field's key: latin by design
    const t = n.textContent.trim();
    if (t && visible(el)) out.push(t);
  }
  for (const el of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
    if (visible(el) && !el.closest('[data-latin]')) out.push(el.getAttribute('placeholder'));
  }
  for (const el of document.querySelectorAll('[title]')) {
    if (visible(el) && el.tagName !== 'IMG') out.push(el.getAttribute('title'));
  }
  return out;
}"""


def _untranslated(page) -> list[str]:
    bad = []
    for text in page.evaluate(TEXTS_JS):
        if CYRILLIC.search(text):
            continue  # a Russian sentence may name Telegram or a URL
        words = [w.lower().strip("'-") for w in LATIN_WORD.findall(text)]
        words = [w for w in words if len(w) > 1 and w not in ALLOWED_LATIN]
        if words:
            bad.append(text)
    return sorted(set(bad))


def _check(page, lang: str, phone: bool, name: str, shots: Path) -> list[str]:
    page.mouse.move(5, 5)
    settled(page)
    size = "phone" if phone else "desktop"
    page.screenshot(path=str(shots / f"{name}-{size}-{lang}.png"))
    problems = []
    if phone:
        over = page.evaluate(OVERFLOW_JS)
        if over:
            problems.append(f"{name} ({lang}, phone) scrolls sideways: {over}")
    if lang == "ru":
        bad = _untranslated(page)
        if bad:
            problems.append(f"{name} ({size}): English left in Russian: {bad}")
    return problems


def _walk(ctx, lang: str, phone: bool, shots: Path) -> list[str]:
    problems = []
    guest = new_page(ctx)
    goto(guest, "/login")
    expect(guest.get_by_test_id("login-submit")).to_be_visible()
    problems += _check(guest, lang, phone, "login", shots)
    guest.close()

    page = _login(ctx)
    problems += _check(page, lang, phone, "inbox", shots)
    # a dialog that can be answered (the demo's website chat is the channel that is on)
    widget_rows = page.locator('[data-testid="dialog-row"][data-channel="widget"]')
    (widget_rows.first if widget_rows.count() else page.get_by_test_id("dialog-row").first).click()
    expect(page.get_by_test_id("message").first).to_be_visible()
    problems += _check(page, lang, phone, "dialog", shots)
    if phone:
        page.get_by_test_id("panel-switch-card").click()
        expect(page.get_by_test_id("card")).to_be_visible()
        problems += _check(page, lang, phone, "card", shots)
        page.get_by_test_id("panel-switch-list").click()
    page.get_by_test_id("filter-open").click()
    expect(page.get_by_test_id("filter-builder")).to_be_visible()
    problems += _check(page, lang, phone, "filter", shots)
    page.keyboard.press("Escape")

    for path, name, ready in (("/contacts", "contacts", "contact-row"),
                              ("/crm", "crm", "crm-field-row"),
                              ("/settings", "settings", "channel-row"),
                              ("/templates", "templates", "template-row"),
                              ("/stats", "stats", "stats-day"),
                              ("/scenarios", "scenarios", "scenario-row"),
                              ("/mailings", "mailings", "mailings-page")):
        goto(page, path)
        expect(page.get_by_test_id(ready).first).to_be_visible()
        problems += _check(page, lang, phone, name, shots)
    return problems


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_pages_fit_the_screen_and_speak_the_language(chromium, demo_app, shots, phone):
    lang = demo_app.lang
    ctx = _context(chromium, demo_app, lang, phone)
    try:
        problems = _walk(ctx, lang, phone, shots)
    finally:
        ctx.close()
    assert not problems, "\n".join(problems)


WATCH_JS = """() => {
  window.__seen = {loading: false, empty: false, zero: false};
  const look = () => {
    if (document.querySelector('[data-testid="dialog-list-loading"]')) window.__seen.loading = true;
    if (document.querySelector('[data-testid="dialog-list-empty"]')) window.__seen.empty = true;
    const n = document.querySelector('[data-testid="search-count"]');
    if (n && /^0\\D/.test(n.textContent.trim())) window.__seen.zero = true;
  };
  new MutationObserver(look).observe(document, {subtree: true, childList: true, characterData: true});
  document.addEventListener('DOMContentLoaded', look);
}"""


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_the_list_shows_a_skeleton_not_an_empty_inbox_while_it_loads(chromium, demo_app, phone):
    """Right after sign-in the list shows grey rows until the data arrive: never "No dialogs
    yet" or "0 found" for a base that has dialogs."""
    ctx = _context(chromium, demo_app, demo_app.lang, phone)
    try:
        page = new_page(ctx)
        goto(page, "/login")
        page.get_by_test_id("login-username").fill(ADMIN_USER)
        page.get_by_test_id("login-password").fill(ADMIN_PASSWORD)
        ctx.add_init_script(f"({WATCH_JS})()")  # from the inbox's first paint on
        page.get_by_test_id("login-submit").click()
        page.wait_for_url(lambda u: path_of_url(u) == "/")
        expect(page.get_by_test_id("dialog-row").first).to_be_visible()
        page.reload()  # a cold load of the inbox too (the init script watches from the start)
        expect(page.get_by_test_id("dialog-row").first).to_be_visible()
        seen = page.evaluate("window.__seen")
        assert seen["loading"], "no skeleton before the data"
        assert not seen["empty"] and not seen["zero"], seen
        expect(page.get_by_test_id("dialog-list-loading")).to_have_count(0)
    finally:
        ctx.close()


def test_the_card_panel_with_no_dialog_open_lists_who_waits(chromium, demo_app):
    ctx = _context(chromium, demo_app, demo_app.lang, False)
    try:
        page = _login(ctx)
        empty = page.get_by_test_id("card-empty")
        expect(empty).to_be_visible()
        waiting = empty.get_by_test_id("card-waiting-row")
        expect(waiting.first).to_be_visible()
        did = waiting.first.get_attribute("data-id")
        waiting.first.click()
        expect(page.get_by_test_id("card")).to_be_visible()
        expect(page.locator(f'[data-testid="dialog-row"][data-id="{did}"]')).to_have_attribute(
            "data-active", "true")
    finally:
        ctx.close()


def test_the_composer_says_why_it_cannot_send(chromium, demo_app):
    """The demo channels other than the website chat are off: a client reachable only there
    gets a disabled input with the reason, in the interface's language."""
    ctx = _context(chromium, demo_app, demo_app.lang, False)
    try:
        page = _login(ctx)
        rows = page.get_by_test_id("dialog-row").filter(
            has=page.locator('[data-testid="dialog-row-channel"]:not([data-channel="widget"])'))
        no_route = page.get_by_test_id("composer-no-route")
        for i in range(min(rows.count(), 12)):  # the first client whose only channels are off
            rows.nth(i).click()
            # this dialog is open: its messages, card and composer state came in one update
            expect(rows.nth(i)).to_have_attribute("data-active", "true")
            expect(page.get_by_test_id("message").first).to_be_visible()
            if no_route.count():
                break
        expect(no_route).to_be_visible()
        expect(page.get_by_test_id("composer-input")).to_be_disabled()
        expect(page.get_by_test_id("composer-send")).to_be_disabled()
        word = {"en": "the channel is off", "ru": "канал выключен"}[demo_app.lang]
        expect(no_route).to_contain_text(word)
        page.get_by_test_id("composer-note").click()  # an internal note is still possible
        expect(page.get_by_test_id("composer-input")).to_be_enabled()
    finally:
        ctx.close()
