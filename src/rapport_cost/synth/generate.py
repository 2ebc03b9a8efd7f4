"""Realistic synthetic activity logs of APP peer support in three MBUs (logs: docs/config.md).

:func:`generate_logs` simulates a cohort of women admitted to three Mother and Baby Units
over a study period and the peer support they receive, and returns the four activity logs
(``contacts``, ``attendance``, ``women``, ``staff_time``) as DataFrames in the canonical
columns of the logs (docs/config.md), dates as ISO text. It is pure: no file access, and all
randomness comes from the ``rng`` argument, so the same generator state gives the same logs.

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

import numpy as np

from rapport_cost.arrays import Int64Array
from rapport_cost.synth.cohort import FollowUpEnds, _draw_cohort
from rapport_cost.synth.contacts import _one_to_ones, _remote
from rapport_cost.synth.expected import unattended_days, women_for_contacts
from rapport_cost.synth.model import SHARED, UNIT_GROUP
from rapport_cost.synth.sessions import _attendances, _sessions
from rapport_cost.synth.tables import SynthLogs, _assemble, _with_ends

__all__ = ["FollowUpEnds", "SynthLogs", "generate_logs"]

#: The default ends of follow-up: none (no withdrawals, deaths or cut-off).
_NO_ENDS = FollowUpEnds()


def generate_logs(
    *,
    n_women: int | None = None,
    n_contacts: int | None = None,
    rng: np.random.Generator,
    start: datetime.date = datetime.date(2025, 4, 1),
    days: int = 365,
    ends: FollowUpEnds = _NO_ENDS,
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
    ends
        Withdrawals, deaths and a data cut-off (default none): no activity is logged
        after a woman's end of follow-up, and the women log gets ``withdrawal_date`` and
        ``death_date`` columns when their rates are above 0.

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

    if ends.cutoff_days is not None and ends.cutoff_days < days:
        msg = f"the cut-off ({ends.cutoff_days} days) must not be before the study's end ({days})"
        raise ValueError(msg)
    cohort = _draw_cohort(size, days, rng, ends)
    parts = [_one_to_ones(cohort, rng).within(cohort.end), _remote(cohort, rng).within(cohort.end)]
    att_woman: list[Int64Array] = []
    att_row: list[Int64Array] = []
    offset = sum(len(p) for p in parts)
    for shared in SHARED:
        woman, day = _attendances(shared, cohort, start, rng)
        unattended = unattended_days(start, days) if shared is UNIT_GROUP else None
        part, session = _sessions(shared, cohort.site[woman], day, unattended, rng)
        att_woman.append(woman)
        att_row.append(offset + session)
        parts.append(part)
        offset += len(part)

    logs = _assemble(cohort, parts, att_woman, att_row, start, days, rng)
    return _with_ends(logs, cohort, start, ends)
