"""The staff time log: non-contact hours per unit, month and activity."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

from rapport_cost.synth.cohort import _Cohort
from rapport_cost.synth.columns import _text
from rapport_cost.synth.expected import admission_rates
from rapport_cost.synth.model import SITES, STAFF_TIME, STAFF_TIME_SHAPE


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
