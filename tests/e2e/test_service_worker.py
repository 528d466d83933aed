"""The service worker, the manifest, push.js and sound.js in real Chromium (N1, N2, N3).

No Reflex app here: a tiny Starlette server on 127.0.0.1 serves assets/ at the site root
(as Reflex does) plus a test page that loads push.js and sound.js. A push is delivered
through the DevTools protocol (ServiceWorker.deliverPushMessage), which hands the payload
to the worker's `push` handler exactly as the browser does after decrypting a real push
(the encryption itself is tested in tests/unit/test_push.py). Installability is what
Chromium itself says (Page.getInstallabilityErrors) in a normal, non-incognito profile.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
import time
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "assets"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>sw test</title>
<link rel="manifest" href="/manifest.webmanifest">
<link rel="apple-touch-icon" href="/icons/apple-touch-icon.png">
<meta name="theme-color" content="#3e63dd">
<script src="/push.js"></script><script src="/sound.js"></script>
</head><body><button id="b">click</button></body></html>"""


class StaticSite:
    def __init__(self):
        import uvicorn

        async def page(request):
            return HTMLResponse(PAGE)

        async def key(request):  # push.js asks for it; no real push service here
            return JSONResponse({"error": "sign in first"}, status_code=401)

        app = Starlette(routes=[Route("/", page), Route("/api/push/key", key),
                                Mount("/", StaticFiles(directory=ASSETS))])
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                                     lifespan="off", timeout_graceful_shutdown=1))
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._server.serve(sockets=[self._sock])), daemon=True)

    def __enter__(self):
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "the static server did not start"
            time.sleep(0.01)
        return self

    def __exit__(self, *exc):
        self._server.should_exit = True
        self._thread.join(5)
        self._sock.close()


@pytest.fixture(scope="module")
def site():
    with StaticSite() as s:
        yield s


@pytest.fixture(scope="module")
def chromium(pw):  # pw: the session's Playwright (tests/e2e/conftest.py)
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is not installed (./test.sh installs it)")
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def context(chromium, site):
    ctx = chromium.new_context(base_url=site.url)
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


def wait_for_active_worker(page) -> None:
    page.wait_for_function(
        """() => navigator.serviceWorker.getRegistration('/').then(r =>
               !!(r && r.active && r.active.state === 'activated'))""", polling=100)
    # clients.claim() ran: the page is controlled
    page.wait_for_function("() => !!navigator.serviceWorker.controller", polling=100)


def registration_id(page, cdp, scope: str) -> str:
    """The DevTools id of the active registration for `scope` (from the events that
    ServiceWorker.enable replays for existing registrations and versions)."""
    regs: dict[str, str] = {}
    active: set[str] = set()

    def on_regs(params):
        for reg in params.get("registrations", []):
            if reg["scopeURL"] == scope and not reg.get("isDeleted"):
                regs[reg["registrationId"]] = reg["scopeURL"]

    def on_versions(params):
        for v in params.get("versions", []):
            if v.get("status") == "activated":
                active.add(v["registrationId"])

    cdp.on("ServiceWorker.workerRegistrationUpdated", on_regs)
    cdp.on("ServiceWorker.workerVersionUpdated", on_versions)
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 10
    while not (ready := [r for r in regs if r in active]):
        assert time.monotonic() < deadline, f"no activated registration for {scope}: {regs} {active}"
        # The condition is checked above; this pause between checks is what lets Playwright
        # dispatch the CDP events (they arrive only while a Playwright call is running).
        page.wait_for_timeout(50)
    assert len(ready) == 1, ready
    return ready[0]


NOTIFICATIONS = """() => navigator.serviceWorker.ready
    .then(r => r.getNotifications())
    .then(ns => ns.map(n => ({title: n.title, body: n.body, tag: n.tag, icon: n.icon,
                              badge: n.badge, renotify: n.renotify, data: n.data})))"""


