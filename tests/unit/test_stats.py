"""X9 / B3: every figure of the statistics, from the rollups written as things happen, equals
the same figure computed directly from the raw tables with plain SQL; a rebuild gives the same
rollups; a non-UTC reporting zone moves messages around midnight to the right day; a bot
hand-over, a merge (and its undo) and internal notes count as the rules say."""

import importlib
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from messenger_app import db
from messenger_app.channels.base import InboundMessage
from messenger_app.models import Channel
from messenger_app.services import (auth, client_import, crm, inbound_batch, inbox, merge, notes, outbox,
                                    rollups, stats)

# the module, not the re-exported card() function of the same name
crm_card = importlib.import_module("messenger_app.services.crm.card")
ZONE = "Asia/Yekaterinburg"  # UTC+5, no DST: local midnight = 19:00 UTC
TZ = ZoneInfo(ZONE)
T0 = datetime(2026, 11, 10, 18, 50, tzinfo=timezone.utc)  # 23:50 local on Nov 10


class Clock:
    def __init__(self, t):
        self.t = t

    def __call__(self):
        return self.t

    def at(self, t):
        self.t = t
        return self

    def tick(self, **kw):
        self.t = self.t + timedelta(**kw)
        return self


@pytest.fixture
def clock(data_dir, monkeypatch):
    c = Clock(T0)
    for mod in (inbound_batch, outbox, crm, crm_card, notes, merge, client_import):
        monkeypatch.setattr(mod, "utcnow", c, raising=False)
    return c


def _ch(kind):
    with db.session() as s:
        ch = Channel(kind=kind, name=kind)
        s.add(ch)
        s.commit()
        s.refresh(ch)
        return ch


_n = [0]


def _say(ch, user, body="hi"):
    _n[0] += 1
    return inbox.receive(ch.id, ch.kind, InboundMessage(
        external_id=f"e{_n[0]}", identity_external_id=user, text=body, first_name=user),
        fetch_profile=False)


def _ops():
    a = auth.create_operator("olga", "password-123")
    b = auth.create_operator("ivan", "password-123")
    return a.id, b.id


def _sql(q, **kw):
    with db.engine().connect() as c:
        return c.execute(text(q), kw).all()


def _local_day_sql(col):
    # plain SQL: shift the stored UTC time by the zone's fixed +5 h
    return f"date({col}, '+5 hours')"


def _rollup_state():
    return sorted(_sql("SELECT metric, bucket, channel_id, operator_id, key, n FROM rollup "
                       "WHERE n != 0 AND metric IN (" + ",".join(f"'{m}'" for m in rollups.OWNED) + ")"))


@pytest.fixture
def world(clock):
    """Two channels, two operators; traffic across local midnight (UTC+5)."""
    tg, sms = _ch("telegram"), _ch("sms")
    olga, ivan = _ops()
    # Anna writes at 23:50 local (Nov 10), Olga answers 3 min later = 23:53 local
    a = _say(tg, "anna")
    clock.tick(minutes=3)
    outbox.queue(a.dialog_id, olga, "hello Anna")
    # 23:58 local: Anna again; Olga answers 00:04 local on Nov 11 (a reply time of 6 min)
    clock.tick(minutes=5)
    _say(tg, "anna", "one more")
    clock.tick(minutes=6)
    outbox.queue(a.dialog_id, olga, "sure")
    # an internal note never counts, anywhere
    notes.add_note(a.dialog_id, ivan, "VIP, be nice")
    # Boris by SMS just after local midnight; the bot answers (no human), hands over at +2 min,
    # Ivan answers 30 s after the hand-over: the first response is 30 s
    clock.tick(minutes=1)
    b = _say(sms, "boris")
    clock.tick(seconds=20)
    outbox.queue(b.dialog_id, None, "bot here", sender_kind="bot",
                 origin=outbox.Origin("bot", 1, "Welcome"))
    clock.tick(seconds=100)
    with db.engine().begin() as conn:
        stats.handed_over(conn, b.dialog_id, clock())
    clock.tick(seconds=30)
    outbox.queue(b.dialog_id, ivan, "Ivan here")
    # a New dialog client: a contact at once, not billed until it writes
    clock.tick(hours=2)
    c, cd = crm.create_contact("+79990001122", "Vera")
    # a client who waits 2 hours for Olga, the next day
    clock.tick(hours=26)
    d = _say(tg, "dmitry")
    clock.tick(hours=2)
    outbox.queue(d.dialog_id, olga, "sorry for the wait")
    return {"tg": tg, "sms": sms, "olga": olga, "ivan": ivan, "a": a, "b": b, "c": c, "d": d}


