"""A per-woman costs table: every woman's cost, unit and subgroups, checked.

The input of the bootstrap (and of any analysis of per-woman costs): either the engine's
costs of the women in the logs, or a table a user brings (``--costs FILE``: a trial's or a
hospital's per-person costs, with ``woman_id`` and ``total_cost``, optionally ``site`` and
subgroup columns). Every problem of the table is reported at once, each with its file,
row and column; ids are never quoted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rapport_cost.arrays import FloatArray, IntArray, StrArray
from rapport_cost.core.inputs.cells import nonnegative_numbers, text_cells
from rapport_cost.errors import InputError, Problem

#: Columns of a costs table that are not subgroups.
COST_COLUMNS = ("woman_id", "total_cost", "site")


@dataclass(frozen=True)
class WomenCosts:
    """The per-woman costs to bootstrap and what the rows are made of."""

    costs: FloatArray
    """Cost per woman, shape (n,)."""
    sites: StrArray | None
    """Site of each woman, or ``None`` when the data have no sites."""
    site_order: tuple[str, ...]
    """Sites with women, in the order of the table."""
    subgroups: pd.DataFrame
    """Subgroup columns (text), n rows."""
    source: str
    """The file the women are listed in (for messages)."""
    rows: IntArray
    """Each woman's row in ``source`` as a spreadsheet numbers it (0 when unknown)."""

    @property
    def groups(self) -> StrArray:
        """Site of each woman; one group ``all`` when the data have no sites."""
        if self.sites is not None:
            return self.sites
        return np.full(self.costs.size, "all")


def women_from_table(
    frame: pd.DataFrame, source: str, row: IntArray, by: Sequence[str], scheme: str
) -> WomenCosts:
    """Check a per-person cost table and list every problem at once (exit code 2).

    Parameters
    ----------
    frame
        The table as read (text or numbers).
    source
        The file, for messages.
    row
        Shape ``(len(frame),)``: each row's number as a spreadsheet shows it.
    by
        Subgroup columns asked for.
    scheme
        The bootstrap scheme (``stratified`` needs 2 women in every site).

    Raises
    ------
    InputError
        Missing ``woman_id`` or ``total_cost`` columns, blank, non-numeric, negative or
        infinite costs, blank or duplicate ids, blank sites, a site named ``all``, fewer
        than two women (in all, or in a site under the stratified scheme), and ``by``
        columns the file does not have; each with the file, row and column.
    """
    columns = list(frame.columns)
    subgroup_columns = [c for c in columns if c not in COST_COLUMNS]
    problems = _column_problems(columns, subgroup_columns, by, source)
    if problems:
        msg = f"{len(problems)} problem(s) in {source}"
        raise InputError(msg, problems)
    n = len(frame)
    values, cost_ok = nonnegative_numbers(
        frame["total_cost"], "total_cost", source, row, problems, "bad_cost"
    )
    problems += _id_problems(frame["woman_id"], source, row)
    sites: StrArray | None = None
    order: tuple[str, ...] = ()
    if "site" in columns:
        sites, order, found = _sites(frame["site"], source, row)
        problems += found
    if n < 2:
        problems.append(_too_few_women(n, source))
    elif sites is not None and scheme == "stratified":
        for s in order:
            where = np.flatnonzero(sites == s)
            if s != "all" and where.size < 2:  # 'all' is reported by _sites
                problems.append(_stratum_problem(s, int(where.size), source, int(row[where[0]])))
    if problems:
        problems.sort(key=lambda p: p.line or 0)  # by row; a row's columns as found
        msg = f"{len(problems)} problem(s) in {source}"
        raise InputError(msg, problems)
    assert bool(cost_ok.all())
    subgroups = pd.DataFrame(
        {c: text_cells(frame[c])[0].astype(str) for c in subgroup_columns}, index=range(n)
    )
    return WomenCosts(values.astype(np.float64), sites, order, subgroups, source, row)


