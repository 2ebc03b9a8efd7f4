"""The synthetic cohort's model: units, women, contacts and their distributions.

Every number of the model is defined once here, with its source.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy  # its submodules load on first use (scipy's lazy loading)

from rapport_cost.arrays import FloatArray, Int64Array

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
O2O, REMOTE, _GROUP, _CAFE, _ONLINE = range(5)
#: Facilitator strings by code: bit 0 psw, bit 1 volunteer, bit 2 coordinator.
FACILITATORS: tuple[str, ...] = tuple(
    ";".join(r for bit, r in enumerate(("psw", "volunteer", "coordinator")) if code >> bit & 1)
    for code in range(8)
)
PSW, VOLUNTEER, COORDINATOR = 1, 2, 4


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
STAY = _RoundedDist(
    "lognormal", math.log(MEAN_STAY_DAYS) - STAY_SIGMA**2 / 2, STAY_SIGMA,
    STAY_MIN_DAYS, STAY_MAX_DAYS,
)  # fmt: skip
REMOTE_DELAY = _RoundedDist("exponential", REMOTE_DELAY_MEAN, 0.0, 0, REMOTE_DELAY_MAX - 1)


@dataclass(frozen=True)
class Shared:
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


UNIT_GROUP = Shared(
    ctype=_GROUP, period=7, weekday=(2, 1, 3), take_up=1.0, delay=None, engaged=None,
    p_attend=0.45, capacity=8, reserved=2, others_mean=0.5,
    duration=_Choice((60, 90), (0.6, 0.4)), prep=_Choice((30,), (1.0,)),
    p_volunteer=0.4, p_coordinator=0.1, in_person=True,
)  # fmt: skip
_CAFE_GROUP = Shared(
    ctype=_CAFE, period=14, weekday=(4, 3, 4), take_up=0.40,
    delay=_RoundedDist("exponential", 28.0, 0.0, 0, 120),
    engaged=_RoundedDist("lognormal", math.log(120.0), 1.0, 0, 900),
    p_attend=0.5, capacity=15, reserved=5, others_mean=2.0,
    duration=_Choice((90, 120, 150), (0.2, 0.6, 0.2)), prep=_Choice((30, 45), (0.5, 0.5)),
    p_volunteer=0.6, p_coordinator=0.05, in_person=True,
)  # fmt: skip
_ONLINE_GROUP = Shared(
    ctype=_ONLINE, period=7, weekday=(0, 0, 0), take_up=0.20,
    delay=_RoundedDist("exponential", 14.0, 0.0, 0, 90),
    engaged=_RoundedDist("lognormal", math.log(60.0), 0.8, 0, 365),
    p_attend=0.4, capacity=12, reserved=3, others_mean=1.0,
    duration=_Choice((60, 90), (0.6, 0.4)), prep=_Choice((15,), (1.0,)),
    p_volunteer=0.3, p_coordinator=0.0, in_person=False,
)  # fmt: skip
SHARED: tuple[Shared, ...] = (UNIT_GROUP, _CAFE_GROUP, _ONLINE_GROUP)

O2O_DURATION = _Choice((30, 45, 60, 75, 90), (0.2, 0.35, 0.3, 0.1, 0.05))
O2O_PREP = _Choice((5, 10, 15), (0.3, 0.5, 0.2))
REMOTE_DURATION = _Choice((15, 20, 30, 45), (0.25, 0.25, 0.35, 0.15))
REMOTE_PREP = _Choice((5,), (1.0,))
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
