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
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from rapport_cost.arrays import BoolArray, FloatArray, Int64Array
from rapport_cost.synth.expected import (
    admission_rates,
    first_slot,
    site_weights,
    unattended_days,
    women_for_contacts,
)
from rapport_cost.synth.model import (
    AGE_GROUPS,
    AGE_P,
    CONTACT_TYPES,
    COORDINATOR,
    DNA_MINUTES,
    ETHNICITY,
    ETHNICITY_P,
    FACILITATORS,
    MAX_FOLLOW_UP_DAYS,
    MILES_MEAN,
    MILES_SHAPE,
    MINUTES_PER_MILE,
    O2O,
    O2O_DURATION,
    O2O_PREP,
    ONE_TO_ONE_PER_WEEK,
    P_COORDINATOR_ONE_TO_ONE,
    P_DECLINE,
    P_DNA,
    P_FIRST_BIRTH,
    P_ONE_TO_ONE,
    P_PARTIAL,
    P_REMOTE,
    PSW,
    REMOTE,
    REMOTE_DELAY,
    REMOTE_DURATION,
    REMOTE_EXTRA_MEAN,
    REMOTE_PREP,
    SHARED,
    SITES,
    STAFF_TIME,
    STAFF_TIME_SHAPE,
    STAY,
    UNIT_GROUP,
    VOLUNTEER,
    Shared,
)

# ----------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class SynthLogs:
    """Synthetic activity logs in the canonical columns of the logs (docs/config.md).

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
        shared = c["contact_type"].isin({CONTACT_TYPES[s.ctype] for s in SHARED})
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


# ----------------------------------------------------------------------------- generation


@dataclass(frozen=True)
class _Cohort:
    site: Int64Array
    admission: Int64Array  # day offset from the study start
    discharge: Int64Array
    took_up: BoolArray
    end: Int64Array  # last day of follow-up: the cap, her withdrawal or death, the cut-off
    withdrawal: Int64Array  # day of withdrawal, -1 if none
    death: Int64Array  # day of death, -1 if none


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
    ends: FollowUpEnds = FollowUpEnds(),
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


def _with_ends(
    logs: SynthLogs, cohort: _Cohort, start: datetime.date, ends: FollowUpEnds
) -> SynthLogs:
    """The women log with ``withdrawal_date`` and ``death_date`` when they are simulated."""
    women = logs.women
    for col, rate, day in (
        ("withdrawal_date", ends.withdrawal_rate, cohort.withdrawal),
        ("death_date", ends.death_rate, cohort.death),
    ):
        if rate > 0:
            dates = np.datetime64(start, "D") + np.maximum(day, 0)
            women[col] = np.where(day >= 0, np.datetime_as_string(dates, unit="D"), "")
    return logs


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

    last_day = int(max(day.max(initial=0), cohort.discharge.max(), cohort.end.max()))
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
            "facilitators": _text(cat("facilitators")[order], FACILITATORS),
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