def _column_problems(
    columns: list[str], subgroup_columns: list[str], by: Sequence[str], source: str
) -> list[Problem]:
    """Required columns that are missing, and ``by`` columns the table does not have."""
    found = ", ".join(columns) or "none"
    problems = [
        Problem(
            f"missing column {name!r} (columns found: {found})",
            source,
            1,
            name,
            code="missing_column",
        )
        for name in ("woman_id", "total_cost")
        if name not in columns
    ]
    choices = ", ".join(subgroup_columns) or "none"
    problems += [
        Problem(
            f"{col!r} is not a subgroup column of this file (subgroup columns: {choices})",
            source,
            1,
            "--by",
            code="unknown_by",
        )
        for col in by
        if col not in subgroup_columns
    ]
    return problems


def _id_problems(col: pd.Series[Any], source: str, row: IntArray) -> list[Problem]:
    """Blank and duplicate ids, each at its row (never quoting the id)."""
    ids, id_blank = text_cells(col)
    # Codes in order of first appearance, -1 for blanks; the first row of each id.
    codes, _ = pd.factorize(pd.Series(ids, dtype=object).mask(id_blank))
    seen, at = np.unique(codes, return_index=True)
    first_index = np.zeros(max(int(seen.max()) + 1, 1) if seen.size else 1, dtype=np.intp)
    first_index[seen[seen >= 0]] = at[seen >= 0]
    problems = [
        Problem("is missing (required)", source, int(row[i]), "woman_id")
        for i in np.flatnonzero(id_blank).tolist()
    ]
    duplicate = (codes >= 0) & (np.arange(codes.size) != first_index[np.maximum(codes, 0)])
    for i in np.flatnonzero(duplicate).tolist():
        first = int(row[first_index[codes[i]]])
        problems.append(
            Problem(
                f"duplicate woman_id (first at row {first})",
                source,
                int(row[i]),
                "woman_id",
                code="duplicate",
            )
        )
    return problems


def _sites(
    col: pd.Series[Any], source: str, row: IntArray
) -> tuple[StrArray, tuple[str, ...], list[Problem]]:
    """Each woman's site, the sites in order of appearance, and blank or reserved names."""
    text, blank = text_cells(col)
    problems = [
        Problem("is missing (required)", source, int(row[i]), "site")
        for i in np.flatnonzero(blank).tolist()
    ]
    problems += [
        Problem(
            "the site name 'all' is reserved for the row of all women",
            source,
            int(row[i]),
            "site",
            code="reserved",
        )
        for i in np.flatnonzero(text == "all").tolist()
    ]
    sites = text.astype(np.str_)
    order = tuple(
        dict.fromkeys(s for s, b in zip(sites.tolist(), blank.tolist(), strict=True) if not b)
    )
    return sites, order, problems


def _too_few_women(n: int, source: str | None) -> Problem:
    return Problem(
        f"the bootstrap needs at least 2 women, got {n}",
        source,
        None,
        "woman_id",
        code="too_few_women",
    )


def _stratum_problem(site: str, n: int, source: str, row: int) -> Problem:
    return Problem(
        f"site {site!r} has {n} woman; the stratified bootstrap resamples women within each "
        "site and needs at least 2 per site (or use --scheme ordinary)",
        source or None,
        row or None,
        "site",
        code="small_stratum",
    )


def check_women(women: WomenCosts, by: Sequence[str], choices: list[str], scheme: str) -> None:
    """The checks of :func:`women_from_table` that apply to costs from the logs."""
    problems: list[Problem] = []
    source = women.source or None
    for col in by:
        if col not in choices:
            listed = ", ".join(choices) or "none"
            problems.append(
                Problem(
                    f"{col!r} is not a subgroup column of the women log (subgroup columns: "
                    f"{listed})",
                    source,
                    1,
                    "--by",
                    code="unknown_by",
                )
            )
    n = women.costs.size
    if n < 2:
        problems.append(_too_few_women(n, source))
    elif scheme == "stratified" and women.sites is not None:
        for s in women.site_order:
            where = np.flatnonzero(women.sites == s)
            if where.size < 2:
                problems.append(
                    _stratum_problem(s, int(where.size), women.source, int(women.rows[where[0]]))
                )
    if problems:
        msg = f"{len(problems)} problem(s) in the women to bootstrap"
        raise InputError(msg, problems)
