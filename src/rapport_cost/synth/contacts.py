"""One-to-one contacts on the unit and remote ones after discharge, as batches of contacts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rapport_cost.arrays import BoolArray, FloatArray, Int64Array
from rapport_cost.synth.cohort import _Cohort
from rapport_cost.synth.model import (
    COORDINATOR,
    DNA_MINUTES,
    MAX_FOLLOW_UP_DAYS,
    MILES_MEAN,
    MILES_SHAPE,
    MINUTES_PER_MILE,
    O2O,
    O2O_DURATION,
    O2O_PREP,
    ONE_TO_ONE_PER_WEEK,
    P_COORDINATOR_ONE_TO_ONE,
    P_DNA,
    P_ONE_TO_ONE,
    P_REMOTE,
    PSW,
    REMOTE,
    REMOTE_DELAY,
    REMOTE_DURATION,
    REMOTE_EXTRA_MEAN,
    REMOTE_PREP,
)


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

    def within(self, end: Int64Array) -> _Part:
        """The contacts on or before their woman's last day of follow-up (``end``)."""
        keep = self.day <= end[self.woman]
        if keep.all():
            return self
        return _Part(**{k: v[keep] for k, v in vars(self).items()})


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


def _one_to_ones(cohort: _Cohort, rng: np.random.Generator) -> _Part:
    stay = cohort.discharge - cohort.admission
    has = cohort.took_up & (rng.random(stay.size) < P_ONE_TO_ONE)
    count = np.where(has, 1 + rng.poisson(ONE_TO_ONE_PER_WEEK * stay / 7.0), 0)
    woman = np.repeat(np.arange(stay.size, dtype=np.int64), count)
    n = woman.size
    # uniform over the stay, admission and discharge days included
    day = cohort.admission[woman] + np.floor(rng.random(n) * (stay[woman] + 1)).astype(np.int64)
    attended = rng.random(n) >= P_DNA
    duration = np.where(attended, O2O_DURATION.draw(n, rng), DNA_MINUTES)
    coordinator = rng.random(n) < P_COORDINATOR_ONE_TO_ONE
    site = cohort.site[woman]
    travel, miles = _travel(site, True, rng)
    return _Part(
        site=site, day=day, ctype=np.full(n, O2O, dtype=np.int64), woman=woman,
        facilitators=np.where(coordinator, COORDINATOR, PSW).astype(np.int64),
        duration=duration, prep=O2O_PREP.draw(n, rng), travel=travel, miles=miles,
        attended=attended, others=np.zeros(n, dtype=np.int64),
        capacity=np.full(n, -1, dtype=np.int64),
    )  # fmt: skip


def _remote(cohort: _Cohort, rng: np.random.Generator) -> _Part:
    n_women = cohort.site.size
    has = cohort.took_up & (rng.random(n_women) < P_REMOTE)
    count = np.where(has, 1 + rng.poisson(REMOTE_EXTRA_MEAN, n_women), 0)
    woman = np.repeat(np.arange(n_women, dtype=np.int64), count)
    n = woman.size
    day = cohort.discharge[woman] + 1 + REMOTE_DELAY.draw(n, rng)
    day = np.minimum(day, cohort.admission[woman] + MAX_FOLLOW_UP_DAYS)
    attended = rng.random(n) >= P_DNA
    duration = np.where(attended, REMOTE_DURATION.draw(n, rng), DNA_MINUTES)
    zeros = np.zeros(n, dtype=np.int64)
    return _Part(
        site=cohort.site[woman], day=day, ctype=np.full(n, REMOTE, dtype=np.int64),
        woman=woman, facilitators=np.full(n, PSW, dtype=np.int64), duration=duration,
        prep=REMOTE_PREP.draw(n, rng), travel=zeros, miles=np.zeros(n), attended=attended,
        others=zeros.copy(), capacity=np.full(n, -1, dtype=np.int64),
    )  # fmt: skip