def _report(**kw):
    return stats.report(date(2026, 11, 10), date(2026, 11, 12), ZONE, **kw)


def test_messages_per_local_day_and_channel_match_plain_sql(world):
    r = _report()
    for direction, got in (("in", r.msg_in), ("out", r.msg_out)):
        rows = _sql(f"SELECT {_local_day_sql('created_at')} d, channel_id, count(*) FROM message "
                    "WHERE direction = :dir GROUP BY d, channel_id", dir=direction)
        want = {}
        for d, ch, n in rows:
            want.setdefault(d, {})[ch] = n
        assert {d: v for d, v in got.items() if v} == want
    # around midnight: Anna's two messages before it are Nov 10, Boris's just after is Nov 11
    tg, sms = world["tg"].id, world["sms"].id
    assert r.msg_in["2026-11-10"] == {tg: 2} and r.msg_in["2026-11-11"] == {sms: 1}
    assert r.msg_out["2026-11-10"] == {tg: 1}
    # notes are in the message table but never counted
    assert _sql("SELECT count(*) FROM message WHERE direction = 'note'")[0][0] == 1
    assert r.totals["in"] + r.totals["out"] == _sql(
        "SELECT count(*) FROM message WHERE direction IN ('in', 'out')")[0][0]


def test_the_same_days_in_utc_without_a_rebuild(world):
    r = stats.report(date(2026, 11, 10), date(2026, 11, 12), "UTC")
    rows = _sql("SELECT date(created_at) d, count(*) FROM message WHERE direction = 'in' GROUP BY d")
    assert {d: sum(v.values()) for d, v in r.msg_in.items() if v} == dict(rows)
    assert sum(r.msg_in["2026-11-10"].values()) == 3  # all of Nov 10 in UTC


def test_new_clients_billed_and_active_dialogs_match_plain_sql(world):
    r = _report()
    # (clients made by the inbox get the wall clock's subscription date: outside the range)
    want_new = {d: n for d, n in _sql(f"SELECT {_local_day_sql('created_at')} d, count(*) "
                                      "FROM contact GROUP BY d") if d in r.days}
    assert {d: n for d, n in r.new_clients.items() if n} == want_new == {"2026-11-11": 1}
    want_billed = dict(_sql(f"SELECT {_local_day_sql('first_message_at')} d, count(*) FROM contact "
                            "WHERE first_message_at IS NOT NULL GROUP BY d"))
    assert {d: n for d, n in r.billed_new.items() if n} == want_billed
    want_active = dict(_sql(f"SELECT {_local_day_sql('created_at')} d, count(DISTINCT dialog_id) "
                            "FROM message WHERE direction IN ('in','out') GROUP BY d"))
    assert {d: n for d, n in r.active_dialogs.items() if n} == want_active
    # Vera (New dialog) is a client but not billed
    b = stats.billed(ZONE, today=date(2026, 11, 12))
    assert b["now"] == crm.billed_subscribers() == 3
    assert _sql("SELECT count(*) FROM contact")[0][0] == 4
    assert b["this_month"] == 3 and b["months"][0] == {"month": "2026-11", "new": 3, "total": 3}