class Pushes:
    """Pushes delivered to the page's active worker through DevTools, and the notifications
    they led to, read only once every showNotification() the worker started has settled.

    Why not poll getNotifications() meanwhile: in Chromium a getNotifications() that runs while
    a showNotification() is still on its way can drop that notification (the stored entry is
    reconciled with the ones on screen before it is on screen): seen here as 1 lost in 20-30 runs
    while polling, none in 100 when reading after the worker finished. So the test wraps the
    browser's showNotification in the worker (not sw.js) to count the calls that settled."""

    COUNT = """() => {
        if (!self.__shows) {
            self.__shows = {started: 0, settled: 0, errors: []};
            const reg = self.registration, show = reg.showNotification.bind(reg);
            reg.showNotification = (title, options) => {
                self.__shows.started++;
                return show(title, options).then(
                    v => { self.__shows.settled++; return v; },
                    e => { self.__shows.settled++; self.__shows.errors.push(String(e)); throw e; });
            };
        }
        return self.__shows;
    }"""

    def __init__(self, context, page, site):
        self.page = page
        self.origin = site.url
        wait_for_active_worker(page)
        (self.worker,) = [w for w in context.service_workers if w.url == site.url + "/sw.js"]
        self.worker.evaluate(self.COUNT)
        self.cdp = context.new_cdp_session(page)
        self.reg_id = registration_id(page, self.cdp, site.url + "/")
        self.sent = 0

    def deliver(self, data) -> None:
        self.cdp.send("ServiceWorker.deliverPushMessage", {
            "origin": self.origin, "registrationId": self.reg_id,
            "data": data if isinstance(data, str) else json.dumps(data)})
        self.sent += 1

    def shown(self, timeout_ms: int = 10_000) -> list[dict]:
        """The notifications on screen, once the worker settled a showNotification() for every
        push delivered (a push event that shows nothing fails here, by the time limit)."""
        shows = self.worker.evaluate("""async ([want, limitMs]) => {
            const end = Date.now() + limitMs;
            while (self.__shows.settled < want && Date.now() < end)
                await new Promise(r => setTimeout(r, 20));
            return self.__shows;
        }""", [self.sent, timeout_ms])
        assert shows["settled"] == self.sent and not shows["errors"], (self.sent, shows)
        return self.page.evaluate(NOTIFICATIONS)


def test_push_message_shows_a_notification(context, site):
    context.grant_permissions(["notifications"], origin=site.url)
    page = context.new_page()
    page.goto("/")
    pushes = Pushes(context, page, site)
    assert page.evaluate("window.__msgPushState()") == "granted"
    pushes.deliver({"title": "Анна Петрова", "body": "Здравствуйте!", "tag": "dialog-7",
                    "url": "/?dialog=7", "dialog_id": 7})
    shown = pushes.shown()
    assert len(shown) == 1
    n = shown[0]
    assert (n["title"], n["body"], n["tag"]) == ("Анна Петрова", "Здравствуйте!", "dialog-7")
    assert n["renotify"] is True and n["data"]["url"] == "/?dialog=7"
    assert n["icon"].endswith("/icons/icon-192.png") and n["badge"].endswith("/icons/badge-96.png")

    # the next message of the same dialog replaces it; another dialog adds one
    pushes.deliver({"title": "Анна Петрова", "body": "Вы тут?", "tag": "dialog-7",
                    "url": "/?dialog=7"})
    pushes.deliver({"title": "Boris", "body": "hi", "tag": "dialog-8", "url": "/?dialog=8"})
    shown = sorted(pushes.shown(), key=lambda x: x["tag"])
    assert [(x["tag"], x["body"]) for x in shown] == [("dialog-7", "Вы тут?"), ("dialog-8", "hi")]


def test_notification_click_opens_the_dialog_in_the_open_window(context, site):
    context.grant_permissions(["notifications"], origin=site.url)
    page = context.new_page()
    page.goto("/")
    page.evaluate("""() => window.addEventListener('msg-open-dialog', e => {
        e.preventDefault(); window.__opened = e.detail; })""")
    pushes = Pushes(context, page, site)
    pushes.deliver({"title": "Vera", "body": "?", "tag": "dialog-9", "url": "/?dialog=9",
                    "dialog_id": 9})
    assert [n["tag"] for n in pushes.shown()] == ["dialog-9"]
    worker = pushes.worker
    # the click itself: a NotificationEvent for the shown notification, dispatched in the
    # worker. A synthetic event may not waitUntil(), so the test takes the handler's promise
    # and waits for it: it resolves to the window client that showed the dialog.
    shown_in = worker.evaluate("""async () => {
        let n = null;
        for (let i = 0; i < 50 && !n; i++) {  // the page saw it; the worker may lag a moment
            n = (await self.registration.getNotifications()).find(x => x.tag === 'dialog-9');
            if (!n) await new Promise(r => setTimeout(r, 100));
        }
        if (!n) return 'the worker sees no notification';
        const ev = new NotificationEvent('notificationclick', {notification: n});
        let work = null;
        Object.defineProperty(ev, 'waitUntil', {value: p => { work = p; }});
        self.dispatchEvent(ev);
        if (!work) return 'the handler did not call waitUntil';
        const win = await work;
        return win ? win.url : 'no window';
    }""")
    assert shown_in == site.url + "/", shown_in
    page.wait_for_function("() => !!window.__opened", polling=100)
    opened = page.evaluate("window.__opened")
    assert opened["type"] == "msg-open-dialog" and opened["dialog_id"] == 9
    assert opened["url"] == site.url + "/?dialog=9"
    assert page.evaluate(NOTIFICATIONS) == []  # clicked: closed
    assert page.url == site.url + "/"  # the page handled it: no reload


