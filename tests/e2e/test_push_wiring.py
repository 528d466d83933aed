"""N1 wired into the running app: an operator's browser subscription (posted through the
app's /api/push/subscribe with the session cookie, as assets/push.js does) receives an
encrypted Web Push at the push service when a client writes; /api/push refuses strangers."""

from playwright.sync_api import expect

from tests.e2e.conftest import login, open_widget, unique, widget_say
from tests.fakes.push_service import FakePushService
from tests.fakes.push_browser import Browser


def test_inbound_message_is_pushed_to_the_operator(app, new_context, playwright_request_factory):
    with FakePushService() as push_service:
        ctx = new_context()
        operator = login(ctx)
        sub = Browser(push_service.endpoint("operator-phone"))
        # the session cookie of the signed-in tab authorises the subscription
        res = operator.request.post("/api/push/subscribe", data=sub.json,
                                    headers={"Content-Type": "application/json"})
        assert res.status == 200, res.text()
        key = operator.request.get("/api/push/key").json()["key"]
        assert len(key) > 80

        stranger = playwright_request_factory()
        assert stranger.post("/api/push/subscribe", data=sub.json,
                             headers={"Content-Type": "application/json"}).status == 401

        text = unique("Push me")
        visitor = open_widget(new_context())
        widget_say(visitor, text)
        expect(operator.get_by_test_id("dialog-row").first.get_by_test_id("dialog-row-preview")
               ).to_have_text(text)
        [got] = push_service.wait_for(1, timeout=10)
        payload = sub.decrypt(got["body"])
        assert payload["body"] == text and payload["tag"].startswith("dialog-")
        assert payload["url"] == f"/?dialog={payload['dialog_id']}"
        assert got["headers"]["authorization"].startswith("vapid t=")

        # the page has the installable-app head and the push/sound helpers
        assert operator.locator('link[rel="manifest"]').count() == 1
        assert operator.evaluate("typeof window.__msgPushEnable") == "function"
        assert operator.evaluate("typeof window.__msgPlaySound") == "function"


def test_inbound_message_plays_the_sound_once(app, new_context):
    """N2 wiring: the tab asks sound.js to play for an inbound message (sound on by default
    for clients in no custom folder); sound.js itself dedupes across tabs."""
    operator = login(new_context())
    operator.evaluate("""() => { window.__played = [];
        window.__msgPlaySound = (id) => { window.__played.push(id); return Promise.resolve('played'); }; }""")
    visitor = open_widget(new_context())
    text = unique("Ding")
    widget_say(visitor, text)
    expect(operator.get_by_test_id("dialog-row").first.get_by_test_id("dialog-row-preview")
           ).to_have_text(text)
    operator.wait_for_function("window.__played.length >= 1")
    played = operator.evaluate("window.__played")
    assert len(played) == 1 and isinstance(played[0], int)

    # the next message rings for itself alone (the ids come in the live update's delta:
    # a change of #msg-ring's data-ring), and the first one is not played again
    second = unique("Dong")
    widget_say(visitor, second)
    expect(operator.get_by_test_id("dialog-row").first.get_by_test_id("dialog-row-preview")
           ).to_have_text(second)
    operator.wait_for_function("window.__played.length >= 2")
    again = operator.evaluate("window.__played")
    assert len(again) == 2 and again[0] == played[0] and again[1] > played[0]
