"""A statement with list parameters (`col IN :ids`) that runs as `col = :id` when every list
holds one value.

SQLAlchemy renders an expanding IN anew on every execution; on the inbound path, where one
message (a webhook, receive()) is the usual case, that rendering cost more CPU than the
query. Build the statement once with a factory that takes the membership test:

    _KNOWN = OneOrMany(lambda member: select(t.c.id).where(member(t.c.ext, "ext")))
    _KNOWN.execute(conn, {"ext": ["a", "b"]})
"""

from __future__ import annotations

from typing import Callable

from sqlalchemy import bindparam

from messenger_app.services.sql_direct import Direct


def _eq(col, name: str):
    return col == bindparam(name)


def _in(col, name: str):
    return col.in_(bindparam(name, expanding=True))


class OneOrMany:
    def __init__(self, build: Callable[[Callable], object]):
        self.one, self.many = build(_eq), build(_in)
        self.direct = Direct(self.one)

    def rows(self, conn, params: dict) -> list:
        """The rows, as a list; one value per list runs as a Direct statement (the hot path
        of one inbound message: see sql_direct)."""
        lists = {k: v for k, v in params.items() if isinstance(v, (list, tuple, set, frozenset))}
        if lists and all(len(v) == 1 for v in lists.values()):
            return self.direct.rows(conn, {**params, **{k: next(iter(v)) for k, v in lists.items()}})
        return conn.execute(self.many, params).all()

    def execute(self, conn, params: dict):
        lists = {k: v for k, v in params.items() if isinstance(v, (list, tuple, set, frozenset))}
        if lists and all(len(v) == 1 for v in lists.values()):
            return conn.execute(self.one, {**params, **{k: next(iter(v)) for k, v in lists.items()}})
        return conn.execute(self.many, params)
