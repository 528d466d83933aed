"""services/search (X4): FTS5 on SQLite (triggers, backfill, Cyrillic, hostile input) and
the GIN/tsvector path on PostgreSQL."""

import pytest
from sqlalchemy import text as sql

from messenger_app import db, settings
from messenger_app.channels.base import InboundMessage
from messenger_app.models import Channel, Message
from messenger_app.services import auth, channels, events, inbox, notes, outbox, search


def _channel():
    with db.session() as s:
        ch = Channel(kind="telegram", name="bot", token="1:x")
        s.add(ch)
        s.commit()
        return ch


_n = iter(range(1, 10_000))


def _in(ch, user, text, first="Анна", last="Иванова"):
    n = next(_n)
    return inbox.receive(ch.id, ch.kind, InboundMessage(
        external_id=f"{user}:{n}", identity_external_id=user, text=text,
        first_name=first, last_name=last))


def _texts(hits):
    return [h.message_id for h in hits]


@pytest.fixture
def two_dialogs(data_dir):
    ch = _channel()
    a1 = _in(ch, "1", "Здравствуйте! Хочу ЗАКАЗАТЬ доставку на завтра")
    a2 = _in(ch, "1", "Мой ЁЖИК потерялся")
    b1 = _in(ch, "2", "Где мой заказ? Номер 12345", first="Boris", last="")
    b2 = _in(ch, "2", "café crème, s'il vous plaît", first="Boris", last="")
    return {"a1": a1, "a2": a2, "b1": b1, "b2": b2}


def test_cyrillic_words_any_case_and_prefix(two_dialogs):
    d = two_dialogs
    assert _texts(search.search("заказать")) == [d["a1"].message_id]
    assert _texts(search.search("ДОСТАВ")) == [d["a1"].message_id]  # last word is a prefix
    # newest first
    assert _texts(search.search("заказ")) == [d["b1"].message_id, d["a1"].message_id]
    assert _texts(search.search("хочу заказ")) == [d["a1"].message_id]  # every word required
    assert _texts(search.search("ежик")) == [d["a2"].message_id]  # ё = е
    assert _texts(search.search("cafe")) == [d["b2"].message_id]  # diacritics removed
    assert _texts(search.search("12345")) == [d["b1"].message_id]
    assert search.search("доставка завтра самолёт") == []


def test_hit_fields(two_dialogs):
    d = two_dialogs
    [hit] = search.search("ёжик")
    assert hit.message_id == d["a2"].message_id and hit.dialog_id == d["a2"].dialog_id
    assert hit.contact_name == "Анна Иванова" and hit.direction == "in"
    assert hit.created_at is not None and hit.created_at.tzinfo is not None
    assert hit.snippet == [("Мой ", False), ("ЁЖИК", True), (" потерялся", False)]


def test_search_scoped_to_a_dialog(two_dialogs):
    d = two_dialogs
    assert _texts(search.search("заказ", dialog_id=d["a1"].dialog_id)) == [d["a1"].message_id]
    assert _texts(search.search("заказ", dialog_id=d["b1"].dialog_id)) == [d["b1"].message_id]
    assert search.search("ежик", dialog_id=d["b1"].dialog_id) == []
    assert len(search.search("заказ", limit=1)) == 1


HOSTILE = [
    '"', '"unbalanced', "'", "*", "**", "-", "-заказ", "^заказ", "заказ*", "(", ")", "((заказ",
    "NEAR(заказ доставку)", "заказ AND", "AND", "OR", "NOT", "text:заказ", "message_fts:x",
    "{text}: заказ", "'; DROP TABLE message; --", "\\", "\x00", "заказ\"*\"", "@@ ! & |",
    "a:* & !b", "🙂", "", "   ", "заказ" * 100, " ".join(["слово"] * 100),
]


def test_syntax_in_user_input_never_crashes(two_dialogs):
    for query in HOSTILE:
        assert isinstance(search.search(query), list), query
        assert isinstance(search.search(query, dialog_id=two_dialogs["a1"].dialog_id), list)
    with db.session() as s:  # and the table is still there
        assert s.exec(sql("SELECT count(*) FROM message")).one()[0] == 4
    assert _texts(search.search('"заказать')) == [two_dialogs["a1"].message_id]


