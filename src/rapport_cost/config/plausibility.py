"""What the config's values may plausibly be, as data, and the check that reads it.

Each rule names fields by a pattern of dotted paths (``*`` is one key) and the range of
each kind of value: outside ``error`` the value cannot be right (the run stops: exit 2);
outside ``warn`` it may be right but is unusual (a warning, listed with the output's
warnings). A share written as a percent (``overheads.management: 22.3``) is told what it
probably meant (``0.223``).

The rules read the parsed document (before or after validation), so that their problems
are reported together with every other problem of the file. A value is checked wherever
it is written: as a literal, as a named parameter's ``value`` (at the field that uses
it), or as an inline parameter's ``value``, ``low`` and ``high``.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rapport_cost.config.base import percent_hint
from rapport_cost.errors import Problem

DocPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Plausible:
    """The range of one kind of value.

    Parameters
    ----------
    what
        What the value is, for messages (``a share of salary plus on-costs``).
    error
        ``(low, high)``: outside, the value cannot be right (``None``: no bound).
    warn
        ``(low, high)``: outside, the value is unusual.
    usual
        What it usually is, said in a warning (``about 1,574 hours``).
    percent
        A share: a value above 1 and at most 100 is probably a percent.
    """

    what: str
    error: tuple[float | None, float | None] = (None, None)
    warn: tuple[float | None, float | None] = (None, None)
    usual: str = ""
    percent: bool = False


SHARE_OF_PAY = Plausible(
    "a share of salary plus on-costs (PSSRU 2024: 0.2230 management, 0.3426 non-staff)",
    error=(0.0, 1.0),
    percent=True,
)
WORKING_HOURS = Plausible(
    "working hours a year",
    error=(0.0, 8784.0),  # every hour of a leap year
    warn=(500.0, 2500.0),
    usual="a full-time year is about 1,574 hours (PSSRU 2024); hours a week go in "
    "working_time.hours_per_week",
)
HOURS_A_WEEK = Plausible(
    "hours a week", error=(0.0, 168.0), warn=(None, 60.0), usual="37.5 is full time"
)
DAYS_A_YEAR = Plausible("days a year", error=(0.0, 366.0), warn=(None, 100.0))
DAYS_A_WEEK = Plausible("days a week", error=(0.0, 7.0))
WEEKS_A_YEAR = Plausible("weeks a year", error=(0.0, 366 / 7))
SALARY = Plausible(
    "an annual salary (GBP)",
    warn=(1000.0, 500_000.0),
    usual="an hourly or monthly amount goes in hourly_rate, or as a year's pay",
)
DISCOUNT_RATE = Plausible(
    "an annual discount rate", warn=(None, 0.1), usual="NICE's reference case is 0.035"
)

#: Field patterns and their ranges (a field takes the first rule that matches it).
RULES: tuple[tuple[str, Plausible], ...] = (
    ("roles.*.overheads.management", SHARE_OF_PAY),
    ("roles.*.overheads.non_staff", SHARE_OF_PAY),
    ("roles.*.working_hours", WORKING_HOURS),
    ("roles.*.working_time.hours_per_week", HOURS_A_WEEK),
    ("roles.*.working_time.annual_leave_days", DAYS_A_YEAR),
    ("roles.*.working_time.bank_holidays", DAYS_A_YEAR),
    ("roles.*.working_time.training_days", DAYS_A_YEAR),
    ("roles.*.working_time.sickness_days", DAYS_A_YEAR),
    ("roles.*.working_time.days_per_week", DAYS_A_WEEK),
    ("roles.*.working_time.weeks_per_year", WEEKS_A_YEAR),
    ("roles.*.salary", SALARY),
    ("discounting.rate", DISCOUNT_RATE),
)

#: Financial years past the last one of the price index that are a warning, not an error
#: (a year whose index rate is not published yet).
YEARS_AHEAD_WARNED = 1


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if x.is_integer() and abs(x) >= 1000 else f"{x:g}"


def _range(bounds: tuple[float | None, float | None]) -> str:
    low, high = bounds
    if low is not None and high is not None:
        return f"between {_fmt(low)} and {_fmt(high)}"
    return f"at least {_fmt(low)}" if low is not None else f"at most {_fmt(high or 0.0)}"


def _outside(x: float, bounds: tuple[float | None, float | None]) -> bool:
    low, high = bounds
    return (low is not None and x < low) or (high is not None and x > high)


def _leaves(node: Any, path: DocPath = ()) -> Iterator[tuple[DocPath, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, str(key)))
    yield path, node


def _number(x: object) -> float | None:
    """``x`` as a finite float, or ``None`` (not a number, or beyond floating point)."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        return None
    try:
        value = float(x)
    except OverflowError:  # an integer of hundreds of digits: the schema rejects it
        return None
    return value if math.isfinite(value) else None


