"""One delta, encoded once, for the tabs a live digest changes in the same way (issue 11).

Reflex builds each tab's delta itself when its `async with self` ends: it marks the computed
vars that depend on what changed, computes them, checks their types and the socket encodes
the result — ~0.3 ms per tab and event at 50 rows, the same work in every tab that shows the
same list. A delta is a function of which vars are dirty and of the values its computed vars
are computed from, so `send()` finds those inputs first (a read of a few fields, no
computing): when an earlier tab of the same digest had the same dirty vars and equal inputs,
this tab gets that tab's delta and its encoded text (one Socket.IO frame written once), and
its own computed vars stay invalidated, to be computed when something reads them. Anything
this cannot see through — a computed var without explicit deps (auto_deps=True), an uncached
one (recomputed and compared per client), a dependency outside the state's own fields — is
sent the usual way, as are all deltas when frames are not written by orjson (lib/frame_json).

The inputs are kept as they were when the delta was made (containers copied one level; the
rows in them are values the states never change in place), so a tab that moved on to the
next digest before the others took this one cannot make them send what it no longer shows.
"""

from __future__ import annotations

from typing import Any

from messenger_app.lib import frame_json

_PLANS: dict[tuple[type, frozenset], tuple | None] = {}  # (state class, delta vars) -> inputs


class SharedDelta(dict):
    """A delta with its JSON made once (lib/frame_json sends the text as it is)."""

    __slots__ = ("fragment",)


def _inputs_of(cls, name: str, seen: set) -> list[str] | None:
    """The fields of `cls` whose values decide the delta var `name` (None: unknown)."""
    if name in seen:
        return []
    seen.add(name)
    cvar = cls.computed_vars.get(name)
    if cvar is None:
        return [name] if name in cls.__fields__ else None
    if cvar._auto_deps or not cvar._cache or cvar._update_interval is not None:
        return None
    out: list[str] = []
    own = cls.get_full_name()
    for state_name, names in cvar._deps(objclass=cls).items():
        if state_name != own:  # another state's var (rx.State.get_state): not followed
            return None
        for dep in sorted(names):
            got = _inputs_of(cls, dep, seen)
            if got is None:
                return None
            out.extend(got)
    return out


def _plan(cls, delta_vars: frozenset) -> tuple | None:
    key = (cls, delta_vars)
    if key not in _PLANS:
        seen: set = set()
        fields: list[str] = []
        for name in sorted(delta_vars):
            got = _inputs_of(cls, name, seen)
            if got is None:
                _PLANS[key] = None
                break
            fields.extend(got)
        else:
            _PLANS[key] = tuple(cls.__fields__[f] for f in dict.fromkeys(fields))
    return _PLANS[key]


def _kept(value: Any) -> Any:
    """The value as it is now: a container copied (the state may change it in place later)."""
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, set):
        return set(value)
    return value


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types, so that both are written as the same JSON (1 == True)."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(v, b[k]) for k, v in a.items())
    return a == b


def inputs(root) -> tuple[tuple, list] | None:
    """What the delta of `root` and its dirty substates is made from: the dirty states and
    their delta vars (names), and the values of the fields those vars are computed from.
    None when a var's inputs cannot be known. Marks the computed vars dirty, as Reflex's
    delta does first."""
    names: list = []
    values: list = []
    stack = [root]
    while stack:
        state = stack.pop()
        cls = type(state)
        if cls._always_dirty_computed_vars or cls._always_dirty_substates:
            return None
        state._mark_dirty_computed_vars()
        delta_vars = frozenset(state.dirty_vars & cls._frontend_var_names)
        if delta_vars:
            fields = _plan(cls, delta_vars)
            if fields is None:
                return None
            names.append((cls, delta_vars))
            values.extend(f._get_raw(state) for f in fields)
        subs = state.substates
        stack.extend(subs[s] for s in sorted(state.dirty_substates, reverse=True) if s in subs)
    return tuple(names), values


async def send(state, shared: list) -> bool:
    """Send the tab's delta, inside its `async with` (what the StateProxy's exit would do):
    an earlier tab's from `shared` (the digest's list) when it is the same delta, else its
    own, which is then kept there for the tabs after. True when a shared one was sent."""
    from reflex_base.event.context import EventContext

    root = state._get_root_state()
    got = inputs(root) if frame_json.installed() else None
    if got is not None:
        names, values = got
        for their_names, their_values, delta in shared:
            if their_names == names and _same(their_values, values):
                root._clean()
                await EventContext.get().emit_delta(delta)
                return True
    delta = await root._get_resolved_delta()
    root._clean()
    if not delta:
        return False
    out = SharedDelta(delta)
    out.fragment = frame_json.fragment(delta)
    if got is not None and out.fragment is not None:
        shared.append((got[0], [_kept(v) for v in got[1]], out))
    await EventContext.get().emit_delta(out)
    return False
