"""The website widget in a real browser (issue 10): an operator's answer shows its picture
inline (a signed URL: the visitor has no operator session) and its choices as buttons;
pressing one puts the button's label in the thread and stores the choice id."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import open_widget, unique, widget_say
from tests.e2e.test_composer import gradient_png
from tests.e2e.test_left_panel import services


def answer_visitor(app, hello: str, question: str) -> None:
    """The operator's answer with a picture and two buttons, as the outbox leaves it sent."""
    png = gradient_png(40, 30)
    services(app, f"""
from sqlmodel import select
from messenger_app import db
from messenger_app.models import Message
from messenger_app.services import attachments
with db.session() as s:
    first = s.exec(select(Message).where(Message.text == {hello!r})).one()
pic = attachments.store_upload("map.png", {png!r})
with db.session() as s:
    s.add(Message(dialog_id=first.dialog_id, contact_id=first.contact_id,
                  identity_id=first.identity_id, channel_id=first.channel_id,
                  channel_kind="widget", direction="out", sender_kind="operator",
                  text={question!r}, status="sent", attachments=[pic],
                  choices=[{{"id": "book", "label": "Book a table"}}, {{"id": "no", "label": "No, thanks"}}]))
    s.commit()
print("null")""")


def chosen(app, label: str) -> str:
    return services(app, f"""
from sqlmodel import select
from messenger_app import db
from messenger_app.models import Message
with db.session() as s:
    m = s.exec(select(Message).where(Message.text == {label!r}, Message.direction == "in")
               .order_by(Message.id.desc())).first()
print(json.dumps(m.choice_id))""")


def test_widget_shows_files_inline_and_choices_as_buttons(app, new_context):
    visitor = open_widget(new_context())
    hello = unique("Where are you")
    widget_say(visitor, hello)
    question = unique("Here is the map. Shall we book?")
    answer_visitor(app, hello, question)
    visitor.reload()  # the answer was written by another process: load the thread again
    answer = visitor.get_by_test_id("widget-message").filter(has_text=question)
    expect(answer).to_have_attribute("data-dir", "out")
    img = answer.locator('[data-testid="widget-attachment"][data-media="img"] img')
    expect(img).to_have_count(1)
    # the picture really loads for the visitor (signed URL), and /files/ itself stays closed
    expect(img).to_have_js_property("complete", True)
    assert img.evaluate("e => e.naturalWidth") == 40
    assert "/files-signed/" in img.get_attribute("src")
    src = img.get_attribute("src").replace("/files-signed/", "/files/", 1)
    assert visitor.request.get(src).status in (401, 404)
    buttons = answer.get_by_test_id("widget-choice")
    expect(buttons).to_have_count(2)
    expect(buttons.first).to_have_text("Book a table")
    buttons.first.click()
    mine = visitor.get_by_test_id("widget-message").filter(has_text="Book a table")
    expect(mine.and_(visitor.locator('[data-dir="in"]'))).to_have_count(1)
    assert chosen(app, "Book a table") == "book"
