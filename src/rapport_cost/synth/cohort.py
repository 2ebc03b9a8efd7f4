"""The simulated cohort: each woman's unit, admission, stay, take-up and end of follow-up."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rapport_cost.arrays import BoolArray, Int64Array
from rapport_cost.synth.expected import site_weights
from rapport_cost.synth.model import MAX_FOLLOW_UP_DAYS, P_DECLINE, SITES, STAY


@dataclass(frozen=True)
class _Cohort:
    site: Int64Array
    admission: Int64Array  # day offset from the study start
    discharge: Int64Array
    took_up: BoolArray
    end: Int64Array  # last day of follow-up: the cap, her withdrawal or death, the cut-off
    withdrawal: Int64Array  # day of withdrawal, -1 if none
    death: Int64Array  # day of death, -1 if none


@dataclass(frozen=True)
class FollowUpEnds:
    """How the women's follow-up ends, for censored follow-up (M-66).

    Parameters
    ----------
    withdrawal_rate, death_rate
        Hazards per woman-year from admission (exponential times); 0 for none.
    cutoff_days
        The data cut-off, in days after the study start: nothing later is logged.
    """

    withdrawal_rate: float = 0.0
    death_rate: float = 0.0
    cutoff_days: int | None = None


def _draw_cohort(n_women: int, days: int, rng: np.random.Generator, ends: FollowUpEnds) -> _Cohort:
    site = rng.choice(len(SITES), size=n_women, p=site_weights()).astype(np.int64)
    admission = rng.integers(0, days, size=n_women, dtype=np.int64)
    order = np.lexsort((site, admission))  # ids follow admission order
    site, admission = site[order], admission[order]
    stay = STAY.draw(n_women, rng)
    took_up = rng.random(n_women) >= P_DECLINE
    discharge = admission + stay
    end = admission + MAX_FOLLOW_UP_DAYS
    withdrawal = np.full(n_women, -1, dtype=np.int64)
    death = np.full(n_women, -1, dtype=np.int64)
    # drawn only when asked for, so that the default cohort is the same for a seed
    for rate, day in ((ends.withdrawal_rate, withdrawal), (ends.death_rate, death)):
        if rate > 0:
            at = admission + np.floor(rng.exponential(365.25 / rate, n_women)).astype(np.int64)
            day[:] = np.where(at < end, at, -1)
    both = (withdrawal >= 0) & (death >= 0)
    first_withdrawal = both & (withdrawal <= death)
    death[first_withdrawal] = -1  # follow-up ends at the first of the two
    withdrawal[both & ~first_withdrawal] = -1
    for day in (withdrawal, death):
        end = np.where(day >= 0, np.minimum(end, day), end)
    if ends.cutoff_days is not None:
        end = np.minimum(end, ends.cutoff_days)
        withdrawal[withdrawal > ends.cutoff_days] = -1
        death[death > ends.cutoff_days] = -1
    discharge = np.where(death >= 0, np.minimum(discharge, death), discharge)
    return _Cohort(site, admission, discharge, took_up, end, withdrawal, death)
