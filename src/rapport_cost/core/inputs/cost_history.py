"""Validation of a cost history in R ccostr's layout, for ``follow-up --costs FILE``.

One or more rows per person, with the columns

* ``id``: the person (any text; never quoted in a message: the rows say which);
* ``start``, ``stop``: the span the cost was incurred over, ``0 ≤ start ≤ stop ≤ surv``
  (``start == stop`` for a one-off cost);
* ``cost``: the cost of the span, ≥ 0;
* ``delta``: 1 if the person's history is complete (the terminal event was observed), 0 if
  censored; the same on every row of a person;
* ``surv``: the person's follow-up time, ≥ 0; the same on every row of a person.

A person with no cost has one row of zero cost. Times are in the file's own unit (days,
months or years: the horizon and the interval are given in the same unit). Every problem is
collected, with the file, the row as a spreadsheet numbers it (the header is row 1) and the
column, and raised at once as a :class:`~rapport_cost.errors.LogError` (exit code 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rapport_cost.arrays import BoolArray, FloatArray, IntArray, ObjArray, Vector
from rapport_cost.core.inputs.cells import nonnegative_numbers, text_cells
from rapport_cost.errors import LogError, Problem

#: The columns of a cost history, in ccostr's order.
COLUMNS = ("id", "start", "stop", "cost", "delta", "surv")


@dataclass(frozen=True)
class CostHistory:
    """A validated cost history as arrays.

    Parameters
    ----------
    source
        The file as messages name it.
    person
        Each row's person, 0..n−1 in order of first appearance, shape (n_rows,).
    start, stop, cost
        Each row's span and cost, shape (n_rows,).
    delta
        Per person: the history is complete (ccostr's ``delta = 1``), shape (n,).
    surv
        Per person: the follow-up time, shape (n,).
    rows
        Each row's spreadsheet row (header = row 1), shape (n_rows,).
    ids
        Per person: the id as written (for output keys only; never for messages), (n,).
    """

    source: str
    person: IntArray
    start: Vector
    stop: Vector
    cost: Vector
    delta: BoolArray
    surv: Vector
    rows: IntArray
    ids: ObjArray

    @property
    def n_people(self) -> int:
        """The number of people."""
        return int(self.surv.size)


def _delta(
    col: pd.Series[Any], source: str, rows: IntArray, problems: list[Problem]
) -> tuple[FloatArray, BoolArray]:
    """``delta`` as 0/1; anything else (blank, text, 2, 0.5) added to ``problems``."""
    text, blank = text_cells(col)
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        values = col.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        parsed = pd.to_numeric(pd.Series(text, dtype=object).mask(blank), errors="coerce")
        values = np.asarray(parsed, dtype=np.float64)
    ok = ~blank & ((values == 0) | (values == 1))
    for i in np.flatnonzero(~ok).tolist():
        if blank[i]:
            problems.append(
                Problem("is missing (required)", source, int(rows[i]), "delta", "missing")
            )
        else:
            message = f"must be 0 (censored) or 1 (complete), got {str(text[i])!r}"
            problems.append(Problem(message, source, int(rows[i]), "delta", "bad_delta"))
    return values, ok


def _constant_within_person(
    values: FloatArray,
    ok: BoolArray,
    person: IntArray,
    name: str,
    text: ObjArray,
    source: str,
    rows: IntArray,
    problems: list[Problem],
) -> None:
    """A row whose value differs from its person's first good row (never naming the id)."""
    valid = ok & (person >= 0)
    if not valid.any():
        return
    idx = np.flatnonzero(valid)
    ref_people, first = np.unique(person[idx], return_index=True)
    ref = np.full(int(person.max()) + 1, -1, dtype=np.intp)
    ref[ref_people] = idx[first]
    at = ref[person[idx]]
    for i, r in zip(idx.tolist(), at.tolist(), strict=True):
        if values[i] != values[r]:
            message = (
                f"differs within a person: {str(text[i])!r} here, {str(text[r])!r} at row "
                f"{int(rows[r])} (it must be the same on every row of a person)"
            )
            problems.append(Problem(message, source, int(rows[i]), name, f"{name}_varies"))


def _missing_columns(frame: pd.DataFrame, source: str) -> list[Problem]:
    found = ", ".join(str(c) for c in frame.columns) or "none"
    return [
        Problem(
            f"missing column {name!r} (columns found: {found})", source, 1, name, "missing_column"
        )
        for name in COLUMNS
        if name not in frame.columns
    ]


def validate_cost_history(
    frame: pd.DataFrame, source: str, rows: npt.ArrayLike | None = None
) -> CostHistory:
    """Check a cost history and return it as arrays (module docstring).

    Parameters
    ----------
    frame
        The table as read: text cells (CSV, XLSX) or typed columns (Parquet); headers
        stripped. Columns other than :data:`COLUMNS` are ignored.
    source
        The file as messages name it.
    rows : array_like of int, shape (n_rows,), optional
        The spreadsheet row of each frame row; by default position + 2.

    Returns
    -------
    CostHistory

    Raises
    ------
    LogError
        Listing every problem: a missing column; no rows; a blank id; a blank, non-numeric,
        infinite or negative ``start``, ``stop``, ``cost`` or ``surv``; ``start > stop``;
        ``stop > surv``; ``delta`` not 0 or 1; ``delta`` or ``surv`` not the same on every
        row of a person.
    """
    n_rows = len(frame)
    row: IntArray = (
        np.arange(2, n_rows + 2, dtype=np.intp) if rows is None else np.asarray(rows, dtype=np.intp)
    )
    problems = _missing_columns(frame, source)
    if not problems and n_rows == 0:
        problems.append(Problem("the file has no data rows", source, 2, None, "empty"))
    if problems:
        msg = f"{len(problems)} problem(s) in {source}"
        raise LogError(msg, problems)
    ids, id_blank = text_cells(frame["id"])
    for i in np.flatnonzero(id_blank).tolist():
        problems.append(Problem("is missing (required)", source, int(row[i]), "id", "missing"))
    codes, _ = pd.factorize(pd.Series(ids, dtype=object).mask(id_blank))
    person = np.asarray(codes, dtype=np.intp)  # −1 for a blank id
    start, start_ok = nonnegative_numbers(frame["start"], "start", source, row, problems)
    stop, stop_ok = nonnegative_numbers(frame["stop"], "stop", source, row, problems)
    cost, _ = nonnegative_numbers(frame["cost"], "cost", source, row, problems, "bad_cost")
    surv, surv_ok = nonnegative_numbers(frame["surv"], "surv", source, row, problems)
    delta, delta_ok = _delta(frame["delta"], source, row, problems)
    text = {name: text_cells(frame[name])[0] for name in ("start", "stop", "delta", "surv")}
    for i in np.flatnonzero(start_ok & stop_ok & (start > stop)).tolist():
        message = f"must be >= start ({text['start'][i]}), got {str(text['stop'][i])!r}"
        problems.append(Problem(message, source, int(row[i]), "stop", "stop_before_start"))
    for i in np.flatnonzero(stop_ok & surv_ok & (stop > surv)).tolist():
        message = (
            f"must be <= surv, the person's follow-up ({text['surv'][i]}), "
            f"got {str(text['stop'][i])!r}"
        )
        problems.append(Problem(message, source, int(row[i]), "stop", "after_follow_up"))
    _constant_within_person(delta, delta_ok, person, "delta", text["delta"], source, row, problems)
    _constant_within_person(surv, surv_ok, person, "surv", text["surv"], source, row, problems)
    if problems:
        order = {name: k for k, name in enumerate(COLUMNS)}
        problems.sort(key=lambda p: (p.line or 0, order.get(p.field or "", 0)))
        msg = f"{len(problems)} problem(s) in {source}"
        raise LogError(msg, problems)
    first = np.unique(person, return_index=True)[1]
    return CostHistory(
        source=source,
        person=person,
        start=start,
        stop=stop,
        cost=cost,
        delta=delta[first] == 1,
        surv=surv[first],
        rows=row,
        ids=ids[first],
    )
