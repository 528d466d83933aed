"""Filters inside search (L5), one concept per module:

- model.py     what a filter is (fields, operators, time zone) and its validation
- sql.py       the filter as one SQL condition over Dialog JOIN Contact
- describe.py  the filter in words, in the operator's language
- url.py       the filter in a URL
- catalog.py   the fields a condition can use, for the filter builder

Callers keep writing `filters.compile(...)`, `filters.FilterError`: every public name is here.
"""

from messenger_app.services.filters.catalog import fields_catalog
from messenger_app.services.filters.describe import LABELS, OP_LABELS, TEXT_NAMES, WORDS, describe, readable
from messenger_app.services.filters.model import (ALL_OPS, BOOL_OPS, BUILTIN, CHOICE_OPS, DATE_OPS,
                                                  INSTANT_FIELDS, KIND_LABELS, KNOWN_KINDS, MAX_CONDITIONS,
                                                  MAX_DEPTH, MAX_LIST, MAX_TEXT, MAX_URL, NO_VALUE,
                                                  NUMBER_OPS, OPERATOR_FOLDER, PHONE_OPS, TEXT_OPS, TYPE_OPS,
                                                  FilterError, VarField, count_conditions, crm_fields, empty,
                                                  instant_range, uses_variables, validate, with_zone, zone)
from messenger_app.services.filters.sql import SHORT_PHONE, compile, phone_contains, unread  # noqa: A004
from messenger_app.services.filters.url import from_url, to_url

__all__ = [
    "fields_catalog", "LABELS", "OP_LABELS", "TEXT_NAMES", "WORDS", "describe", "readable", "ALL_OPS", "BOOL_OPS",
    "BUILTIN", "CHOICE_OPS", "DATE_OPS", "INSTANT_FIELDS", "KIND_LABELS", "KNOWN_KINDS",
    "MAX_CONDITIONS", "MAX_DEPTH", "MAX_LIST", "MAX_TEXT", "MAX_URL", "NO_VALUE", "NUMBER_OPS",
    "OPERATOR_FOLDER", "PHONE_OPS", "TEXT_OPS", "TYPE_OPS", "FilterError", "VarField",
    "count_conditions", "crm_fields", "empty", "instant_range", "uses_variables", "validate",
    "with_zone", "zone", "SHORT_PHONE", "compile", "phone_contains", "unread", "from_url", "to_url",
]
