#!/usr/bin/env python3
"""Writes assets/sounds/new-message.wav (N2): a short, soft two-tone chime (A5 then E6,
bell-like partials with exponential decay), 22.05 kHz mono 16-bit, ~0.6 s, under 40 KB.
Standard library only (`wave`), deterministic.

    python scripts/make_sound.py [output.wav]
"""

from __future__ import annotations

import math
import struct
import sys
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "assets" / "sounds" / "new-message.wav"
RATE = 22050
LENGTH = 0.62  # seconds
PEAK = 0.55  # of full scale: noticeable, not startling
# (start s, frequency Hz, decay time constant s, loudness)
NOTES = [(0.0, 880.00, 0.11, 0.9), (0.13, 1318.51, 0.16, 1.0)]
PARTIALS = [(1.0, 1.0), (2.0, 0.22), (3.0, 0.07)]  # multiple of the frequency, level
ATTACK = 0.006


def samples() -> list[float]:
    n = int(RATE * LENGTH)
    out = [0.0] * n
    for start, freq, tau, level in NOTES:
        first = int(start * RATE)
        for i in range(first, n):
            t = (i - first) / RATE
            env = level * min(1.0, t / ATTACK) * math.exp(-t / tau)
            if env < 1e-4 and t > ATTACK:
                break
            out[i] += env * sum(a * math.sin(2 * math.pi * freq * m * t) for m, a in PARTIALS)
    fade = int(0.02 * RATE)  # no click at the very end
    for k in range(fade):
        out[n - 1 - k] *= k / fade
    top = max(abs(x) for x in out) or 1.0
    return [x / top * PEAK for x in out]


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    data = b"".join(struct.pack("<h", round(x * 32767)) for x in samples())
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(data)
    print(f"{out}  {out.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
