"""Benchmark of the chat-bot runtime (not collected by pytest).

    .venv/bin/python tests/bench/bench_bot.py [--runs 1000 --samples 300]

A fresh SQLite DATA_DIR (schema by the migrations), one channel, the city scenario of the
tests published with a first-message trigger, and `--runs` clients whose runs are in progress
(each waits on the "Which city?" step). Then, `--samples` times, one of those clients answers:
  - bare:  services.inbox.receive() of a message from a client without a run (the baseline,
           in the same run, same database);
  - bot:   inbox.receive() of the answer -> the bot job claimed (jobs.claim) -> the bot's
           handler (stores the CRM value, walks the branch, queues the reply) -> the reply's
           outbox row exists. The debounce (BOT_DEBOUNCE_SECONDS, 2 s by default) is a wait by
           design and is left out; it is set to 0 here.
Prints p50 / p95 of each and the ratio bot / bare, with the load average before and after.
Every sample is a different client, so at least `--runs` runs stay in progress throughout.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.running import fresh_database  # noqa: E402


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--samples", type=int, default=300)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-bot-"))
    os.environ["BOT_DEBOUNCE_SECONDS"] = "0"
    fresh_database(tmp / "data")
    from sqlmodel import func, select

    from messenger_app import db
    from messenger_app.channels.base import InboundMessage
    from messenger_app.models import Message
    from messenger_app.models.scenario import BotRun
    from messenger_app.services import bot, channels, crm, inbox, jobs, scenarios
    from tests.scenario_graphs import city_graph

    crm.create_field("city", "City")
    ch = channels.add("vk", token="vk-token", config={"group_id": "5"}, base_url="http://127.0.0.1:9")
    for k in range(args.samples):  # the baseline's clients: known before the bot, no run
        inbox.receive(ch.id, ch.kind, InboundMessage(external_id=f"b{k}", identity_external_id=f"base{k}",
                                                     text="hello", first_name="Boris"), fetch_profile=False)
    sid = scenarios.create("Welcome")
    scenarios.save_draft(sid, city_graph())
    scenarios.set_triggers(sid, {"first_message_channels": [ch.id]})
    scenarios.publish(sid)
    holder = "bench"

    def run_jobs() -> None:
        while batch := jobs.claim(holder, 8):
            for j in batch:
                if j.kind != "bot":  # the new client's profile fetch: not this benchmark's
                    jobs.finish(j.id, holder)
                    continue
                bot.handle_inbound(int(j.payload["contact_id"]), int(j.payload["message_id"]), holder)
                jobs.finish(j.id, holder)

    total = args.runs + args.samples
    load_before = os.getloadavg()
    t = time.perf_counter()
    for i in range(total):
        inbox.receive(ch.id, ch.kind, InboundMessage(external_id=f"hi{i}", identity_external_id=f"u{i}",
                                                     text="hi", first_name="Anna"))
        if i % 50 == 49:
            run_jobs()
    run_jobs()
    setup = time.perf_counter() - t
    with db.session() as s:
        in_progress = s.exec(select(func.count()).select_from(BotRun).where(BotRun.status != "ended")).one()
    assert in_progress == total, in_progress
    load_before = os.getloadavg()

    bare, with_bot = [], []
    for k in range(args.samples):
        # baseline: a message from a client without a run (a second message: no trigger)
        t0 = time.perf_counter()
        inbox.receive(ch.id, ch.kind, InboundMessage(external_id=f"x{k}", identity_external_id=f"base{k}",
                                                     text="thanks", first_name="Boris"))
        bare.append(time.perf_counter() - t0)
        run_jobs()  # (its job finds no run and no trigger; not timed)
        # the bot: a client with a run answers; until its reply is queued
        who = k
        t0 = time.perf_counter()
        got = inbox.receive(ch.id, ch.kind, InboundMessage(external_id=f"a{k}", identity_external_id=f"u{who}",
                                                           text="Kazan", first_name="Anna"))
        run_jobs()
        with_bot.append(time.perf_counter() - t0)
        with db.session() as s:
            reply = s.exec(select(Message.text).where(Message.contact_id == got.contact_id,
                                                      Message.sender_kind == "bot")
                           .order_by(Message.id.desc())).first()
        assert reply == "We will write to you in Kazan.", reply
    with db.session() as s:
        in_progress = s.exec(select(func.count()).select_from(BotRun).where(BotRun.status != "ended")).one()
    load_after = os.getloadavg()
    b50, b95 = pct(bare, 50) * 1000, pct(bare, 95) * 1000
    r50, r95 = pct(with_bot, 50) * 1000, pct(with_bot, 95) * 1000
    print(f"setup: {total} runs started in {setup:.1f} s; runs in progress at the end: {in_progress}")
    print(f"bare inbox.receive():              p50 {b50:6.2f} ms  p95 {b95:6.2f} ms")
    print(f"inbound -> bot reply queued:       p50 {r50:6.2f} ms  p95 {r95:6.2f} ms"
          f"  (mean {statistics.mean(with_bot) * 1000:.2f} ms)")
    print(f"ratio bot / bare:                  p50 {r50 / b50:5.1f}x  p95 {r95 / b95:5.1f}x")
    print("+ the debounce by design: BOT_DEBOUNCE_SECONDS (default 2 s) before the job is due")
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
          f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")


if __name__ == "__main__":
    main()
