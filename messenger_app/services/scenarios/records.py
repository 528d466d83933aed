"""The scenarios as stored: create, list, read, save a draft, rename, set the triggers,
publish an immutable version, delete; and the versions the runtime and the card read."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from messenger_app import db
from messenger_app.clock import utcnow
from messenger_app.models import Channel
from messenger_app.models.scenario import ENDED, BotRun, Scenario, ScenarioVersion
from messenger_app.services.scenarios.publishing import problems
from messenger_app.services.scenarios.shape import check_shape, clean_triggers, empty_graph, ScenarioError


MAX_NAME = 200


@dataclass
class ScenarioSummary:
    id: int
    name: str
    triggers: str  # a short text: "/start, меню · first message: Telegram"
    status: str  # draft | published
    running: int
    versions: list[tuple[int, int]]  # (number, runs in progress on it)
    edited_by: int | None
    edited_at: datetime


@dataclass
class VersionView:
    number: int
    published_at: datetime
    published_by: int | None
    running: int


@dataclass
class ScenarioDetail:
    id: int
    name: str
    draft: dict
    triggers: dict
    versions: list[VersionView]
    edited_by: int | None
    edited_at: datetime


def _clean_name(name: Any) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise ScenarioError("scenario name is empty", code="scenario_name_empty")
    if len(name) > MAX_NAME:
        raise ScenarioError(f"scenario name too long (max {MAX_NAME})", code="too_long", limit=MAX_NAME)
    return name


def _get(s, scenario_id: int) -> Scenario:
    sc = s.get(Scenario, scenario_id) if isinstance(scenario_id, int) else None
    if sc is None or sc.deleted_at is not None:
        raise ScenarioError("no such scenario", code="scenario_missing")
    return sc


def create(name: str, by: int | None = None) -> int:
    name = _clean_name(name)
    with db.session() as s:
        sc = Scenario(name=name, draft=empty_graph(), triggers=clean_triggers({}), edited_by=by)
        s.add(sc)
        s.commit()
        return sc.id


def _running_by_version(s) -> dict[int, int]:
    rows = s.exec(select(BotRun.version_id, func.count()).where(BotRun.status != ENDED)
                  .group_by(BotRun.version_id)).all()
    return {v: n for v, n in rows}


def triggers_text(triggers: dict, channel_names: dict[int, str]) -> str:
    parts = list(triggers.get("keywords") or [])
    parts += [f"/start {p}" for p in triggers.get("start_payloads") or []]
    parts += [f"⇢ {channel_names.get(c, '#' + str(c))}" for c in triggers.get("first_message_channels") or []]
    return ", ".join(parts)


def list_all() -> list[ScenarioSummary]:
    with db.session() as s:
        scs = s.exec(select(Scenario).where(Scenario.deleted_at == None).order_by(Scenario.name, Scenario.id)).all()  # noqa: E711
        versions = s.exec(select(ScenarioVersion.scenario_id, ScenarioVersion.id, ScenarioVersion.number)
                          .order_by(ScenarioVersion.number)).all()
        running = _running_by_version(s)
        names = {c.id: (c.name or c.kind) for c in s.exec(select(Channel)).all()}
    by_sc: dict[int, list[tuple[int, int]]] = {}
    for sid, vid, num in versions:
        by_sc.setdefault(sid, []).append((num, running.get(vid, 0)))
    out = []
    for sc in scs:
        vs = by_sc.get(sc.id, [])
        out.append(ScenarioSummary(sc.id, sc.name, triggers_text(sc.triggers or {}, names),
                                   "published" if vs else "draft", sum(n for _, n in vs), vs,
                                   sc.edited_by, sc.edited_at))
    return out


def get(scenario_id: int) -> ScenarioDetail:
    with db.session() as s:
        sc = _get(s, scenario_id)
        vs = s.exec(select(ScenarioVersion).where(ScenarioVersion.scenario_id == sc.id)
                    .order_by(ScenarioVersion.number)).all()
        running = _running_by_version(s)
    return ScenarioDetail(sc.id, sc.name, sc.draft or empty_graph(), sc.triggers or clean_triggers({}),
                          [VersionView(v.number, v.published_at, v.published_by, running.get(v.id, 0))
                           for v in vs], sc.edited_by, sc.edited_at)


def save_draft(scenario_id: int, graph: dict, by: int | None = None) -> None:
    graph = check_shape(graph)
    with db.session() as s:
        sc = _get(s, scenario_id)
        sc.draft = graph
        sc.edited_by, sc.edited_at = by, utcnow()
        s.add(sc)
        s.commit()


def rename(scenario_id: int, name: str, by: int | None = None) -> None:
    name = _clean_name(name)
    with db.session() as s:
        sc = _get(s, scenario_id)
        sc.name, sc.edited_by, sc.edited_at = name, by, utcnow()
        s.add(sc)
        s.commit()


def set_triggers(scenario_id: int, triggers: dict, by: int | None = None) -> None:
    triggers = clean_triggers(triggers)
    with db.session() as s:
        sc = _get(s, scenario_id)
        sc.triggers, sc.edited_by, sc.edited_at = triggers, by, utcnow()
        s.add(sc)
        s.commit()


def publish(scenario_id: int, by: int | None = None) -> int:
    with db.session() as s:
        sc = _get(s, scenario_id)
        graph = sc.draft or empty_graph()
    found = problems(graph)
    if found:
        raise ScenarioError(f"scenario has {len(found)} problem(s)", code="scenario_invalid",
                            count=len(found))
    with db.session() as s:
        sc = _get(s, scenario_id)
        last = s.exec(select(func.max(ScenarioVersion.number))
                      .where(ScenarioVersion.scenario_id == sc.id)).one() or 0
        v = ScenarioVersion(scenario_id=sc.id, number=last + 1, graph=json.loads(json.dumps(graph)),
                            published_by=by)
        s.add(v)
        s.commit()
        return v.number


def delete(scenario_id: int) -> None:
    with db.session() as s:
        sc = _get(s, scenario_id)
        busy = s.exec(select(func.count()).select_from(BotRun)
                      .where(BotRun.scenario_id == sc.id, BotRun.status != ENDED)).one()
        if busy:
            raise ScenarioError("scenario has runs in progress", code="scenario_busy", count=busy)
        sc.deleted_at = utcnow()
        s.add(sc)
        s.commit()


def latest_version(scenario_id: int) -> ScenarioVersion | None:
    with db.session() as s:
        return s.exec(select(ScenarioVersion).where(ScenarioVersion.scenario_id == scenario_id)
                      .order_by(ScenarioVersion.number.desc()).limit(1)).first()


def published() -> list[tuple[int, str]]:
    """(id, name) of every scenario with a published version (the card's "Start scenario…")."""
    with db.session() as s:
        rows = s.exec(select(Scenario.id, Scenario.name).where(
            Scenario.deleted_at == None,  # noqa: E711
            Scenario.id.in_(select(ScenarioVersion.scenario_id))).order_by(Scenario.name)).all()
    return [(i, n) for i, n in rows]
