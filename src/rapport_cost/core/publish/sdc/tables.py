"""Disclosure control of whole tables: count tables and per-unit tables (M-60 to M-61)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from rapport_cost.arrays import BoolArray, Int64Array
from rapport_cost.core.publish.sdc.controlled import ControlledTable
from rapport_cost.core.publish.sdc.rules import (
    _MIN_MAX,
    STATISTICS_MAX_N,
    SUPPRESSED,
    WATERMARK,
    Margins,
    Policy,
    _as_count_array,
    _check_policy,
    primary_suppression,
)
from rapport_cost.core.publish.sdc.secondary import (
    _check_table,
    _protect,
    _Relation,
    suppress_secondary,
)


def control_count_table(
    table: pd.DataFrame, *, policy: Policy, margins: Margins
) -> ControlledTable:
    """Apply a policy to a 2-D table of counts with margins.

    Under ``"nhsd2018"`` each cell, totals included, is controlled on its own
    (M-60): totals are the unrounded totals of the input, rounded. Under
    ``"suppress_lt5"`` counts 1-4 are suppressed and :func:`suppress_secondary`
    completes the pattern.

    Parameters
    ----------
    table
        Counts as published, margins included (e.g. built with
        :func:`with_margins`); row labels in the index.
    policy
        The policy (M-60).
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
            "Disclosure control: NHS Digital 2018 method (M-60).",
            "Counts of 1-7 are shown as *; other counts are rounded to the nearest 5; "
            "0 is shown as 0.",
            "Totals are computed from unrounded values and then rounded, so they may "
            "differ from the sum of the rounded cells.",
        )
    if policy == "suppress_lt5":
        return (
            "Disclosure control: counts of 1-4 suppressed, no rounding (M-60).",
            "Further cells are shown as * so that no suppressed value can be worked "
            "out from the totals (secondary suppression, M-61).",
        )
    return (f"{WATERMARK[0].upper()}{WATERMARK[1:]}.",)


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
                f"individuals between 0 and {denominator!r}. "
                f"Got {float(num[i]):g} in row {i} instead."
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
    """Apply a disclosure-control policy to a per-unit table (M-60 to M-61).

    The rules, for ``"nhsd2018"`` and ``"suppress_lt5"``:

    * **Counts of individuals** (``counts``, e.g. ``women``, ``contacts``) follow
      the policy's count rule (:func:`control_count`). Under ``"suppress_lt5"``,
      the unit rows and the total row of each count column are one relation and
      get secondary suppression (M-61).
    * **Statistics over the individuals of a row** (``statistics``: mean, SD,
      median, quartiles, totals such as ``total_cost`` or ``contact_hours``, and CI
      bounds) are ``*`` in every row whose ``n_column`` count is 1-7, or is itself
      ``*``. Because a total row is published, a unit's statistics could be worked
      back from the total row and the other units (``total_cost`` by difference,
      a mean from ``n × mean``), so the statistics of whole rows also get M-61
      secondary suppression over the units, weighted by ``n_column``. CI bounds are
      statistics, so a unit's CI is ``*`` wherever its mean is (M-60).
    * **Shares** (``shares``, fractions in [0, 1]) are recomputed from the
      controlled numerator and denominator; ``*`` if either is ``*``, or if the
      row's statistics are ``*``. The numerator is ``share × denominator`` (must be
      a whole number); it is controlled like a count column that is not shown.
    * **Min and max** columns (a whole word ``min``, ``max``, ``minimum`` or
      ``maximum`` in the name) are dropped: each is one person's value (M-60).

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
        The policy (M-60).
    counts
        Columns of whole-number counts of individuals or events.
    statistics
        Columns of statistics computed over the ``n_column`` individuals of the row.
    shares
        Share column → the count column that is its denominator, e.g.
        ``{"share_zero_cost": "women"}``.
    passthrough
        Columns that do not relate to individuals (labels, currency, a number of
        units, ...); published unchanged (M-60).
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
    units, total = _unit_rows(table, key, total_label)
    matrix, relations = _count_matrix(table, counts, shares, units, total, total_label)
    primary = primary_suppression(matrix, policy=policy)
    if policy == "suppress_lt5":
        flat = _protect(matrix.reshape(-1), primary.reshape(-1), relations)
        count_mask, shown = flat.reshape(matrix.shape), matrix
    else:  # nhsd2018: rounding instead of secondary suppression (M-60)
        count_mask, shown = primary, 5 * ((matrix + 2) // 5)
    # Row-level suppression of statistics.
    n_index = list(counts).index(n_column)
    n = matrix[:, n_index]
    row_primary = ((n >= 1) & (n <= STATISTICS_MAX_N)) | count_mask[:, n_index]
    row_relations = [] if total is None else [_Relation(tuple(units), total)]
    row_mask = _protect(n, row_primary, row_relations)
    out, suppressed = _assemble(
        table.drop(columns=dropped), table, counts, statistics, shares, shown, count_mask, row_mask
    )
    return ControlledTable(
        table=out,
        suppressed=suppressed,
        policy=policy,
        notes=_table_notes(policy, n_column, total_label, shares, total, dropped),
        key=key,
        count_columns=tuple(counts),
    )


def _unit_rows(table: pd.DataFrame, key: str, total_label: str) -> tuple[list[int], int | None]:
    """Positions of the unit rows and of the total row (None if there is none)."""
    is_total = (table[key] == total_label).to_numpy(dtype=bool)
    if is_total.sum() > 1:
        msg = f"column {key!r}: at most one total row {total_label!r}. Got {int(is_total.sum())}."
        raise ValueError(msg)
    units = [int(i) for i in np.flatnonzero(~is_total)]
    return units, int(np.flatnonzero(is_total)[0]) if is_total.any() else None


def _count_matrix(
    table: pd.DataFrame,
    counts: Sequence[str],
    shares: Mapping[str, str],
    units: list[int],
    total: int | None,
    total_label: str,
) -> tuple[Int64Array, list[_Relation]]:
    """The published counts, then one hidden numerator per share; and the total relations."""
    numerators = _share_numerators(table, shares)
    count_names = [*counts, *(f"numerator of {s}" for s in shares)]
    matrix = np.column_stack(
        [_as_count_array(table[c].to_numpy(), f"column {c!r}") for c in counts]
        + list(numerators.values())
    ).reshape(len(table), len(count_names))
    if total is None:
        return matrix, []
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
    return matrix, relations


def _assemble(
    out: pd.DataFrame,
    table: pd.DataFrame,
    counts: Sequence[str],
    statistics: Sequence[str],
    shares: Mapping[str, str],
    shown: Int64Array,
    count_mask: BoolArray,
    row_mask: BoolArray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The published columns and where they are suppressed."""
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
        ratio = np.divide(num, den, out=np.full(len(out), np.nan), where=den > 0)
        out[share] = _object_column(ratio.tolist(), hidden, out.index)
        suppressed[share] = hidden
    return out, suppressed


def _table_notes(
    policy: Policy,
    n_column: str,
    total_label: str,
    shares: Mapping[str, str],
    total: int | None,
    dropped: list[str],
) -> tuple[str, ...]:
    notes = [*_count_notes(policy)]
    notes.append(
        f"Statistics are shown as * for rows with 1-{STATISTICS_MAX_N} {n_column} or a "
        f"suppressed count of {n_column}, and for further rows whose statistics could "
        f"otherwise be worked out from the {total_label!r} row; confidence intervals "
        "are suppressed with the mean (M-60, M-61)."
    )
    if shares:
        notes.append(
            "Percentages are computed from the disclosure-controlled numerator and "
            "denominator; * if either is * (M-60)."
        )
    if total is not None:
        notes.append(
            f"The {total_label!r} row is the total of the units, which is sub-national: "
            "it is controlled like the other rows, from unrounded values."
        )
    if dropped:
        notes.append(
            f"Not published at unit level (one person's value): {', '.join(dropped)} (M-60)."
        )
    return tuple(notes)
