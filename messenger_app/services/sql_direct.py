"""A statement of the inbound path run on the DBAPI cursor of the caller's connection.

py-spy on inbox.receive() one by one: SQLAlchemy's execution path (execution context,
parameter and result processing, the result object) was 46 % of the time, SQLite's own work
29 %. A Direct statement is compiled once per dialect by SQLAlchemy — the same SQL text and
the same bind and result processors conn.execute() would use — and run on the connection's
own DBAPI cursor, inside its transaction (the session commits or rolls it back as before).
A database error comes out as SQLAlchemy's (IntegrityError, OperationalError, ...), and a
lost connection is invalidated, as with conn.execute().

    _BUMP = Direct(t.update().where(t.c.id == bindparam("b_id")).values(n=bindparam("b_n")))
    _BUMP.run(conn, [{"b_id": 1, "b_n": 2}])          # executemany
    rows = Direct(select(t.c.id, t.c.n).where(t.c.k == bindparam("k"))).rows(conn, {"k": "a"})
    rows[0].n

Limits, checked when the statement is compiled so that a change that breaks them fails at
once: every value is given (no column default computed in Python: list the INSERT's columns
in `keys`), and no expanding IN or other post-compile parameter (sql_lists.OneOrMany's "="
form is fine). Listeners of before_cursor_execute do not see these statements.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any, Sequence

from sqlalchemy import exc


class _Compiled:
    def __init__(self, stmt, dialect, keys: Sequence[str] | None):
        comp = stmt.compile(dialect=dialect, column_keys=list(keys) if keys is not None else None)
        if comp.insert_prefetch or comp.update_prefetch:
            names = [c.key for c in (*comp.insert_prefetch, *comp.update_prefetch)]
            raise ValueError(f"Direct statement: give these columns a value: {names}")
        if comp.literal_execute_params or comp.post_compile_params:
            raise ValueError("Direct statement: no expanding IN or literal_execute parameters")
        self.comp, self.sql = comp, comp.string
        self.positional = comp.positional
        self.order = list(comp.positiontup or [])
        escaped = comp.escaped_bind_names or {}
        self.names = {name: escaped.get(name, name) for name in comp.binds}
        self.bind = {}
        for name, bind in comp.binds.items():
            proc = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None:
                self.bind[name] = proc
        cols = list(stmt.exported_columns) if getattr(stmt, "exported_columns", None) is not None else []
        self.result = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in cols]
        self.any_result = any(p is not None for p in self.result)
        self.row = namedtuple("Row", [c.key for c in cols], rename=True) if cols else None

    def parameters(self, params: dict):
        values = self.comp.construct_params(params, escape_names=False)
        bind = self.bind
        if self.positional:
            return tuple(bind[k](values[k]) if k in bind else values[k] for k in self.order)
        return {self.names.get(k, k): (bind[k](v) if k in bind else v) for k, v in values.items()}


class Direct:
    def __init__(self, stmt, keys: Sequence[str] | None = None):
        self.stmt, self.keys = stmt, keys
        self._by_dialect: dict[str, _Compiled] = {}

    def _compiled(self, conn) -> _Compiled:
        c = self._by_dialect.get(conn.dialect.name)
        if c is None:
            c = self._by_dialect[conn.dialect.name] = _Compiled(self.stmt, conn.dialect, self.keys)
        return c

    def rows(self, conn, params: dict) -> list[Any]:
        """Run it once; the rows it returns (named tuples), processed as SQLAlchemy would."""
        c = self._compiled(conn)
        got = self._call(conn, c, False, c.parameters(params))
        if c.any_result:
            procs = c.result
            got = [tuple(p(v) if p is not None else v for p, v in zip(procs, r)) for r in got]
        return [c.row._make(r) for r in got]

    def run(self, conn, params: dict | list[dict]) -> None:
        """Run it once (a dict) or for each dict of a list (executemany); no rows back."""
        c = self._compiled(conn)
        if isinstance(params, list):
            if params:
                self._call(conn, c, True, [c.parameters(p) for p in params])
        else:
            self._call(conn, c, False, c.parameters(params))

    @staticmethod
    def _call(conn, c: _Compiled, many: bool, params) -> list:
        dialect = conn.dialect
        dbapi_conn = conn.connection.dbapi_connection
        cur = dbapi_conn.cursor()
        try:
            if many:
                cur.executemany(c.sql, params)
                return []
            cur.execute(c.sql, params)
            return cur.fetchall() if cur.description is not None else []
        except dialect.loaded_dbapi.Error as e:
            if dialect.is_disconnect(e, dbapi_conn, cur):
                conn.invalidate(e)
            raise exc.DBAPIError.instance(c.sql, params, e, dialect.loaded_dbapi.Error,
                                          dialect=dialect) from e
        finally:
            cur.close()


class DirectInsert(Direct):
    """An INSERT into `table` run as a Direct statement, whose columns with a Python-side
    default (a scalar or a callable, as the model declares it) get that default when the
    caller leaves them out, as conn.execute() would fill them in. `keys`: the columns the
    caller gives; `returning`: the columns it reads back (RETURNING: SQLite 3.35+ and
    PostgreSQL)."""

    def __init__(self, table, keys: Sequence[str], returning: Sequence = ()):
        self._fill = [(c.key, c.default) for c in table.columns
                      if c.default is not None and c.key not in keys]
        stmt = table.insert().returning(*returning) if returning else table.insert()
        super().__init__(stmt, keys=[*keys, *(k for k, _ in self._fill)])

    def _complete(self, params: dict) -> dict:
        full = dict(params)
        for key, default in self._fill:
            if key not in full:
                full[key] = default.arg if default.is_scalar else default.arg(None)
        return full

    def rows(self, conn, params: dict) -> list[Any]:
        return super().rows(conn, self._complete(params))

    def run(self, conn, params: dict | list[dict]) -> None:
        super().run(conn, [self._complete(p) for p in params] if isinstance(params, list)
                    else self._complete(params))