def _values(node: Any, parameters: Mapping[str, Any]) -> list[tuple[str, float]]:
    """The numbers a value stands for, each with how it was written (for messages)."""
    if isinstance(node, str):
        spec = parameters.get(node)
        found = _values(spec, {}) if spec is not None else []
        return [(f"parameter {node!r}" + (f" {k}" if k else ""), x) for k, x in found]
    if isinstance(node, dict):
        out = []
        for key in ("value", "low", "high"):
            x = _number(node.get(key))
            if x is not None:
                out.append((key if key != "value" else "", x))
        return out
    x = _number(node)
    return [] if x is None else [("", x)]


def _rule(path: DocPath) -> Plausible | None:
    dotted = ".".join(str(p) for p in path)
    for pattern, rule in RULES:
        if fnmatch.fnmatchcase(dotted, pattern):
            return rule
    return None


def _check_value(rule: Plausible, label: str, x: float) -> tuple[str, str] | None:
    """``("error" | "warning", message)`` for one value, or ``None``."""
    about = f" ({label})" if label else ""
    if _outside(x, rule.error):
        hint = percent_hint(x) if rule.percent else ""
        return "error", f"must be {_range(rule.error)}: {rule.what}; got {_fmt(x)}{about}{hint}"
    if _outside(x, rule.warn):
        usual = f"; {rule.usual}" if rule.usual else ""
        return "warning", (
            f"{_fmt(x)}{about} is unusual for {rule.what} (usually {_range(rule.warn)}){usual}"
        )
    return None


def _price_year(raw: Mapping[str, Any], years: Sequence[str]) -> tuple[str, str] | None:
    year = raw.get("price_year")
    if not isinstance(year, str) or not years or year in years:
        return None
    first, last = min(years), max(years)
    try:
        start = int(year[:4])
    except ValueError:
        return None  # not a financial year: the schema says so
    table = f"the NHS Cost Inflation Index covers {first} to {last}"
    ahead = start - int(last[:4])
    if 0 < ahead <= YEARS_AHEAD_WARNED:
        return "warning", (
            f"{year} is past the last year of the price index ({table}): no input can be "
            "converted to it, so every input must be in these prices"
        )
    return "error", f"{year} is outside the price index ({table}); prices cannot be converted"


def plausibility(
    raw: Any, *, price_years: Sequence[str] = ()
) -> tuple[list[tuple[DocPath, Problem]], list[tuple[DocPath, Problem]]]:
    """Every value of the document outside its plausible range.

    Parameters
    ----------
    raw
        The parsed document.
    price_years
        The financial years the price index covers (``price_year`` is checked against
        them; empty: not checked).

    Returns
    -------
    (errors, warnings)
        Each a list of ``(path, problem)``: the field and why.
    """
    errors: list[tuple[DocPath, Problem]] = []
    warnings: list[tuple[DocPath, Problem]] = []
    if not isinstance(raw, dict):
        return errors, warnings
    params = raw.get("parameters")
    parameters = params if isinstance(params, dict) else {}
    found: list[tuple[DocPath, tuple[str, str]]] = []
    for path, node in _leaves(raw):
        rule = _rule(path) if path and path[0] != "parameters" else None
        if rule is None:
            continue
        for label, x in _values(node, parameters):
            verdict = _check_value(rule, label, x)
            if verdict is not None:
                found.append((path, verdict))
    year = _price_year(raw, price_years)
    if year is not None:
        found.append((("price_year",), year))
    for path, (kind, message) in found:
        field = ".".join(str(p) for p in path)
        (errors if kind == "error" else warnings).append(
            (path, Problem(message, field=field, code=f"implausible_{kind}"))
        )
    return errors, warnings


# --------------------------------------------------------------------------- the logs


@dataclass(frozen=True)
class LogLimits:
    """What a value of the activity logs can be (checked in log validation).

    Parameters
    ----------
    max_minutes
        Longest contact, preparation or travel time in minutes: a day.
    earliest
        Earliest date of a contact, an admission or a discharge (ISO).
    max_years_after_admission
        Latest a contact may be after the admission it follows (of the woman for a
        one-to-one; of the last admission in the women log for a shared session).
    max_stay_days
        Longest stay from admission to discharge: an MBU admits a mother with a baby
        under a year old.
    """

    max_minutes: float = 24 * 60
    earliest: str = "1990-01-01"
    max_years_after_admission: int = 10
    max_stay_days: int = 731


LOGS = LogLimits()