def test_response_times_first_reply_handover_and_notes(world):
    r = _report()
    # first responses: Anna 3 min, Boris 30 s after the hand-over, Dmitry 2 h
    assert r.first_response.count == 3
    assert r.first_response.buckets["lt1m"] == 1 and r.first_response.buckets["1_5m"] == 1
    assert r.first_response.buckets["1_4h"] == 1
    assert r.first_response.median_bin[0] <= 180 < r.first_response.median_bin[1]
    # the one reply time: 6 min (Anna's second message at 23:58 → 00:04)
    assert r.reply.count == 1 and r.reply.buckets["5_15m"] == 1
    assert r.reply.median_bin[0] <= 360 < r.reply.median_bin[1]
    ops = {o["operator_id"]: o for o in r.operators}
    assert ops[world["olga"]]["messages"] == 3 and ops[world["olga"]]["dialogs"] == 2
    assert ops[world["ivan"]]["messages"] == 1 and ops[world["ivan"]]["dialogs"] == 1
    assert ops[world["ivan"]]["frt_median"] == 30  # exact under a minute
    # plain SQL: every human reply's wait since the earliest client message after the previous
    # human reply (no hand-over in those dialogs)
    rows = _sql("""
        SELECT (julianday(o.created_at) - julianday((
            SELECT min(i.created_at) FROM message i WHERE i.dialog_id = o.dialog_id
              AND i.direction = 'in' AND i.created_at < o.created_at
              AND i.created_at > coalesce((SELECT max(p.created_at) FROM message p
                  WHERE p.dialog_id = o.dialog_id AND p.direction = 'out'
                    AND p.sender_kind = 'operator' AND p.created_at < o.created_at), '')))) * 86400
        FROM message o WHERE o.direction = 'out' AND o.sender_kind = 'operator'
          AND o.origin_kind = '' AND o.dialog_id != :b""", b=world["b"].dialog_id)
    waits = sorted(round(w) for (w,) in rows)
    assert waits == [180, 360, 7200]
    hist = [stats.bin_of(w) for w in waits] + [stats.bin_of(30)]
    assert sorted(hist) == sorted(
        int(k) for k, n in _sql("SELECT key, n FROM rollup WHERE metric IN ('frt','reply')") for _ in range(n))


def test_operator_sees_only_their_own_figures(world):
    r = _report(operator_id=world["ivan"])
    assert [o["operator_id"] for o in r.operators] == [world["ivan"]]
    assert r.totals["in"] == 0 and r.totals["out"] == 1 and r.first_response.count == 1
    assert r.bots == [] and r.mailings == [] and r.totals["new_clients"] == 0


def test_channel_filter(world):
    r = _report(channel_id=world["sms"].id)
    assert r.totals == {"in": 1, "out": 2, "new_clients": 1, "billed_new": 3}
    assert r.first_response.count == 1 and r.active_dialogs["2026-11-11"] == 1


def test_rebuild_gives_the_same_rollups(world):
    before = _rollup_state()
    assert before
    with db.engine().begin() as conn:
        conn.execute(text("DELETE FROM rollup WHERE metric = 'frt'"))
        conn.execute(text("UPDATE rollup SET n = n + 5 WHERE metric = 'msg_in'"))
        rollups.record(conn, "bot_started", T0, key=7)
    stats.rebuild()
    assert _rollup_state() == before
    assert _sql("SELECT n FROM rollup WHERE metric = 'bot_started'") == [(1,)]  # kept


