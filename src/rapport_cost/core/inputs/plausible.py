"""Values of the activity logs that cannot be right, by the limits of ``config.plausibility``.

Each function takes typed columns and returns the rows that break a limit, with one
message per row (for the log validation's problem list). A message states the rule and
the value, never a woman's id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

import numpy as np

from rapport_cost.arrays import BoolArray, DateArray, FloatArray, IntArray
from rapport_cost.config.plausibility import LOGS, LogLimits
from rapport_cost.errors import ConfigError, Problem

_DAY = np.timedelta64(1, "D")


def _years(delta: np.timedelta64) -> float:
    return float(delta / _DAY) / 365.25


def long_minutes(values: FloatArray, limits: LogLimits = LOGS) -> tuple[BoolArray, list[str]]:
    """Rows over :attr:`LogLimits.max_minutes` (a day), and a message for each."""
    bad = values > limits.max_minutes
    return bad, [
        f"must be at most {limits.max_minutes:,.0f} minutes (a day), got {v:,.10g}"
        for v in values[bad]
    ]


def early_dates(dates: DateArray, limits: LogLimits = LOGS) -> tuple[BoolArray, list[str]]:
    """Dates before :attr:`LogLimits.earliest`, and a message for each."""
    earliest = np.datetime64(limits.earliest)
    bad = ~np.isnat(dates) & (dates < earliest)
    return bad, [f"{str(d)[:10]} is before {limits.earliest}: check the year" for d in dates[bad]]


def admission_followed(admissions: DateArray, woman: IntArray) -> DateArray:
    """The admission each contact follows: its woman's, else the last in the women log.

    Parameters
    ----------
    admissions : ndarray of shape (n_women,)
        Admission dates (NaT where missing).
    woman : ndarray of shape (n_contacts,)
        Row of each contact's woman, -1 for a shared session (or an unknown woman).
    """
    admitted = np.asarray(admissions, dtype="datetime64[ns]")
    known = admitted[~np.isnat(admitted)]
    last = known.max() if known.size else np.datetime64("NaT", "ns")
    out = np.full(woman.shape, last, dtype="datetime64[ns]")
    own = (woman >= 0) & (woman < admitted.size)
    out[own] = admitted[woman[own]]
    return out


def far_after(
    dates: DateArray, admissions: DateArray, limits: LogLimits = LOGS
) -> tuple[BoolArray, list[str]]:
    """Contact dates more than :attr:`LogLimits.max_years_after_admission` after ``admissions``.

    Parameters
    ----------
    dates : ndarray of shape (n,)
        Contact dates.
    admissions : ndarray of shape (n,)
        The admission each contact follows (NaT: not checked).
    """
    years = limits.max_years_after_admission
    gap = dates - admissions
    ok = ~np.isnat(dates) & ~np.isnat(admissions)
    bad = ok & (gap > np.timedelta64(int(years * 365.25), "D"))
    return bad, [
        f"{str(d)[:10]} is {_years(g):.0f} years after the admission it follows (at most "
        f"{years}): check the year"
        for d, g in zip(dates[bad], gap[bad], strict=True)
    ]


def long_stays(
    admissions: DateArray, discharges: DateArray, limits: LogLimits = LOGS
) -> tuple[BoolArray, list[str]]:
    """Discharges more than :attr:`LogLimits.max_stay_days` after the admission."""
    gap = discharges - admissions
    ok = ~np.isnat(admissions) & ~np.isnat(discharges)
    bad = ok & (gap > np.timedelta64(limits.max_stay_days, "D"))
    return bad, [
        f"is {float(g / _DAY):,.0f} days after the admission_date (more than "
        f"{limits.max_stay_days}: a Mother and Baby Unit admits a mother with a baby under a "
        "year old)"
        for g in gap[bad]
    ]


def check_admissions(stated: Mapping[str, int | None], women_sites: Iterable[object]) -> None:
    """Fail if a site states fewer admissions than it has women in the women log.

    Every woman of the study was admitted to her unit at least once, so ``sites.<unit>.
    admissions`` (the denominator of the cost per admission) below her unit's count of
    women cannot be right; ``admissions: 0`` at a unit with women would divide its cost
    among nobody.

    Raises
    ------
    ConfigError
        One problem per such site, at field ``sites.<site>.admissions`` (located in the
        config file by the caller).
    """
    counts = Counter(str(s) for s in women_sites)
    found = [
        Problem(
            f"{n} admission(s), but the women log has {counts[site]} women at this unit "
            "(each was admitted at least once)",
            field=f"sites.{site}.admissions",
            code="implausible_admissions",
        )
        for site, n in stated.items()
        if n is not None and n < counts.get(site, 0)
    ]
    if found:
        msg = f"{len(found)} unit(s) state fewer admissions than they have women"
        raise ConfigError(msg, found)
