"""The scenario editor (B1) in a browser: a scenario built from an empty canvas — steps added
from the palette, one exit dragged with the mouse, the others pointed from the side panel's
"next step" selects, texts and buttons typed — checked (each problem selects its step),
published, listed; then played in "Try it" (buttons, a typed answer, an invalid answer asked
again, the "no answer" exit); the list and the editor pass axe at both sizes and languages."""

from __future__ import annotations

import re
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SHOTS_DIR, goto, login, unique
from tests.e2e.crm_helpers import add_crm_field, letters
from tests.e2e.test_accessibility import SIZES, axe_violations
from tests.e2e.test_zz_pages import _untranslated


def add_step(page, kind: str, expect_id: str) -> None:
    page.locator(f'[data-testid="sc-add-step"][data-kind="{kind}"]').click()
    # the new step is selected: the side panel edits it
    expect(page.get_by_test_id("sc-step-panel")).to_have_attribute("data-id", expect_id)
    expect(page.locator(f'[data-testid="flow-node"][data-id="{expect_id}"]')).to_have_count(1)


def type_into(page, testid: str, text: str, nth: int = 0) -> None:
    box = page.get_by_test_id(testid).nth(nth)
    box.fill(text)
    box.press("Tab")  # fields save on blur


def select_step(page, node_id: str) -> None:
    page.get_by_test_id("sc-step-pick").select_option(node_id)
    expect(page.get_by_test_id("sc-step-panel")).to_have_attribute("data-id", node_id)


def point_exit(page, exit_id: str, target: str) -> None:
    sel = page.locator(f'[data-testid="sc-exit-target"][data-exit="{exit_id}"]')
    sel.select_option(target)
    expect(sel).to_have_value(target)


def node(page, node_id: str):
    return page.locator(f'[data-testid="flow-node"][data-id="{node_id}"]')


def drag_exit(page, source: str, exit_id: str, target: str) -> None:
    """Draws an edge with the mouse, from the exit's handle to the target step's top."""
    select_step(page, source)  # brings it into view (an animated pan)
    handle = node(page, source).locator(f'[data-testid="flow-handle"][data-exit="{exit_id}"]')
    into = node(page, target).locator(".msg-flow-in")
    page.wait_for_function("""([h, t]) => {
        const a = h.getBoundingClientRect(), b = t.getBoundingClientRect();
        const key = [a.x, a.y, b.x, b.y].join();
        const still = window.__scPan === key;
        window.__scPan = key;
        return still;
    }""", arg=[handle.element_handle(), into.element_handle()], polling=100)
    a, b = handle.bounding_box(), into.bounding_box()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + 15, b["y"] + 15, steps=8)
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=4)
    page.mouse.up()


def try_lines(page):
    return page.get_by_test_id("sc-try-line")


