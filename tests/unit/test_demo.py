"""The first run's demo data: every part of the screen has something to show, once."""

from messenger_app.services import crm, demo, dialog_list, folders, templates


def test_demo_data_fills_an_empty_database_once(data_dir):
    assert demo.seed_if_empty() is True
    rows = dialog_list.list_page(limit=100)
    assert len(rows) == 36
    assert any(r.channel_kind == "" for r in rows)  # L2: clients without messages
    assert len({r.channel_kind for r in rows} - {""}) >= 5
    assert any(r.tag1 for r in rows) and any(r.tag2 for r in rows) and any(r.blacklisted for r in rows)
    counts = {f.name: f.unread for f in folders.list_with_unread()}
    assert {"All chats", "With operator", "VIP"} <= set(counts)
    assert [f["key"] for f in crm.list_fields()] == ["city", "budget", "birthday", "segment", "company"]
    assert len(templates.list()) == 3
    assert demo.seed_if_empty() is False
    assert len(dialog_list.list_page(limit=100)) == 36


def test_demo_data_in_russian_reads_as_one_shop(data_dir):
    from messenger_app.services.demo import RU

    assert demo.seed_if_empty(lang="ru") is True
    rows = dialog_list.list_page(limit=100)
    names = {r.name for r in rows if r.name}
    assert "Ольга Петрова-Сидорова" in names
    # every client's name, folder, tag and field label is Russian (VIP is a proper name)
    for first, last in RU.people:
        assert not any("a" <= ch.lower() <= "z" for ch in first + last)
    counts = {f.name for f in folders.list_with_unread(lang="ru")}
    assert {"Все чаты", "С оператором", "VIP", "Опт", "Возвраты и жалобы"} <= counts
    assert {f["label"] for f in crm.list_fields()} == {"Город", "Бюджет, ₽", "День рождения",
                                                       "Сегмент", "Компания"}
    # one language per client: no dialog mixes Latin-only sentences into a Russian one
    for r in rows:
        assert not r.preview or any("а" <= ch.lower() <= "я" for ch in r.preview) or "pay." in r.preview


def test_demo_has_a_ready_bot_scenario_on_the_widget_and_telegram(data_dir):
    from messenger_app.models import Channel
    from messenger_app.services import bot, scenarios
    from messenger_app import db
    from sqlmodel import select

    assert demo.seed_if_empty(lang="ru") is True
    [sc] = scenarios.list_all()
    assert sc.status == "published" and sc.name == "Приветствие и город"
    detail = scenarios.get(sc.id)
    with db.session() as s:
        kinds = {c.id: c.kind for c in s.exec(select(Channel)).all()}
    assert sorted(kinds[c] for c in detail.triggers["first_message_channels"]) == ["telegram", "widget"]
    assert scenarios.problems(detail.draft) == []
    sim = bot.Simulation(detail.draft, variables={"first_name": "Анна"})
    assert [o.text for o in sim.start()][0].startswith("Здравствуйте, Анна!")
    out = sim.answer("Казань")  # typed, not a button: the "far" branch, then the hand-over
    assert [o.kind for o in out] == ["message", "note", "handover"]
    assert out[0].text == "В Казань доставим за 2–4 дня."