def test_push_without_json_still_notifies(context, site):
    context.grant_permissions(["notifications"], origin=site.url)
    page = context.new_page()
    page.goto("/")
    pushes = Pushes(context, page, site)
    pushes.deliver("plain text")
    shown = pushes.shown()
    assert (shown[0]["title"], shown[0]["body"]) == ("Messenger", "plain text")


def test_open_dialog_message_from_the_worker(context, site):
    """sw.js asks an open window to show the dialog; push.js answers and fires an event."""
    page = context.new_page()
    page.goto("/")
    wait_for_active_worker(page)
    result = page.evaluate("""() => new Promise(resolve => {
        window.addEventListener('msg-open-dialog', e => { e.preventDefault();
                                                           window.__opened = e.detail; });
        const ch = new MessageChannel();
        ch.port1.onmessage = ev => resolve({answer: ev.data, opened: window.__opened});
        setTimeout(() => resolve({answer: null, opened: window.__opened}), 3000);
        // what sw.js posts on notificationclick, dispatched the way the browser does
        navigator.serviceWorker.dispatchEvent(new MessageEvent('message', {
            data: {type: 'msg-open-dialog', url: location.origin + '/?dialog=5', dialog_id: 5},
            ports: [ch.port2]}));
    })""")
    assert result["answer"] == "ok"
    assert result["opened"]["dialog_id"] == 5 and result["opened"]["url"].endswith("/?dialog=5")
    assert page.url == site.url + "/"  # the handler took it: no navigation


# -- manifest / installability ------------------------------------------------------------
def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.fixture
def profile_context(pw, site, tmp_path):
    """A normal (persistent) profile: Chromium never offers to install from incognito."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is not installed (./test.sh installs it)")
    ctx = pw.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=CHROMIUM,
                                                args=CHROMIUM_ARGS, base_url=site.url)
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


def test_manifest_is_installable(profile_context, site):
    context = profile_context
    page = context.new_page()
    page.goto("/")
    wait_for_active_worker(page)
    resp = page.request.get("/manifest.webmanifest")
    assert resp.ok
    manifest = resp.json()
    assert manifest["name"] == "Messenger" and manifest["short_name"]
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"].lower() == "#3e63dd" and manifest["background_color"]
    purposes = {}
    for icon in manifest["icons"]:
        got = page.request.get(icon["src"])
        assert got.ok, icon["src"]
        assert got.headers["content-type"] == "image/png" == icon["type"]
        w, h = png_size(got.body())
        assert f"{w}x{h}" == icon["sizes"], icon["src"]
        purposes.setdefault(icon.get("purpose", "any"), set()).add(icon["sizes"])
    assert {"192x192", "512x512"} <= purposes["any"]
    assert "512x512" in purposes["maskable"]
    for path, size in (("/icons/apple-touch-icon.png", 180), ("/icons/favicon-32.png", 32),
                       ("/icons/badge-96.png", 96)):
        got = page.request.get(path)
        assert got.ok and png_size(got.body()) == (size, size), path

    cdp = context.new_cdp_session(page)
    app_manifest = cdp.send("Page.getAppManifest")
    assert app_manifest["url"].endswith("/manifest.webmanifest")
    assert not app_manifest.get("errors"), app_manifest.get("errors")
    parsed = app_manifest.get("manifest") or {}
    if parsed:  # newer Chromium returns the parsed manifest too
        print("parsed manifest:", json.dumps(parsed)[:1500])
        assert parsed.get("display") in ("standalone", "kStandalone")
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    print("installability errors:", errors)
    assert errors == [], errors


def test_maskable_icon_keeps_the_logo_in_the_safe_zone():
    """Everything that is not background lies inside the centre circle of radius 40%."""
    import zlib

    data = (ASSETS / "icons" / "icon-maskable-512.png").read_bytes()
    w, h = png_size(data)
    pos, idat = 8, b""
    while pos < len(data):
        n = struct.unpack(">I", data[pos:pos + 4])[0]
        if data[pos + 4:pos + 8] == b"IDAT":
            idat += data[pos + 8:pos + 8 + n]
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * 4 + 1
    assert all(raw[y * stride] == 0 for y in range(h))  # the generator writes filter 0 only
    background = tuple(raw[1:5])
    assert background[3] == 255  # full bleed, opaque
    logo = 0
    for y in range(h):
        row = raw[y * stride + 1:(y + 1) * stride]
        for x in range(w):
            if tuple(row[x * 4:x * 4 + 4]) != background:
                logo += 1
                assert ((x + 0.5 - w / 2) ** 2 + (y + 0.5 - h / 2) ** 2) ** 0.5 <= 0.4 * w, (x, y)
    assert logo > w * h * 0.05  # there is a logo at all


# -- sound ----------------------------------------------------------------------------------
@pytest.fixture
def chromium_autoplay(pw, site):
    """A browser that allows sound without a click (like a tab the operator has used)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is not installed (./test.sh installs it)")
    browser = pw.chromium.launch(executable_path=CHROMIUM,
                                 args=CHROMIUM_ARGS + ["--autoplay-policy=no-user-gesture-required"])
    ctx = browser.new_context(base_url=site.url)
    yield ctx
    ctx.close()
    browser.close()


