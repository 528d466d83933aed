#!/usr/bin/env python3
"""Draws the app icons (N3) into assets/icons/: a white speech bubble with three dots on
indigo (#3e63dd). Pure standard library (signed-distance shapes, 1-px anti-aliasing, a tiny
PNG writer), deterministic: running it again gives the same bytes.

    python scripts/make_icons.py            # writes assets/icons/*.png

| file                    | size | look                                                    |
|-------------------------|------|---------------------------------------------------------|
| icon-192.png            | 192  | "any": rounded indigo square, transparent corners       |
| icon-512.png            | 512  | "any"                                                   |
| icon-maskable-512.png   | 512  | "maskable": full-bleed indigo, logo inside the 80% safe circle |
| apple-touch-icon.png    | 180  | full-bleed, opaque (iOS rounds it)                     |
| favicon-32.png          | 32   | "any"                                                   |
| badge-96.png            | 96   | notification badge: white bubble on transparent (Android uses the alpha) |
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "assets" / "icons"
INDIGO = (0x3E, 0x63, 0xDD)
WHITE = (255, 255, 255)


# -- signed distances, in units of the icon's side (negative = inside) ------------------
def sd_round_rect(px, py, cx, cy, hw, hh, r):
    qx, qy = abs(px - cx) - hw + r, abs(py - cy) - hh + r
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    return outside + min(max(qx, qy), 0.0) - r


def sd_circle(px, py, cx, cy, r):
    return math.hypot(px - cx, py - cy) - r


def sd_polygon(px, py, pts):
    """Inigo Quilez's exact polygon distance."""
    d = (px - pts[0][0]) ** 2 + (py - pts[0][1]) ** 2
    s = 1.0
    n = len(pts)
    j = n - 1
    for i in range(n):
        ex, ey = pts[j][0] - pts[i][0], pts[j][1] - pts[i][1]
        wx, wy = px - pts[i][0], py - pts[i][1]
        t = max(0.0, min(1.0, (wx * ex + wy * ey) / (ex * ex + ey * ey)))
        bx, by = wx - ex * t, wy - ey * t
        d = min(d, bx * bx + by * by)
        c1, c2, c3 = py >= pts[i][1], py < pts[j][1], ex * wy > ey * wx
        if (c1 and c2 and c3) or (not c1 and not c2 and not c3):
            s = -s
        j = i
    return s * math.sqrt(d)


# -- the logo, in a unit box (0..1), centred on (0.5, 0.5) ------------------------------
TAIL = [(0.30, 0.60), (0.48, 0.66), (0.23, 0.83)]
DOTS = [(0.355, 0.445), (0.50, 0.445), (0.645, 0.445)]


def bubble(x, y):
    body = sd_round_rect(x, y, 0.5, 0.445, 0.32, 0.235, 0.15)
    return min(body, sd_polygon(x, y, TAIL))


def dots(x, y):
    return min(sd_circle(x, y, cx, cy, 0.048) for cx, cy in DOTS)


def render(size: int, background: str, logo_scale: float, mono: bool = False) -> bytes:
    """RGBA rows. background: "rounded" | "full" | "none"."""
    rows = []
    for j in range(size):
        row = bytearray()
        for i in range(size):
            u, v = (i + 0.5) / size, (j + 0.5) / size
            # background layer
            if background == "full":
                rgb, a = INDIGO, 1.0
            elif background == "rounded":
                d = sd_round_rect(u, v, 0.5, 0.5, 0.5, 0.5, 0.22) * size
                rgb, a = INDIGO, min(1.0, max(0.0, 0.5 - d))
            else:
                rgb, a = (0, 0, 0), 0.0
            # the logo, scaled about the centre
            lx, ly = 0.5 + (u - 0.5) / logo_scale, 0.5 + (v - 0.5) / logo_scale
            px = size * logo_scale  # unit-box length in pixels
            cov_b = min(1.0, max(0.0, 0.5 - bubble(lx, ly) * px))
            cov_d = min(1.0, max(0.0, 0.5 - dots(lx, ly) * px)) if cov_b > 0 else 0.0
            # white bubble over the background
            if cov_b > 0:
                na = cov_b + a * (1 - cov_b)
                rgb = tuple((WHITE[k] * cov_b + rgb[k] * a * (1 - cov_b)) / na for k in range(3))
                a = na
            # dots: indigo on the bubble, or holes in a monochrome badge
            if cov_d > 0:
                if mono:
                    a = a * (1 - cov_d)
                else:
                    rgb = tuple(INDIGO[k] * cov_d + rgb[k] * (1 - cov_d) for k in range(3))
            row += bytes((round(rgb[0]), round(rgb[1]), round(rgb[2]), round(a * 255)))
        rows.append(bytes(row))
    return png(size, size, rows)


def png(width: int, height: int, rgba_rows: list[bytes]) -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    raw = b"".join(b"\x00" + r for r in rgba_rows)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))


ICONS = {
    "icon-192.png": (192, "rounded", 0.92, False),
    "icon-512.png": (512, "rounded", 0.92, False),
    "icon-maskable-512.png": (512, "full", 0.72, False),  # logo within the 80% safe circle
    "apple-touch-icon.png": (180, "full", 0.86, False),
    "favicon-32.png": (32, "rounded", 1.0, False),
    "badge-96.png": (96, "none", 1.12, True),
}


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else OUT
    out.mkdir(parents=True, exist_ok=True)
    for name, (size, bg, scale, mono) in ICONS.items():
        data = render(size, bg, scale, mono)
        (out / name).write_bytes(data)
        print(f"{out / name}  {size}x{size}  {len(data)} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
