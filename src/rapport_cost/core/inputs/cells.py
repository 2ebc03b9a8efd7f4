"""Cells of a table read from a file: text, blanks, and numbers that must be ≥ 0."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from rapport_cost.arrays import BoolArray, FloatArray, IntArray, ObjArray
from rapport_cost.errors import Problem


def text_cells(col: pd.Series[Any]) -> tuple[ObjArray, BoolArray]:
    """A column as stripped text, and where it is blank (missing or empty)."""
    missing = col.isna().to_numpy()
    text = col.astype(str).str.strip().to_numpy(dtype=object)
    text[missing] = ""
    return text, missing | (text == "")


def nonnegative_numbers(
    col: pd.Series[Any],
    name: str,
    source: str,
    rows: IntArray,
    problems: list[Problem],
    code: str = "bad_number",
) -> tuple[FloatArray, BoolArray]:
    """A required column of finite numbers ≥ 0; every bad cell added to ``problems``.

    Parameters
    ----------
    col
        The column as read (numbers or text), length n.
    name, source
        The column's name and the file, for messages.
    rows
        Shape ``(n,)``: each row's number as a spreadsheet shows it.
    problems
        Where each blank (code ``missing``) or bad cell (``code``) is added.

    Returns
    -------
    (values, ok)
        Shape ``(n,)`` each: the numbers (NaN where unreadable) and where they are valid.
    """
    text, blank = text_cells(col)
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        values = col.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        parsed = pd.to_numeric(pd.Series(text, dtype=object).mask(blank), errors="coerce")
        values = np.asarray(parsed, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        ok = ~blank & np.isfinite(values) & (values >= 0)
    for i in np.flatnonzero(~ok).tolist():
        v, t = float(values[i]), str(text[i])
        if blank[i]:
            problems.append(Problem("is missing (required)", source, int(rows[i]), name, "missing"))
            continue
        if math.isnan(v):
            message = f"must be a number >= 0, got {t!r}"
        elif math.isinf(v):
            message = f"must be a finite number >= 0, got {t!r}"
        else:
            message = f"must be >= 0, got {t!r}"
        problems.append(Problem(message, source, int(rows[i]), name, code))
    return values, ok
