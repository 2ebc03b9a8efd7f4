"""Statistical disclosure control (SDC) of published tables (METHODS §7, S-1 to S-4).

Policies (S-3):

``"nhsd2018"`` (default)
    NHS Digital's 2018 method (S-1, S-2): a count of 0 stays 0, counts 1-7 are
    replaced by ``*``, every other count is rounded to the nearest 5. Totals are
    computed from the unrounded values and then controlled like any other count.
``"suppress_lt5"``
    Counts 1-4 are replaced by ``*``, nothing is rounded, and complementary
    (secondary) suppression (S-4) makes sure no ``*`` can be worked back from the
    published totals.
``"none"``
    Nothing is controlled; the result carries :data:`WATERMARK`.

Representation of suppressed cells
----------------------------------
The numeric primitives (:func:`suppress_secondary`, :func:`recoverable_cells`, ...)
work on integer arrays and boolean masks (``True`` = suppressed). The table-level
functions (:func:`control_table`, :func:`control_count_table`) return a
:class:`ControlledTable`:

* ``table``: a new DataFrame. Every controlled column has object dtype and holds
  Python ``int`` (counts), ``float`` (statistics, shares; NaN = not defined) or the
  string :data:`SUPPRESSED` (``"*"``). Print it as-is for CSV, Markdown, XLSX and the
  terminal.
* ``suppressed``: a boolean DataFrame with the same index and columns.
* :meth:`ControlledTable.with_nulls` gives typed columns with nulls in place of
  ``*`` (JSON, Parquet), and :meth:`ControlledTable.suppressed_cells` lists the
  suppressed cells, so that a null that means "suppressed" can be told apart from
  a null that means "not defined".

Secondary suppression and the recoverability check
---------------------------------------------------
A table "with margins" is passed *as published*: the parts plus their totals, in
one integer array. ``margins`` says where the totals are:

``"row_totals"``
    shape ``(n_rows, n_cols + 1)``; the last column holds each row's total.
``"column_totals"``
    shape ``(n_rows + 1, n_cols)``; the last row holds each column's total.
``"both"``
    shape ``(n_rows + 1, n_cols + 1)``; row totals, column totals and the grand total.

Each full line of that array (a row, or a column) that ends in a total is one
linear relation ``sum(parts) = total``. The lines are visited top to bottom, then
left to right, and suppressions take effect at once (this fixes the result when
S-4's "ties by position" leaves a choice).

The recoverability check is linear algebra only: it does not use that counts are
whole numbers >= 0 (two suppressed cells that sum to 2 and are each 1-4 can only
both be 1). Interval (bounds) protection is not attempted.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd

from rapport_cost.arrays import BoolArray, Int64Array

Policy = Literal["nhsd2018", "suppress_lt5", "none"]
"""Name of a disclosure-control policy (S-3)."""

Margins = Literal["both", "row_totals", "column_totals"]
"""Which totals a 2-D table publishes (see the module docstring)."""

POLICIES: tuple[str, ...] = get_args(Policy)
MARGINS: tuple[str, ...] = get_args(Margins)

#: What a suppressed cell shows in CSV, Markdown, XLSX and on the terminal.
SUPPRESSED = "*"

#: Watermark for tables produced with ``policy="none"``.
WATERMARK = "not disclosure-controlled: internal use only"

#: Counts 1 to this are suppressed under ``nhsd2018`` (S-1).
NHSD2018_MAX_SUPPRESSED = 7
#: Counts 1 to this are suppressed under ``suppress_lt5`` (S-3).
LT5_MAX_SUPPRESSED = 4
#: Statistics over 1 to this many individuals are suppressed (S-1, S-3).
STATISTICS_MAX_N = 7

# Column names that are a minimum or a maximum (one person's value, S-3): a whole
# ``_``-separated word, so that ``mean_minutes`` does not match.
_MIN_MAX = re.compile(r"(^|_)(min|max|minimum|maximum)($|_)")


class RecoverableCell(NamedTuple):
    """A suppressed cell whose value follows from the published values.

    Attributes
    ----------
    row, column
        0-based position in the table as published (margins included).
    value
        The value an attacker would recover (the least-squares solution of the
        margin equations, unique for this cell).
    """

    row: int
    column: int
    value: float


@dataclass(frozen=True, eq=False)
class ControlledTable:
    """A table after disclosure control.

    Parameters
    ----------
    table
        The table to publish, same index as the input. Controlled columns have
        object dtype and hold ``int``, ``float`` or :data:`SUPPRESSED` (``"*"``).
        Columns never published at unit level (min, max) are dropped.
    suppressed
        Boolean DataFrame, same index and columns as ``table``: ``True`` where the
        cell is suppressed.
    policy
        The policy applied.
    notes
        Plain-text sentences for the methods/footnote section of an output.
    watermark
        :data:`WATERMARK` for ``policy="none"``, else ``None``.
    key
        Column that names each row (e.g. ``"site"``), or ``None`` to use the index.
    count_columns
        Columns holding whole-number counts (typed ``Int64`` by :meth:`with_nulls`).
    """

    table: pd.DataFrame
    suppressed: pd.DataFrame
    policy: Policy
    notes: tuple[str, ...]
    watermark: str | None = None
    key: str | None = None
    count_columns: tuple[Hashable, ...] = ()

    def suppressed_cells(self) -> list[dict[str, object]]:
        """List the suppressed cells, row by row.

        Returns
        -------
        list of dict
            ``{"row": <key value or index label>, "column": <column name>}`` for
            each suppressed cell, in table order (for the JSON envelope).
        """
        if self.key is not None and self.key in self.table.columns:
            labels = self.table[self.key].tolist()
        else:
            labels = self.table.index.tolist()
        mask = self.suppressed.to_numpy(dtype=bool)
        columns = list(self.suppressed.columns)
        return [
            {"row": labels[i], "column": str(columns[j])}
            for i, j in zip(*np.nonzero(mask), strict=True)
        ]

    def with_nulls(self) -> pd.DataFrame:
        """The table with suppressed cells as nulls and controlled columns typed.

        Returns
        -------
        pandas.DataFrame
            Count columns as nullable ``Int64`` (``<NA>`` where suppressed), other
            controlled columns as ``float64`` (NaN where suppressed or not defined),
            other columns unchanged. For JSON (null) and Parquet; use it together
            with :meth:`suppressed_cells`.
        """
        out = self.table.copy()
        mask = self.suppressed
        for column in out.columns:
            if out[column].dtype != object or column == self.key:
                continue
            values = out[column].where(~mask[column], None)
            if column in self.count_columns:
                out[column] = pd.array(list(values), dtype="Int64")
            elif mask[column].any() or _is_numeric_object(values):
                out[column] = pd.to_numeric(values).astype(float)
        return out


def _is_numeric_object(values: pd.Series) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


# ---------------------------------------------------------------- count rules


def _check_policy(policy: str) -> None:
    if policy not in POLICIES:
        msg = f"The 'policy' parameter must be one of {list(POLICIES)}. Got {policy!r} instead."
        raise ValueError(msg)


def _check_margins(margins: str) -> None:
    if margins not in MARGINS:
        msg = f"The 'margins' parameter must be one of {list(MARGINS)}. Got {margins!r} instead."
        raise ValueError(msg)


def _whole(x: int | np.integer) -> int:
    value = operator.index(x)
    if value < 0:
        msg = f"A count must be >= 0. Got {value} instead."
        raise ValueError(msg)
    return value


def round5(x: int | np.integer) -> int:
    """Round a whole-number count to the nearest multiple of 5 (S-2).

    ``round5(x) = 5 * floor(x / 5 + 0.5)``. A whole number never ties: a
    remainder (mod 5) of 1-2 rounds down, 3-4 rounds up.

    Parameters
    ----------
    x
        A count, an integer >= 0.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If ``x`` is not an integer (e.g. a float).
    ValueError
        If ``x`` is negative.

    Examples
    --------
    >>> [round5(x) for x in (8, 12, 13, 152, 153)]
    [10, 10, 15, 150, 155]
    """
    value = _whole(x)
    # floor(x/5 + 1/2) == (x + 2) // 5 for whole x >= 0, without floating point.
    return 5 * ((value + 2) // 5)


def _primary_limit(policy: Policy) -> int:
    if policy == "nhsd2018":
        return NHSD2018_MAX_SUPPRESSED
    if policy == "suppress_lt5":
        return LT5_MAX_SUPPRESSED
    return 0


def primary_suppression(counts: npt.ArrayLike, *, policy: Policy) -> BoolArray:
    """Mask of the counts a policy replaces by ``*`` on their own (primary suppression).

    Parameters
    ----------
    counts
        Array of whole numbers >= 0, any shape.
    policy
        ``"nhsd2018"`` suppresses 1-7, ``"suppress_lt5"`` 1-4, ``"none"`` nothing.

    Returns
    -------
    numpy.ndarray of bool, same shape as ``counts``
    """
    _check_policy(policy)
    values = _as_count_array(counts, "counts")
    return (values >= 1) & (values <= _primary_limit(policy))


def control_count(x: int | np.integer, *, policy: Policy) -> int | str:
    """Control one count on its own (S-1, S-3).

    Under ``"suppress_lt5"`` this is only the primary rule: a table with totals
    also needs :func:`suppress_secondary`. To control a total, pass the total of
    the *unrounded* values (S-1), never a sum of controlled cells.

    Parameters
    ----------
    x
        A count, an integer >= 0.
    policy
        The policy (S-3).

    Returns
    -------
    int or str
        The count to publish, or :data:`SUPPRESSED`.

    Examples
    --------
    >>> [control_count(x, policy="nhsd2018") for x in (0, 3, 7, 8, 153)]
    [0, '*', '*', 10, 155]
    >>> [control_count(x, policy="suppress_lt5") for x in (0, 4, 5, 153)]
    [0, '*', 5, 153]
    """
    _check_policy(policy)
    value = _whole(x)
    if 1 <= value <= _primary_limit(policy):
        return SUPPRESSED
    return round5(value) if policy == "nhsd2018" else value


# ---------------------------------------------------------------- linear relations


@dataclass(frozen=True)
class _Relation:
    """``sum(values[parts]) == values[total]`` over flat positions of one table."""

    parts: tuple[int, ...]
    total: int

    @property
    def members(self) -> tuple[int, ...]:
        return (*self.parts, self.total)


def _margin_relations(shape: tuple[int, int], margins: Margins) -> list[_Relation]:
    n_rows, n_cols = shape

    def flat(i: int, j: int) -> int:
        return i * n_cols + j

    relations: list[_Relation] = []
    if margins in ("both", "row_totals"):
        relations.extend(
            _Relation(tuple(flat(i, j) for j in range(n_cols - 1)), flat(i, n_cols - 1))
            for i in range(n_rows)
        )
    if margins in ("both", "column_totals"):
        relations.extend(
            _Relation(tuple(flat(i, j) for i in range(n_rows - 1)), flat(n_rows - 1, j))
            for j in range(n_cols)
        )
    return relations


def _as_count_array(values: npt.ArrayLike, name: str) -> Int64Array:
    array = np.asarray(values)
    if array.dtype == object or array.dtype.kind not in "iuf":
        msg = f"{name} must be numeric counts. Got dtype {array.dtype} instead."
        raise ValueError(msg)
    floats = array.astype(float)
    bad = ~np.isfinite(floats) | (floats < 0) | (floats != np.round(floats))
    if bad.any():
        first = floats[np.nonzero(bad)][0]
        msg = f"{name} must be whole numbers >= 0. Got {first!r} instead."
        raise ValueError(msg)
    return floats.astype(np.int64)


def _check_table(table: npt.ArrayLike, margins: Margins) -> tuple[Int64Array, list[_Relation]]:
    _check_margins(margins)
    values = _as_count_array(table, "table")
    if values.ndim != 2:
        msg = f"table must be 2-D. Got {values.ndim} dimension(s) instead."
        raise ValueError(msg)
    n_rows, n_cols = values.shape
    if margins in ("both", "row_totals") and n_cols < 2:
        msg = f"A table with row totals needs >= 2 columns. Got {n_cols} instead."
        raise ValueError(msg)
    if margins in ("both", "column_totals") and n_rows < 2:
        msg = f"A table with column totals needs >= 2 rows. Got {n_rows} instead."
        raise ValueError(msg)
    relations = _margin_relations((n_rows, n_cols), margins)
    flat = values.reshape(-1)
    for rel in relations:
        got = int(flat[list(rel.parts)].sum())
        if got != flat[rel.total]:
            i, j = divmod(rel.total, n_cols)
            msg = (
                f"table[{i}, {j}] must be the total of its parts ({got}). "
                f"Got {int(flat[rel.total])} instead."
            )
            raise ValueError(msg)
    return values, relations


def _as_mask(mask: npt.ArrayLike, shape: tuple[int, ...], name: str) -> BoolArray:
    array = np.asarray(mask)
    if array.shape != shape or array.dtype != np.bool_:
        msg = (
            f"{name} must be a bool array of shape {shape}. "
            f"Got {array.dtype} of shape {array.shape} instead."
        )
        raise ValueError(msg)
    return array.astype(np.bool_, copy=True)


def _stabilise(values: Int64Array, mask: BoolArray, relations: Sequence[_Relation]) -> BoolArray:
    """S-4 step 2: repeat until no relation has exactly one suppressed member."""
    mask = mask.copy()
    changed = True
    while changed:
        changed = False
        for rel in relations:
            if int(mask[list(rel.members)].sum()) != 1:
                continue
            parts = [p for p in rel.parts if not mask[p] and values[p] != 0]
            if parts:
                # smallest value; ties go to the first position (flat order = line order)
                pick = min(parts, key=lambda p: (int(values[p]), p))
            elif not mask[rel.total]:
                pick = rel.total
            else:  # pragma: no cover - every suppressed part is non-zero, so cannot happen
                continue
            mask[pick] = True
            changed = True
    return mask


def _determined(
    values: Int64Array, mask: BoolArray, relations: Sequence[_Relation]
) -> list[tuple[int, float]]:
    """S-4 step 3: suppressed positions whose value the relations pin down, with that value.

    With ``A x = 0`` the relations and ``U`` the suppressed positions, the unknowns
    solve ``A[:, U] x_U = -A[:, ~U] x_known``. Unknown ``j`` is determined iff its
    unit vector lies in the row space of ``A[:, U]``, i.e. iff every vector of the
    null space of ``A[:, U]`` is 0 at ``j``.
    """
    unknown = np.flatnonzero(mask)
    if unknown.size == 0 or not relations:
        return []
    a = np.zeros((len(relations), values.size))
    for r, rel in enumerate(relations):
        a[r, list(rel.parts)] = 1.0
        a[r, rel.total] = -1.0
    a_u = a[:, unknown]
    rhs = -a[:, ~mask] @ values[~mask].astype(float)
    _, s, vt = np.linalg.svd(a_u)
    tol = max(a_u.shape) * np.finfo(float).eps * (float(s[0]) if s.size else 0.0)
    rank = int(np.count_nonzero(s > tol))
    null_norm = np.linalg.norm(vt[rank:], axis=0)  # norm of each unknown in the null space
    solution = np.linalg.lstsq(a_u, rhs, rcond=None)[0]
    return [(int(unknown[j]), float(solution[j])) for j in np.flatnonzero(null_norm < 1e-8)]


def _repair_pick(
    values: Int64Array, mask: BoolArray, relations: Sequence[_Relation], target: int
) -> int | None:
    """One more cell to suppress so that ``target`` stops being determined."""

    def order(p: int) -> tuple[bool, int, int]:
        return (values[p] == 0, int(values[p]), p)

    near = sorted(
        {m for rel in relations if target in rel.members for m in rel.members if not mask[m]},
        key=order,
    )
    for candidate in near:
        trial = mask.copy()
        trial[candidate] = True
        if all(pos != target for pos, _ in _determined(values, trial, relations)):
            return candidate
    if near:
        return near[0]
    rest = sorted((p for p in range(values.size) if not mask[p]), key=order)
    return rest[0] if rest else None


def _protect(values: Int64Array, primary: BoolArray, relations: Sequence[_Relation]) -> BoolArray:
    """S-4: steps 2 and 3 until no relation has one ``*`` and no ``*`` is determined."""
    mask = primary.copy()
    while True:
        mask = _stabilise(values, mask, relations)
        found = _determined(values, mask, relations)
        if not found:
            return mask
        pick = _repair_pick(values, mask, relations, found[0][0])
        if pick is None:  # pragma: no cover - everything is already suppressed
            return mask
        mask[pick] = True


# ---------------------------------------------------------------- 2-D tables


def with_margins(inner: npt.ArrayLike, margins: Margins) -> Int64Array:
    """Append totals, computed from the unrounded counts, to a 2-D table of counts.

    Parameters
    ----------
    inner
        Whole numbers >= 0 of shape ``(n_rows, n_cols)``.
    margins
        Which totals to append (see the module docstring).

    Returns
    -------
    numpy.ndarray of int64
        The table as published: shape ``(n_rows, n_cols + 1)``,
        ``(n_rows + 1, n_cols)`` or ``(n_rows + 1, n_cols + 1)``.

    Examples
    --------
    >>> with_margins([[1, 2], [3, 4]], "both").tolist()
    [[1, 2, 3], [3, 4, 7], [4, 6, 10]]
    """
    _check_margins(margins)
    values = _as_count_array(inner, "inner")
    if values.ndim != 2:
        msg = f"inner must be 2-D. Got {values.ndim} dimension(s) instead."
        raise ValueError(msg)
    if margins in ("both", "row_totals"):
        values = np.column_stack([values, values.sum(axis=1)])
    if margins in ("both", "column_totals"):
        values = np.vstack([values, values.sum(axis=0)])
    return values


def suppress_secondary(table: npt.ArrayLike, primary: npt.ArrayLike, margins: Margins) -> BoolArray:
    """Complementary suppression so that no suppressed cell can be recovered (S-4).

    1. Start from the primary-suppressed cells.
    2. Repeat until stable: for every line (row or column relation, margins
       included) with exactly one suppressed member, also suppress its smallest
       non-zero, non-suppressed part (ties: the first in the line); if no part
       qualifies, suppress the line's total.
    3. Solve the margin equations (:func:`recoverable_cells`). Step 2 alone is not
       enough in 2-D (e.g. a suppressed cell that links two otherwise separate
       groups of suppressed cells is determined). While a suppressed cell is
       determined, also suppress the smallest member of one of its lines that
       makes it undetermined (non-zero values first, then by value, then by
       position; so a published 0 is suppressed only when no non-zero member of
       those lines does the job; if no member does, the first of them; if the
       lines have no published member left, the first published cell by the same
       order), then go back to step 2.

    Parameters
    ----------
    table
        Counts as published, margins included (see the module docstring); totals
        must equal the sums of their parts.
    primary
        Bool array of the same shape: the primary-suppressed cells.
    margins
        Where the totals are.

    Returns
    -------
    numpy.ndarray of bool
        All suppressed cells (primary and secondary), same shape as ``table``.

    Raises
    ------
    ValueError
        If ``table`` is not a 2-D table of counts whose totals add up, or
        ``primary`` does not match its shape.

    Notes
    -----
    The check is linear: it does not use that counts are whole numbers >= 0. For
    instance, two suppressed cells known to sum to 2, each suppressed because it
    is 1-4, can only both be 1. Interval (bounds) protection is not attempted.
    """
    values, relations = _check_table(table, margins)
    mask = _as_mask(primary, values.shape, "primary")
    protected = _protect(values.reshape(-1), mask.reshape(-1), relations)
    return protected.reshape(values.shape)


def recoverable_cells(
    table: npt.ArrayLike, suppressed: npt.ArrayLike, margins: Margins
) -> list[RecoverableCell]:
    """Suppressed cells whose value follows from the published cells (S-4 step 3).

    Every line of the table (row or column, margins included) that ends in a total
    gives one equation ``sum(parts) - total = 0``. The suppressed cells are the
    unknowns, the published cells are moved to the right-hand side. A suppressed
    cell is recoverable iff its unit vector lies in the row space of the equations
    restricted to the unknowns (equivalently, the null space of that matrix is 0
    at the cell); its value is then the same in every solution, and the
    least-squares solution gives it.

    Parameters
    ----------
    table
        Counts as published, margins included; totals must add up.
    suppressed
        Bool array of the same shape, ``True`` where a cell is suppressed.
    margins
        Where the totals are.

    Returns
    -------
    list of RecoverableCell
        In row-major order; empty if no suppressed cell can be recovered.

    Examples
    --------
    One suppressed cell in a row with a published total is recovered:

    >>> table = with_margins([[3, 10, 12]], "row_totals")
    >>> recoverable_cells(table, [[True, False, False, False]], "row_totals")
    [RecoverableCell(row=0, column=0, value=3.0)]
    """
    values, relations = _check_table(table, margins)
    mask = _as_mask(suppressed, values.shape, "suppressed")
    n_cols = values.shape[1]
    return [
        RecoverableCell(pos // n_cols, pos % n_cols, value)
        for pos, value in _determined(values.reshape(-1), mask.reshape(-1), relations)
    ]


def control_count_table(
    table: pd.DataFrame, *, policy: Policy, margins: Margins
) -> ControlledTable:
    """Apply a policy to a 2-D table of counts with margins.

    Under ``"nhsd2018"`` each cell, totals included, is controlled on its own
    (S-1): totals are the unrounded totals of the input, rounded. Under
    ``"suppress_lt5"`` counts 1-4 are suppressed and :func:`suppress_secondary`
    completes the pattern.

    Parameters
    ----------
    table
        Counts as published, margins included (e.g. built with
        :func:`with_margins`); row labels in the index.
    policy
        The policy (S-3).
    margins
        Where the totals are.

    Returns
    -------
    ControlledTable
        ``key`` is ``None``: :meth:`ControlledTable.suppressed_cells` names rows by
        index label.
    """
    _check_policy(policy)
    values, _ = _check_table(table.to_numpy(), margins)
    if policy == "none":
        mask = np.zeros(values.shape, dtype=np.bool_)
        shown = values
    elif policy == "nhsd2018":
        mask = primary_suppression(values, policy=policy)
        shown = 5 * ((values + 2) // 5)
    else:
        mask = suppress_secondary(values, primary_suppression(values, policy=policy), margins)
        shown = values
    out = pd.DataFrame(
        {
            j: _object_column(shown[:, j].tolist(), mask[:, j], table.index)
            for j in range(shown.shape[1])
        },
        index=table.index,
    )
    out.columns = table.columns
    suppressed = pd.DataFrame(mask, index=table.index, columns=table.columns)
    return ControlledTable(
        table=out,
        suppressed=suppressed,
        policy=policy,
        notes=_count_notes(policy),
        watermark=WATERMARK if policy == "none" else None,
        count_columns=tuple(table.columns),
    )


def _object_column(values: Sequence[object], mask: BoolArray, index: pd.Index) -> pd.Series:
    """Object column: the value, or :data:`SUPPRESSED` where ``mask`` is set."""
    cells = [SUPPRESSED if hidden else value for value, hidden in zip(values, mask, strict=True)]
    return pd.Series(cells, index=index, dtype=object)


def _count_notes(policy: Policy) -> tuple[str, ...]:
    if policy == "nhsd2018":
        return (
            "Disclosure control: NHS Digital 2018 method (METHODS S-1, S-2).",
            "Counts of 1-7 are shown as *; other counts are rounded to the nearest 5; "
            "0 is shown as 0.",
            "Totals are computed from unrounded values and then rounded, so they may "
            "differ from the sum of the rounded cells.",
        )
    if policy == "suppress_lt5":
        return (
            "Disclosure control: counts of 1-4 suppressed, no rounding (METHODS S-3).",
            "Further cells are shown as * so that no suppressed value can be worked "
            "out from the totals (secondary suppression, METHODS S-4).",
        )
    return (f"Not disclosure-controlled: {WATERMARK}.",)


# ---------------------------------------------------------------- per-unit tables


def _column_roles(
    table: pd.DataFrame,
    *,
    key: str,
    counts: Sequence[str],
    statistics: Sequence[str],
    shares: Mapping[str, str],
    passthrough: Sequence[str],
    n_column: str,
    drop_min_max: bool,
) -> list[str]:
    """Check the column classification; return the min/max columns to drop.

    Min/max columns need no classification: they are dropped, or kept as they are
    under ``"none"``.
    """
    columns = [str(c) for c in table.columns]
    min_max = [c for c in columns if _MIN_MAX.search(c)]
    roles: dict[str, list[str]] = {}
    for role, names in (
        ("key", [key]),
        ("counts", list(counts)),
        ("statistics", list(statistics)),
        ("shares", list(shares)),
        ("passthrough", list(passthrough)),
    ):
        for name in names:
            roles.setdefault(name, []).append(role)
    problems: list[str] = []
    problems += [f"{n!r} is listed as {' and '.join(r)}" for n, r in roles.items() if len(r) > 1]
    problems += [f"{n!r} is not a column" for n in roles if n not in columns]
    problems += [
        f"{n!r} is a minimum or maximum (never published at unit level): leave it unlisted"
        for n in roles
        if n in min_max
    ]
    problems += [
        f"{c!r} is not classified (counts, statistics, shares or passthrough)"
        for c in columns
        if c not in roles and c not in min_max
    ]
    if n_column not in counts:
        problems.append(f"n_column {n_column!r} must be one of the counts")
    problems += [
        f"share {s!r}: denominator {d!r} must be one of the counts"
        for s, d in shares.items()
        if d not in counts
    ]
    if problems:
        msg = "Cannot apply disclosure control: " + "; ".join(problems) + "."
        raise ValueError(msg)
    return min_max if drop_min_max else []


def _share_numerators(table: pd.DataFrame, shares: Mapping[str, str]) -> dict[str, Int64Array]:
    """Whole-number numerators ``share × denominator`` (checked), one per share column."""
    out: dict[str, Int64Array] = {}
    for share, denominator in shares.items():
        ratio = table[share].to_numpy(dtype=float)
        den = _as_count_array(table[denominator].to_numpy(), f"column {denominator!r}").astype(
            float
        )
        num = np.where((den == 0) & np.isnan(ratio), 0.0, ratio * den)
        rounded = np.round(num)
        bad = ~np.isfinite(num) | (np.abs(num - rounded) > 1e-6) | (rounded < 0) | (rounded > den)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            msg = (
                f"column {share!r}: share × {denominator!r} must be a whole number of "
                f"individuals between 0 and {denominator!r}. Got {num[i]!r} in row {i} instead."
            )
            raise ValueError(msg)
        out[share] = rounded.astype(np.int64)
    return out


def control_table(
    table: pd.DataFrame,
    *,
    policy: Policy,
    counts: Sequence[str],
    statistics: Sequence[str],
    shares: Mapping[str, str] | None = None,
    passthrough: Sequence[str] = (),
    n_column: str = "women",
    key: str = "site",
    total_label: str = "all",
) -> ControlledTable:
    """Apply a disclosure-control policy to a per-unit table (S-1 to S-4).

    The rules, for ``"nhsd2018"`` and ``"suppress_lt5"``:

    * **Counts of individuals** (``counts``, e.g. ``women``, ``contacts``) follow
      the policy's count rule (:func:`control_count`). Under ``"suppress_lt5"``,
      the unit rows and the total row of each count column are one relation and
      get secondary suppression (S-4).
    * **Statistics over the individuals of a row** (``statistics``: mean, SD,
      median, quartiles, totals such as ``total_cost`` or ``contact_hours``, and CI
      bounds) are ``*`` in every row whose ``n_column`` count is 1-7, or is itself
      ``*``. Because a total row is published, a unit's statistics could be worked
      back from the total row and the other units (``total_cost`` by difference,
      a mean from ``n × mean``), so the statistics of whole rows also get S-4
      secondary suppression over the units, weighted by ``n_column``. CI bounds are
      statistics, so a unit's CI is ``*`` wherever its mean is (S-3).
    * **Shares** (``shares``, fractions in [0, 1]) are recomputed from the
      controlled numerator and denominator; ``*`` if either is ``*``, or if the
      row's statistics are ``*``. The numerator is ``share × denominator`` (must be
      a whole number); it is controlled like a count column that is not shown.
    * **Min and max** columns (a whole word ``min``, ``max``, ``minimum`` or
      ``maximum`` in the name) are dropped: each is one person's value (S-3).

    Under ``"none"`` the table is returned unchanged (nothing dropped) with
    :data:`WATERMARK`.

    The total row (``key == total_label``) is the total of the units only, which
    is sub-national, so it is **not** treated as a national row: its counts are
    the totals of the unrounded unit counts (checked), controlled like any other
    count (rounded under ``"nhsd2018"``, so not the sum of the rounded unit rows),
    and its statistics are suppressed if its ``n_column`` count is 1-7.

    Parameters
    ----------
    table
        One row per unit plus an optional total row. Every column must be the
        ``key``, or be listed in exactly one of ``counts``, ``statistics``,
        ``shares``, ``passthrough``, so that a new column cannot be published
        uncontrolled by accident. Min/max columns must not be listed.
    policy
        The policy (S-3).
    counts
        Columns of whole-number counts of individuals or events.
    statistics
        Columns of statistics computed over the ``n_column`` individuals of the row.
    shares
        Share column → the count column that is its denominator, e.g.
        ``{"share_zero_cost": "women"}``.
    passthrough
        Columns that do not relate to individuals (labels, currency, a number of
        units, ...); published unchanged (S-1).
    n_column
        The count of individuals the statistics are computed over.
    key
        The column naming each row.
    total_label
        The ``key`` value of the total row.

    Returns
    -------
    ControlledTable

    Raises
    ------
    ValueError
        If the policy is unknown, a column is unclassified, listed twice or
        missing, counts are not whole numbers >= 0, a share × denominator is not a
        whole number, or the total row is not the sum of the unit rows.

    Examples
    --------
    >>> per_unit = pd.DataFrame({"site": ["a", "b", "all"], "women": [6, 40, 46],
    ...                          "mean": [510.0, 700.0, 675.2]})
    >>> out = control_table(per_unit, policy="nhsd2018", counts=["women"],
    ...                     statistics=["mean"])
    >>> out.table.to_dict("list")
    {'site': ['a', 'b', 'all'], 'women': ['*', 40, 45], 'mean': ['*', '*', 675.2]}
    """
    _check_policy(policy)
    shares = dict(shares or {})
    dropped = _column_roles(
        table,
        key=key,
        counts=counts,
        statistics=statistics,
        shares=shares,
        passthrough=passthrough,
        n_column=n_column,
        drop_min_max=policy != "none",
    )
    n_rows = len(table)
    if policy == "none":
        return ControlledTable(
            table=table.copy(),
            suppressed=pd.DataFrame(False, index=table.index, columns=table.columns),
            policy=policy,
            notes=_count_notes(policy),
            watermark=WATERMARK,
            key=key,
            count_columns=tuple(counts),
        )

    is_total = (table[key] == total_label).to_numpy(dtype=bool)
    if is_total.sum() > 1:
        msg = f"column {key!r}: at most one total row {total_label!r}. Got {int(is_total.sum())}."
        raise ValueError(msg)
    units = [int(i) for i in np.flatnonzero(~is_total)]
    total = int(np.flatnonzero(is_total)[0]) if is_total.any() else None

    # Count matrix: the published counts, then one hidden numerator per share.
    numerators = _share_numerators(table, shares)
    count_names = [*counts, *(f"numerator of {s}" for s in shares)]
    matrix = np.column_stack(
        [_as_count_array(table[c].to_numpy(), f"column {c!r}") for c in counts]
        + list(numerators.values())
    ).reshape(n_rows, len(count_names))
    relations: list[_Relation] = []
    if total is not None:
        sums = matrix[units].sum(axis=0)
        wrong = [n for n, s, t in zip(count_names, sums, matrix[total], strict=True) if s != t]
        if wrong:
            msg = (
                f"The {total_label!r} row must be the total of the units in "
                f"{', '.join(map(repr, wrong))}."
            )
            raise ValueError(msg)
        width = len(count_names)
        relations = [
            _Relation(tuple(i * width + j for i in units), total * width + j) for j in range(width)
        ]

    primary = primary_suppression(matrix, policy=policy)
    if policy == "suppress_lt5":
        count_mask = _protect(matrix.reshape(-1), primary.reshape(-1), relations).reshape(
            matrix.shape
        )
        shown = matrix
    else:  # nhsd2018: rounding instead of secondary suppression (S-1)
        count_mask = primary
        shown = 5 * ((matrix + 2) // 5)

    # Row-level suppression of statistics.
    n_index = list(counts).index(n_column)
    n = matrix[:, n_index]
    row_primary = ((n >= 1) & (n <= STATISTICS_MAX_N)) | count_mask[:, n_index]
    row_relations = [] if total is None else [_Relation(tuple(units), total)]
    row_mask = _protect(n, row_primary, row_relations)

    out = table.drop(columns=dropped)
    suppressed = pd.DataFrame(False, index=out.index, columns=out.columns)
    for j, column in enumerate(counts):
        out[column] = _object_column(shown[:, j].tolist(), count_mask[:, j], out.index)
        suppressed[column] = count_mask[:, j]
    for column in statistics:
        values = table[column].to_numpy(dtype=float).tolist()
        out[column] = _object_column(values, row_mask, out.index)
        suppressed[column] = row_mask
    for j, (share, denominator) in enumerate(shares.items(), start=len(counts)):
        d = list(counts).index(denominator)
        hidden = row_mask | count_mask[:, j] | count_mask[:, d]
        num, den = shown[:, j].astype(float), shown[:, d].astype(float)
        ratio = np.divide(num, den, out=np.full(n_rows, np.nan), where=den > 0)
        out[share] = _object_column(ratio.tolist(), hidden, out.index)
        suppressed[share] = hidden

    notes = [*_count_notes(policy)]
    notes.append(
        f"Statistics are shown as * for rows with 1-{STATISTICS_MAX_N} {n_column} or a "
        f"suppressed count of {n_column}, and for further rows whose statistics could "
        f"otherwise be worked out from the {total_label!r} row; confidence intervals "
        "are suppressed with the mean (METHODS S-3, S-4)."
    )
    if shares:
        notes.append(
            "Percentages are computed from the disclosure-controlled numerator and "
            "denominator; * if either is * (METHODS S-3)."
        )
    if total is not None:
        notes.append(
            f"The {total_label!r} row is the total of the units, which is sub-national: "
            "it is controlled like the other rows, from unrounded values."
        )
    if dropped:
        notes.append(
            f"Not published at unit level (one person's value): {', '.join(dropped)} (METHODS S-3)."
        )
    return ControlledTable(
        table=out,
        suppressed=suppressed,
        policy=policy,
        notes=tuple(notes),
        key=key,
        count_columns=tuple(counts),
    )
