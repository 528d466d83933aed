"""Opting out of mailings: a client who writes a stop word is taken off them."""

from __future__ import annotations

import os
import re
import unicodedata

from sqlalchemy import exists, select

from messenger_app import db
from messenger_app.models import Contact, Message
from messenger_app.services import crm, notes


DEFAULT_STOP_WORDS = ("STOP", "стоп", "отписаться")


def stop_words() -> set[str]:
    """MAILING_STOP_WORDS (comma-separated), default STOP, стоп, отписаться; compared folded."""
    raw = os.environ.get("MAILING_STOP_WORDS")
    words = raw.split(",") if raw is not None else DEFAULT_STOP_WORDS
    return {_fold(w) for w in words if _fold(w)}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


def is_stop_word(text: str) -> bool:
    """No query: the ingest path asks this of every inbound text."""
    if not text or len(text) > 60:
        return False
    word = _fold(text)
    return bool(word) and word in stop_words()


def opt_out(contact_id: int, dialog_id: int, text: str) -> bool:
    """An inbound reply that is a stop word, from a client who got a mailing: blacklisted
    (R3) with an internal note saying why. Returns True when the client was put there."""
    if not is_stop_word(text):
        return False
    with db.session() as s:
        got_mailing = s.scalar(select(exists(select(Message.id).where(
            Message.contact_id == contact_id, Message.origin_kind == "mailing"))))
        contact = s.get(Contact, contact_id)
        if not got_mailing or contact is None or contact.blacklisted:
            return False
    crm.set_blacklisted(contact_id, True)
    notes.add_note(dialog_id, None, f'Unsubscribed from mailings: the client replied "{text.strip()[:40]}". '
                                    "Added to the blacklist: no mailing will be sent to this client.")
    return True
