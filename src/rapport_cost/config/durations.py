"""Lengths of time as the user writes them: ``24 months``, ``3 years``, ``730 days``, ``30``.

A month is 365.25/12 days and a year 365.25 days (M-65); a bare number is days.
"""

from __future__ import annotations

import math
import re

DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12.0

_UNITS = {
    "d": 1.0,
    "day": 1.0,
    "days": 1.0,
    "m": DAYS_PER_MONTH,
    "mo": DAYS_PER_MONTH,
    "month": DAYS_PER_MONTH,
    "months": DAYS_PER_MONTH,
    "y": DAYS_PER_YEAR,
    "yr": DAYS_PER_YEAR,
    "year": DAYS_PER_YEAR,
    "years": DAYS_PER_YEAR,
}
_PATTERN = re.compile(r"^\s*([-+]?[0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$")


def parse_duration(value: object) -> float:
    """Days in ``value``: a number of days, or text such as ``24 months`` or ``3years``.

    Raises
    ------
    ValueError
        If the text is not a number followed by an optional unit (day, month, year), or
        the number is not finite; the message gives examples.

    Examples
    --------
    >>> parse_duration("24 months")
    730.5
    >>> parse_duration("3 years"), parse_duration("90 days"), parse_duration(30)
    (1095.75, 90.0, 30.0)
    """
    if isinstance(value, bool):
        msg = f"a length of time such as '24 months', '3 years' or '730 days', got {value!r}"
        raise ValueError(msg)
    if isinstance(value, int | float):
        days = float(value)
    else:
        match = _PATTERN.match(str(value))
        unit = match.group(2).lower() if match else ""
        if match is None or unit not in ("", *_UNITS):
            msg = (
                "a length of time such as '24 months', '3 years' or '730 days' "
                f"(units: days, months, years), got {value!r}"
            )
            raise ValueError(msg)
        days = float(match.group(1)) * _UNITS.get(unit, 1.0)
    if not math.isfinite(days) or days <= 0:
        msg = f"must be a length of time > 0, got {value!r}"
        raise ValueError(msg)
    return days


def describe_days(days: float) -> str:
    """``730.5`` → ``24 months``; ``1095.75`` → ``3 years``; else days."""
    years, months = days / DAYS_PER_YEAR, days / DAYS_PER_MONTH
    if abs(years - round(years)) < 1e-9 and round(years) >= 1:
        return f"{round(years)} year{'s' if round(years) != 1 else ''}"
    if abs(months - round(months)) < 1e-9 and round(months) >= 1:
        return f"{round(months)} month{'s' if round(months) != 1 else ''}"
    return f"{days:g} days"
