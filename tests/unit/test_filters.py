"""services/filters/ (L5): every field and operator against a small known client base,
AND/OR with nested groups, validation, describe(), the URL form and the catalog."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from messenger_app import db, settings
from messenger_app.models import (Channel, ChannelIdentity, Contact, ContactFolder, ContactValue,
                                  CrmField, Dialog, Folder, Message, Tag2Option)
from messenger_app.services import dialog_list, events, filters, folders
from messenger_app.services.filters import FilterError
from tests import factories
from tests.services import PostgresServer


def utc(*a) -> datetime:
    return datetime(*a, tzinfo=timezone.utc)


# name -> (contact fields, dialog fields, channel kinds, folders, CRM values)
CLIENTS = {
    "anna": (dict(first_name="Anna", last_name="Ivanova", phone="+79991234567", tag1="VIP gold",
                  tag2="hot", created_at=utc(2024, 1, 10, 10)),
             dict(last_channel_kind="telegram", unread_count=2, last_message_at=utc(2024, 6, 1, 12)),
             ["telegram", "widget"], ["F1"],
             {"city": "Moscow", "site": "https://anna.example", "level": "gold", "age": 30,
              "birthday": utc(1990, 5, 1), "subscribed": True}),
    "boris": (dict(first_name="Boris", last_name="Petrov", phone="+79161112233", tag2="cold",
                   created_at=utc(2024, 2, 15)),
              dict(last_channel_kind="vk", bot_paused=True, last_message_at=utc(2024, 6, 2, 9)),
              ["vk"], ["F1", "F2"],
              {"city": "Kazan", "level": "silver", "age": 45, "subscribed": False}),
    "olga": (dict(first_name="Ольга", last_name="Смирнова", phone="+79031234500", tag1="вип",
                  blacklisted=True, created_at=utc(2024, 3, 1)),
             dict(last_channel_kind="whatsapp", unread_count=1, last_message_at=utc(2024, 5, 20)),
             ["whatsapp"], ["F2"], {"city": "Москва", "age": 22.5, "birthday": utc(2001, 12, 31)}),
    "ghost": (dict(first_name="Ghost", created_at=utc(2024, 3, 2)),  # no phone, no messages (L2)
              dict(), [], [], {}),
    "eve": (dict(first_name="Eve", last_name="Adams", phone="+12025550123", tag1="vip_100%",
                 created_at=utc(2023, 12, 31, 23, 30)),
            dict(last_channel_kind="email", last_message_at=utc(2024, 6, 3)),
            ["telegram", "email"], [], {"age": 30, "city": ""}),
    "anon": (dict(phone="+79995550000", created_at=utc(2024, 3, 1, 23, 59, 59)),
             dict(last_channel_kind="sms", unread_count=3, last_message_at=utc(2024, 6, 1, 20)),
             ["sms"], [], {}),
}
EVERYONE = set(CLIENTS)
FIELDS = [("city", "City", "text", []), ("site", "Site", "link", []),
          ("level", "Level", "select", ["gold", "silver"]), ("age", "Age", "number", []),
          ("birthday", "Birthday", "date", []), ("subscribed", "Subscribed", "bool", [])]


def _point(mp, path, url: str = "") -> None:
    mp.setenv("DATA_DIR", str(path))
    if url:
        mp.setenv("DATABASE_URL", url)
    else:
        mp.delenv("DATABASE_URL", raising=False)
    mp.delenv("REDIS_URL", raising=False)
    mp.setenv("ADMIN_PASSWORD", "admin-pass-123")
    settings.reset()
    db.reset_engine()
    events.reset()


def _seed() -> dict[str, int]:
    with db.session() as s:
        chans = {}
        for kind in ["telegram", "widget", "vk", "whatsapp", "email", "sms", "max"]:
            chans[kind] = Channel(kind=kind, name=kind)
            s.add(chans[kind])
        flds = {k: CrmField(key=k, label=label, type=t, options=o, position=i)
                for i, (k, label, t, o) in enumerate(FIELDS)}
        s.add_all(flds.values())
        fol = {"F1": Folder(name="Leads", position=1), "F2": Folder(name="Партнёры", position=2)}
        s.add_all(fol.values())
        s.add_all([Tag2Option(value="hot", position=1), Tag2Option(value="cold", position=2)])
        s.flush()
        ids = {}
        for n, (name, (cf, df, kinds, folders, values)) in enumerate(CLIENTS.items()):
            c = Contact(**cf, phone_raw=cf.get("phone", ""),
                        phone_digits=cf.get("phone", "").lstrip("+"))
            s.add(c)
            s.flush()
            ids[name] = c.id
            d = Dialog(contact_id=c.id, activity_at=df.get("last_message_at") or cf["created_at"], **df)
            s.add(d)
            s.flush()
            # message_at: the last message, Anna also one on May 1, and a note never counts
            for at, direction in ([(df["last_message_at"], "in")] if df.get("last_message_at") else []) \
                    + ([(utc(2024, 5, 1, 8), "out"), (utc(2024, 4, 1), "note")] if name == "anna" else []):
                s.add(Message(dialog_id=d.id, contact_id=c.id, direction=direction,
                              sender_kind="client", created_at=at, updated_at=at))
            for i, kind in enumerate(kinds):
                s.add(ChannelIdentity(contact_id=c.id, channel_id=chans[kind].id, external_id=f"{name}{i}"))
            for f in folders:
                s.add(ContactFolder(contact_id=c.id, folder_id=fol[f].id))
            for key, v in values.items():
                f = flds[key]
                row = ContactValue(contact_id=c.id, field_id=f.id, value_text=str(v))
                if f.type == "number":
                    row.value_num = float(v)
                elif f.type == "bool":
                    row.value_num, row.value_text = float(bool(v)), "1" if v else "0"
                elif f.type == "date":
                    row.value_date, row.value_text = v, v.date().isoformat()
                s.add(row)
        s.commit()
        ids.update({k: f.id for k, f in fol.items()})
    return ids


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world_dir(request, tmp_path_factory):
    """The same client base in SQLite and in a real PostgreSQL: the SQL must mean the same."""
    path = tmp_path_factory.mktemp("filters-world")
    server = None
    if request.param == "postgresql":
        try:
            server = PostgresServer(path)
        except RuntimeError as exc:
            pytest.fail(f"PostgreSQL is needed (./test.sh installs it): {exc}")
    url = server.url if server else ""
    with pytest.MonkeyPatch.context() as mp:
        _point(mp, path, url)
        db.migrate()
        ids = _seed()
        db.reset_engine()
    settings.reset()
    yield path, url, ids
    if server:
        server.stop()


@pytest.fixture
def world(world_dir, monkeypatch):
    """The shared, read-only client base; every test gets it at no migration cost."""
    path, url, ids = world_dir
    _point(monkeypatch, path, url)
    yield ids
    db.reset_engine()
    settings.reset()
    events.reset()


def _sub(obj, ids):
    if isinstance(obj, str) and obj in ("F1", "F2"):
        return ids[obj]
    if isinstance(obj, list):
        return [_sub(o, ids) for o in obj]
    if isinstance(obj, dict):
        return {k: _sub(v, ids) for k, v in obj.items()}
    return obj


def matches(filt, ids) -> set[str]:
    """Who the filter selects; its page form (EXISTS) and count form (IN) must agree."""
    names = {v: k for k, v in ids.items() if k in CLIENTS}
    found = []
    for for_count in (False, True):
        q = (select(Dialog.contact_id).join(Contact, Contact.id == Dialog.contact_id)
             .where(filters.compile(_sub(filt, ids), for_count=for_count)))
        with db.session() as s:
            found.append({names[cid] for cid in s.execute(q).scalars().all()})
    assert found[0] == found[1]
    return found[0]


def one(field, op, value=None) -> dict:
    cond = {"field": field, "op": op}
    if value is not None:
        cond["value"] = value
    return {"join": "and", "conditions": [cond]}


CASES = [
    # name (first + last; case-insensitive, Cyrillic too)
    ("name", "equals", "anna ivanova", {"anna"}),
    ("name", "not_equals", "Anna Ivanova", EVERYONE - {"anna"}),
    ("name", "contains", "ivan", {"anna"}),
    ("name", "contains", "ольга", {"olga"}),
    ("name", "contains", "SMIR", set()),  # Latin letters never match Cyrillic ones
    ("name", "not_contains", "ov", {"olga", "ghost", "eve", "anon"}),
    ("name", "starts_with", "bo", {"boris"}),
    ("name", "is_empty", None, {"anon"}),
    ("name", "is_not_empty", None, EVERYONE - {"anon"}),
    ("name", "in_list", ["boris petrov", "EVE ADAMS", "nobody"], {"boris", "eve"}),
    # phone: any part, any format (L4)
    ("phone", "contains", "+7 (999) 123-45", {"anna"}),
    ("phone", "contains", "8999123", {"anna"}),
    ("phone", "contains", "79991234567", {"anna"}),
    ("phone", "contains", "1234", {"anna", "olga"}),
    ("phone", "not_contains", "1234", {"boris", "ghost", "eve", "anon"}),
    ("phone", "starts_with", "8916", {"boris"}),
    ("phone", "starts_with", "+1 202", {"eve"}),
    ("phone", "equals", "8 (916) 111-22-33", {"boris"}),
    ("phone", "not_equals", "+79161112233", EVERYONE - {"boris"}),
    ("phone", "is_empty", None, {"ghost"}),
    ("phone", "is_not_empty", None, EVERYONE - {"ghost"}),
    # channel: has an identity in a channel kind
    ("channel", "equals", "telegram", {"anna", "eve"}),
    ("channel", "not_equals", "telegram", {"boris", "olga", "ghost", "anon"}),
    ("channel", "in_list", ["vk", "email"], {"boris", "eve"}),
    ("channel", "equals", "max", set()),
    ("channel", "is_empty", None, {"ghost"}),
    ("channel", "is_not_empty", None, EVERYONE - {"ghost"}),
    # channel of the last message
    ("last_channel", "equals", "telegram", {"anna"}),
    ("last_channel", "not_equals", "telegram", EVERYONE - {"anna"}),
    ("last_channel", "in_list", ["email", "sms"], {"eve", "anon"}),
    ("last_channel", "is_empty", None, {"ghost"}),
    ("last_channel", "is_not_empty", None, EVERYONE - {"ghost"}),
    # folders, custom and "With operator"
    ("folder", "equals", "F1", {"anna", "boris"}),
    ("folder", "equals", "operator", {"boris"}),
    ("folder", "not_equals", "F1", {"olga", "ghost", "eve", "anon"}),
    ("folder", "in_list", ["F2", "operator"], {"boris", "olga"}),
    ("folder", "is_empty", None, {"ghost", "eve", "anon"}),
    ("folder", "is_not_empty", None, {"anna", "boris", "olga"}),
    # flags
    ("unread", "is_true", None, {"anna", "olga", "anon"}),
    ("unread", "is_false", None, {"boris", "ghost", "eve"}),
    ("blacklisted", "is_true", None, {"olga"}),
    ("blacklisted", "is_false", None, EVERYONE - {"olga"}),
    ("bot_paused", "is_true", None, {"boris"}),
    ("bot_paused", "is_false", None, EVERYONE - {"boris"}),
    # tags; % and _ are plain characters, not wildcards
    ("tag1", "equals", "vip gold", {"anna"}),
    ("tag1", "not_equals", "vip gold", EVERYONE - {"anna"}),
    ("tag1", "contains", "vip", {"anna", "eve"}),
    ("tag1", "contains", "_", {"eve"}),
    ("tag1", "contains", "0%", {"eve"}),
    ("tag1", "not_contains", "vip", {"boris", "olga", "ghost", "anon"}),
    ("tag1", "starts_with", "VIP", {"anna", "eve"}),
    ("tag1", "is_empty", None, {"boris", "ghost", "anon"}),
    ("tag1", "is_not_empty", None, {"anna", "olga", "eve"}),
    ("tag1", "in_list", ["ВИП", "VIP GOLD"], {"olga", "anna"}),
    ("tag2", "equals", "hot", {"anna"}),
    ("tag2", "in_list", ["hot", "cold"], {"anna", "boris"}),
    ("tag2", "is_empty", None, {"olga", "ghost", "eve", "anon"}),
    # subscription date: a day is a whole UTC day; date-times are instants
    ("created_at", "equals", "2024-03-01", {"olga", "anon"}),
    ("created_at", "before", "2024-01-10", {"eve"}),
    ("created_at", "after", "2024-03-01", {"ghost"}),
    ("created_at", "between", ["2024-01-10", "2024-03-01"], {"anna", "boris", "olga", "anon"}),
    ("created_at", "equals", "2024-01-10T10:00:00+00:00", {"anna"}),
    ("created_at", "after", "2024-03-01T12:00:00Z", {"anon", "ghost"}),
    ("created_at", "before", "2024-01-01T02:40:00+03:00", {"eve"}),
    ("created_at", "before", "2024-01-01T02:20:00+03:00", set()),
    # date of the last message
    ("last_message_at", "equals", "2024-06-01", {"anna", "anon"}),
    ("last_message_at", "before", "2024-06-01", {"olga"}),
    ("last_message_at", "after", "2024-06-01", {"boris", "eve"}),
    ("last_message_at", "between", ["2024-06-02", "2024-06-03"], {"boris", "eve"}),
    ("message_at", "equals", "2024-05-01", {"anna"}),
    ("message_at", "before", "2024-05-21", {"anna", "olga"}),
    ("message_at", "after", "2024-06-01", {"boris", "eve"}),
    ("message_at", "between", ["2024-06-01T12:00:00+00:00", "2024-06-01T19:59:59.999999+00:00"],
     {"anna"}),
    ("message_at", "before", "2024-04-02", set()),  # Anna's note of April 1 is not a message
    ("last_message_at", "is_empty", None, {"ghost"}),
    ("last_message_at", "is_not_empty", None, EVERYONE - {"ghost"}),
    # CRM variables: text / link / select
    ("var:city", "equals", "moscow", {"anna"}),
    ("var:city", "not_equals", "Kazan", EVERYONE - {"boris"}),
    ("var:city", "contains", "моск", {"olga"}),
    ("var:city", "not_contains", "o", {"boris", "olga", "ghost", "eve", "anon"}),
    ("var:city", "starts_with", "ka", {"boris"}),
    ("var:city", "is_empty", None, {"ghost", "eve", "anon"}),
    ("var:city", "is_not_empty", None, {"anna", "boris", "olga"}),
    ("var:city", "in_list", ["kazan", "москва"], {"boris", "olga"}),
    ("var:site", "contains", "anna.example", {"anna"}),
    ("var:level", "equals", "gold", {"anna"}),
    ("var:level", "in_list", ["gold", "silver"], {"anna", "boris"}),
    # number
    ("var:age", "equals", 30, {"anna", "eve"}),
    ("var:age", "equals", "30", {"anna", "eve"}),
    ("var:age", "not_equals", 30, {"boris", "olga", "ghost", "anon"}),
    ("var:age", "gt", 30, {"boris"}),
    ("var:age", "gte", 30, {"anna", "boris", "eve"}),
    ("var:age", "lt", 30, {"olga"}),
    ("var:age", "lte", "22,5", {"olga"}),
    ("var:age", "between", [22.5, 30], {"anna", "olga", "eve"}),
    ("var:age", "is_empty", None, {"ghost", "anon"}),
    ("var:age", "is_not_empty", None, {"anna", "boris", "olga", "eve"}),
    # date
    ("var:birthday", "before", "2000-01-01", {"anna"}),
    ("var:birthday", "after", "2000-01-01", {"olga"}),
    ("var:birthday", "equals", "1990-05-01", {"anna"}),
    ("var:birthday", "between", ["1990-01-01", "2001-12-31"], {"anna", "olga"}),
    ("var:birthday", "is_empty", None, {"boris", "ghost", "eve", "anon"}),
    ("var:birthday", "is_not_empty", None, {"anna", "olga"}),
    # bool
    ("var:subscribed", "is_true", None, {"anna"}),
    ("var:subscribed", "is_false", None, EVERYONE - {"anna"}),
]


@pytest.mark.parametrize("field,op,value,expected", CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_every_field_and_operator(world, field, op, value, expected):
    assert matches(one(field, op, value), world) == expected


def test_every_operator_of_every_type_is_covered():
    covered = {(f, o) for f, o, _, _ in CASES}
    missing = [(key, op) for key, (ftype, ops) in filters.BUILTIN.items() if key != "tag2"
               for op in ops if (key, op) not in covered]  # tag2 is tag1's code with options
    for key, ftype in [("var:city", "text"), ("var:age", "number"), ("var:birthday", "date"),
                       ("var:subscribed", "bool")]:
        missing += [(key, op) for op in filters.TYPE_OPS[ftype] if (key, op) not in covered]
    assert missing == []


def test_empty_filter_matches_everyone(world):
    assert matches(filters.empty(), world) == EVERYONE
    assert matches({"join": "or", "conditions": []}, world) == EVERYONE


A = {"field": "unread", "op": "is_true"}  # anna, olga, anon
B = {"field": "channel", "op": "equals", "value": "telegram"}  # anna, eve
C = {"field": "bot_paused", "op": "is_true"}  # boris


def test_grouping_changes_the_result(world):
    ab_or_c = {"join": "or", "conditions": [{"join": "and", "conditions": [A, B]}, C]}
    a_and_b_or_c = {"join": "and", "conditions": [A, {"join": "or", "conditions": [B, C]}]}
    assert matches(ab_or_c, world) == {"anna", "boris"}
    assert matches(a_and_b_or_c, world) == {"anna"}
    assert matches({"join": "or", "conditions": [A, B, C]}, world) == {"anna", "olga", "anon", "eve", "boris"}
    assert matches({"join": "and", "conditions": [A, B, C]}, world) == set()


def test_three_levels_of_groups(world):
    filt = {"join": "or", "conditions": [
        {"join": "and", "conditions": [
            A, {"join": "or", "conditions": [{"field": "channel", "op": "equals", "value": "vk"},
                                             {"field": "channel", "op": "equals", "value": "sms"}]}]},
        {"field": "folder", "op": "equals", "value": "F1"}]}
    assert matches(filt, world) == {"anon", "anna", "boris"}


def test_compile_is_sql_with_subqueries(world):
    filt = {"join": "or", "conditions": [B, {"field": "folder", "op": "equals", "value": 1},
                                         {"field": "var:age", "op": "gt", "value": 3}]}
    sql = str(select(Dialog.id).join(Contact).where(filters.compile(filt)).compile(db.engine()))
    assert sql.count("EXISTS") == 3
    assert "channelidentity" in sql and "contactfolder" in sql and "contactvalue" in sql
    counted = filters.compile(filt, for_count=True)
    sql = str(select(Dialog.id).where(counted).compile(db.engine()))
    assert "EXISTS" not in sql and sql.count("dialog.contact_id IN (SELECT") == 3


@pytest.mark.parametrize("filt,message", [
    (one("foo", "equals", "x"), "Unknown field"),
    (one("name", "like", "x"), "Unknown operator"),
    (one("name", "gt", "x"), "does not apply"),
    (one("unread", "equals", "x"), "does not apply"),
    (one("var:city", "gt", 3), "does not apply"),
    (one("var:birthday", "contains", "1990"), "does not apply"),
    (one("var:age", "before", "2024-01-01"), "does not apply"),
    (one("created_at", "before", "yesterday"), "not a date"),
    (one("var:birthday", "after", "2024-13-45"), "not a date"),
    (one("last_message_at", "before", 17), "not a date"),
    (one("var:age", "gt", "abc"), "not a number"),
    (one("var:age", "gt", True), "not a number"),
    (one("var:age", "gt", "nan"), "not a number"),
    (one("var:age", "between", [1]), "two values"),
    (one("var:age", "between", "1-5"), "two values"),
    (one("var:age", "between", [5, 1]), "must not be after"),
    (one("created_at", "between", ["2024-02-01", "2024-01-01"]), "must not be after"),
    (one("tag1", "in_list", []), "non-empty list"),
    (one("tag1", "contains", "   "), "empty"),
    (one("tag1", "contains", None), "text value"),
    (one("tag1", "equals", "x" * 501), "too long"),
    (one("phone", "contains", "abc"), "no digits"),
    (one("folder", "equals", "all"), "not a folder"),
    (one("folder", "equals", -3), "not a folder"),
    (one("channel", "equals", 5), "not a channel"),
    (one("var:nope", "equals", "x"), "Unknown variable"),
    ({"join": "xor", "conditions": [A]}, '"and" or "or"'),
    ({"join": "and"}, "list of"),
    ("tag1 = vip", "must be an object"),
    ({"join": "and", "conditions": ["tag1"]}, "must be an object"),
    ({"join": "and", "conditions": [{"op": "is_true"}]}, "no field"),
    ({"join": "and", "conditions": [A, {"join": "or", "conditions": []}]}, "no conditions"),
    ({"join": "and", "conditions": [{"join": "or", "conditions": [
        {"join": "and", "conditions": [{"join": "or", "conditions": [A]}]}]}]}, "too deep"),
    ({"join": "or", "conditions": [A] * 31}, "Too many"),
])
def test_validation_errors_are_clear(world, filt, message):
    with pytest.raises(FilterError, match=message):
        filters.validate(filt)
    with pytest.raises(FilterError):
        filters.compile(filt)


def test_limits_are_inclusive_and_values_normalised(world):
    assert filters.count_conditions(filters.validate({"join": "or", "conditions": [A] * 30})) == 30
    three = {"join": "and", "conditions": [{"join": "or", "conditions": [
        {"join": "and", "conditions": [A]}]}]}
    assert filters.validate(three) == three
    norm = filters.validate({"conditions": [
        {"field": "var:age", "op": "between", "value": ["1,5", "30"]},
        {"field": "folder", "op": "in_list", "value": ["2", "operator"]},
        {"field": "channel", "op": "equals", "value": " Telegram "},
        {"field": "tag1", "op": "in_list", "value": "a, b,,a"},
        {"field": "unread", "op": "is_true", "value": "ignored"}]})
    assert norm == {"join": "and", "conditions": [
        {"field": "var:age", "op": "between", "value": [1.5, 30]},
        {"field": "folder", "op": "in_list", "value": [2, "operator"]},
        {"field": "channel", "op": "equals", "value": "telegram"},
        {"field": "tag1", "op": "in_list", "value": ["a", "b"]},
        {"field": "unread", "op": "is_true"}]}
    assert filters.validate(None) == filters.empty()


def test_count_conditions():
    nested = {"join": "or", "conditions": [{"join": "and", "conditions": [A, B]}, C,
                                           {"join": "and", "conditions": [{"join": "or", "conditions": [A]}]}]}
    assert filters.count_conditions(nested) == 4
    assert filters.count_conditions(filters.empty()) == 0
    assert filters.count_conditions(None) == 0


def test_describe_with_brackets(world):
    filt = {"join": "or", "conditions": [
        {"join": "and", "conditions": [{"field": "tag1", "op": "contains", "value": "vip"}, B]}, A]}
    assert filters.describe(filt) == '(Tag 1 contains "vip" AND channel is telegram) OR unread'
    assert filters.describe(filt, "ru") == '(Тег 1 содержит "vip" И канал равно telegram) ИЛИ непрочитанные'
    other = {"join": "and", "conditions": [
        {"field": "var:age", "op": "between", "value": [18, 30]},
        {"field": "folder", "op": "in_list", "value": [world["F2"], "operator"]},
        {"field": "blacklisted", "op": "is_false"},
        {"field": "phone", "op": "is_empty"}]}
    assert filters.describe(other) == ('Age between 18 and 30 AND folder is one of ("Партнёры", '
                                       '"With operator") AND NOT blacklisted AND phone is empty')
    assert filters.describe(filters.empty()) == ""


COMPLEX = {"join": "or", "conditions": [
    {"join": "and", "conditions": [{"field": "tag1", "op": "contains", "value": "вип & co/?#"},
                                   {"field": "channel", "op": "in_list", "value": ["vk", "sms"]}]},
    {"field": "var:age", "op": "between", "value": [18, 30.5]},
    {"field": "created_at", "op": "after", "value": "2024-01-01"},
    {"field": "unread", "op": "is_true"}]}


def test_url_round_trip(world):
    url = filters.to_url(COMPLEX)
    assert url and all(ch.isalnum() or ch in "-_" for ch in url)
    assert filters.from_url(url) == filters.validate(COMPLEX)
    assert matches(filters.from_url(url), world) == matches(COMPLEX, world)
    assert filters.to_url(filters.empty()) == "" and filters.from_url("") == filters.empty()


def _b64(obj) -> str:
    raw = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("garbage", [
    "!!!not-base64!!!", "abc", "a" * 9000, _b64(b"\xff\xfe"), _b64({"join": "and"}),
    _b64(["a", [["tag1"]]]), _b64(["x", []]), _b64(["a", [["nope", "equals", "x"]]]),
    _b64(["a", [["var:age", "gt", "many"]]]), _b64(["a", [["a", [["a", [["a", [["unread", "is_true"]]]]]]]]]),
    filters.to_url(COMPLEX)[:-7] + "%%%", filters.to_url(COMPLEX)[:-3],
])
def test_from_url_refuses_garbage(world, garbage):
    with pytest.raises(FilterError):
        filters.from_url(garbage)


def test_catalog_lists_builtin_and_crm_fields(world):
    cat = {f["field"]: f for f in filters.fields_catalog()}
    assert set(filters.BUILTIN) <= set(cat)
    ops = lambda key: [o["op"] for o in cat[key]["ops"]]  # noqa: E731
    assert cat["var:age"]["type"] == "number" and "gt" in ops("var:age") and "contains" not in ops("var:age")
    assert cat["var:birthday"]["type"] == "date" and "before" in ops("var:birthday")
    assert ops("var:subscribed") == ["is_true", "is_false"]
    assert cat["var:city"]["label"] == "City" and "contains" in ops("var:city")
    assert [o["value"] for o in cat["var:level"]["options"]] == ["gold", "silver"]
    assert [o["value"] for o in cat["tag2"]["options"]] == ["hot", "cold"]
    assert {"value": str(world["F2"]), "label": "Партнёры"} in cat["folder"]["options"]
    assert cat["folder"]["options"][0]["value"] == "operator"
    assert "max" in [o["value"] for o in cat["channel"]["options"]]
    kinds = {o["op"]: o["value"] for o in cat["var:age"]["ops"]}
    assert kinds["between"] == "number_range" and kinds["is_empty"] == "none"
    assert {o["op"]: o["value"] for o in cat["channel"]["ops"]}["in_list"] == "choices"
    assert filters.fields_catalog("ru")[0]["label"] == "Имя"
    json.dumps(filters.fields_catalog())  # the UI keeps it in state: must be plain JSON


def test_list_count_and_counters_on_the_same_base(world):
    names = {v: k for k, v in world.items() if k in CLIENTS}
    for field, op, value, expected in CASES[::7]:
        filt = _sub(one(field, op, value), world)
        rows = dialog_list.list_page(limit=100, filter=filt)
        assert {names[r.contact_id] for r in rows} == expected, (field, op, value)
        assert dialog_list.count(filter=filt) == len(expected), (field, op, value)
    assert [names[r.contact_id] for r in dialog_list.list_page(limit=100)] == [
        "eve", "boris", "anon", "anna", "olga", "ghost"]
    assert {f.id: f.unread for f in folders.list_with_unread()} == {
        "all": 3, "operator": 0, world["F1"]: 1, world["F2"]: 1}


# -- one way to read values; days where the operator is ---------------------------------------
@pytest.mark.parametrize("tz,day,expected", [
    ("UTC", "2024-03-02", {"ghost"}),
    ("Europe/Moscow", "2024-03-02", {"ghost", "anon"}),  # anon: 23:59:59 UTC is 02:59 in Moscow
    ("Europe/Moscow", "01.01.2024", {"eve"}),  # eve: 23:30 UTC on 31 December
    ("America/New_York", "2024-03-01", {"anon", "ghost"}),  # olga's UTC midnight is still 29 February there
])
def test_days_are_the_operators_days(world, tz, day, expected):
    filt = {**one("created_at", "equals", day), "tz": tz}
    assert matches(filt, world) == expected
    assert matches(filters.from_url(filters.to_url(filters.validate(filt))), world) == expected


def test_the_time_zone_travels_with_the_filter_and_only_when_it_matters():
    dated = filters.with_zone(one("created_at", "after", "2024-03-01"), "Europe/Moscow")
    assert filters.validate(dated)["tz"] == "Europe/Moscow"
    assert filters.from_url(filters.to_url(filters.validate(dated))) == filters.validate(dated)
    undated = one("tag1", "contains", "vip")
    assert filters.with_zone(undated, "Europe/Moscow") == undated  # a shorter link
    crm_day = one("var:birthday", "equals", "1990-05-01")  # a calendar day, not a moment
    assert filters.with_zone(crm_day, "Europe/Moscow") == crm_day
    assert "tz" not in filters.validate({**undated, "tz": "UTC"})
    for bad in ("Mars/Olympus", "../../etc/passwd", 5, "x" * 100):
        with pytest.raises(FilterError, match="not a time zone"):
            filters.validate({**dated, "tz": bad})


def _stored_then_filtered(ftype: str, typed: str, other: str, text: str, tz: str = "") -> bool:
    """Anna's CRM value is `typed`, Boris's `other`: does "equals `text`" find only Anna?"""
    from messenger_app.services import crm
    anna, boris = factories.client(), factories.client("+79991234568", "Boris")
    crm.create_field("v", "V", ftype)
    crm.set_value(anna[0].id, "v", typed)
    crm.set_value(boris[0].id, "v", other)
    filt = {**one("var:v", "equals", text), **({"tz": tz} if tz else {})}
    with db.session() as s:
        found = set(s.execute(select(Dialog.contact_id).where(filters.compile(filt))).scalars().all())
    return found == {anna[0].id}


@pytest.mark.parametrize("typed", ["1 234,5", "1\u00a0234,5", "1,234.5", "1.234,5",
                                   "1234.5", " 1 234,50 "])
def test_a_number_the_crm_accepts_is_filterable_by_the_same_text(data_dir, typed):
    assert _stored_then_filtered("number", typed, "1234", typed)


@pytest.mark.parametrize("typed", ["25.11.2026", "2026-11-25", " 25.11.2026 ", "2026-11-25T10:30:00"])
def test_a_date_the_crm_accepts_is_filterable_by_the_same_text(data_dir, typed):
    day = typed if "T" not in typed else typed[:10]  # a date-time in a filter is a moment
    # a CRM date is a calendar day wherever the operator is
    assert _stored_then_filtered("date", typed, "26.11.2026", day, tz="Asia/Tokyo")
    assert filters.validate(one("var:v", "equals", day))["conditions"][0]["value"] == "2026-11-25"
