"""A filter in words (L5), in the operator's language, groups in brackets:
(Tag 1 contains "vip" AND channel is telegram) OR unread. Also the field and operator
labels the filter builder shows (services/filters/catalog.py), and `readable()`: a filter's
channel kinds as people name them, for showing."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import select as sm_select

from messenger_app import db
from messenger_app.models import Folder
from messenger_app.services.filters.model import (BUILTIN, KIND_LABELS, OPERATOR_FOLDER, VarField, _leaves,
                                                  count_conditions, crm_fields, uses_variables)

LABELS = {
    "en": {"name": "Name", "phone": "Phone", "channel": "Channel",
           "last_channel": "Channel of the last message", "folder": "Folder", "unread": "Unread",
           "blacklisted": "Blacklisted", "bot_paused": "Bot paused", "tag1": "Tag 1",
           "tag2": "Tag 2", "created_at": "Subscription date", "last_message_at": "Last message date",
           "message_at": "Had a message on"},
    "ru": {"name": "Имя", "phone": "Телефон", "channel": "Канал",
           "last_channel": "Канал последнего сообщения", "folder": "Папка",
           "unread": "Непрочитанные", "blacklisted": "В чёрном списке", "bot_paused": "Бот на паузе",
           "tag1": "Тег 1", "tag2": "Тег 2", "created_at": "Дата подписки",
           "last_message_at": "Дата последнего сообщения", "message_at": "Было сообщение"},
}
# how describe() names the fields inside a sentence
TEXT_NAMES = {
    "en": {"name": "name", "phone": "phone", "channel": "channel", "last_channel": "last channel",
           "folder": "folder", "unread": "unread", "blacklisted": "blacklisted",
           "bot_paused": "bot paused", "tag1": "Tag 1", "tag2": "Tag 2",
           "created_at": "subscription date", "last_message_at": "last message date",
           "mailing": "mailing", "message_at": "a message"},
    "ru": {"name": "имя", "phone": "телефон", "channel": "канал", "last_channel": "последний канал",
           "folder": "папка", "unread": "непрочитанные", "blacklisted": "в чёрном списке",
           "bot_paused": "бот на паузе", "tag1": "Тег 1", "tag2": "Тег 2",
           "created_at": "дата подписки", "last_message_at": "дата последнего сообщения",
           "mailing": "рассылка", "message_at": "сообщение"},
}
OP_LABELS = {
    "en": {"equals": "is", "not_equals": "is not", "contains": "contains",
           "not_contains": "does not contain", "starts_with": "starts with", "is_empty": "is empty",
           "is_not_empty": "is not empty", "in_list": "is one of", "gt": ">", "gte": "≥", "lt": "<",
           "lte": "≤", "before": "before", "after": "after", "between": "between",
           "is_true": "yes", "is_false": "no"},
    "ru": {"equals": "равно", "not_equals": "не равно", "contains": "содержит",
           "not_contains": "не содержит", "starts_with": "начинается с", "is_empty": "пусто",
           "is_not_empty": "не пусто", "in_list": "одно из", "gt": ">", "gte": "≥", "lt": "<",
           "lte": "≤", "before": "до", "after": "после", "between": "между",
           "is_true": "да", "is_false": "нет"},
}
WORDS = {"en": {"and": "AND", "or": "OR", "not": "NOT", "range": "and", "all": "everything",
                "operator": "With operator"},
         "ru": {"and": "И", "or": "ИЛИ", "not": "НЕ", "range": "и", "all": "все",
                "operator": "С оператором"}}


def _lang(lang: str) -> str:
    return lang if lang in LABELS else "en"




def describe(filt: Any, lang: str = "en", crm: dict[str, VarField] | None = None,
             folder_names: dict[int, str] | None = None) -> str:
    """The filter as one line, groups in brackets:
    (Tag 1 contains "vip" AND channel is telegram) OR unread"""
    lang = _lang(lang)
    if not count_conditions(filt):
        return ""
    if crm is None:
        crm = crm_fields() if uses_variables(filt) else {}
    if folder_names is None:
        folder_names = _folder_names() if any(l.get("field") == "folder" for l in _leaves(filt)) else {}
    return _describe_group(filt, lang, crm, folder_names, top=True)


def _folder_names() -> dict[int, str]:
    with db.session() as s:
        return dict(s.exec(sm_select(Folder.id, Folder.name)).all())


def _describe_group(group: dict, lang, crm, folders, top: bool) -> str:
    word = f' {WORDS[lang][group.get("join", "and")]} '
    parts = [(_describe_group(i, lang, crm, folders, top=False) if "conditions" in i
              else _describe_leaf(i, lang, crm, folders)) for i in group.get("conditions", [])]
    text = word.join(parts)
    return text if top else f"({text})"


def _show(key: str, value: Any, lang: str, folders: dict) -> str:
    if key == "folder":
        if value == OPERATOR_FOLDER:
            return f'"{WORDS[lang]["operator"]}"'
        try:
            return f'"{folders.get(int(value), "#" + str(value))}"'
        except (TypeError, ValueError):
            return str(value)
    if key in ("channel", "last_channel"):
        return str(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _describe_leaf(leaf: dict, lang: str, crm, folders) -> str:
    key, op, value = leaf.get("field", ""), leaf.get("op", ""), leaf.get("value")
    if key.startswith("var:"):
        var = crm.get(key[4:])
        name = var.label if var else key[4:]
        kind = var.type if var else "text"
    else:
        name = TEXT_NAMES[lang].get(key, key)
        kind = BUILTIN.get(key, ("text",))[0]
    if op == "is_true":
        return name
    if op == "is_false":
        return f'{WORDS[lang]["not"]} {name}'
    op_text = OP_LABELS[lang].get(op, op)
    if op in ("is_empty", "is_not_empty"):
        return f"{name} {op_text}"
    if op == "in_list" and isinstance(value, list):
        return f'{name} {op_text} ({", ".join(_show(key, v, lang, folders) for v in value)})'
    if op == "between" and isinstance(value, list) and len(value) == 2:
        a, b = (_show(key, v, lang, folders) if kind != "date" else str(v) for v in value)
        return f'{name} {op_text} {a} {WORDS[lang]["range"]} {b}'
    shown = str(value) if kind == "date" else _show(key, value, lang, folders)
    return f"{name} {op_text} {shown}"


def readable(filt: dict) -> dict:
    """A copy of a filter for describe() with channel kinds as people name them
    ("Website chat", not "widget"). Only for showing: never validate or compile it."""
    def one(v):
        return KIND_LABELS.get(v, v) if isinstance(v, str) else v

    def walk(item: dict) -> dict:
        if "conditions" in item:
            return {**item, "conditions": [walk(i) for i in item.get("conditions") or []
                                           if isinstance(i, dict)]}
        if item.get("field") in ("channel", "last_channel") and "value" in item:
            v = item["value"]
            return {**item, "value": [one(x) for x in v] if isinstance(v, list) else one(v)}
        return item

    return walk(filt) if isinstance(filt, dict) else filt
