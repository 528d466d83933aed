"""services/sql_direct.Direct: the SQL, parameters and rows SQLAlchemy's own execution would
give, on the connection's transaction; SQLAlchemy's errors; refused shapes fail at once.
DirectInsert: the columns left out get the model's defaults, as conn.execute() fills them."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import (JSON, Boolean, Column, DateTime, Integer, MetaData, String, Table, bindparam,
                        create_engine, event, exc, select)

from messenger_app.services.sql_direct import Direct, DirectInsert

T = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("k", String, unique=True),
          Column("doc", JSON), Column("at", DateTime), Column("flag", Boolean),
          Column("note", String, default="x"))
STAMPS = iter(range(100))
D = Table("d", T.metadata, Column("id", Integer, primary_key=True), Column("k", String),
          Column("note", String, default="x"), Column("n", Integer, default=lambda: next(STAMPS)),
          Column("at", DateTime, default=lambda ctx: AT), Column("plain", String))
AT = datetime(2026, 12, 2, 1, 2, 3, 456789)


@pytest.fixture
def conn():
    eng = create_engine("sqlite://")
    T.metadata.create_all(eng)
    with eng.connect() as c:
        yield c


def _sent(conn, fn):
    """(SQL, parameters) the DBAPI got from SQLAlchemy's own execution of `fn`."""
    seen = []
    listener = lambda c, cur, stmt, params, *a: seen.append((stmt, params))  # noqa: E731
    event.listen(conn.engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(conn.engine, "before_cursor_execute", listener)
    return seen


def test_the_same_sql_parameters_and_rows_as_sqlalchemy(conn):
    row = {"k": "a", "doc": {"b": [1, "ж"]}, "at": AT, "flag": True, "note": "n"}
    ins = T.insert().returning(T.c.id, T.c.doc, T.c.at, T.c.flag)
    direct = Direct(ins, keys=list(row))
    c = direct._compiled(conn)
    [(sql, params)] = _sent(conn, lambda: conn.execute(ins, row))
    assert (c.sql, c.parameters(row)) == (sql, params)
    conn.rollback()
    [got] = direct.rows(conn, row)
    assert (got.doc, got.at, got.flag) == ({"b": [1, "ж"]}, AT, True) and got.id == 1
    q = select(T.c.k, T.c.doc, T.c.at, T.c.flag).where(T.c.k == bindparam("k"), T.c.id > 0).limit(1)
    assert Direct(q).rows(conn, {"k": "a"}) == [tuple(r) for r in conn.execute(q, {"k": "a"})]
    upd = T.update().where(T.c.id == bindparam("b_id")).values(at=bindparam("b_at"), flag=False)
    Direct(upd).run(conn, [{"b_id": 1, "b_at": datetime(2026, 1, 1, tzinfo=timezone.utc)}])
    assert conn.execute(select(T.c.at, T.c.flag)).one() == (datetime(2026, 1, 1), False)
    conn.rollback()  # in the connection's transaction: rolled back with it
    assert conn.execute(select(T.c.id)).all() == []


def test_database_errors_are_sqlalchemys(conn):
    direct = Direct(T.insert(), keys=["k", "note"])
    direct.run(conn, {"k": "a", "note": ""})
    with pytest.raises(exc.IntegrityError):  # what inbox.receive_many retries on
        direct.run(conn, {"k": "a", "note": ""})
    missing = Table("missing", MetaData(), Column("id", Integer))
    with pytest.raises(exc.OperationalError):  # what webhooks answer 503 for
        Direct(select(missing.c.id)).rows(conn, {})

def test_shapes_it_cannot_run_like_sqlalchemy_fail_when_compiled(conn):
    with pytest.raises(ValueError, match="note"):  # a Python-side default left to SQLAlchemy
        Direct(T.insert(), keys=["k"]).run(conn, {"k": "a"})
    with pytest.raises(ValueError, match="expanding"):
        Direct(select(T.c.id).where(T.c.k.in_(bindparam("ks", expanding=True)))).rows(conn, {"ks": ["a"]})


def test_a_direct_insert_fills_in_the_defaults_as_sqlalchemy_does(conn):
    conn.execute(D.insert(), {"k": "core"})  # SQLAlchemy's own: note, n (0) and at filled in
    ins = DirectInsert(D, ("k",), returning=(D.c.id, D.c.note, D.c.at))
    [got] = ins.rows(conn, {"k": "direct"})
    assert (got.note, got.at) == ("x", AT)
    ins.run(conn, [{"k": "many", "note": "given"}, {"k": "more"}])  # executemany; a given value wins
    rows = conn.execute(select(D.c.k, D.c.note, D.c.n, D.c.at, D.c.plain).order_by(D.c.id)).all()
    assert rows == [("core", "x", 0, AT, None), ("direct", "x", 1, AT, None),
                    ("many", "given", 2, AT, None), ("more", "x", 3, AT, None)]
