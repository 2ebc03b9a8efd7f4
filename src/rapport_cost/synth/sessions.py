"""Shared sessions: each woman's attendances on the scheduled days, then the sessions formed."""

from __future__ import annotations

import datetime

import numpy as np

from rapport_cost.arrays import Int64Array
from rapport_cost.synth.cohort import _Cohort
from rapport_cost.synth.contacts import _Part, _travel
from rapport_cost.synth.expected import first_slot
from rapport_cost.synth.model import COORDINATOR, PSW, VOLUNTEER, Shared


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
    shared: Shared, cohort: _Cohort, start: datetime.date, rng: np.random.Generator
) -> tuple[Int64Array, Int64Array]:
    """(woman, day) of every attendance of one shared type, before sessions are formed."""
    n_women = cohort.site.size
    if shared.delay is None or shared.engaged is None:
        women = np.flatnonzero(cohort.took_up)
        lo = cohort.admission[women]
        hi = np.minimum(cohort.discharge[women] - 1, cohort.end[women])  # not the discharge day
    else:
        women = np.flatnonzero(cohort.took_up & (rng.random(n_women) < shared.take_up))
        lo = cohort.discharge[women] + 1 + shared.delay.draw(women.size, rng)
        hi = np.minimum(lo + shared.engaged.draw(women.size, rng), cohort.end[women])
    first = np.asarray([first_slot(w, start) for w in shared.weekday], dtype=np.int64)
    owner, day = _slots(lo, hi, first[cohort.site[women]], shared.period)
    keep = rng.random(owner.size) < shared.p_attend
    return women[owner[keep]], day[keep]


def _sessions(
    shared: Shared,
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
        PSW
        + VOLUNTEER * (rng.random(n) < shared.p_volunteer)
        + COORDINATOR * (rng.random(n) < shared.p_coordinator)
    ).astype(np.int64)
    travel, miles = _travel(s_site, shared.in_person, rng)
    part = _Part(
        site=s_site, day=s_day, ctype=np.full(n, shared.ctype, dtype=np.int64),
        woman=np.full(n, -1, dtype=np.int64), facilitators=facilitators,
        duration=shared.duration.draw(n, rng), prep=shared.prep.draw(n, rng), travel=travel,
        miles=miles, attended=np.ones(n, dtype=bool), others=others,
        capacity=np.full(n, shared.capacity, dtype=np.int64),
    )  # fmt: skip
    return part, session
