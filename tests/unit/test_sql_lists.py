"""services/sql_lists.OneOrMany: the same rows whichever statement runs; `=` for one value."""

from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, event, select

from messenger_app.services.sql_lists import OneOrMany


def test_one_value_runs_as_equality_and_finds_what_the_in_list_finds():
    eng = create_engine("sqlite://")
    t = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("k", String),
              Column("g", Integer))
    t.metadata.create_all(eng)
    sent = []
    event.listen(eng, "before_cursor_execute", lambda c, cur, stmt, *a: sent.append(stmt))
    q = OneOrMany(lambda member: select(t.c.id).where(member(t.c.k, "ks"), member(t.c.g, "gs"),
                                                      t.c.id > 0).order_by(t.c.id))
    with eng.begin() as conn:
        conn.execute(t.insert(), [{"k": k, "g": g} for k, g in (("a", 1), ("b", 1), ("a", 2), ("c", 1))])
        sent.clear()

        def ids(**p):
            return [r.id for r in q.execute(conn, p)]

        assert ids(ks=["a"], gs=[1]) == [1] and " IN " not in sent[-1] and "k = ?" in sent[-1]
        assert ids(ks={"a"}, gs=(2,)) == [3]
        assert ids(ks=["a", "b"], gs=[1]) == [1, 2] and " IN " in sent[-1]
        assert ids(ks=["a", "c"], gs=[1, 2]) == [1, 3, 4]
        assert ids(ks=[], gs=[1]) == []
