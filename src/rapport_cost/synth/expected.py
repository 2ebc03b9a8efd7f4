"""Expected numbers of the model, computed exactly: women, sessions and contacts by type."""

from __future__ import annotations

import datetime

import numpy as np
import scipy  # its submodules load on first use (scipy's lazy loading)

from rapport_cost.arrays import FloatArray, Int64Array
from rapport_cost.synth.model import (
    BEDS,
    CONTACT_TYPES,
    MAX_FOLLOW_UP_DAYS,
    MEAN_STAY_DAYS,
    OCCUPANCY,
    ONE_TO_ONE_PER_WEEK,
    P_DECLINE,
    P_ONE_TO_ONE,
    P_REMOTE,
    REMOTE_EXTRA_MEAN,
    SHARED,
    STAY,
    STAY_MAX_DAYS,
    UNATTENDED_PER_YEAR,
    UNIT_GROUP,
    Shared,
)

# ----------------------------------------------------------------------------- expectations


def admission_rates() -> FloatArray:
    """Expected admissions per day at each unit.

    Returns
    -------
    numpy.ndarray of shape (3,)
        beds × occupancy / mean length of stay, in the order of :data:`SITES`.
    """
    return np.asarray(BEDS, dtype=np.float64) * OCCUPANCY / MEAN_STAY_DAYS


def expected_women(days: int = 365) -> float:
    """Expected number of women the three units admit in ``days`` days (about 153 a year)."""
    return float(admission_rates().sum() * days)


def site_weights() -> FloatArray:
    """Each unit's share of admissions, shape ``(n_sites,)``."""
    rates = admission_rates()
    return np.asarray(rates / rates.sum(), dtype=np.float64)


def first_slot(weekday: int, start: datetime.date) -> int:
    """Day offset from ``start`` of the first ``weekday`` on or after it."""
    return (weekday - start.weekday()) % 7


def _window_probabilities(shared: Shared, days: int, horizon: int) -> FloatArray:
    """P(a woman who takes up ``shared`` is in her attendance window on day t).

    Returns
    -------
    numpy.ndarray of shape (horizon,)
        For t = 0 … horizon - 1 days after the study start, before the take-up share
        and the chance of attending a session.
    """
    arrival = np.full(days, 1.0 / days)  # admission day: uniform over the study period
    stay = STAY.pmf()
    if shared.delay is None or shared.engaged is None:
        # in hospital from admission a to a + stay - 1: P(stay > t - a)
        survival = 1.0 - np.cumsum(stay)  # survival[x] = P(stay > x)
        window = np.convolve(arrival, survival)
    else:
        # first eligible day = a + stay + 1 + delay; window lasts engaged + 1 days
        start = np.convolve(np.convolve(arrival, stay), shared.delay.pmf())
        start = np.concatenate([[0.0], start])
        engaged = shared.engaged.pmf()
        survival = 1.0 - np.concatenate([[0.0], np.cumsum(engaged)[:-1]])  # P(engaged >= x)
        window = np.convolve(start, survival)
    out = np.zeros(horizon)
    n = min(horizon, window.size)
    out[:n] = window[:n]
    return np.clip(out, 0.0, 1.0)


def _horizon(days: int) -> int:
    return days + MAX_FOLLOW_UP_DAYS + 1


def _attend_chances(start: datetime.date, days: int) -> list[tuple[int, list[FloatArray]]]:
    """Per shared type: study places per session, and per site the chance q of each woman.

    q is the chance that one woman of the cohort comes to each scheduled session of
    that site, in schedule order (days with q = 0 left out).
    """
    horizon = _horizon(days)
    out = []
    for shared in SHARED:
        window = _window_probabilities(shared, days, horizon)
        per_site = []
        for s, w in enumerate(site_weights()):
            slots = np.arange(first_slot(shared.weekday[s], start), horizon, shared.period)
            q = w * (1.0 - P_DECLINE) * shared.take_up * shared.p_attend * window[slots]
            per_site.append(np.asarray(q[q > 0], dtype=np.float64))
        out.append((shared.places, per_site))
    return out