def test_merged_client_counts_once_and_undo_counts_again(world, clock):
    before = _rollup_state()
    a, d = world["a"], world["d"]
    b0 = stats.billed(ZONE, today=date(2026, 11, 12))["now"]
    log = merge.merge(a.contact_id, d.contact_id)
    assert stats.billed(ZONE, today=date(2026, 11, 12))["now"] == b0 - 1 == crm.billed_subscribers()
    merged = _rollup_state()
    stats.rebuild()
    assert _rollup_state() == merged  # the merge's bookkeeping equals a recount
    r = _report()
    want_active = dict(_sql(f"SELECT {_local_day_sql('created_at')} d, count(DISTINCT dialog_id) "
                            "FROM message WHERE direction IN ('in','out') GROUP BY d"))
    assert {d: n for d, n in r.active_dialogs.items() if n} == want_active
    assert r.active_dialogs["2026-11-11"] == 2  # Anna+Dmitry are one dialog now, and Boris
    merge.undo(log)
    assert _rollup_state() == before
    assert stats.billed(ZONE, today=date(2026, 11, 12))["now"] == b0


def test_merge_moves_a_handover_and_undo_brings_it_home(world, clock):
    before = _rollup_state()
    log = merge.merge(world["a"].contact_id, world["b"].contact_id)
    merged = _rollup_state()
    stats.rebuild()
    assert _rollup_state() == merged
    # a later human reply in the merged dialog still knows the hand-over happened
    merge.undo(log)
    assert _rollup_state() == before
    assert _sql("SELECT dialog_id FROM handover") == [(world["b"].dialog_id,)]


def test_bot_and_mailing_figures_come_from_their_rollups(world):
    with db.engine().begin() as conn:
        for m, k, n in (("bot_started", 1, 5), ("bot_finished", 1, 3), ("bot_handover", 1, 1),
                        ("mailing_sent", 9, 100), ("mailing_failed", 9, 2), ("mailing_skipped", 9, 4)):
            rollups.record(conn, m, T0 + timedelta(hours=1), key=k, n=n)
        rollups.record(conn, "bot_started", T0 - timedelta(days=30), key=1)  # outside the range
    r = _report()
    assert r.bots == [{"key": "1", "started": 5, "finished": 3, "handover": 1}]
    assert r.mailings == [{"key": "9", "sent": 100, "delivered": 0, "read": 0, "failed": 2, "skipped": 4}]


def test_bad_input_is_refused(data_dir):
    with pytest.raises(stats.StatsError):
        stats.report(date(2026, 1, 2), date(2026, 1, 1), "UTC")
    with pytest.raises(stats.StatsError):
        stats.report(date(2026, 1, 1), date(2026, 1, 2), "Mars/Olympus")
    with pytest.raises(stats.StatsError):
        stats.report(date(2024, 1, 1), date(2026, 1, 2), "UTC")


def test_bins_and_percentiles():
    assert [stats.bin_of(s) for s in (0, 59.9, 60, 64, 299, 300, 3599, 86400, 90000)] == \
        [0, 59, 60, 60, 295, 300, 3540, 86400, 90000]
    t = stats.times({10: 4, 600: 5, 90000: 1})
    assert t.count == 10 and t.median_bin == (600, 615) and t.p90_bin == (600, 615)
    assert t.buckets == {"lt1m": 4, "1_5m": 0, "5_15m": 5, "15_60m": 0, "1_4h": 0,
                         "4_24h": 0, "gt24h": 1}


def _recount() -> list:
    """The rollups as _timeline() computes them from every dialog and client (the rules
    written once more, independent of the write-path queries and of the SQL rebuild)."""
    cells = rollups.counter()
    with db.engine().connect() as conn:
        stats._dialog_cells(conn, [d for (d,) in conn.execute(text("SELECT id FROM dialog"))], cells)
        stats._contact_cells(conn, [c for (c,) in conn.execute(text("SELECT id FROM contact"))], cells)
    fmt = lambda b: b.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")  # noqa: E731
    return sorted((c[0], fmt(c[1]), c[2], c[3], c[4], n) for c, n in cells.items() if n)


