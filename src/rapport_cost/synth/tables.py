"""The four synthetic logs (:class:`SynthLogs`) assembled from the cohort and its contacts."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rapport_cost.arrays import Int64Array
from rapport_cost.synth.cohort import FollowUpEnds, _Cohort
from rapport_cost.synth.columns import _ids, _take, _text
from rapport_cost.synth.contacts import _Part
from rapport_cost.synth.model import (
    AGE_GROUPS,
    AGE_P,
    CONTACT_TYPES,
    ETHNICITY,
    ETHNICITY_P,
    FACILITATORS,
    P_FIRST_BIRTH,
    P_PARTIAL,
    SHARED,
    SITES,
)
from rapport_cost.synth.staff_time import _staff_time


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