def _expected_sessions(n_women: int, places: int, q: FloatArray) -> float:
    """Expected number of sessions on scheduled days where each woman comes with chance q.

    The study women at one scheduled session, N, are Binomial(n_women, q), and a day
    with N of them has ceil(N / places) sessions, whose expectation is the sum over
    j >= 0 of P(N > j × places). Where the standard deviation of N is at least twice
    ``places``, N mod places is uniform to within e^-79 and the expectation is
    E[N] / places + (places - 1) / (2 places).
    """
    mean = n_women * q
    sd = np.sqrt(mean * (1.0 - q))
    wide = sd >= 2 * places
    total = float(np.sum(mean[wide] / places + (places - 1) / (2 * places)))
    q = q[~wide]
    if q.size:
        j_max = int((mean[~wide].max() + 12 * sd[~wide].max() + 1) // places) + 1
        j = np.arange(j_max + 1, dtype=np.float64)
        tail = np.asarray(scipy.stats.binom.sf(j[None, :] * places, n_women, q[:, None]))
        total += float(tail.sum())
    return total


def unattended_days(start: datetime.date, days: int) -> list[tuple[int, Int64Array]]:
    """Per site: how many unattended unit groups to add, and the scheduled days to use."""
    k = max(1, round(UNATTENDED_PER_YEAR * days / 365))
    return [
        (k, np.arange(first_slot(w, start), days, UNIT_GROUP.period, dtype=np.int64))
        for w in UNIT_GROUP.weekday
    ]


def _n_unattended(start: datetime.date, days: int) -> int:
    return sum(min(k, scheduled.size) for k, scheduled in unattended_days(start, days))


def _expected_by_type(
    n_women: int, chances: list[tuple[int, list[FloatArray]]], n_unattended: int
) -> dict[str, float]:
    mean_stay = float(np.arange(STAY_MAX_DAYS + 1) @ STAY.pmf())
    took_up = n_women * (1.0 - P_DECLINE)
    out = {
        "one_to_one": took_up * P_ONE_TO_ONE * (1.0 + ONE_TO_ONE_PER_WEEK * mean_stay / 7.0),
        "one_to_one_remote": took_up * P_REMOTE * (1.0 + REMOTE_EXTRA_MEAN),
    }
    for shared, (places, per_site) in zip(SHARED, chances, strict=True):
        name = CONTACT_TYPES[shared.ctype]
        out[name] = sum(_expected_sessions(n_women, places, q) for q in per_site)
    out["group"] += n_unattended
    return out


def expected_contacts(
    n_women: int, *, start: datetime.date = datetime.date(2025, 4, 1), days: int = 365
) -> dict[str, float]:
    """Expected number of contacts of each type for a cohort of ``n_women``.

    Exact for the model of :func:`generate_logs` (the deliberately unattended unit
    groups included) except that it leaves out the :data:`MAX_FOLLOW_UP_DAYS` cap on
    café and online attendance, which lowers the true expectation by a fraction of a
    percent.

    Parameters
    ----------
    n_women
        Women admitted in the study period, all three units together.
    start, days
        The study period, as in :func:`generate_logs` (the weekday of ``start`` fixes
        the schedule of sessions).

    Returns
    -------
    dict
        Contact type → expected count, in the order of :data:`CONTACT_TYPES`.
    """
    return _expected_by_type(n_women, _attend_chances(start, days), _n_unattended(start, days))


def women_for_contacts(
    n_contacts: int, *, start: datetime.date = datetime.date(2025, 4, 1), days: int = 365
) -> int:
    """The number of women whose expected number of contacts is closest to ``n_contacts``.

    Parameters
    ----------
    n_contacts
        Target number of contacts, at least 1.
    start, days
        The study period.

    Returns
    -------
    int
        At least 1.
    """
    chances = _attend_chances(start, days)
    n_unattended = _n_unattended(start, days)

    def total(n: int) -> float:
        return sum(_expected_by_type(n, chances, n_unattended).values())

    lo, hi = 1, 2
    while total(hi) < n_contacts:
        lo, hi = hi, hi * 2
    while hi - lo > 1:  # total(hi) >= n_contacts, and total(lo) < n_contacts or lo == 1
        mid = (lo + hi) // 2
        if total(mid) < n_contacts:
            lo = mid
        else:
            hi = mid
    return lo if abs(total(lo) - n_contacts) <= abs(total(hi) - n_contacts) else hi
