"""Checks of a row against the stay of the woman it names: her unit, admission and end."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
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
    named = _Named(women, women_rows, woman, sessions)
    mismatch, messages = _site_mismatches(named, site, sites)
    _apply_policy(
        table, problems, counts, cfg, "woman_site_mismatch", mismatch, columns[0], messages
    )
    early, messages = _before_admission(named, date)
    _apply_policy(
        table, problems, counts, cfg, "contact_before_admission", early, columns[1], messages
    )
    for end in END_COLUMNS:
        if end not in women.columns:
            continue
        after, messages = _after_end(named, date, end)
        problems.add(table, after, columns[1], messages, f"after_{end.removesuffix('_date')}")


@dataclass(frozen=True)
class _Named:
    """Rows of a log that each name a woman (or none), for the checks against her stay.

    ``woman`` is each row's woman as a row of ``women`` (-1: none), shape ``(n,)``;
    ``women_rows`` the women log's spreadsheet rows; ``sessions`` as in :func:`_woman_fits`.
    """

    women: pd.DataFrame
    women_rows: IntArray
    woman: IntArray
    sessions: tuple[IntArray, IntArray] | None

    @property
    def has(self) -> BoolArray:
        """Rows that name a woman, shape ``(n,)``."""
        return self.woman >= 0

    def of_woman(self, col: str, fill: object) -> npt.NDArray[Any]:
        """Column ``col`` of the women table at each row's woman (``fill`` where none)."""
        return _take(self.women[col].to_numpy(), self.woman, fill)

    def contact(self, rows: BoolArray, otherwise: str) -> list[str]:
        """How a message names the contact of each flagged row."""
        if self.sessions is None:
            return [otherwise] * int(rows.sum())
        session_rows, position = self.sessions
        return [f"the session (contacts log row {r}) " for r in session_rows[position[rows]]]


def _site_mismatches(
    named: _Named, site: IntArray, sites: tuple[str, ...]
) -> tuple[BoolArray, list[str]]:
    """Rows whose unit (a code into ``sites``, shape ``(n,)``) is not their woman's."""
    w_site = _take(named.women["site"].cat.codes.to_numpy(), named.woman, -1)
    names = np.array(sites, dtype=object)
    mismatch = named.has & (w_site != site) & (site >= 0) & (w_site >= 0)
    messages = [
        f"the woman (women log row {r}) is at {names[ws]} but {c}is at {names[cs]}"
        for r, ws, c, cs in zip(
            named.women_rows[named.woman[mismatch]],  # rows named only where flagged
            w_site[mismatch],
            named.contact(mismatch, "the contact "),
            site[mismatch],
            strict=True,
        )
    ]
    return mismatch, messages


def _before_admission(named: _Named, date: DateArray) -> tuple[BoolArray, list[str]]:
    """Rows dated (``date``, shape ``(n,)``) before their woman's admission."""
    adm = named.of_woman("admission_date", np.datetime64("NaT"))
    early = named.has & ~np.isnat(date) & ~np.isnat(adm) & (date < adm)
    messages = [
        f"{c}is before the woman's admission ({str(a)[:10]}, women log row {r})"
        for c, a, r in zip(
            named.contact(early, ""), adm[early], named.women_rows[named.woman[early]], strict=True
        )
    ]
    return early, messages


def _after_end(named: _Named, date: DateArray, end: str) -> tuple[BoolArray, list[str]]:
    """Rows dated (``date``, shape ``(n,)``) after their woman's ``end`` (an END_COLUMNS date)."""
    last = named.of_woman(end, np.datetime64("NaT"))
    after = named.has & ~np.isnat(date) & ~np.isnat(last) & (date > last)
    what = end.removesuffix("_date")
    messages = [
        f"{c}is after the woman's {what} ({str(e)[:10]}, women log row {r}): no cost "
        "can follow the end of her follow-up"
        for c, e, r in zip(
            named.contact(after, ""), last[after], named.women_rows[named.woman[after]], strict=True
        )
    ]
    return after, messages