def test_sound_plays_once_across_tabs(chromium_autoplay):
    tabs = [chromium_autoplay.new_page() for _ in range(3)]
    for t in tabs:
        t.goto("/")
    # every tab hears about message 101 at the same moment (started without awaiting)
    for t in tabs:
        t.evaluate("() => { window.__r = window.__msgPlaySound(101); }")
    results = sorted(t.evaluate("window.__r") for t in tabs)
    assert results == ["duplicate", "duplicate", "played"], results
    assert tabs[0].evaluate("window.__msgSoundState()") in ("ok", "unknown")
    # a later tab, and a repeat in the same tab, do not ring again; a new message does
    late = chromium_autoplay.new_page()
    late.goto("/")
    assert late.evaluate("window.__msgPlaySound(101)") == "duplicate"
    assert tabs[1].evaluate("window.__msgPlaySound('101')") == "duplicate"
    assert late.evaluate("window.__msgPlaySound(102)") == "played"
    assert late.evaluate("window.__msgSoundState()") == "ok"


# Headless Chromium lets pages play sound without a click whatever --autoplay-policy says
# (navigator.userActivation.hasBeenActive is true at once), so the block is imitated the way
# Chrome does it on a desktop: play() rejects with NotAllowedError until a real click.
AUTOPLAY_POLICY = """
if (location.search.indexOf('blocked=1') !== -1) {
  let activated = false;
  document.addEventListener('pointerdown', () => { activated = true; }, true);
  const realPlay = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function () {
    if (!activated && !this.muted)
      return Promise.reject(new DOMException('play() failed because the user did not interact '
                                             + 'with the document first.', 'NotAllowedError'));
    return realPlay.call(this);
  };
}
"""


def test_sound_reports_the_autoplay_block(context):
    context.add_init_script(AUTOPLAY_POLICY)
    page = context.new_page()
    page.goto("/?blocked=1")
    page.evaluate("window.addEventListener('msg-sound-state', e => (window.__states = "
                  "(window.__states || []).concat(e.detail.state)))")
    assert page.evaluate("window.__msgSoundState()") == "unknown"
    assert page.evaluate("window.__msgPlaySound(201)") == "blocked"
    assert page.evaluate("window.__msgSoundState()") == "blocked"
    assert page.evaluate("window.__msgPlaySound(201)") == "blocked"  # not marked as played

    # another tab that may play still rings for the message the blocked tab could not play
    other = context.new_page()
    other.goto("/")
    assert other.evaluate("window.__msgPlaySound(201)") == "played"
    assert page.evaluate("window.__msgPlaySound(201)") == "duplicate"

    page.click("#b")  # the click the UI asks for lifts the block
    page.wait_for_function("window.__msgSoundState() === 'ok'")
    assert page.evaluate("window.__msgPlaySound(202)") == "played"
    assert page.evaluate("window.__states") == ["blocked", "ok"]
