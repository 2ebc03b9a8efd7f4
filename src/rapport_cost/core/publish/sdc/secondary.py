"""Secondary suppression over linear relations, and the recoverability check (M-61)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rapport_cost.arrays import BoolArray, Int64Array
from rapport_cost.core.publish.sdc.rules import (
    Margins,
    RecoverableCell,
    _as_count_array,
    _check_margins,
)

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
    """M-61 step 2: repeat until no relation has exactly one suppressed member."""
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
    """M-61 step 3: suppressed positions whose value the relations pin down, with that value.

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
    """M-61: steps 2 and 3 until no relation has one ``*`` and no ``*`` is determined."""
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
    """Complementary suppression so that no suppressed cell can be recovered (M-61).

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
    """Suppressed cells whose value follows from the published cells (M-61 step 3).

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
