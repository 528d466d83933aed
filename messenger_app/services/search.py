"""Full-text search in message history (X4).

SQLite: the FTS5 external-content table `message_fts` over message(text), kept in step
by triggers on `message` (migration 0004); ё/е are matched by searching both spellings. PostgreSQL: the GIN index `ix_message_text_fts` on
to_tsvector('simple', replace(lower(text [COLLATE "und-x-icu"]), 'ё', 'е')).

Whatever the user types, the query is rebuilt from its words only (letters and digits), so
no FTS/tsquery syntax can reach the database: every word must occur, the last one as a
prefix ("заказ отпр" finds "заказ отправлен"). Snippets come back as segments
[(text, is_match), ...] for the UI to render as text (never HTML).
"""

from __future__ import annotations

import re
import threading
import unicodedata
import weakref
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text as sql
from sqlmodel import select

from messenger_app import db
from messenger_app.models import Contact, Message
from messenger_app.services.dialogs import contact_name

MAX_WORDS = 12
MAX_WORD = 64
SNIPPET_CHARS = 160
_WORD = re.compile(r"[^\W_]+")

_INS = "INSERT INTO message_fts(rowid, text) VALUES (new.id, new.text);"
_DEL = "INSERT INTO message_fts(message_fts, rowid, text) VALUES ('delete', old.id, old.text);"
# the same objects as alembic/versions/0004 creates; ensure_index() re-creates them when a
# later table rebuild (an Alembic batch migration on SQLite: copy, drop, rename) dropped the
# triggers. No view over `message` on purpose: a view would make that rename fail.
SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS message_fts USING fts5(text, content='message', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3')",
    f"CREATE TRIGGER IF NOT EXISTS message_fts_ai AFTER INSERT ON message BEGIN {_INS} END",
    f"CREATE TRIGGER IF NOT EXISTS message_fts_ad AFTER DELETE ON message BEGIN {_DEL} END",
    "CREATE TRIGGER IF NOT EXISTS message_fts_au AFTER UPDATE OF text ON message BEGIN "
    f"{_DEL} {_INS} END",
]
SQLITE_OBJECTS = {("table", "message_fts"), ("trigger", "message_fts_ai"),
                  ("trigger", "message_fts_ad"), ("trigger", "message_fts_au")}
PG_INDEX = "ix_message_text_fts"

# engine -> its tsvector expression on PostgreSQL ("" on SQLite), once checked
_checked: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


@dataclass
class Hit:
    message_id: int
    dialog_id: int
    contact_name: str
    snippet: list[tuple[str, bool]]  # (text, is_match) segments; render as plain text
    created_at: datetime
    direction: str = ""  # in | out | note


def fold(text: str) -> str:
    """What both backends compare: NFKC, lower case (any script), ё -> е, no diacritics."""
    text = unicodedata.normalize("NFKC", text or "").casefold().replace("ё", "е")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)


def words(query: str) -> list[str]:
    """The searchable words of what the user typed; nothing else survives."""
    out = []
    for w in _WORD.findall(unicodedata.normalize("NFKC", query or "")):
        w = w.lower().replace("ё", "е")[:MAX_WORD]
        if w not in out:
            out.append(w)
    return out[:MAX_WORDS]


def _yo_variants(word: str) -> list[str]:
    """unicode61 keeps ё and е apart: search the е-spelling and each one-ё spelling."""
    spots = [i for i, ch in enumerate(word) if ch == "е"][:6]
    return [word] + [word[:i] + "ё" + word[i + 1:] for i in spots]


def fts5_query(query: str) -> str:
    """An FTS5 MATCH expression: every word quoted (a literal, never an operator), all
    required, the last one a prefix, ё = е. "" when there is nothing to search for."""
    ws = words(query)
    if not ws:
        return ""
    groups = []
    for n, w in enumerate(ws):
        star = "*" if n == len(ws) - 1 else ""
        alts = ['"' + v.replace('"', '""') + '"' + star for v in _yo_variants(w)]
        groups.append(alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")")
    return " AND ".join(groups)


def tsquery(query: str) -> str:
    """A to_tsquery('simple', ...) expression: 'w1' & 'w2':* (quoted lexemes)."""
    ws = words(query)
    if not ws:
        return ""
    parts = ["'" + w.replace("'", "''").replace("\\", "\\\\") + "'" for w in ws]
    parts[-1] += ":*"
    return " & ".join(parts)


