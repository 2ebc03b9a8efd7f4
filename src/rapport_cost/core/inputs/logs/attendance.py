"""The attendance log: each study woman at a shared session, and her minutes there."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from rapport_cost.arrays import BoolArray, FloatArray, IntArray
from rapport_cost.config import CostingConfig
from rapport_cost.core.inputs.logs.ahead import _Ahead
from rapport_cost.core.inputs.logs.columns import _number_column, _show
from rapport_cost.core.inputs.logs.factor import _Factor, _positions, _repeated, _take
from rapport_cost.core.inputs.logs.fits import _woman_fits
from rapport_cost.core.inputs.logs.problems import _apply_policy, _Problems
from rapport_cost.core.inputs.logs.tables import LogTable


def _attendance(
    table: LogTable | None,
    cfg: CostingConfig,
    problems: _Problems,
    contacts_and_ids: tuple[pd.DataFrame, _Factor],
    women_and_ids: tuple[pd.DataFrame, _Factor, IntArray],
    counts: Counter[str],
    ahead: _Ahead,
) -> pd.DataFrame:
    """Check the attendance log; return one row per study woman at a shared session.

    ``contacts_and_ids`` is the checked contacts table and the factor of its ids;
    ``women_and_ids`` the women table, the factor of its ids and its spreadsheet rows.
    Returns ``contact`` and ``woman`` (rows of the contacts and women tables) and
    ``minutes`` (the session's duration when blank), for the rows kept: rows that a policy
    drops are counted in ``counts``.
    """
    contacts, contact_ids = contacts_and_ids
    women, woman_ids, women_rows = women_and_ids
    if table is None:
        return pd.DataFrame(
            {"contact": np.zeros(0, np.intp), "woman": np.zeros(0, np.intp), "minutes": np.zeros(0)}
        )
    cf = ahead.factor(table, "contact_id")
    wf = ahead.factor(table, "woman_id")
    c_blank, w_blank = cf.blank(), wf.blank()
    problems.add(table, c_blank, "contact_id", "is missing (required)", "missing_value")
    problems.add(table, w_blank, "woman_id", "is missing (required)", "missing_value")
    # look up only the shared sessions' ids: a quarter of the contacts
    shared_rows = np.flatnonzero(contacts["shared"].to_numpy())
    c_pos = _positions(contact_ids, cf, shared_rows)[cf.codes]
    w_pos = _positions(woman_ids, wf)[wf.codes]
    keep = ~c_blank & ~w_blank
    unmatched = keep & (c_pos < 0)
    if unmatched.any():
        _not_shared(table, cfg, problems, counts, (contacts, contact_ids), cf, unmatched)
        keep &= ~unmatched
    keep = _known_once(table, cfg, problems, counts, keep, c_pos, w_pos, len(women))
    # keep implies c_pos >= 0 and w_pos >= 0; the other rows read fill values
    _woman_fits(
        table,
        problems,
        counts,
        cfg,
        (women, women_rows),
        np.where(keep, w_pos, -1),
        _take(contacts["site"].cat.codes.to_numpy(), c_pos, -1),
        _take(contacts["date"].to_numpy(), c_pos, np.datetime64("NaT")),
        tuple(contacts["site"].cat.categories),
        columns=("woman_id", "contact_id"),
        sessions=(contacts["row"].to_numpy(), c_pos),
    )
    minutes = _minutes(table, problems, contacts, c_pos, keep)
    return pd.DataFrame(
        {"contact": c_pos[keep], "woman": w_pos[keep], "minutes": minutes[keep]}, copy=False
    )


def _not_shared(
    table: LogTable,
    cfg: CostingConfig,
    problems: _Problems,
    counts: Counter[str],
    contacts_and_ids: tuple[pd.DataFrame, _Factor],
    cf: _Factor,
    unmatched: BoolArray,
) -> None:
    """Report the rows whose ``contact_id`` (factor ``cf``) is not a shared session.

    ``unmatched`` (shape ``(n,)``) flags them: each is a one-to-one of the contacts log (an
    error) or not in it at all (policy ``attendance_unknown_contact``).
    """
    contacts, contact_ids = contacts_and_ids
    found = _positions(contact_ids, _Factor.of_values(cf.at(unmatched))) >= 0
    one = np.zeros(len(unmatched), bool)
    one[np.flatnonzero(unmatched)[found]] = True
    rows = contacts["row"].to_numpy()
    first = _positions(contact_ids, _Factor.of_values(cf.at(one)))
    problems.add(
        table,
        one,
        "contact_id",
        [
            f"contact {_show(c)} is a one-to-one (contacts log row {rows[p]}); "
            "attendance lists attendees of shared sessions only"
            for c, p in zip(cf.at(one), first, strict=True)
        ],
        "attendance_one_to_one",
    )
    unknown = unmatched & ~one
    _apply_policy(
        table,
        problems,
        counts,
        cfg,
        "attendance_unknown_contact",
        unknown,
        "contact_id",
        [f"contact {_show(c)} is not in the contacts log" for c in cf.at(unknown)],
    )


def _known_once(
    table: LogTable,
    cfg: CostingConfig,
    problems: _Problems,
    counts: Counter[str],
    keep: BoolArray,
    c_pos: IntArray,
    w_pos: IntArray,
    n_women: int,
) -> BoolArray:
    """``keep`` (shape ``(n,)``) less the rows of unknown women and the repeats of a pair.

    ``c_pos`` and ``w_pos`` are each row's session and woman (rows of the contacts and
    women tables, -1 when not found); the policies ``attendance_unknown_woman`` and
    ``duplicate_attendance`` decide whether such rows are errors or dropped.
    """
    unknown_w = keep & (w_pos < 0)
    _apply_policy(
        table,
        problems,
        counts,
        cfg,
        "attendance_unknown_woman",
        unknown_w,
        "woman_id",
        "is not in the women log",
    )
    keep = keep & ~unknown_w
    # the same woman twice at one session
    pair = c_pos.astype(np.int64) * (n_women + 1) + w_pos
    dup = _repeated(pair) & keep
    _apply_policy(
        table,
        problems,
        counts,
        cfg,
        "duplicate_attendance",
        dup,
        "woman_id",
        "the same woman is listed twice for this session",
    )
    return keep & ~dup


def _minutes(
    table: LogTable, problems: _Problems, contacts: pd.DataFrame, c_pos: IntArray, keep: BoolArray
) -> FloatArray:
    """Each row's minutes at its session, shape ``(n,)``: the session's duration when blank.

    ``c_pos`` is each row's session (row of ``contacts``, -1 when none); a kept row
    (``keep``) may not exceed its session's duration.
    """
    minutes = _number_column(table, problems, "minutes", required=False, default=np.nan)
    duration = _take(contacts["duration_min"].to_numpy(), c_pos, np.nan)
    over = keep & ~np.isnan(minutes) & (minutes > duration)
    problems.add(
        table,
        over,
        "minutes",
        [
            f"{m:g} minutes is longer than the session ({d:g} minutes)"
            for m, d in zip(minutes[over], duration[over], strict=True)
        ],
        "minutes_over_duration",
    )
    return np.where(np.isnan(minutes), duration, minutes)
