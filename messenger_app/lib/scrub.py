"""Secrets never reach an error message, a log line or the settings page."""

from __future__ import annotations

from typing import Any


def scrub(text: Any, *secrets: str, mask: str = "<secret>") -> str:
    """str(text) with every non-empty secret replaced by `mask` (longest first, so no partial
    leftovers)."""
    out = str(text) or type(text).__name__
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        out = out.replace(secret, mask)
    return out
