"""Alembic environment: the app passes its connection in (db.migrate()); the CLI uses settings."""

from alembic import context
from sqlmodel import SQLModel

import messenger_app.models  # noqa: F401  registers the tables
from messenger_app import db

target_metadata = SQLModel.metadata


def run() -> None:
    conn = context.config.attributes.get("connection")
    if conn is None:
        with db.engine().begin() as conn:
            _run(conn)
    else:
        _run(conn)


def _run(conn) -> None:
    context.configure(connection=conn, target_metadata=target_metadata,
                      render_as_batch=conn.dialect.name == "sqlite", compare_type=True,
                      # the full-text index (migration 0004) is not a model: leave it alone
                      include_name=lambda name, type_, parents: not (
                          type_ == "table" and (name or "").startswith("message_fts")))
    with context.begin_transaction():
        context.run_migrations()


run()
