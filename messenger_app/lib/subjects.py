"""Subjects of e-mail threads (pure: used by the e-mail channel and by the outbox)."""

from __future__ import annotations

import re

RE_PREFIX = re.compile(r"^\s*(re|aw|sv|ha|antw|ответ)\s*(\[\d+\])?\s*:", re.I)


def reply_subject(subject: str) -> str:
    """"Re: <subject>" (kept as it is when it already is a reply); "" stays ""."""
    subject = " ".join((subject or "").split())
    if not subject:
        return ""
    return subject if RE_PREFIX.match(subject) else f"Re: {subject}"


def base_subject(subject: str) -> str:
    """The subject without its reply prefixes, case-folded: one thread's mails share it."""
    subject = " ".join((subject or "").split())
    while RE_PREFIX.match(subject):
        subject = RE_PREFIX.sub("", subject, count=1).strip()
    return subject.casefold()
