"""Compare a reproduced table with a published one, cell by cell (``reproduce``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Default tolerance: the reproduced value may differ from the published one by
#: ``abs + rel × |published|``.
DEFAULT_TOLERANCE = {"abs": 1e-6, "rel": 1e-9}


@dataclass(frozen=True)
class Difference:
    """One cell (or row, or column) that does not match."""

    table: str
    row: str
    column: str
    published: object
    reproduced: object
    tolerance: str


def _key_text(frame: pd.DataFrame, key: Sequence[str]) -> pd.Series:
    return frame[list(key)].astype(str).agg(" / ".join, axis=1)


def _missing(v: object) -> bool:
    """An empty cell: None, NaN or blank text (CSV files write all three as nothing)."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return True
    return isinstance(v, float) and np.isnan(v)


def _number(v: object) -> float | None:
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x


def compare_tables(
    name: str,
    published: pd.DataFrame,
    reproduced: pd.DataFrame,
    *,
    key: Sequence[str],
    columns: Mapping[str, Mapping[str, float]],
) -> list[Difference]:
    """Every cell of ``published`` that ``reproduced`` does not match within tolerance.

    Parameters
    ----------
    name
        The table's name, for the report.
    published, reproduced
        The tables; rows are matched on the ``key`` columns.
    key
        Columns that identify a row.
    columns
        Column → tolerance ``{"abs": a, "rel": r}``; the column ``"*"`` stands for every
        column of ``published`` not named. Text cells must be equal.
    """
    diffs: list[Difference] = []
    missing = [k for k in key if k not in reproduced.columns or k not in published.columns]
    if missing:
        return [Difference(name, "-", k, "key column", "missing", "-") for k in missing]
    wanted = {c: t for c, t in columns.items() if c != "*"}
    if "*" in columns:
        for c in published.columns:
            if c not in key and c not in wanted:
                wanted[c] = columns["*"]
    pub = published.set_index(_key_text(published, key))
    rep = reproduced.set_index(_key_text(reproduced, key))
    for col in wanted:
        if col not in rep.columns:
            diffs.append(Difference(name, "-", col, "column", "missing", "-"))
        if col not in pub.columns:
            diffs.append(Difference(name, "-", col, "missing", "column", "-"))
    cols = [c for c in wanted if c in rep.columns and c in pub.columns]
    for row in pub.index:
        if row not in rep.index:
            diffs.append(Difference(name, str(row), "-", "row", "missing", "-"))
            continue
        for col in cols:
            tol = {**DEFAULT_TOLERANCE, **wanted[col]}
            a, b = pub.loc[row, col], rep.loc[row, col]
            if _missing(a) and _missing(b):
                continue
            x, y = _number(a), _number(b)
            if x is not None and y is not None:
                if np.isnan(x) and np.isnan(y):
                    continue
                limit = tol["abs"] + tol["rel"] * abs(x)
                if not abs(x - y) <= limit:
                    diffs.append(
                        Difference(
                            name, str(row), col, a, b, f"abs {tol['abs']:g} + rel {tol['rel']:g}"
                        )
                    )
            elif str(a) != str(b):
                diffs.append(Difference(name, str(row), col, a, b, "equal text"))
    for row in rep.index.difference(pub.index):
        diffs.append(Difference(name, str(row), "-", "missing", "row", "-"))
    return diffs
