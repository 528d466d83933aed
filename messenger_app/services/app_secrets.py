"""Generated secrets in the database: one value per name for every process and host.

`get_or_create(name, make)` returns the stored value, or stores `make()` when there is none.
Several processes racing on an empty row agree: the first INSERT wins, the others get an
IntegrityError, roll back and read the winner's value.
"""

from __future__ import annotations

from typing import Callable

from sqlalchemy.exc import IntegrityError

from messenger_app import db
from messenger_app.models.app_secret import AppSecret


def get(name: str) -> str | None:
    with db.session() as s:
        row = s.get(AppSecret, name)
        return row.value if row else None


def get_or_create(name: str, make: Callable[[], str]) -> str:
    found = get(name)
    if found is not None:
        return found
    value = make()
    with db.session() as s:
        s.add(AppSecret(name=name, value=value))
        try:
            s.commit()
            return value
        except IntegrityError:
            s.rollback()
    found = get(name)
    if found is None:  # inserted and deleted in between: not something the app does
        raise RuntimeError(f"secret {name} vanished")
    return found