# -- the index --------------------------------------------------------------------------

def ensure_index() -> None:
    """Make sure the search objects exist; re-create missing SQLite triggers and rebuild the
    index when any was missing. Cheap after the first call in a process. Call after
    db.migrate() on start; search() calls it too."""
    eng = db.engine()
    if eng in _checked:
        return
    with _lock:
        if eng in _checked:
            return
        if eng.dialect.name == "sqlite":
            with eng.begin() as conn:
                have = {(t, n) for t, n in conn.exec_driver_sql(
                    "SELECT type, name FROM sqlite_master WHERE name LIKE 'message_fts%'")}
                if not SQLITE_OBJECTS <= have:
                    for stmt in SQLITE_DDL:
                        conn.exec_driver_sql(stmt)
                    conn.exec_driver_sql("INSERT INTO message_fts(message_fts) VALUES ('rebuild')")
            _checked[eng] = ""
        elif eng.dialect.name == "postgresql":
            with eng.connect() as conn:
                indexdef = conn.execute(
                    sql("SELECT indexdef FROM pg_indexes WHERE indexname = :n"),
                    {"n": PG_INDEX}).scalar()
            col = 'message.text COLLATE "und-x-icu"' if indexdef and "und-x-icu" in indexdef \
                else "message.text"
            _checked[eng] = f"to_tsvector('simple', replace(lower({col}), 'ё', 'е'))"
        else:
            _checked[eng] = ""


def reset() -> None:
    """Tests that swap databases call this (db.reset_engine() makes a new engine anyway)."""
    _checked.clear()


# -- searching --------------------------------------------------------------------------

def search(query: str, dialog_id: int | None = None, limit: int = 50) -> list[Hit]:
    """Messages whose text has every word of `query` (the last as a prefix), newest first;
    within one dialog when dialog_id is given. Notes (X8) are included: operators only."""
    limit = max(1, min(int(limit or 50), 200))
    eng = db.engine()
    ensure_index()
    if eng.dialect.name == "sqlite":
        match = fts5_query(query)
        if not match:
            return []
        cond = sql("message.id IN (SELECT rowid FROM message_fts WHERE message_fts MATCH :q)"
                   ).bindparams(q=match)
    elif eng.dialect.name == "postgresql":
        tsq = tsquery(query)
        if not tsq:
            return []
        cond = sql(f"{_checked[eng]} @@ to_tsquery('simple', :q)").bindparams(q=tsq)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"search is not supported on {eng.dialect.name}")
    q = (select(Message, Contact).join(Contact, Contact.id == Message.contact_id)
         .where(cond).order_by(Message.id.desc()).limit(limit))
    if dialog_id is not None:
        q = q.where(Message.dialog_id == dialog_id)
    with db.session() as s:
        rows = s.exec(q).all()
    ws = words(query)
    return [Hit(m.id, m.dialog_id, contact_name(c), snippet(m.text, ws), m.created_at,
                m.direction) for m, c in rows]


def snippet(text: str, query_words: list[str], width: int = SNIPPET_CHARS
            ) -> list[tuple[str, bool]]:
    """Up to `width` characters of `text` around the first match, as (text, is_match)
    segments; words matching the query (the last one as a prefix) are marked."""
    text = " ".join((text or "").split())
    if not query_words:
        return [(text[:width], False)] if text else []
    last = len(query_words) - 1
    wanted = [fold(w) for w in query_words]
    spans = []
    for m in _WORD.finditer(text):
        token = fold(m.group(0))
        for i, w in enumerate(wanted):
            if token == w or (i == last and token.startswith(w)):
                spans.append((m.start(), m.end()))
                break
    start = 0
    if len(text) > width:
        first = spans[0][0] if spans else 0
        start = max(0, min(first - width // 3, len(text) - width))
        if start:  # begin at a word boundary
            space = text.find(" ", start, start + 20)
            start = space + 1 if space != -1 and space + 1 <= first else start
    end = min(len(text), start + width)
    segments: list[tuple[str, bool]] = []
    if start:
        segments.append(("…", False))
    pos = start
    for a, b in spans:
        if b <= start or a >= end:
            continue
        a, b = max(a, start), min(b, end)
        if a > pos:
            segments.append((text[pos:a], False))
        segments.append((text[a:b], True))
        pos = b
    if pos < end:
        segments.append((text[pos:end], False))
    if end < len(text):
        segments.append(("…", False))
    return segments