def random_traffic(rnd, clock, steps: int, ticks: list[int],
                   cuts: tuple[float, ...] = (0.4, 0.65, 0.75, 0.82, 0.9, 0.95)):
    """`steps` random inbound, operator, bot and mailing messages, notes, hand-overs, merges
    and undos; `cuts` are the cumulative chances of the first six kinds (the rest: undo).
    Returns the Telegram and SMS channels and the operators' ids it used."""
    tg, sms = _ch("telegram"), _ch("sms")
    ops = _ops()
    users = [f"u{i}" for i in range(8)]
    logs = []

    def some_dialog():
        return rnd.choice([d for (d,) in _sql("SELECT DISTINCT dialog_id FROM message")])

    for step in range(steps):
        clock.tick(seconds=rnd.choice(ticks))
        act = rnd.random()
        if act < cuts[0] or step < 5:
            _say(rnd.choice([tg, sms]), rnd.choice(users))
        elif act < cuts[1]:
            outbox.queue(some_dialog(), rnd.choice(ops), "answer")
        elif act < cuts[2]:
            kind = rnd.choice(["bot", "mailing"])
            outbox.queue(some_dialog(), None, kind, sender_kind=kind, origin=outbox.Origin(kind, 1, kind))
        elif act < cuts[3]:
            notes.add_note(some_dialog(), ops[0], "note")
        elif act < cuts[4]:
            with db.engine().begin() as conn:
                stats.handed_over(conn, some_dialog(), clock())
        elif act < cuts[5]:
            found = _sql("SELECT contact_id FROM dialog WHERE last_message_at IS NOT NULL")
            if len(found) > 2:
                (ca,), (cb,) = rnd.sample(found, 2)
                logs.append(merge.merge(ca, cb))
        elif logs:
            merge.undo(logs.pop())
    return tg, sms, ops


def test_random_traffic_write_path_rebuild_and_recount_agree(clock):
    """Random inbound, operator, bot and mailing messages, notes, hand-overs, merges and
    undos over two days: the rollups written as it happened, a rebuild, and a recount agree."""
    import random

    random_traffic(random.Random(14), clock, 220, [5, 40, 200, 900, 4000])
    written = _rollup_state()
    assert written == _recount()
    stats.rebuild()
    assert _rollup_state() == written
    assert _sql("SELECT count(*) FROM rollup WHERE metric = 'frt'")[0][0] > 0


def test_postgres_write_path_rebuild_and_report_agree(postgres, monkeypatch):
    """The same on PostgreSQL: upserts, the SQL rebuild (date_trunc) and the local days."""
    db.migrate()
    c = Clock(T0)
    for mod in (inbound_batch, outbox, crm, notes, merge):
        monkeypatch.setattr(mod, "utcnow", c, raising=False)
    tg = _ch("telegram")
    olga, _ = _ops()
    a = _say(tg, "anna")
    c.tick(minutes=3)
    outbox.queue(a.dialog_id, olga, "hello")  # 23:53 local
    c.tick(minutes=10)
    _say(tg, "anna", "later")  # 00:03 local, the next day
    with db.engine().begin() as conn:
        stats.handed_over(conn, a.dialog_id, c.tick(seconds=30)())
    c.tick(seconds=45)
    outbox.queue(a.dialog_id, olga, "after the bot")
    with db.engine().connect() as conn:
        state = lambda: sorted(tuple(r) for r in conn.execute(text(  # noqa: E731
            "SELECT metric, bucket, channel_id, operator_id, key, n FROM rollup")))
        written = state()
        conn.commit()
        stats.rebuild()
        assert state() == written
    r = _report()
    assert r.msg_in["2026-11-10"] == {tg.id: 1} and r.msg_in["2026-11-11"] == {tg.id: 1}
    assert r.active_dialogs == {"2026-11-10": 1, "2026-11-11": 1, "2026-11-12": 0}
    assert r.first_response.count == 2 and r.first_response.buckets == {
        "lt1m": 1, "1_5m": 1, "5_15m": 0, "15_60m": 0, "1_4h": 0, "4_24h": 0, "gt24h": 0}
    assert stats.billed(ZONE, today=date(2026, 11, 12))["now"] == 1
