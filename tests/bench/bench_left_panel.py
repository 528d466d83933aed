"""Benchmark of the left panel (L1, L3, L4, L5, L9) on a big client base (not collected by pytest).

    .venv/bin/python tests/bench/bench_left_panel.py [--clients 100000 --messages 1000000]

Loads a fresh SQLite DATA_DIR (schema by the migrations) with bulk inserts in one
transaction, runs ANALYZE, then times each left-panel read through the service functions
(dialog_list, folders) and, in the same run, the same rows fetched by a bare hand-written
SQL SELECT through sqlite3. Prints p50 / p95 and the ratio to the bare query.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

FIRST = ["Анна", "Иван", "Мария", "Дмитрий", "Елена", "Сергей", "Ольга", "Алексей", "Наталья",
         "Павел", "Татьяна", "Михаил", "Olivia", "James", "Sofia", "Liam", "Emma", "Noah"]
LAST = ["Иванова", "Петров", "Смирнова", "Кузнецов", "Попова", "Соколов", "Морозова", "Новиков",
        "Волкова", "Фёдоров", "Smith", "Johnson", "Brown", "Garcia"]
TEXTS = ["Здравствуйте! Подскажите стоимость доставки?", "Hi! Is the blue jacket still available?",
         "Спасибо, всё получила 👍", "Can I change the delivery address for my order?",
         "Добрый день. Когда будет поступление?", "Do you work on weekends?",
         "Хочу записаться на пятницу после 18:00", "Оплата при получении доступна.",
         "Записали вас на пятницу, 18:30 ✅", "We're open on Saturdays from 10 to 16."]
KINDS = ["telegram", "whatsapp", "widget", "vk", "viber", "sms", "email"]
KIND_WEIGHTS = [35, 25, 15, 10, 7, 5, 3]
TAG1 = ["vip", "VIP gold", "opt", "partner", "lead", "постоянный", "новый", "b2b", "blogger",
        "returning"] + [f"promo{i}" for i in range(20)]
TAG2 = ["hot", "warm", "cold", "lost", "won"]
CITIES = ["Москва", "Санкт-Петербург", "Казань", "Новосибирск", "Екатеринбург", "London", "Berlin"]
SOURCES = ["instagram", "site", "friend", "ads", "offline"]
FOLDERS = ["Leads", "VIP", "Wholesale", "Partners", "Support", "Returns", "Delivery",
           "Complaints", "Bloggers", "Archive"]
NOW = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)


def ts(dt: datetime) -> str:
    """How SQLAlchemy stores a UTC datetime in SQLite."""
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def chunks(seq, n=20000):
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def load(path: Path, n_clients: int, n_messages: int, seed: int, fts: bool = False) -> dict:
    rnd = random.Random(seed)
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-400000")
    con.execute("PRAGMA temp_store=MEMORY")
    con.execute("BEGIN")
    t0 = time.perf_counter()
    # channels, folders, CRM fields, Tag 2 options
    chan_ids = {}
    for i, kind in enumerate(KINDS, start=1):
        con.execute("INSERT INTO channel (id, kind, name, token, base_url, enabled, cursor, "
                    "bot_username, last_error, created_at, config, webhook_secret) "
                    "VALUES (?, ?, ?, '', '', 1, '', '', '', ?, '{}', '')",
                    (i, kind, kind.title(), ts(NOW - timedelta(days=800))))
        chan_ids[kind] = i
    for i, name in enumerate(FOLDERS, start=1):
        con.execute("INSERT INTO folder (id, name, push, sound, position, created_at) "
                    "VALUES (?, ?, 1, 1, ?, ?)", (i, name, i, ts(NOW)))
    fields = [("city", "Город", "text", "[]"), ("age", "Возраст", "number", "[]"),
              ("birthday", "День рождения", "date", "[]"), ("subscribed", "Подписан", "bool", "[]"),
              ("source", "Источник", "select", '["instagram","site","friend","ads","offline"]'),
              ("site", "Сайт", "link", "[]")]
    for i, (key, label, ftype, opts) in enumerate(fields, start=1):
        con.execute("INSERT INTO crmfield (id, key, label, type, options, position, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", (i, key, label, ftype, opts, i, ts(NOW)))
    con.executemany("INSERT INTO tag2option (value, position) VALUES (?, ?)",
                    [(v, i) for i, v in enumerate(TAG2)])

    # contacts
    contacts, phones_used = [], set()
    created = []
    for cid in range(1, n_clients + 1):
        r = rnd.random()
        if r < 0.90:
            while True:
                digits = "79" + "".join(rnd.choices("0123456789", k=9))
                if digits not in phones_used:
                    break
            phones_used.add(digits)
            e164 = "+" + digits
            raw = rnd.choice([e164, "8" + digits[1:],
                              f"+7 ({digits[1:4]}) {digits[4:7]}-{digits[7:9]}-{digits[9:]}"])
        elif r < 0.95:
            digits = "1" + "".join(rnd.choices("0123456789", k=10))
            e164, raw = "+" + digits, "+" + digits
        else:
            digits = e164 = raw = ""
        named = rnd.random() > 0.10
        at = NOW - timedelta(seconds=rnd.randint(0, 730 * 86400))
        created.append(at)
        contacts.append((cid, rnd.choice(FIRST) if named else "", rnd.choice(LAST) if named else "",
                         e164, raw, digits, f"/files/avatars/{cid}.jpg" if rnd.random() < 0.5 else "",
                         1 if rnd.random() < 0.02 else 0, ts(at),
                         rnd.choice(TAG1) if rnd.random() < 0.20 else "",
                         rnd.choice(TAG2) if rnd.random() < 0.30 else ""))
    for part in chunks(contacts):
        con.executemany("INSERT INTO contact (id, first_name, last_name, phone, phone_raw, "
                        "phone_digits, avatar, blacklisted, created_at, first_message_at, tag1, tag2) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)", part)

    # identities: 1-3 channels per client
    identities, ident_of = [], {}
    iid = 0
    for cid in range(1, n_clients + 1):
        k = rnd.choices([1, 2, 3], weights=[70, 25, 5])[0]
        kinds = set()
        while len(kinds) < k:
            kinds.add(rnd.choices(KINDS, weights=KIND_WEIGHTS)[0])
        ident_of[cid] = []
        for kind in kinds:
            iid += 1
            identities.append((iid, cid, chan_ids[kind], f"u{cid}", ts(created[cid - 1])))
            ident_of[cid].append((iid, kind))
    for part in chunks(identities):
        con.executemany("INSERT INTO channelidentity (id, contact_id, channel_id, external_id, "
                        "display_name, username, avatar, reachable, unreachable_reason, created_at) "
                        "VALUES (?, ?, ?, ?, '', '', '', 1, '', ?)", part)

    # messages per client: skewed (a few talk a lot), ~3% never wrote (L2)
    weights = [0.0 if rnd.random() < 0.03 else rnd.paretovariate(1.3) for _ in range(n_clients)]
    total = sum(weights)
    counts = [int(w / total * n_messages) for w in weights]
    short = n_messages - sum(counts)
    talkers = [i for i, w in enumerate(weights) if w > 0]
    for i in rnd.choices(talkers, k=short):
        counts[i] += 1
    dialogs, messages = [], []
    mid = 0
    for cid in range(1, n_clients + 1):
        n = counts[cid - 1]
        start = created[cid - 1]
        at = start
        last = None
        for _ in range(n):
            at = at + timedelta(seconds=rnd.randint(30, 86400))
            if at > NOW:
                at = NOW - timedelta(seconds=rnd.randint(0, 3600))
            iid, kind = rnd.choice(ident_of[cid])
            mid += 1
            inbound = rnd.random() < 0.6
            text = rnd.choice(TEXTS)
            stamp = ts(at)
            messages.append((mid, cid, cid, iid, chan_ids[kind], kind, "in" if inbound else "out",
                             "client" if inbound else rnd.choice(["operator", "bot"]), text,
                             "received" if inbound else "delivered", f"m{mid}", stamp, stamp, stamp))
            last = (stamp, text, kind, "in" if inbound else "out")
        unread = rnd.randint(1, 5) if last and rnd.random() < 0.05 else 0
        paused = 1 if rnd.random() < 0.03 else 0
        if last:
            dialogs.append((cid, cid, last[0], last[0], last[1][:140], last[2], last[3], unread,
                            paused, ts(start)))
        else:
            dialogs.append((cid, cid, ts(start), None, "", "", "", 0, paused, ts(start)))
    for part in chunks(dialogs):
        con.executemany("INSERT INTO dialog (id, contact_id, activity_at, last_message_at, "
                        "last_preview, last_channel_kind, last_direction, unread_count, bot_paused, "
                        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", part)
    del dialogs
    # the message table's own indexes are built once after the load (much faster); its
    # triggers (the full-text index of alembic 0004) are off during the load
    idx = con.execute("SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name='message' "
                      "AND sql IS NOT NULL").fetchall()
    triggers = con.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger' "
                           "AND tbl_name='message'").fetchall()
    for name, _ in idx:
        con.execute(f"DROP INDEX {name}")
    for name, _ in triggers:
        con.execute(f"DROP TRIGGER {name}")
    for part in chunks(messages, 50000):
        con.executemany("INSERT INTO message (id, dialog_id, contact_id, identity_id, channel_id, "
                        "channel_kind, direction, sender_kind, text, attachments, status, error, "
                        "external_id, attempts, created_at, sent_at, updated_at, status_history) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '[]', ?, '', ?, 0, ?, ?, ?, '[]')", part)
    del messages
    for _, sql in idx + triggers:
        con.execute(sql)
    if fts and con.execute("SELECT 1 FROM sqlite_master WHERE name='message_fts'").fetchone():
        con.execute("INSERT INTO message_fts(message_fts) VALUES ('rebuild')")
    con.execute("UPDATE contact SET first_message_at = (SELECT min(created_at) FROM message "
                "WHERE message.contact_id = contact.id)")

    # folders: ~30% of clients in 1-2 folders, the first folders fuller
    members = set()
    for cid in range(1, n_clients + 1):
        if rnd.random() < 0.30:
            for _ in range(rnd.choices([1, 2], weights=[75, 25])[0]):
                members.add((cid, rnd.choices(range(1, 11), weights=range(20, 0, -2))[0]))
    con.executemany("INSERT INTO contactfolder (contact_id, folder_id) VALUES (?, ?)", sorted(members))

    # CRM values
    values = []
    for cid in range(1, n_clients + 1):
        if rnd.random() < 0.6:
            values.append((cid, 1, rnd.choice(CITIES), None, None))
        if rnd.random() < 0.4:
            age = rnd.randint(16, 80)
            values.append((cid, 2, str(age), float(age), None))
        if rnd.random() < 0.3:
            bd = datetime(rnd.randint(1950, 2008), rnd.randint(1, 12), rnd.randint(1, 28), tzinfo=timezone.utc)
            values.append((cid, 3, bd.date().isoformat(), None, ts(bd)))
        if rnd.random() < 0.5:
            yes = rnd.random() < 0.7
            values.append((cid, 4, "1" if yes else "0", 1.0 if yes else 0.0, None))
        if rnd.random() < 0.5:
            values.append((cid, 5, rnd.choice(SOURCES), None, None))
        if rnd.random() < 0.1:
            values.append((cid, 6, f"https://site{cid}.example", None, None))
    for part in chunks(values):
        con.executemany("INSERT INTO contactvalue (contact_id, field_id, value_text, value_num, "
                        "value_date) VALUES (?, ?, ?, ?, ?)", part)
    con.execute("COMMIT")
    t_load = time.perf_counter() - t0
    t1 = time.perf_counter()
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    t_analyze = time.perf_counter() - t1
    stats = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
             for t in ("contact", "dialog", "message", "channelidentity", "contactfolder", "contactvalue")}
    stats["unread dialogs"] = con.execute("SELECT count(*) FROM dialog WHERE unread_count > 0").fetchone()[0]
    con.close()
    return {"load_s": t_load, "analyze_s": t_analyze, **stats}


def pct(samples: list[float], p: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def migrated_database(data_dir: Path) -> Path:
    """A DATA_DIR for this process (no DATABASE_URL/REDIS_URL) with its SQLite database at
    the current schema; returns the database file. Imports the app only here."""
    os.environ["DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("ADMIN_PASSWORD", "bench-pass-123")
    from messenger_app import db, settings

    settings.reset()
    db.reset_engine()
    db.migrate()
    db.reset_engine()
    return data_dir / "messenger.db"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=100_000)
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the database directory")
    ap.add_argument("--fts", action="store_true",
                    help="also build the message full-text index (not read by the left panel)")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-left-panel-"))
    path = migrated_database(tmp / "data")
    from messenger_app import db
    from messenger_app.lib import phones
    from messenger_app.services import dialog_list, folders

    t0 = time.perf_counter()
    info = load(path, args.clients, args.messages, args.seed, args.fts)
    print(f"loaded in {info.pop('load_s'):.1f} s, ANALYZE {info.pop('analyze_s'):.1f} s "
          f"(total {time.perf_counter() - t0:.1f} s): "
          + ", ".join(f"{k} {v:,}" for k, v in info.items()))

    bare = sqlite3.connect(path)
    bare.execute("PRAGMA cache_size=-64000")
    rnd = random.Random(args.seed + 1)
    cols = ("d.id, d.contact_id, d.last_channel_kind, d.last_preview, d.last_message_at, "
            "d.activity_at, d.unread_count, d.last_direction, d.bot_paused, c.first_name, "
            "c.last_name, c.phone, c.phone_raw, c.avatar, c.tag1, c.tag2, c.blacklisted")
    base = f"SELECT {cols} FROM dialog d JOIN contact c ON c.id = d.contact_id"
    order = " ORDER BY d.activity_at DESC, d.id DESC LIMIT 50"

    first = dialog_list.list_page(limit=50)
    after = dialog_list.cursor(first[-1])
    after_sql = (ts(after[0]), ts(after[0]), after[1])
    phone_pool = [r[0] for r in bare.execute(
        "SELECT phone_digits FROM contact WHERE phone_digits LIKE '79%' ORDER BY random() LIMIT 200")]

    def typed_phone(d: str) -> tuple[str, str]:
        """A part of a real number as an operator types it, and the digits to look for."""
        part = d[: rnd.randint(6, 11)]
        return rnd.choice([f"+7 ({part[1:4]}) {part[4:]}", "8" + part[1:], part]), part

    lead_vip = {"join": "and", "conditions": [
        {"join": "or", "conditions": [{"field": "tag1", "op": "contains", "value": "vip"},
                                      {"field": "folder", "op": "equals", "value": 2}]},
        {"field": "channel", "op": "equals", "value": "telegram"}]}
    lead_sql = (" WHERE (lower(c.tag1) LIKE '%vip%' OR EXISTS (SELECT 1 FROM contactfolder cf "
                "WHERE cf.contact_id = c.id AND cf.folder_id = 2)) AND EXISTS (SELECT 1 FROM "
                "channelidentity ci JOIN channel ch ON ch.id = ci.channel_id WHERE ci.contact_id = "
                "c.id AND ch.kind = 'telegram')")
    lead_count_sql = (" WHERE (lower(c.tag1) LIKE '%vip%' OR d.contact_id IN (SELECT contact_id FROM "
                      "contactfolder WHERE folder_id = 2)) AND d.contact_id IN (SELECT ci.contact_id "
                      "FROM channelidentity ci JOIN channel ch ON ch.id = ci.channel_id WHERE "
                      "ch.kind = 'telegram')")
    var_or = {"join": "or", "conditions": [
        {"field": "unread", "op": "is_true"},
        {"join": "and", "conditions": [{"field": "var:age", "op": "between", "value": [30, 35]},
                                       {"field": "var:city", "op": "equals", "value": "Казань"}]}]}
    var_sql = (" WHERE d.unread_count > 0 OR (EXISTS (SELECT 1 FROM contactvalue v WHERE "
               "v.contact_id = c.id AND v.field_id = 2 AND v.value_num BETWEEN 30 AND 35) AND "
               "EXISTS (SELECT 1 FROM contactvalue v WHERE v.contact_id = c.id AND v.field_id = 1 "
               "AND v.value_text = 'Казань'))")
    counters_sql = ("SELECT cf.folder_id, count(*) FROM dialog d JOIN contactfolder cf ON "
                    "cf.contact_id = d.contact_id WHERE d.unread_count > 0 GROUP BY cf.folder_id "
                    "UNION ALL SELECT -1, count(*) FROM dialog WHERE unread_count > 0 "
                    "UNION ALL SELECT -2, count(*) FROM dialog WHERE unread_count > 0 AND bot_paused = 1")

    def phone_sql(typed: str) -> tuple[str, list[str]]:
        """The same digits as the service looks for ('8916...' also as '7916...')."""
        variants = phones.search_variants(typed)
        return ("d.contact_id IN (SELECT id FROM contact WHERE "
                + " OR ".join(["phone_digits LIKE ?"] * len(variants)) + ")",
                [f"%{v}%" for v in variants])

    def phone_case():
        typed, _ = typed_phone(rnd.choice(phone_pool))
        where, params = phone_sql(typed)
        return ((lambda: dialog_list.list_page(limit=50, search=typed)),
                (lambda: bare.execute(base + " WHERE " + where + order, params).fetchall()))

    def naive_phone_case():
        typed, _ = typed_phone(rnd.choice(phone_pool))
        where, params = phone_sql(typed)
        where = " OR ".join(["c.phone_digits LIKE ?"] * len(params))
        return ((lambda: dialog_list.list_page(limit=50, search=typed)),
                (lambda: bare.execute(base + " WHERE " + where + order, params).fetchall()))

    def short_phone_case():
        typed = "".join(rnd.choices("0123456789", k=rnd.choice([2, 3])))
        where = " OR ".join(["c.phone_digits LIKE ?"] * len(phones.search_variants(typed)))
        params = [f"%{v}%" for v in phones.search_variants(typed)]
        return ((lambda: dialog_list.list_page(limit=50, search=typed)),
                (lambda: bare.execute(base + " WHERE " + where + order, params).fetchall()))

    def phone_count_case():
        typed, _ = typed_phone(rnd.choice(phone_pool))
        where, params = phone_sql(typed)
        return ((lambda: dialog_list.count(search=typed)),
                (lambda: bare.execute("SELECT count(*) FROM dialog d WHERE " + where,
                                      params).fetchall()))

    def fixed(service, sql, params=()):
        return lambda: (service, lambda: bare.execute(sql, params).fetchall())

    cases = [
        ("first page", fixed(lambda: dialog_list.list_page(limit=50), base + order)),
        ("next page", fixed(lambda: dialog_list.list_page(limit=50, after=after),
                            base + " WHERE d.activity_at < ? OR (d.activity_at = ? AND d.id < ?)"
                            + order, after_sql)),
        ("unread view", fixed(lambda: dialog_list.list_page(limit=50, unread_only=True),
                              base + " WHERE d.unread_count > 0" + order)),
        ("phone search", phone_case),
        ("  (vs naive LIKE in list order)", naive_phone_case),
        ("phone search, 2-3 digits", short_phone_case),
        ("filter (vip OR folder) AND tg", fixed(lambda: dialog_list.list_page(limit=50, filter=lead_vip),
                                                base + lead_sql + order)),
        ("filter unread OR (age AND city)", fixed(lambda: dialog_list.list_page(limit=50, filter=var_or),
                                                  base + var_sql + order)),
        ("folder unread counters", fixed(folders.list_with_unread, counters_sql)),
        ("count: all", fixed(dialog_list.count, "SELECT count(*) FROM dialog")),
        ("count: phone search", phone_count_case),
        ("count: filter (vip OR folder) AND tg",
         fixed(lambda: dialog_list.count(filter=lead_vip),
               "SELECT count(*) FROM dialog d JOIN contact c ON c.id = d.contact_id" + lead_count_sql)),
    ]

    # the service returns the same rows as the bare query
    for name, make in cases:
        service, raw = make()
        got, want = service(), raw()
        if isinstance(got, int):
            want = want[0][0]
        elif got and isinstance(got[0], folders.FolderCount):
            got = {f.id: f.unread for f in got if f.unread}
            want = {({-1: "all", -2: "operator"}.get(k, k)): n for k, n in want if n}
        else:
            got, want = [r.id for r in got], [r[0] for r in want]
        assert got == want, (name, str(got)[:200], str(want)[:200])

    print(f"\n{'query':40} {'p50 ms':>8} {'p95 ms':>8} {'bare p50':>9} {'bare p95':>9} {'ratio p50':>9}")
    slow = []
    for name, make in cases:
        svc, raw = [], []
        make()[0]()  # warm-up
        for _ in range(args.runs):
            service, bare_q = make()
            t = time.perf_counter()
            service()
            svc.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            bare_q()
            raw.append((time.perf_counter() - t) * 1000)
        p50, p95, b50, b95 = pct(svc, 50), pct(svc, 95), pct(raw, 50), pct(raw, 95)
        print(f"{name:40} {p50:8.2f} {p95:8.2f} {b50:9.2f} {b95:9.2f} {p50 / max(b50, 1e-6):8.1f}x")
        if p95 > 50:
            slow.append(name)
    bare.close()
    db.reset_engine()
    print("\nslow (p95 > 50 ms): " + (", ".join(slow) if slow else "none"))
    if args.keep:
        print(f"database kept in {path}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