def build_scenario(page, name: str, age_key: str) -> str:
    """Builds from an empty canvas and publishes: n1 "Hello, {first_name}!" → n2 "Which city?"
    (buttons Moscow → n4, Other → n5, a typed answer into Tag 1 → n3) → n3 "How old are you?"
    (into the number field `age_key`, re-asked, "no answer within 1 min" → n5) → n4 hand-over;
    n5 end. Returns the scenario's id."""
    goto(page, "/scenarios")
    page.get_by_test_id("scenario-new").click()
    page.get_by_test_id("scenario-create-name").fill(name)
    page.get_by_test_id("scenario-create-save").click()
    page.wait_for_url("**/scenarios/*")
    expect(page.get_by_test_id("sc-editor")).to_be_visible()
    expect(page.get_by_test_id("flow-node")).to_have_count(0)  # an empty canvas

    add_step(page, "send", "n1")
    expect(page.get_by_test_id("sc-is-start")).to_be_visible()  # the first step starts it
    type_into(page, "sc-text", "Hello, {first_name}!")
    expect(node(page, "n1")).to_contain_text("Hello, {first_name}!")

    add_step(page, "ask", "n2")
    type_into(page, "sc-text", "Which city?")
    page.get_by_test_id("sc-button-add").click()
    page.get_by_test_id("sc-button-add").click()
    expect(page.get_by_test_id("sc-button-label")).to_have_count(2)
    type_into(page, "sc-button-label", "Moscow", 0)
    type_into(page, "sc-button-label", "Other", 1)
    page.get_by_test_id("sc-store").select_option("tag1")
    # one exit per button, the typed answer, "no valid answer"
    expect(node(page, "n2").get_by_test_id("flow-exit")).to_have_count(4)
    expect(node(page, "n2")).to_contain_text("Moscow")

    add_step(page, "ask", "n3")
    type_into(page, "sc-text", "How old are you?")
    page.get_by_test_id("sc-store").select_option(f"crm:{age_key}")
    type_into(page, "sc-reask", "Please type your age as a number")
    type_into(page, "sc-timeout", "1")
    expect(page.locator('[data-testid="sc-exit"][data-exit="timeout"]')).to_have_count(1)

    add_step(page, "handover", "n4")
    type_into(page, "sc-note", "Wants a person")
    add_step(page, "end", "n5")
    expect(page.get_by_test_id("sc-exits")).to_have_count(0)  # an end has no exits

    # the mouse way: drag the greeting's exit onto the question
    drag_exit(page, "n1", "next", "n2")
    select_step(page, "n1")
    expect(page.locator('[data-testid="sc-exit-target"][data-exit="next"]')).to_have_value("n2")

    # not finished yet: Check lists the problems, each pointing at its step
    page.get_by_test_id("sc-check").click()
    problems = page.get_by_test_id("sc-problem")
    expect(problems.first).to_be_visible()
    expect(node(page, "n2")).to_have_attribute("data-problem", "true")
    expect(node(page, "n1")).to_have_attribute("data-problem", "false")
    expect(page.get_by_test_id("sc-problems")).to_contain_text("“Moscow” leads nowhere")
    page.locator('[data-testid="sc-problem"][data-node="n4"]').first.get_by_role("link").click()
    expect(page.get_by_test_id("sc-step-panel")).to_have_attribute("data-id", "n4")
    page.get_by_test_id("sc-publish").click()  # refused: the problems stay, nothing published
    expect(page.get_by_test_id("sc-problem").first).to_be_visible()
    expect(page.get_by_test_id("sc-notice")).to_have_count(0)

    # the keyboard way for the rest: a "next step" select per exit
    select_step(page, "n2")
    point_exit(page, "btn:b1", "n4")
    point_exit(page, "btn:b2", "n5")
    point_exit(page, "answer", "n3")
    select_step(page, "n3")
    point_exit(page, "answer", "n4")
    point_exit(page, "timeout", "n5")
    # problems are re-checked as the graph changes: none left
    expect(page.get_by_test_id("sc-problem")).to_have_count(0)
    expect(node(page, "n4")).to_have_attribute("data-problem", "false")

    # a step added and deleted from the keyboard on the canvas (Delete key)
    add_step(page, "wait", "n6")
    node(page, "n6").focus()
    page.keyboard.press("Delete")
    expect(node(page, "n6")).to_have_count(0)
    expect(page.get_by_test_id("sc-step-pick").locator('option[value="n6"]')).to_have_count(0)

    page.get_by_test_id("sc-publish").click()
    expect(page.get_by_test_id("sc-notice")).to_contain_text("version 1")
    expect(page.locator('[data-testid="sc-version"][data-number="1"]')).to_contain_text("Running: 0")
    return page.url.rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture(scope="module")
def built(browser, app):
    """A scenario built in the editor and published: {'id', 'name', 'age_key', 'page'}."""
    ctx = browser.new_context(base_url=app.url, viewport=SIZES["desktop"])
    ctx.set_default_timeout(8000)
    page = login(ctx)
    age_key = f"age_{letters()}"
    add_crm_field(page, "Age", age_key, "number")
    name = unique("Greeter")
    sid = build_scenario(page, name, age_key)
    yield {"id": sid, "name": name, "age_key": age_key, "ctx": ctx, "page": page}
    ctx.close()


def test_the_built_scenario_is_stored_as_drawn_and_listed_as_published(built):
    page = built["page"]
    goto(page, "/scenarios")
    row = page.locator(f'[data-testid="scenario-row"][data-id="{built["id"]}"]')
    expect(row).to_contain_text(built["name"])
    expect(row.get_by_test_id("scenario-status")).to_have_text("published")
    expect(row.get_by_test_id("scenario-running")).to_contain_text("v1: 0")
    expect(row.get_by_test_id("scenario-edited")).to_contain_text("Administrator")
    # rename from the list
    row.get_by_test_id("scenario-rename").click()
    page.get_by_test_id("scenario-rename-dialog-name").fill(built["name"] + " renamed")
    page.get_by_test_id("scenario-rename-dialog-save").click()
    expect(row.get_by_test_id("scenario-open")).to_have_text(built["name"] + " renamed")
    # an empty name is refused and changes nothing
    row.get_by_test_id("scenario-rename").click()
    page.get_by_test_id("scenario-rename-dialog-name").fill("   ")
    page.get_by_test_id("scenario-rename-dialog-save").click()
    expect(page.get_by_test_id("scenario-rename-dialog")).to_contain_text("Give the scenario a name")
    page.keyboard.press("Escape")
    expect(row.get_by_test_id("scenario-open")).to_have_text(built["name"] + " renamed")
    # another one, created and deleted (nothing runs on it)
    page.get_by_test_id("scenario-new").click()
    page.get_by_test_id("scenario-create-name").fill("Short-lived")
    page.get_by_test_id("scenario-create-save").click()
    page.wait_for_url("**/scenarios/*")
    expect(page.get_by_test_id("sc-editor")).to_be_visible()
    page.get_by_test_id("sc-to-list").click()
    doomed = page.locator('[data-testid="scenario-row"][data-name="Short-lived"]')
    expect(doomed).to_have_count(1)
    doomed.get_by_test_id("scenario-delete").click()
    page.get_by_test_id("scenario-delete-confirm").click()
    expect(doomed).to_have_count(0)
    expect(row).to_have_count(1)
    # reopened from the list: the same steps and the edges drawn (stored as React Flow JSON)
    row.get_by_test_id("scenario-open").click()
    expect(page.get_by_test_id("flow-node")).to_have_count(5)
    expect(page.locator(".react-flow__edge")).to_have_count(6)


