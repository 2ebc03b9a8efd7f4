"""Readers of one column of a log: numbers, dates, known names and ids, every bad cell reported."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rapport_cost.arrays import BoolArray, DateArray, FloatArray
from rapport_cost.core.inputs.logs.factor import _Factor
from rapport_cost.core.inputs.logs.problems import _Problems
from rapport_cost.core.inputs.logs.tables import REQUIRED, LogTable
from rapport_cost.errors import Problem, did_you_mean


def _show(v: object) -> str:
    text = str(v)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _numbers(frame: pd.DataFrame, col: str) -> tuple[FloatArray, BoolArray, BoolArray, list[str]]:
    """Parse a number column: (values, blank, bad, raw text of the bad rows)."""
    n = len(frame)
    if col not in frame.columns:
        return np.zeros(n), np.ones(n, bool), np.zeros(n, bool), []
    s = frame[col]
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        v = s.to_numpy(dtype=np.float64, na_value=np.nan)
        blank = np.isnan(v)
        bad = np.isinf(v)
        return v, blank, bad, [str(x) for x in v[bad]]
    f = _Factor.of(frame, col)
    parsed = pd.to_numeric(pd.Series(f.uniques.astype(object)), errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    blank_u = np.asarray(f.uniques == "")
    bad_u = ~np.isfinite(parsed) & ~blank_u
    bad = f.mask(bad_u)
    return parsed[f.codes], f.mask(blank_u), bad, f.at(bad)


def _dates(
    frame: pd.DataFrame, col: str, fmt: str
) -> tuple[DateArray, BoolArray, BoolArray, list[str]]:
    """Parse a date column: (datetime64[ns] values, blank, bad, raw text of the bad rows)."""
    n = len(frame)
    if col not in frame.columns:
        return (
            np.full(n, np.datetime64("NaT"), "datetime64[ns]"),
            np.ones(n, bool),
            np.zeros(n, bool),
            [],
        )
    s = frame[col]
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        v = s.to_numpy(dtype="datetime64[ns]")
        return v, np.isnat(v), np.zeros(n, bool), []
    f = _Factor.of(frame, col)
    parsed = pd.to_datetime(
        pd.Series(f.uniques.astype(object)), format=fmt, errors="coerce"
    ).to_numpy(dtype="datetime64[ns]")
    blank_u = np.asarray(f.uniques == "")
    bad = f.mask(np.isnat(parsed) & ~blank_u)
    return parsed[f.codes], f.mask(blank_u), bad, f.at(bad)


def _check_columns(table: LogTable, problems: _Problems) -> bool:
    missing = [c for c in REQUIRED[table.name] if c not in table.frame.columns]
    found = ", ".join(map(str, table.frame.columns)) or "none"
    for col in missing:
        problems.problems.append(
            Problem(
                f"missing column {col!r} (columns found: {found}; map other headers "
                "with logs.columns)",
                table.source,
                1,
                col,
                "missing_column",
            )
        )
    return not missing


def _number_column(
    table: LogTable,
    problems: _Problems,
    col: str,
    *,
    required: bool,
    default: float = 0.0,
    integer: bool = False,
) -> FloatArray:
    s = table.frame[col] if col in table.frame.columns else None
    if s is not None and s.dtype == np.float64 and len(s):  # the clean case, checked at once
        v = s.to_numpy()
        if v.min() >= 0 and v.max() < np.inf and (not integer or (v == np.floor(v)).all()):
            return v  # no NaN (it fails >=), none negative, infinite or fractional
    values, blank, bad, bad_text = _numbers(table.frame, col)
    kind = "a whole number" if integer else "a number"
    problems.add(
        table, bad, col, [f"must be {kind} >= 0, got {_show(v)}" for v in bad_text], "not_a_number"
    )
    if required:
        problems.add(table, blank, col, "is missing (required)", "missing_value")
    ok = ~bad & ~blank
    negative = ok & (values < 0)
    problems.add(
        table,
        negative,
        col,
        [f"must be >= 0, got {_show(f'{v:g}')}" for v in values[negative]],
        "negative",
    )
    if integer:
        frac = ok & ~negative & (values != np.floor(values))
        problems.add(
            table,
            frac,
            col,
            [f"must be a whole number, got {_show(f'{v:g}')}" for v in values[frac]],
            "not_whole",
        )
    return np.where(ok, values, default)


def _known(table: LogTable, problems: _Problems, col: str, known: set[str], what: str) -> _Factor:
    f = _Factor.of(table.frame, col)
    blank = f.blank()
    problems.add(table, blank, col, "is missing (required)", "missing_value")
    unknown = ~blank & ~f.isin(known)
    listing = ", ".join(sorted(known)) or "none"
    values = f.at(unknown)
    hint = {v: did_you_mean(v, sorted(known)) for v in set(values)}  # once per value
    problems.add(
        table,
        unknown,
        col,
        [f"unknown {what} {_show(v)} (known: {listing}){hint[v]}" for v in values],
        f"unknown_{what}",
    )
    return f


def _unique_ids(frame: pd.DataFrame, col: str) -> _Factor | None:
    """The factor of a clean id column without hashing it twice, or None if not clean.

    The usual case: every id present, distinct and without surrounding spaces. Then each
    row is its own value, and only the uniqueness check hashes the ids.
    """
    if col not in frame.columns or isinstance(frame[col].dtype, pd.CategoricalDtype):
        return None
    ids: pd.Index[str] = pd.Index(frame[col])
    if not pd.api.types.is_string_dtype(ids.dtype) or ids.hasnans or not ids.is_unique:
        return None
    if bool((ids == "").any()) or not bool((ids.str.strip() == ids).all()):
        return None
    return _Factor(np.arange(len(ids), dtype=np.intp), ids.append(pd.Index([""], dtype=ids.dtype)))


def _ids(table: LogTable, problems: _Problems, col: str, what: str) -> _Factor:
    """An id column: required and unique."""
    frame = table.frame
    keyed = _Factor.keyed(frame[col]) if col in frame.columns else None
    fast = _unique_ids(frame, col) if keyed is None else None
    if fast is not None:
        return fast
    f = keyed or _Factor.of(frame, col)
    blank = f.blank()
    problems.add(table, blank, col, "is missing (required)", "missing_value")
    if int((~f.blank_values()).sum()) < int((~blank).sum()):
        first = f.first_rows()
        dup = ~blank & (first != np.arange(len(f.codes)))
        rows = table.row_numbers()
        shown = [f" {_show(v)}" for v in f.at(dup)] if what == "contact" else [""] * int(dup.sum())
        problems.add(
            table,
            dup,
            col,
            [
                f"duplicate {col}{v} (first at row {rows[r]})"
                for v, r in zip(shown, first[dup], strict=True)
            ],
            f"duplicate_{what}",
        )
    return f


def _date_column(
    table: LogTable, problems: _Problems, col: str, fmt: str, *, required: bool
) -> DateArray:
    values, blank, bad, bad_text = _dates(table.frame, col, fmt)
    if required:
        problems.add(table, blank, col, "is missing (required)", "missing_value")
    problems.add(
        table,
        bad,
        col,
        [f"is not a date in the format {fmt}, got {_show(v)}" for v in bad_text],
        "bad_date",
    )
    return values
