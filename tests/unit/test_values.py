"""lib/values.py: the one reading of typed numbers and dates (CRM, import, filters, builder)."""

from datetime import date
from decimal import Decimal

import pytest

from messenger_app.lib import values


@pytest.mark.parametrize("text,want", [
    ("1 234,5", "1234.5"), ("1\u00a0234,50", "1234.50"), ("1\u202f234,5", "1234.5"), ("1'234.5", "1234.5"),
    ("1,234.5", "1234.5"), ("1.234,5", "1234.5"), ("1,234,567", "1234567"), ("1.234.567", "1234567"),
    ("0,25", "0.25"), ("−7", "-7"), ("+3", "3"), (".5", "0.5")])
def test_numbers_in_either_convention(text, want):
    assert values.parse_number(text) == Decimal(want)


@pytest.mark.parametrize("text", ["abc", "1e5", "inf", "nan", "0x10", "1/2", "--1", "", "1,2,3.4.5"])
def test_what_is_not_a_number(text):
    with pytest.raises(values.BadValue) as e:
        values.parse_number(text)
    assert e.value.code == "number" and e.value.params == {"value": text[:50]}


def test_too_large_a_number():
    with pytest.raises(values.BadValue) as e:
        values.parse_number("1" * 16)
    assert e.value.code == "number_large"


@pytest.mark.parametrize("text", ["2026-11-25", "25.11.2026", "2026-11-25T10:30:00", "2026-11-25 10:30", " 25.11.2026 "])
def test_dates_iso_and_dotted(text):
    assert values.parse_date(text) == date(2026, 11, 25)


@pytest.mark.parametrize("text", ["31.02.2026", "2026-13-01", "11/25/2026", "yesterday", ""])
def test_what_is_not_a_date(text):
    with pytest.raises(values.BadValue) as e:
        values.parse_date(text)
    assert e.value.code == "date"


def test_a_day_has_no_time():
    assert values.is_day("25.11.2026") and values.is_day("2026-11-25")
    assert not values.is_day("2026-11-25T10:00:00") and not values.is_day("soon")
