"""Response times in bins (X9): exact seconds under a minute, then 5 s / 15 s / 1 min / 5 min /
15 min / 1 h steps whose edges include the distribution's edges, so the distribution is exact
and the median / p90 are exact to one bin (≤ 8 % of the value)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


# (from, step): bins of `step` seconds from `from` up to the next range
_RANGES = ((0, 1), (60, 5), (300, 15), (900, 60), (3600, 300), (14400, 900), (86400, 3600))
DISTRIBUTION = ((0, 60, "lt1m"), (60, 300, "1_5m"), (300, 900, "5_15m"), (900, 3600, "15_60m"),
                (3600, 14400, "1_4h"), (14400, 86400, "4_24h"), (86400, None, "gt24h"))


def bin_of(seconds: float) -> int:
    """The lower edge (seconds) of the bin `seconds` falls in."""
    s = max(0, int(seconds))
    lo, step = _RANGES[0]
    for frm, st in _RANGES:
        if s >= frm:
            lo, step = frm, st
    return lo + (s - lo) // step * step


def bin_width(lower: int) -> int:
    step = 1
    for frm, st in _RANGES:
        if lower >= frm:
            step = st
    return step


@dataclass
class Times:
    """Response times from a histogram {bin lower edge: count}."""
    count: int = 0
    median: float | None = None  # seconds (the bin's middle; exact under a minute)
    p90: float | None = None
    median_bin: tuple[int, int] | None = None  # [lower, upper) seconds
    p90_bin: tuple[int, int] | None = None
    buckets: dict[str, int] = field(default_factory=dict)


def times(hist: dict[int, int]) -> Times:
    out = Times(buckets={name: 0 for _, _, name in DISTRIBUTION})
    total = sum(hist.values())
    out.count = total
    for lower, n in hist.items():
        for a, b, name in DISTRIBUTION:
            if lower >= a and (b is None or lower < b):
                out.buckets[name] += n
    if not total:
        return out
    bins = sorted(hist.items())

    def rank(p: float):
        need, acc = max(1, math.ceil(p * total)), 0  # nearest rank
        for lower, n in bins:
            acc += n
            if acc >= need:
                w = bin_width(lower)
                return (lower + (w / 2 if w > 1 else 0)), (lower, lower + w)
        return None, None

    out.median, out.median_bin = rank(0.5)
    out.p90, out.p90_bin = rank(0.9)
    return out
