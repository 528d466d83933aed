"""services/templates: CRUD, case-insensitive search in any script, placeholder rendering (C6)."""

import pytest

from messenger_app import db
from messenger_app.models import Contact, ContactValue, CrmField
from messenger_app.services import auth, templates
from messenger_app.services.templates import TemplateError


def _contact(**kw):
    with db.session() as s:
        c = Contact(**{"first_name": "Анна", "last_name": "Иванова", "phone": "+79991234567",
                       "tag1": "VIP", "tag2": "опт", **kw})
        s.add(c)
        s.commit()
        return c.id


def _field(key, label=None):
    with db.session() as s:
        f = CrmField(key=key, label=label or key)
        s.add(f)
        s.commit()
        return f.id


def _value(contact_id, field_id, text):
    with db.session() as s:
        s.add(ContactValue(contact_id=contact_id, field_id=field_id, value_text=text))
        s.commit()


def test_create_update_delete_and_list(data_dir):
    op = auth.create_operator("op", "password-123")
    a = templates.create("  Приветствие ", "Здравствуйте, {first_name}!", created_by=op.id)
    b = templates.create("Bye", "See you")
    assert a.title == "Приветствие" and a.created_by == op.id and b.created_by is None
    assert [t.title for t in templates.list()] == ["Bye", "Приветствие"]
    c = templates.update(b.id, "Bye", "See you soon")
    assert c.body == "See you soon" and c.updated_at >= b.updated_at
    assert templates.get(b.id).body == "See you soon"
    assert templates.delete(b.id) is True and templates.delete(b.id) is False
    assert [t.id for t in templates.list()] == [a.id]
    with pytest.raises(TemplateError, match="not found"):
        templates.update(b.id, "x", "y")


@pytest.mark.parametrize("title,body,msg", [
    ("", "text", "title is empty"),
    ("   ", "text", "title is empty"),
    ("t", "  \n ", "text is empty"),
    ("x" * 101, "text", "title too long"),
    ("t", "x" * 4097, "text too long"),
])
def test_bad_input_is_refused(data_dir, title, body, msg):
    with pytest.raises(TemplateError, match=msg):
        templates.create(title, body)
    assert templates.list() == []


def test_limits_are_inclusive(data_dir):
    t = templates.create("x" * 100, "y" * 4096)
    assert len(t.title) == 100 and len(t.body) == 4096
    assert isinstance(TemplateError("x"), ValueError)


def test_search_is_case_insensitive_in_cyrillic_title_and_body(data_dir):
    templates.create("Доставка", "Ваш ЗАКАЗ отправлен курьером")
    templates.create("Оплата", "Счёт на оплату во вложении")
    templates.create("Hello", "Welcome to OUR shop")
    assert [t.title for t in templates.list("ДОСТАВ")] == ["Доставка"]  # title, upper case
    assert [t.title for t in templates.list("заказ")] == ["Доставка"]  # body, lower vs upper
    assert [t.title for t in templates.list("счет")] == ["Оплата"]  # ё = е
    assert [t.title for t in templates.list("our SHOP")] == ["Hello"]  # every word, ASCII
    assert templates.list("заказ оплат") == []
    assert len(templates.list("")) == 3


def test_search_treats_like_wildcards_literally(data_dir):
    templates.create("Скидка", "Скидка 50% на всё")
    templates.create("Другое", "Без скидки, 500 рублей")
    assert [t.title for t in templates.list("50%")] == ["Скидка"]
    assert [t.title for t in templates.list("%")] == ["Скидка"]  # only the one with a "%"
    assert templates.list("_") == []


def test_search_follows_updates(data_dir):
    t = templates.create("Старое", "текст")
    templates.update(t.id, "Новое", "другой ТЕКСТ")
    assert templates.list("старое") == []
    assert [x.id for x in templates.list("новое")] == [t.id]


def test_render_builtins(data_dir):
    cid = _contact()
    r = templates.render("{first_name} {last_name} / {name} / {phone} / {tag1} {tag2} / #{id}",
                         cid)
    assert r.text == f"Анна Иванова / Анна Иванова / +7 999 123-45-67 / VIP опт / #{cid}"
    assert r.unknown == [] and r.empty == []


def test_render_name_falls_back_to_phone_and_reports_empty_values(data_dir):
    cid = _contact(first_name="", last_name="", tag2="")
    r = templates.render("Здравствуйте, {name}! {first_name}{tag2}", cid)
    assert r.text == "Здравствуйте, +7 999 123-45-67! "
    assert r.empty == ["first_name", "tag2"] and r.unknown == []


def test_render_crm_fields(data_dir):
    cid = _contact()
    city = _field("city", "Город")
    _field("order_no", "Номер заказа")  # defined, but this client has no value
    _value(cid, city, "Казань")
    r = templates.render("Город: {city}, заказ: {order_no}.", cid)
    assert r.text == "Город: Казань, заказ: ."
    assert r.unknown == [] and r.empty == ["order_no"]


def test_unknown_placeholders_stay_visible_and_are_listed(data_dir):
    cid = _contact()
    r = templates.render("Привет, {first_name}! Код {promo_code}, снова {promo_code}, {Ник}", cid)
    assert r.text == "Привет, Анна! Код {promo_code}, снова {promo_code}, {Ник}"
    assert r.unknown == ["promo_code", "Ник"]


def test_braces_escape_and_non_placeholders(data_dir):
    cid = _contact()
    r = templates.render("{{first_name}} = {first_name}; JSON {{\"a\": 1}}; { spaced } {}", cid)
    assert r.text == "{first_name} = Анна; JSON {\"a\": 1}; { spaced } {}"
    assert r.unknown == []


def test_render_without_client_only_reports_unknown(data_dir):
    _field("city")
    r = templates.render("{first_name} из {city}: {bogus}", None)
    assert r.text == "{first_name} из {city}: {bogus}" and r.unknown == ["bogus"]
    with pytest.raises(TemplateError, match="client not found"):
        templates.render("{first_name}", 999)


def test_placeholders_lists_builtins_then_crm_fields(data_dir):
    _field("city", "Город")
    keys = [p["key"] for p in templates.placeholders()]
    assert keys[:7] == list(templates.BUILTINS) and keys[-1] == "city"