def test_try_it_plays_the_draft_without_sending(built):
    page = built["page"]
    goto(page, f"/scenarios/{built['id']}")
    page.get_by_test_id("sc-try").click()
    lines = try_lines(page)
    expect(lines.nth(0)).to_have_text("Hello, Anna!")
    expect(lines.nth(1)).to_have_text("Which city?")
    expect(page.get_by_test_id("sc-try-button")).to_have_count(2)
    # a button
    page.locator('[data-testid="sc-try-button"]').filter(has_text="Moscow").click()
    expect(page.locator('[data-testid="sc-try-line"][data-who="handover"]')).to_have_count(1)
    expect(page.get_by_test_id("sc-try-over")).to_be_visible()
    # a typed answer, then an invalid one asked again, then a valid one
    page.get_by_test_id("sc-try-restart").click()
    expect(try_lines(page)).to_have_count(2)
    page.get_by_test_id("sc-try-input").fill("Kazan")
    page.get_by_test_id("sc-try-send").click()
    expect(try_lines(page).last).to_have_text("How old are you?")
    expect(page.get_by_test_id("sc-try-var").filter(has_text="Kazan")).to_have_count(1)
    page.get_by_test_id("sc-try-input").fill("old enough")
    page.get_by_test_id("sc-try-send").click()
    expect(try_lines(page).last).to_have_text("Please type your age as a number")
    page.get_by_test_id("sc-try-input").fill("42")
    page.get_by_test_id("sc-try-send").click()
    expect(page.locator('[data-testid="sc-try-line"][data-who="handover"]')).to_have_count(1)
    expect(page.get_by_test_id("sc-try-var").filter(has_text="42")).to_have_count(1)
    # the "no answer within" exit
    page.get_by_test_id("sc-try-restart").click()
    page.get_by_test_id("sc-try-input").fill("Tver")
    page.get_by_test_id("sc-try-send").click()
    expect(page.get_by_test_id("sc-try-timeout")).to_be_visible()
    page.get_by_test_id("sc-try-timeout").click()
    expect(page.locator('[data-testid="sc-try-line"][data-who="end"]')).to_have_count(1)
    expect(page.locator('[data-testid="sc-try-line"][data-who="handover"]')).to_have_count(0)


TYPED = ("Greeter", "Administrator", "Hello", "Which city", "Moscow", "Other", "How old",
         "Please type", "Wants a person", "Age", "age_", "Anna",
         "Website chat",  # the widget channel is made with an English name
         "fake_bot", "Support mail")  # channels other tests of the shared app connected


def _look(page, name: str, size: str, lang: str) -> None:
    """Fits the width, speaks the language, passes axe; a screenshot to SCREENSHOTS_DIR."""
    shots = SHOTS_DIR / "pages"
    shots.mkdir(parents=True, exist_ok=True)
    page.mouse.move(5, 5)
    page.screenshot(path=str(shots / f"{name}-{size}-{lang}.png"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size]["width"], f"{name} is {width}px wide"
    if lang == "ru":  # what the test typed is English data, not the interface
        left = [t for t in _untranslated(page) if not any(d in t for d in TYPED)
                and not re.search(r"\b[0-9a-f]{6,}\b", t)]  # other tests' data: "Drinks 15b1a9e5"
        assert left == [], name
    found = axe_violations(page)
    assert found == [], (name, found)


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_list_and_editor_fit_speak_the_language_and_pass_axe(browser, app, built, size, lang):
    ctx = browser.new_context(base_url=app.url, viewport=SIZES[size])
    ctx.set_default_timeout(8000)
    try:
        page = login(ctx)
        page.evaluate(f"localStorage.setItem('msg_lang', '{lang}')")
        title = {"en": "Scenarios", "ru": "Сценарии"}[lang]
        for path, name, ready in (("/scenarios", "scenarios", "scenario-row"),
                                  (f"/scenarios/{built['id']}", "scenario-editor", "flow-node")):
            goto(page, path)
            expect(page.get_by_test_id(ready).first).to_be_visible()
            expect(page.get_by_role("heading", level=1)).to_contain_text(title)
            _look(page, name, size, lang)
        # a selected step's panel and the Try-it panel too
        page.get_by_test_id("sc-step-pick").select_option("n2")
        expect(page.get_by_test_id("sc-step-panel")).to_be_visible()
        _look(page, "scenario-step", size, lang)
        page.get_by_test_id("sc-try").click()
        expect(page.get_by_test_id("sc-try-line").first).to_be_visible()
        expect(page.get_by_test_id("sc-try-panel")).to_be_in_viewport()  # a phone scrolls to it
        _look(page, "scenario-try", size, lang)
    finally:
        ctx.close()
