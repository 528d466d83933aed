"""The interface strings are kept in one module per area (i18n/*_strings.py) and merged into
strings.EN / strings.RU. Each area must be complete in both languages on its own, and no key
may live in two areas (the later one would silently win)."""

from __future__ import annotations

import importlib
import pkgutil

import messenger_app.i18n as i18n_pkg
from messenger_app.i18n import strings

AREAS = sorted(m.name for m in pkgutil.iter_modules(i18n_pkg.__path__)
               if m.name.endswith("_strings"))


def _area(name):
    return importlib.import_module(f"messenger_app.i18n.{name}")


def test_there_are_areas():
    assert {"left_panel_strings", "dialog_strings", "channel_strings", "client_strings",
            "error_strings", "stats_strings", "mailing_strings"} <= set(AREAS)


def test_every_area_has_both_languages_with_the_same_keys():
    for name in AREAS:
        mod = _area(name)
        assert set(mod.EN) == set(mod.RU), (name, set(mod.EN) ^ set(mod.RU))


def test_no_key_lives_in_two_areas_and_every_area_is_merged():
    owner: dict[str, str] = {}
    for name in AREAS:
        for key in _area(name).EN:
            assert key not in owner, f"{key!r} is in {owner.get(key)} and {name}"
            owner[key] = name
    assert set(owner) <= set(strings.EN)
    for key, name in owner.items():
        assert strings.EN[key] == _area(name).EN[key] and strings.RU[key] == _area(name).RU[key]
    assert set(strings.EN) == set(strings.RU)
    assert strings.LANGS == {"en": strings.EN, "ru": strings.RU}
