"""Dates at honest precision: parse user input (YYYY, YYYY-MM, YYYY-MM-DD) and compare safely."""

from __future__ import annotations

import re
from datetime import date

from .errors import UsageError

ACCEPTED_FORMS = "YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2021, 2021-08, 2021-08-22)"
_FORM = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def parse_user_date(text: str, option: str = "as_of") -> str:
    """Validate a date a user typed and return it in its canonical lexical form."""
    match = _FORM.match(text.strip())
    if not match:
        raise UsageError(f"{option}: {text!r} is not a date; use {ACCEPTED_FORMS}")
    year, month, day = match.groups()
    try:
        date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise UsageError(f"{option}: {text!r} is not a real date; use {ACCEPTED_FORMS}") from None
    return text.strip()


def not_after(when: str, limit: str) -> bool:
    """True unless `when` is certainly later than `limit`, comparing at their shared precision.

    An event dated only "2016" is not certainly after "2016-05-01", so it is kept.
    """
    n = min(len(when), len(limit))
    return when[:n] <= limit[:n]