def test_operators_are_plain_words(two_dialogs):
    d = two_dialogs
    # "OR" is not an operator: both words must be in the message, so nothing matches
    assert search.search("ежик OR 12345") == []
    # quotes and stars around a word still find the word
    assert _texts(search.search('"ЁЖИК"')) == [d["a2"].message_id]
    assert _texts(search.search("ежик*")) == [d["a2"].message_id]
    assert _texts(search.search("-ежик")) == [d["a2"].message_id]  # no NOT either
    assert search.fts5_query('a" OR "b') == '"a" AND "or" AND "b"*'
    assert search.fts5_query("ёж Ели") == '("еж" OR "ёж") AND ("ели"* OR "ёли"*)'
    assert search.fts5_query("  ,.;  ") == ""


def test_migration_creates_the_fts_objects(data_dir):
    with db.engine().connect() as conn:  # before any search() could re-create anything
        have = {(t, n) for t, n in conn.exec_driver_sql(
            "SELECT type, name FROM sqlite_master WHERE name LIKE 'message_fts%'")}
        sql_of = dict(conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE name = 'message_fts'").all())
    assert search.SQLITE_OBJECTS <= have
    assert "unicode61 remove_diacritics 2" in sql_of["message_fts"]
    assert "content='message'" in sql_of["message_fts"]


def test_new_updated_and_deleted_messages_follow_the_index(data_dir):
    ch = _channel()
    got = _in(ch, "1", "первое сообщение")
    op = auth.create_operator("op", "password-123")
    mid = outbox.queue(got.dialog_id, op.id, "Ответ оператора про ВОЗВРАТ")
    assert _texts(search.search("возврат")) == [mid]
    with db.session() as s:
        m = s.get(Message, mid)
        m.text = "исправленный текст про обмен"
        s.add(m)
        s.commit()
    assert search.search("возврат") == []
    assert _texts(search.search("обмен")) == [mid]
    with db.session() as s:  # a status change alone does not touch the index
        m = s.get(Message, mid)
        m.status = "sent"
        s.add(m)
        s.commit()
    assert _texts(search.search("обмен")) == [mid]
    with db.session() as s:
        s.delete(s.get(Message, mid))
        s.commit()
    assert search.search("обмен") == []
    with db.engine().connect() as conn:
        conn.exec_driver_sql("INSERT INTO message_fts(message_fts) VALUES ('integrity-check')")


def test_notes_are_found_and_marked(data_dir):
    ch = _channel()
    got = _in(ch, "1", "hello")
    op = auth.create_operator("op", "password-123")
    nid = notes.add_note(got.dialog_id, op.id, "Клиент — постоянный покупатель")
    [hit] = search.search("постоянн")
    assert hit.message_id == nid and hit.direction == "note"


def test_snippet_segments():
    long = "начало " + "слово " * 60 + "здесь ЗАКАЗ номер 5 " + "хвост " * 60
    segs = search.snippet(long, ["заказ"])
    text = "".join(t for t, _ in segs)
    assert ("ЗАКАЗ", True) in segs and len(text) <= search.SNIPPET_CHARS + 2
    assert segs[0] == ("…", False) and segs[-1] == ("…", False)
    assert search.snippet("<b>заказ</b> & <script>", ["заказ"]) == [
        ("<b>", False), ("заказ", True), ("</b> & <script>", False)]  # raw text, UI escapes
    assert search.snippet("Заказы и заказ", ["и", "заказ"]) == [
        ("Заказы", True), (" ", False), ("и", True), (" ", False), ("заказ", True)]
    assert search.snippet("a b", []) == [("a b", False)]


def test_an_alembic_batch_rebuild_of_message_works_and_search_heals(data_dir):
    """Another migration may rebuild `message` on SQLite (copy, drop, rename): that must not
    fail, and the triggers it drops come back (with a rebuild) on the next search."""
    import sqlalchemy as sa
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    ch = _channel()
    before = _in(ch, "1", "сообщение до перестройки")
    with db.engine().begin() as conn:
        with Operations(MigrationContext.configure(conn)).batch_alter_table(
                "message", recreate="always") as batch:
            batch.add_column(sa.Column("extra_test", sa.String(), nullable=True))
        triggers = conn.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE name LIKE 'message_fts_a_'").scalar()
    assert triggers == 0  # what a table rebuild leaves behind
    search.reset()
    missed = _in(ch, "1", "пропущенное сообщение")  # stored while no trigger ran
    assert _texts(search.search("пропущенное")) == [missed.message_id]  # rebuilt
    assert _texts(search.search("перестройки")) == [before.message_id]
    later = _in(ch, "1", "следующее сообщение")
    assert _texts(search.search("следующее")) == [later.message_id]  # triggers are back
    with db.engine().connect() as conn:
        conn.exec_driver_sql("INSERT INTO message_fts(message_fts) VALUES ('integrity-check')")


@pytest.fixture
def at_0002(tmp_path, monkeypatch):
    """A database migrated only to 0002, the revision before search existed."""
    from alembic import command
    from alembic.config import Config

    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings.reset()
    db.reset_engine()
    events.reset()
    cfg = Config(str(db.ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(db.ROOT / "alembic"))
    cfg.set_main_option("sqlalchemy.url", settings.get().database_url)
    with db.engine().begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
    yield
    db.reset_engine()
    settings.reset()
    events.reset()


def test_migration_backfills_existing_messages(at_0002):
    now = "2026-01-01 10:00:00.000000"
    with db.engine().begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO contact (id, first_name, last_name, phone, phone_raw, phone_digits,"
            " avatar, blacklisted, created_at, tag1, tag2)"
            " VALUES (1, 'Old', 'Client', '', '', '', '', 0, ?, '', '')", (now,))
        conn.exec_driver_sql(
            "INSERT INTO dialog (id, contact_id, activity_at, last_preview, last_channel_kind,"
            " last_direction, unread_count, bot_paused, created_at) VALUES (1, 1, ?, '', '', '', 0,"
            " 0, ?)", (now, now))
        conn.exec_driver_sql(
            "INSERT INTO message (id, dialog_id, contact_id, channel_kind, direction, sender_kind,"
            " text, status, error, attempts, created_at, updated_at) VALUES (7, 1, 1, 'telegram',"
            " 'in', 'client', 'Старое сообщение до миграции', 'received', '', 0, ?, ?)", (now, now))
    db.migrate()
    search.reset()
    [hit] = search.search("старое")
    assert hit.message_id == 7 and hit.contact_name == "Old Client"


# -- PostgreSQL -----------------------------------------------------------------------------

def test_search_on_postgres_uses_the_gin_index(postgres):
    db.migrate()
    assert db.engine().dialect.name == "postgresql"
    ch = channels.widget_channel()
    a = inbox.receive(ch.id, "widget", InboundMessage(
        external_id="1", identity_external_id="u1", text="Хочу ЗАКАЗАТЬ доставку",
        first_name="Анна"))
    b = inbox.receive(ch.id, "widget", InboundMessage(
        external_id="2", identity_external_id="u2", text="Мой ЁЖИК и заказ", first_name="Борис"))
    assert _texts(search.search("заказать")) == [a.message_id]
    assert _texts(search.search("ДОСТАВ")) == [a.message_id]
    assert _texts(search.search("заказ")) == [b.message_id, a.message_id]
    assert _texts(search.search("ежик")) == [b.message_id]
    assert _texts(search.search("заказ", dialog_id=a.dialog_id)) == [a.message_id]
    [hit] = search.search("ежик")
    assert hit.contact_name == "Борис" and ("ЁЖИК", True) in hit.snippet
    for query in ("'", "a:* & !b", "заказ | ежик", "(", "\\", "<->", "NOT", ""):
        assert isinstance(search.search(query), list)
    assert search.search("ежик | заказать") == []  # "|" is not an operator
    with db.engine().connect() as conn:
        indexdef = conn.execute(sql("SELECT indexdef FROM pg_indexes "
                                    "WHERE indexname = 'ix_message_text_fts'")).scalar()
        assert indexdef and "gin" in indexdef.lower()
        conn.exec_driver_sql("SET enable_seqscan = off")
        expr = search._checked[db.engine()]
        plan = "\n".join(r[0] for r in conn.execute(sql(
            f"EXPLAIN SELECT id FROM message WHERE {expr} @@ to_tsquery('simple', 'заказ:*')")))
    assert "ix_message_text_fts" in plan
