"""Realistic synthetic activity logs of APP peer support in three MBUs (DESIGN §4).

:func:`generate_logs` simulates a cohort of women admitted to three Mother and Baby Units
over a study period and the peer support they receive, and returns the four activity logs
(``contacts``, ``attendance``, ``women``, ``staff_time``) as DataFrames in the canonical
columns of DESIGN §4, dates as ISO text. It is pure: no file access, and all randomness
comes from the ``rng`` argument, so the same generator state gives the same logs.

The model, one woman at a time (every number is defined once below, with its source):

* **Admissions.** Each unit admits women as a Poisson process with rate
  beds × occupancy / mean length of stay. Given the total number of women, the split
  between units is multinomial and admission days are uniform over the study period.
  Lengths of stay are log-normal (mean 56 days, right-skewed), rounded to whole days.
* **On the unit.** A share of women decline peer support altogether (they are in the
  women log with no contacts). The others may get one-to-ones on the MBU (some not
  attended: DNAs) and may join the weekly group on the unit while in hospital.
* **After discharge.** Some women have phone or video one-to-ones, some join the weekly
  online group for a while, and some keep coming to the fortnightly community café for
  months or years: café and online engagement run from a short delay after discharge for
  a right-skewed time, capped at :data:`MAX_FOLLOW_UP_DAYS` after admission. Activity of
  women admitted in the study period is therefore dated up to about three years after it.
* **Shared sessions.** A group, café or online session is logged on each scheduled day
  at least one study woman attends. When more study women attend than one session has
  places for (capacity minus places kept for people outside the study), the day has
  several parallel sessions and the women are shared evenly among them, so that study
  attendees + ``other_attendees`` never exceed ``capacity``. A few unit groups per site
  are deliberately left without any attendee (no attendance rows, ``other_attendees``
  0) for the ``group_without_attendees`` policy to count.

With ``n_contacts`` the number of women is chosen so that the *expected* number of
contacts (:func:`expected_contacts`, computed exactly from the model apart from the
follow-up cap) is closest to the target.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy  # its submodules load on first use (scipy's lazy loading)

from rapport_cost.arrays import BoolArray, FloatArray, Int64Array

# ----------------------------------------------------------------------------- units

#: Site keys, in the order of every per-site array below.
SITES: tuple[str, ...] = ("birmingham", "lancashire", "manchester")
#: Beds per unit (illustrative; within the 4-12 range Elkin et al. 2009 report).
BEDS: tuple[int, ...] = (12, 8, 10)
#: Mean bed occupancy (Elkin et al. 2009: "average occupancy was 78%").
OCCUPANCY = 0.78
#: Mean length of stay, days (Elkin et al. 2009: "mean length of stay was 56 days").
MEAN_STAY_DAYS = 56.0
#: Log-scale standard deviation of the length of stay (right skew; median ≈ 47 days).
STAY_SIGMA = 0.6
#: Lengths of stay are clipped to this range of days.
STAY_MIN_DAYS, STAY_MAX_DAYS = 7, 365
#: Café, online and remote activity ends at most this many days after admission.
MAX_FOLLOW_UP_DAYS = 1095

# ----------------------------------------------------------------------------- women

ETHNICITY: tuple[str, ...] = ("white", "asian", "black", "mixed", "other")
#: ONS Census 2021, England and Wales, all usual residents (high-level ethnic groups).
ETHNICITY_P: tuple[float, ...] = (0.817, 0.093, 0.040, 0.029, 0.021)
AGE_GROUPS: tuple[str, ...] = ("<25", "25-34", "35+")
#: ONS, births in England and Wales 2014: mothers under 25, 25-34, 35 and over.
AGE_P: tuple[float, ...] = (0.20, 0.59, 0.21)
#: Share of first-time mothers (assumption: primiparity is the main risk factor for
#: postpartum psychosis; 38% of all births in England and Wales 2014 were first births).
P_FIRST_BIRTH = 0.60
#: Share of women who decline peer support altogether (no contacts of any kind).
P_DECLINE = 0.10

# ----------------------------------------------------------------------------- one-to-ones

#: Share of the women who take up peer support who have one-to-ones on the MBU.
P_ONE_TO_ONE = 0.85
#: One-to-ones per week in hospital beyond the first (count = 1 + Poisson(rate × weeks)).
ONE_TO_ONE_PER_WEEK = 0.6
#: Share of one-to-ones (on the unit or remote) not attended (DNA).
P_DNA = 0.12
#: Minutes logged for a DNA: time on the ward before learning the woman cannot attend.
DNA_MINUTES = 15
#: Share of one-to-ones on the unit delivered by the coordinator instead of a PSW.
P_COORDINATOR_ONE_TO_ONE = 0.05
#: Share of women taking up peer support who have remote one-to-ones after discharge.
P_REMOTE = 0.35
#: Remote one-to-ones per woman who has any: 1 + Poisson(this).
REMOTE_EXTRA_MEAN = 1.5
#: Days from discharge to a remote one-to-one: 1 + exponential(mean), at most the cap.
REMOTE_DELAY_MEAN, REMOTE_DELAY_MAX = 60.0, 365

# ----------------------------------------------------------------------------- travel

#: Mean round-trip miles logged per in-person contact, by site (gamma, shape 4).
MILES_MEAN: tuple[float, ...] = (12.0, 18.0, 12.0)
MILES_SHAPE = 4.0
#: Minutes of travel per mile (30 mph average).
MINUTES_PER_MILE = 2.0

#: Contact types, in the order of the type codes used internally.
CONTACT_TYPES: tuple[str, ...] = ("one_to_one", "one_to_one_remote", "group", "cafe", "online")
_O2O, _REMOTE, _GROUP, _CAFE, _ONLINE = range(5)
#: Facilitator strings by code: bit 0 psw, bit 1 volunteer, bit 2 coordinator.
_FACILITATORS: tuple[str, ...] = tuple(
    ";".join(r for bit, r in enumerate(("psw", "volunteer", "coordinator")) if code >> bit & 1)
    for code in range(8)
)
_PSW, _VOLUNTEER, _COORDINATOR = 1, 2, 4


@dataclass(frozen=True)
class _Choice:
    """A discrete distribution of whole minutes."""

    values: tuple[int, ...]
    p: tuple[float, ...]

    def draw(self, n: int, rng: np.random.Generator) -> Int64Array:
        if len(self.values) == 1:
            return np.full(n, self.values[0], dtype=np.int64)
        idx = rng.choice(len(self.values), size=n, p=self.p)
        return np.asarray(self.values, dtype=np.int64)[idx]


@dataclass(frozen=True)
class _RoundedDist:
    """A continuous distribution rounded to whole days and clipped to ``[low, high]``."""

    kind: str  # "lognormal" (loc = log median) or "exponential" (loc = mean)
    loc: float
    sigma: float
    low: int
    high: int

    def draw(self, n: int, rng: np.random.Generator) -> Int64Array:
        if self.kind == "lognormal":
            x = rng.lognormal(self.loc, self.sigma, n)
        else:
            x = rng.exponential(self.loc, n)
        return np.clip(np.rint(x), self.low, self.high).astype(np.int64)

    def pmf(self) -> FloatArray:
        """P(value = k) for k = 0 … high (rounding half to even ignored: ties have mass 0)."""
        k = np.arange(self.high + 1, dtype=np.float64)
        x = np.concatenate([[0.0], k + 0.5])
        if self.kind == "lognormal":
            cdf = scipy.stats.lognorm.cdf(x, self.sigma, scale=math.exp(self.loc))
        else:
            cdf = scipy.stats.expon.cdf(x, scale=self.loc)
        out = np.diff(cdf)
        out[k < self.low] = 0.0
        out[self.low] = cdf[self.low + 1]  # everything rounded below low is clipped up
        out[self.high] = 1.0 - cdf[self.high]  # everything at or above high - 0.5
        return np.asarray(out, dtype=np.float64)


#: Length of stay: log-normal with mean MEAN_STAY_DAYS.
_STAY = _RoundedDist(
    "lognormal",
    math.log(MEAN_STAY_DAYS) - STAY_SIGMA**2 / 2,
    STAY_SIGMA,
    STAY_MIN_DAYS,
    STAY_MAX_DAYS,
)
_REMOTE_DELAY = _RoundedDist("exponential", REMOTE_DELAY_MEAN, 0.0, 0, REMOTE_DELAY_MAX - 1)


@dataclass(frozen=True)
class _Shared:
    """A kind of shared session: schedule, who comes, and what a session logs."""

    ctype: int
    period: int  # days between scheduled sessions
    weekday: tuple[int, ...]  # per site, 0 = Monday
    take_up: float  # share of women taking up peer support who ever come (after discharge)
    delay: _RoundedDist | None  # days from discharge + 1 to the first eligible session
    engaged: _RoundedDist | None  # days the woman keeps coming after that
    p_attend: float  # chance of coming to each scheduled session while engaged
    capacity: int
    reserved: int  # places kept for people outside the study
    others_mean: float  # mean other_attendees (Poisson), capped by the free places
    duration: _Choice
    prep: _Choice
    p_volunteer: float
    p_coordinator: float
    in_person: bool

    @property
    def places(self) -> int:
        """Study places per session."""
        return self.capacity - self.reserved


_UNIT_GROUP = _Shared(
    ctype=_GROUP,
    period=7,
    weekday=(2, 1, 3),
    take_up=1.0,
    delay=None,
    engaged=None,
    p_attend=0.45,
    capacity=8,
    reserved=2,
    others_mean=0.5,
    duration=_Choice((60, 90), (0.6, 0.4)),
    prep=_Choice((30,), (1.0,)),
    p_volunteer=0.4,
    p_coordinator=0.1,
    in_person=True,
)
_CAFE_GROUP = _Shared(
    ctype=_CAFE,
    period=14,
    weekday=(4, 3, 4),
    take_up=0.40,
    delay=_RoundedDist("exponential", 28.0, 0.0, 0, 120),
    engaged=_RoundedDist("lognormal", math.log(120.0), 1.0, 0, 900),
    p_attend=0.5,
    capacity=15,
    reserved=5,
    others_mean=2.0,
    duration=_Choice((90, 120, 150), (0.2, 0.6, 0.2)),
    prep=_Choice((30, 45), (0.5, 0.5)),
    p_volunteer=0.6,
    p_coordinator=0.05,
    in_person=True,
)
_ONLINE_GROUP = _Shared(
    ctype=_ONLINE,
    period=7,
    weekday=(0, 0, 0),
    take_up=0.20,
    delay=_RoundedDist("exponential", 14.0, 0.0, 0, 90),
    engaged=_RoundedDist("lognormal", math.log(60.0), 0.8, 0, 365),
    p_attend=0.4,
    capacity=12,
    reserved=3,
    others_mean=1.0,
    duration=_Choice((60, 90), (0.6, 0.4)),
    prep=_Choice((15,), (1.0,)),
    p_volunteer=0.3,
    p_coordinator=0.0,
    in_person=False,
)
_SHARED: tuple[_Shared, ...] = (_UNIT_GROUP, _CAFE_GROUP, _ONLINE_GROUP)

_O2O_DURATION = _Choice((30, 45, 60, 75, 90), (0.2, 0.35, 0.3, 0.1, 0.05))
_O2O_PREP = _Choice((5, 10, 15), (0.3, 0.5, 0.2))
_REMOTE_DURATION = _Choice((15, 20, 30, 45), (0.25, 0.25, 0.35, 0.15))
_REMOTE_PREP = _Choice((5,), (1.0,))
#: Deliberately unattended unit groups per site per 365 days (at least 1 per site).
UNATTENDED_PER_YEAR = 2
#: Share of shared-session attendances cut short: minutes = 30-90% of the duration.
P_PARTIAL = 0.15

#: Non-contact staff hours per site per month at the realistic cohort size:
#: (role, activity, hours when it happens, chance it happens in a month).
STAFF_TIME: tuple[tuple[str, str, float, float], ...] = (
    ("psw", "supervision", 4.0, 1.0),
    ("psw", "network_meeting", 3.0, 1.0),
    ("psw", "training", 7.5, 0.4),
    ("coordinator", "supervision", 2.0, 1.0),
    ("coordinator", "network_meeting", 2.0, 1.0),
    ("coordinator", "training", 3.75, 0.25),
    ("volunteer", "supervision", 1.5, 1.0),
    ("volunteer", "network_meeting", 1.0, 0.5),
    ("volunteer", "training", 6.0, 0.2),
)
#: Gamma shape of the month-to-month variation in staff hours (CV = 1/sqrt(8) ≈ 35%).
STAFF_TIME_SHAPE = 8.0


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class SynthLogs:
    """Synthetic activity logs in the canonical columns of DESIGN §4.

    Parameters
    ----------
    contacts
        One row per contact: ``contact_id``, ``site``, ``date``, ``contact_type``,
        ``woman_id`` ("" for shared sessions), ``facilitators``, ``duration_min``,
        ``prep_min``, ``travel_min``, ``miles``, ``attended`` (``yes``/``no``),
        ``other_attendees``, ``capacity`` (nullable integer, missing for one-to-ones).
    attendance
        One row per study woman at a shared session: ``contact_id``, ``woman_id``,
        ``minutes``.
    women
        ``woman_id``, ``site``, ``admission_date``, ``discharge_date``, ``ethnicity``,
        ``age_group``, ``parity``.
    staff_time
        Non-contact time: ``site``, ``month`` (``YYYY-MM``), ``role``, ``activity``,
        ``hours``.
    """

    contacts: pd.DataFrame
    attendance: pd.DataFrame
    women: pd.DataFrame
    staff_time: pd.DataFrame

    def summary(self) -> dict[str, int | str | dict[str, int]]:
        """Counts for printing.

        Returns
        -------
        dict
            ``women``, ``women_without_contacts``, ``contacts``, ``contacts_by_type``
            (every contact type, zeros included), ``dna``, ``unattended_sessions``,
            ``attendance_rows``, ``staff_time_rows``, ``first_date`` and ``last_date``
            (of any contact, ISO text; "" when there are none).
        """
        c = self.contacts
        by_type = c["contact_type"].value_counts()
        used = set(c["woman_id"]) | set(self.attendance["woman_id"])
        shared = c["contact_type"].isin({CONTACT_TYPES[s.ctype] for s in _SHARED})
        attended_ids = set(self.attendance["contact_id"])
        unattended = shared & (c["other_attendees"] == 0) & ~c["contact_id"].isin(attended_ids)
        return {
            "women": len(self.women),
            "women_without_contacts": int((~self.women["woman_id"].isin(used)).sum()),
            "contacts": len(c),
            "contacts_by_type": {t: int(by_type.get(t, 0)) for t in CONTACT_TYPES},
            "dna": int((c["attended"] == "no").sum()),
            "unattended_sessions": int(unattended.sum()),
            "attendance_rows": len(self.attendance),
            "staff_time_rows": len(self.staff_time),
            "first_date": str(c["date"].min()) if len(c) else "",
            "last_date": str(c["date"].max()) if len(c) else "",
        }


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


def _site_weights() -> FloatArray:
    rates = admission_rates()
    return np.asarray(rates / rates.sum(), dtype=np.float64)


def _first_slot(weekday: int, start: datetime.date) -> int:
    """Day offset from ``start`` of the first ``weekday`` on or after it."""
    return (weekday - start.weekday()) % 7


def _window_probabilities(shared: _Shared, days: int, horizon: int) -> FloatArray:
    """P(a woman who takes up ``shared`` is in her attendance window on day t).

    Returns
    -------
    numpy.ndarray of shape (horizon,)
        For t = 0 … horizon - 1 days after the study start, before the take-up share
        and the chance of attending a session.
    """
    arrival = np.full(days, 1.0 / days)  # admission day: uniform over the study period
    stay = _STAY.pmf()
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
    for shared in _SHARED:
        window = _window_probabilities(shared, days, horizon)
        per_site = []
        for s, w in enumerate(_site_weights()):
            slots = np.arange(_first_slot(shared.weekday[s], start), horizon, shared.period)
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


def _unattended_days(start: datetime.date, days: int) -> list[tuple[int, Int64Array]]:
    """Per site: how many unattended unit groups to add, and the scheduled days to use."""
    k = max(1, round(UNATTENDED_PER_YEAR * days / 365))
    return [
        (k, np.arange(_first_slot(w, start), days, _UNIT_GROUP.period, dtype=np.int64))
        for w in _UNIT_GROUP.weekday
    ]


def _n_unattended(start: datetime.date, days: int) -> int:
    return sum(min(k, scheduled.size) for k, scheduled in _unattended_days(start, days))


def _expected_by_type(
    n_women: int, chances: list[tuple[int, list[FloatArray]]], n_unattended: int
) -> dict[str, float]:
    mean_stay = float(np.arange(STAY_MAX_DAYS + 1) @ _STAY.pmf())
    took_up = n_women * (1.0 - P_DECLINE)
    out = {
        "one_to_one": took_up * P_ONE_TO_ONE * (1.0 + ONE_TO_ONE_PER_WEEK * mean_stay / 7.0),
        "one_to_one_remote": took_up * P_REMOTE * (1.0 + REMOTE_EXTRA_MEAN),
    }
    for shared, (places, per_site) in zip(_SHARED, chances, strict=True):
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


# ----------------------------------------------------------------------------- generation


@dataclass(frozen=True)
class _Cohort:
    site: Int64Array
    admission: Int64Array  # day offset from the study start
    discharge: Int64Array
    took_up: BoolArray


@dataclass
class _Part:
    """Columns of a batch of contacts, before they are merged and numbered."""

    site: Int64Array
    day: Int64Array
    ctype: Int64Array
    woman: Int64Array  # -1 for shared sessions
    facilitators: Int64Array
    duration: Int64Array
    prep: Int64Array
    travel: Int64Array
    miles: FloatArray
    attended: BoolArray
    others: Int64Array
    capacity: Int64Array  # -1 for one-to-ones

    def __len__(self) -> int:
        return int(self.site.size)


def _travel(
    site: Int64Array, in_person: bool, rng: np.random.Generator
) -> tuple[Int64Array, FloatArray]:
    """Travel minutes and round-trip miles for contacts at ``site``."""
    if not in_person:
        return np.zeros(site.size, dtype=np.int64), np.zeros(site.size)
    mean = np.asarray(MILES_MEAN)[site]
    miles = np.round(rng.gamma(MILES_SHAPE, mean / MILES_SHAPE), 1)
    miles = np.maximum(miles, 0.5)
    return np.rint(miles * MINUTES_PER_MILE).astype(np.int64), miles


def _draw_cohort(n_women: int, days: int, rng: np.random.Generator) -> _Cohort:
    site = rng.choice(len(SITES), size=n_women, p=_site_weights()).astype(np.int64)
    admission = rng.integers(0, days, size=n_women, dtype=np.int64)
    order = np.lexsort((site, admission))  # ids follow admission order
    site, admission = site[order], admission[order]
    stay = _STAY.draw(n_women, rng)
    took_up = rng.random(n_women) >= P_DECLINE
    return _Cohort(site, admission, admission + stay, took_up)


def _one_to_ones(cohort: _Cohort, rng: np.random.Generator) -> _Part:
    stay = cohort.discharge - cohort.admission
    has = cohort.took_up & (rng.random(stay.size) < P_ONE_TO_ONE)
    count = np.where(has, 1 + rng.poisson(ONE_TO_ONE_PER_WEEK * stay / 7.0), 0)
    woman = np.repeat(np.arange(stay.size, dtype=np.int64), count)
    n = woman.size
    # uniform over the stay, admission and discharge days included
    day = cohort.admission[woman] + np.floor(rng.random(n) * (stay[woman] + 1)).astype(np.int64)
    attended = rng.random(n) >= P_DNA
    duration = np.where(attended, _O2O_DURATION.draw(n, rng), DNA_MINUTES)
    coordinator = rng.random(n) < P_COORDINATOR_ONE_TO_ONE
    site = cohort.site[woman]
    travel, miles = _travel(site, True, rng)
    return _Part(
        site=site,
        day=day,
        ctype=np.full(n, _O2O, dtype=np.int64),
        woman=woman,
        facilitators=np.where(coordinator, _COORDINATOR, _PSW).astype(np.int64),
        duration=duration,
        prep=_O2O_PREP.draw(n, rng),
        travel=travel,
        miles=miles,
        attended=attended,
        others=np.zeros(n, dtype=np.int64),
        capacity=np.full(n, -1, dtype=np.int64),
    )


def _remote(cohort: _Cohort, rng: np.random.Generator) -> _Part:
    n_women = cohort.site.size
    has = cohort.took_up & (rng.random(n_women) < P_REMOTE)
    count = np.where(has, 1 + rng.poisson(REMOTE_EXTRA_MEAN, n_women), 0)
    woman = np.repeat(np.arange(n_women, dtype=np.int64), count)
    n = woman.size
    day = cohort.discharge[woman] + 1 + _REMOTE_DELAY.draw(n, rng)
    day = np.minimum(day, cohort.admission[woman] + MAX_FOLLOW_UP_DAYS)
    attended = rng.random(n) >= P_DNA
    duration = np.where(attended, _REMOTE_DURATION.draw(n, rng), DNA_MINUTES)
    zeros = np.zeros(n, dtype=np.int64)
    return _Part(
        site=cohort.site[woman],
        day=day,
        ctype=np.full(n, _REMOTE, dtype=np.int64),
        woman=woman,
        facilitators=np.full(n, _PSW, dtype=np.int64),
        duration=duration,
        prep=_REMOTE_PREP.draw(n, rng),
        travel=zeros,
        miles=np.zeros(n),
        attended=attended,
        others=zeros.copy(),
        capacity=np.full(n, -1, dtype=np.int64),
    )


def _slots(
    lo: Int64Array, hi: Int64Array, first: Int64Array, period: int
) -> tuple[Int64Array, Int64Array]:
    """Every scheduled day in each window ``[lo[i], hi[i]]``.

    Scheduled days are ``first[i] + period × k``. Returns (owner, day): the window index
    and the day of each scheduled day, grouped by window.
    """
    f = lo + (first - lo) % period  # first scheduled day on or after lo
    count = np.where(hi >= f, (hi - f) // period + 1, 0)
    owner = np.repeat(np.arange(lo.size, dtype=np.int64), count)
    step = np.arange(owner.size, dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
    return owner, f[owner] + period * step


def _attendances(
    shared: _Shared, cohort: _Cohort, start: datetime.date, rng: np.random.Generator
) -> tuple[Int64Array, Int64Array]:
    """(woman, day) of every attendance of one shared type, before sessions are formed."""
    n_women = cohort.site.size
    if shared.delay is None or shared.engaged is None:
        women = np.flatnonzero(cohort.took_up)
        lo = cohort.admission[women]
        hi = cohort.discharge[women] - 1  # the discharge day itself is not counted
    else:
        women = np.flatnonzero(cohort.took_up & (rng.random(n_women) < shared.take_up))
        lo = cohort.discharge[women] + 1 + shared.delay.draw(women.size, rng)
        hi = np.minimum(
            lo + shared.engaged.draw(women.size, rng),
            cohort.admission[women] + MAX_FOLLOW_UP_DAYS,
        )
    first = np.asarray([_first_slot(w, start) for w in shared.weekday], dtype=np.int64)
    owner, day = _slots(lo, hi, first[cohort.site[women]], shared.period)
    keep = rng.random(owner.size) < shared.p_attend
    return women[owner[keep]], day[keep]


def _sessions(
    shared: _Shared,
    site: Int64Array,
    day: Int64Array,
    unattended: list[tuple[int, Int64Array]] | None,
    rng: np.random.Generator,
) -> tuple[_Part, Int64Array]:
    """Form the sessions of one shared type from its attendances.

    Returns the sessions and, for each attendance, the index of its session.
    ``unattended`` gives, per site, a number of sessions without attendees to add and
    the scheduled days to put them on; days with no other session are used first.
    """
    span = int(day.max()) + 1 if day.size else 1
    key = site * span + day
    order = np.argsort(key, kind="stable")
    key_sorted = key[order]
    new = np.ones(key_sorted.size, dtype=bool)
    new[1:] = key_sorted[1:] != key_sorted[:-1]
    starts = np.flatnonzero(new)
    counts = np.diff(np.append(starts, key_sorted.size))
    n_parallel = -(-counts // shared.places)
    group = np.cumsum(new) - 1
    rank = np.arange(key_sorted.size) - starts[group]
    offset = np.cumsum(n_parallel) - n_parallel
    session_sorted = offset[group] + rank % n_parallel[group]
    session = np.empty_like(session_sorted)
    session[order] = session_sorted
    n_sessions = int(n_parallel.sum())
    size = np.bincount(session, minlength=n_sessions).astype(np.int64)
    s_key = np.repeat(key_sorted[starts], n_parallel)
    s_site, s_day = s_key // span, s_key % span
    if unattended is not None:
        extra_site, extra_day = [], []
        for s, (k, scheduled) in enumerate(unattended):
            free = np.setdiff1d(scheduled, s_day[s_site == s])
            pick = rng.choice(free, size=min(k, free.size), replace=False)
            if pick.size < k:  # busy days only when every scheduled day has a session
                busy = np.setdiff1d(scheduled, free)
                more = rng.choice(busy, size=min(k - pick.size, busy.size), replace=False)
                pick = np.concatenate([pick, more])
            extra_site.append(np.full(pick.size, s, dtype=np.int64))
            extra_day.append(np.sort(pick))
        s_site = np.concatenate([s_site, *extra_site])
        s_day = np.concatenate([s_day, *extra_day])
        size = np.concatenate([size, np.zeros(s_site.size - size.size, dtype=np.int64)])
    n = s_site.size
    others = np.minimum(rng.poisson(shared.others_mean, n), shared.capacity - size)
    others[size == 0] = 0  # a session without study women is kept only as "unattended"
    facilitators = (
        _PSW
        + _VOLUNTEER * (rng.random(n) < shared.p_volunteer)
        + _COORDINATOR * (rng.random(n) < shared.p_coordinator)
    ).astype(np.int64)
    travel, miles = _travel(s_site, shared.in_person, rng)
    part = _Part(
        site=s_site,
        day=s_day,
        ctype=np.full(n, shared.ctype, dtype=np.int64),
        woman=np.full(n, -1, dtype=np.int64),
        facilitators=facilitators,
        duration=shared.duration.draw(n, rng),
        prep=shared.prep.draw(n, rng),
        travel=travel,
        miles=miles,
        attended=np.ones(n, dtype=bool),
        others=others,
        capacity=np.full(n, shared.capacity, dtype=np.int64),
    )
    return part, session


def _text(codes: Int64Array, categories: npt.ArrayLike | pd.Series) -> pd.Series:
    """Strings ``categories[codes]`` as a pandas string column, fast for millions of rows."""
    return _take(pd.Series(categories, dtype="str"), codes)


def _take(values: pd.Series, positions: npt.NDArray[np.integer]) -> pd.Series:
    return pd.Series(values.array.take(positions))


def _ids(prefix: str, n: int, width: int) -> pd.Series:
    numbers = pd.Series(np.arange(1, n + 1, dtype=np.int64)).astype("str")
    return prefix + numbers.str.zfill(width)


def _month_keys(start: datetime.date, days: int) -> list[str]:
    end = start + datetime.timedelta(days=days - 1)
    months = pd.period_range(pd.Period(start, "M"), pd.Period(end, "M"), freq="M")
    return [str(m) for m in months]


def _staff_time(
    cohort: _Cohort, start: datetime.date, days: int, rng: np.random.Generator
) -> pd.DataFrame:
    months = _month_keys(start, days)
    realistic = admission_rates() * days
    counts = np.bincount(cohort.site, minlength=len(SITES))
    scale = np.maximum(1.0, counts / realistic)
    n_m, n_a = len(months), len(STAFF_TIME)
    base = np.asarray([hours for _, _, hours, _ in STAFF_TIME])
    p_occurs = np.asarray([p for _, _, _, p in STAFF_TIME])
    shape = (len(SITES), n_m, n_a)
    occurs = rng.random(shape) < p_occurs
    noise = rng.gamma(STAFF_TIME_SHAPE, 1.0 / STAFF_TIME_SHAPE, shape)
    hours = base * scale[:, None, None] * noise
    hours = np.maximum(np.round(hours * 4.0) / 4.0, 0.25)
    s_idx, m_idx, a_idx = np.nonzero(occurs)
    return pd.DataFrame(
        {
            "site": _text(s_idx, SITES),
            "month": _text(m_idx, months),
            "role": _text(a_idx, [r for r, _, _, _ in STAFF_TIME]),
            "activity": _text(a_idx, [a for _, a, _, _ in STAFF_TIME]),
            "hours": hours[s_idx, m_idx, a_idx],
        }
    )


def generate_logs(
    *,
    n_women: int | None = None,
    n_contacts: int | None = None,
    rng: np.random.Generator,
    start: datetime.date = datetime.date(2025, 4, 1),
    days: int = 365,
) -> SynthLogs:
    """Generate realistic synthetic activity logs.

    Parameters
    ----------
    n_women
        Women admitted to the three units in the study period (at least 1). About
        :func:`expected_women` (153 a year) is the realistic size; larger cohorts are
        the same units scaled up (groups then run in parallel sessions). Give exactly
        one of ``n_women`` and ``n_contacts``.
    n_contacts
        Target number of contacts (at least 1): the number of women is chosen by
        :func:`women_for_contacts` so that the expected number of contacts is closest
        to it; the number generated is within a few percent of it for targets of
        thousands of contacts or more.
    rng
        The only source of randomness.
    start
        First day of the study period, in which every woman is admitted.
    days
        Length of the study period in days (at least 1). Activity of the women
        admitted in it runs until up to :data:`MAX_FOLLOW_UP_DAYS` after admission.

    Returns
    -------
    SynthLogs
        The four logs; dates are ISO text (``YYYY-MM-DD``), contacts in date order with
        ids ``C0000001`` …, women in admission order with ids ``W00001`` ….

    Raises
    ------
    ValueError
        If not exactly one of ``n_women`` and ``n_contacts`` is given, or a size is < 1.

    Examples
    --------
    >>> import numpy as np
    >>> logs = generate_logs(n_women=20, rng=np.random.default_rng(1))
    >>> len(logs.women)
    20
    >>> list(logs.attendance.columns)
    ['contact_id', 'woman_id', 'minutes']
    """
    if days < 1:
        msg = f"days must be >= 1, got {days}"
        raise ValueError(msg)
    if n_women is not None and n_contacts is None:
        size = n_women
    elif n_contacts is not None and n_women is None:
        if n_contacts < 1:
            msg = f"n_contacts must be >= 1, got {n_contacts}"
            raise ValueError(msg)
        size = women_for_contacts(n_contacts, start=start, days=days)
    else:
        msg = "give exactly one of n_women and n_contacts"
        raise ValueError(msg)
    if size < 1:
        msg = f"n_women must be >= 1, got {size}"
        raise ValueError(msg)

    cohort = _draw_cohort(size, days, rng)
    parts = [_one_to_ones(cohort, rng), _remote(cohort, rng)]
    att_woman: list[Int64Array] = []
    att_row: list[Int64Array] = []
    offset = sum(len(p) for p in parts)
    for shared in _SHARED:
        woman, day = _attendances(shared, cohort, start, rng)
        unattended = _unattended_days(start, days) if shared is _UNIT_GROUP else None
        part, session = _sessions(shared, cohort.site[woman], day, unattended, rng)
        att_woman.append(woman)
        att_row.append(offset + session)
        parts.append(part)
        offset += len(part)

    return _assemble(cohort, parts, att_woman, att_row, start, days, rng)


def _assemble(
    cohort: _Cohort,
    parts: list[_Part],
    att_woman: list[Int64Array],
    att_row: list[Int64Array],
    start: datetime.date,
    days: int,
    rng: np.random.Generator,
) -> SynthLogs:
    def cat(name: str) -> Int64Array:
        return np.concatenate([getattr(p, name) for p in parts]).astype(np.int64, copy=False)

    site, day, ctype, woman = cat("site"), cat("day"), cat("ctype"), cat("woman")
    n = site.size
    # date, then site, type and woman; a stable sort keeps sessions of a day in order
    n_women = cohort.site.size
    key = ((day * len(SITES) + site) * len(CONTACT_TYPES) + ctype) * (n_women + 1) + woman + 1
    order = np.argsort(key, kind="stable")
    number = np.empty(n, dtype=np.int64)
    number[order] = np.arange(n)

    last_day = int(max(day.max(initial=0), cohort.discharge.max()))
    iso = np.datetime_as_string(np.datetime64(start, "D") + np.arange(last_day + 1), unit="D")
    woman_ids = _ids("W", n_women, max(5, len(str(n_women))))
    contact_ids = _ids("C", n, max(7, len(str(n))))

    capacity = cat("capacity")[order]
    contacts = pd.DataFrame(
        {
            "contact_id": contact_ids,
            "site": _text(site[order], SITES),
            "date": _text(day[order], iso),
            "contact_type": _text(ctype[order], CONTACT_TYPES),
            "woman_id": _text(woman[order] + 1, pd.concat([pd.Series([""]), woman_ids])),
            "facilitators": _text(cat("facilitators")[order], _FACILITATORS),
            "duration_min": cat("duration")[order],
            "prep_min": cat("prep")[order],
            "travel_min": cat("travel")[order],
            "miles": np.concatenate([p.miles for p in parts])[order],
            "attended": _text(cat("attended")[order], ["no", "yes"]),
            "other_attendees": cat("others")[order],
            "capacity": pd.arrays.IntegerArray(np.where(capacity >= 0, capacity, 0), capacity < 0),
        }
    )

    a_woman = np.concatenate(att_woman)
    a_contact = number[np.concatenate(att_row)]
    a_order = np.argsort(a_contact * (n_women + 1) + a_woman, kind="stable")
    a_woman, a_contact = a_woman[a_order], a_contact[a_order]
    duration = contacts["duration_min"].to_numpy()[a_contact]
    partial = rng.random(a_contact.size) < P_PARTIAL
    fraction = rng.uniform(0.3, 0.9, a_contact.size)
    short = np.maximum(5, np.rint(duration * fraction / 5.0).astype(np.int64) * 5)
    attendance = pd.DataFrame(
        {
            "contact_id": _take(contact_ids, a_contact),
            "woman_id": _take(woman_ids, a_woman),
            "minutes": np.where(partial, np.minimum(short, duration), duration),
        }
    )

    women = pd.DataFrame(
        {
            "woman_id": woman_ids,
            "site": _text(cohort.site, SITES),
            "admission_date": _text(cohort.admission, iso),
            "discharge_date": _text(cohort.discharge, iso),
            "ethnicity": _text(rng.choice(len(ETHNICITY), n_women, p=ETHNICITY_P), ETHNICITY),
            "age_group": _text(rng.choice(len(AGE_GROUPS), n_women, p=AGE_P), AGE_GROUPS),
            "parity": _text(
                (rng.random(n_women) >= P_FIRST_BIRTH).astype(np.int64), ["first", "subsequent"]
            ),
        }
    )
    staff_time = _staff_time(cohort, start, days, rng)
    return SynthLogs(contacts, attendance, women, staff_time)
