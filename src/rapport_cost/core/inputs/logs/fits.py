"""Checks of a row against the stay of the woman it names: her unit, admission and end."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from rapport_cost.arrays import BoolArray, DateArray, IntArray
from rapport_cost.config import CostingConfig
from rapport_cost.core.inputs.logs.factor import _take
from rapport_cost.core.inputs.logs.problems import _apply_policy, _Problems
from rapport_cost.core.inputs.logs.tables import END_COLUMNS, LogTable


def _woman_fits(
    table: LogTable,
    problems: _Problems,
    counts: Counter[str],
    cfg: CostingConfig,
    women_and_rows: tuple[pd.DataFrame, IntArray],
    woman: IntArray,
    site: IntArray,
    date: DateArray,
    sites: tuple[str, ...],
    *,
    columns: tuple[str, str],
    sessions: tuple[IntArray, IntArray] | None = None,
) -> None:
    """The woman a row names is at the row's unit and admitted by its date.

    ``woman`` is her row in the women table (-1: none, not checked), ``site`` and ``date``
    the unit (a code into ``sites``) and date of the contact. For attendance rows,
    ``sessions`` is the contacts log's spreadsheet rows and the contacts-log position of
    each row's session. Problems go in ``columns`` (unit, date) under the policies
    ``woman_site_mismatch`` and ``contact_before_admission``.
    """
    women, women_rows = women_and_rows
    has = woman >= 0
    w_site = _take(women["site"].cat.codes.to_numpy(), woman, -1)
    names = np.array(sites, dtype=object)

    def session(rows: BoolArray, otherwise: str) -> list[str]:
        """How a message names the contact of each flagged row."""
        if sessions is None:
            return [otherwise] * int(rows.sum())
        session_rows, position = sessions
        return [f"the session (contacts log row {r}) " for r in session_rows[position[rows]]]

    mismatch = has & (w_site != site) & (site >= 0) & (w_site >= 0)
    _apply_policy(
        table,
        problems,
        counts,
        cfg,
        "woman_site_mismatch",
        mismatch,
        columns[0],
        [
            f"the woman (women log row {r}) is at {names[ws]} but {c}is at {names[cs]}"
            for r, ws, c, cs in zip(
                women_rows[woman[mismatch]],  # rows named only where flagged
                w_site[mismatch],
                session(mismatch, "the contact "),
                site[mismatch],
                strict=True,
            )
        ],
    )
    adm = _take(women["admission_date"].to_numpy(), woman, np.datetime64("NaT"))
    early = has & ~np.isnat(date) & ~np.isnat(adm) & (date < adm)
    _apply_policy(
        table,
        problems,
        counts,
        cfg,
        "contact_before_admission",
        early,
        columns[1],
        [
            f"{c}is before the woman's admission ({str(a)[:10]}, women log row {r})"
            for c, a, r in zip(
                session(early, ""), adm[early], women_rows[woman[early]], strict=True
            )
        ],
    )
    for end in END_COLUMNS:
        if end not in women.columns:
            continue
        last = _take(women[end].to_numpy(), woman, np.datetime64("NaT"))
        after = has & ~np.isnat(date) & ~np.isnat(last) & (date > last)
        what = end.removesuffix("_date")
        problems.add(
            table,
            after,
            columns[1],
            [
                f"{c}is after the woman's {what} ({str(e)[:10]}, women log row {r}): no cost "
                "can follow the end of her follow-up"
                for c, e, r in zip(
                    session(after, ""), last[after], women_rows[woman[after]], strict=True
                )
            ],
            f"after_{what}",
        )
