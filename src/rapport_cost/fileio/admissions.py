"""Read the admissions file of ``rapport-cost scale-up --admissions FILE``.

A CSV (UTF-8, UTF-8 with BOM or Windows-1252) with the columns ``unit`` and
``admissions_per_year`` and optionally ``label`` and ``source``; one row per unit.
Every problem is reported at once, with its row as a spreadsheet numbers it.
"""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from rapport_cost.errors import InputError, Problem
from rapport_cost.fileio.logs import spreadsheet_rows
from rapport_cost.fileio.regular import read_regular

REQUIRED = ("unit", "admissions_per_year")
OPTIONAL = ("label", "source")


@dataclass(frozen=True)
class AdmissionRow:
    """One unit of the admissions file."""

    unit: str
    admissions_per_year: float
    label: str | None
    source: str | None


def read_admissions(path: Path, *, source: str) -> tuple[list[AdmissionRow], str]:
    """Read and check an admissions CSV; return its rows and SHA-256.

    Raises
    ------
    InputError
        If the file cannot be read, lacks a column, or has a blank or duplicate unit or
        an admissions value that is not a number >= 0 (every problem listed).
    """
    raw = read_regular(path, source=source)  # not a pipe or a device
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        msg = f"cannot read as CSV: {exc}"
        raise InputError(msg, [Problem(msg, source, code="csv_syntax")]) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    row_numbers = spreadsheet_rows(text, len(frame))
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        msg = f"missing column(s) {', '.join(missing)} (needs {', '.join(REQUIRED)})"
        raise InputError(msg, [Problem(msg, source, 1, code="missing_column")])
    problems: list[Problem] = []
    rows: list[AdmissionRow] = []
    seen: dict[str, int] = {}
    for i, rec in enumerate(frame.to_dict("records")):
        # the header is row 1; blank lines, which the reader skips, count
        line = i + 2 if row_numbers is None else int(row_numbers[i])
        unit = str(rec["unit"]).strip()
        text_value = str(rec["admissions_per_year"]).strip()
        if not unit:
            problems.append(Problem("is missing", source, line, "unit", "missing_value"))
        elif unit in seen:
            problems.append(
                Problem(f"duplicate unit {unit!r} (first at row {seen[unit]})", source, line,
                        "unit", "duplicate")
            )  # fmt: skip
        else:
            seen[unit] = line
        try:
            value = float(text_value)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value >= 0):
            problems.append(
                Problem(f"must be a number >= 0, got {text_value!r}", source, line,
                        "admissions_per_year", "invalid_number")
            )  # fmt: skip
        rows.append(
            AdmissionRow(
                unit,
                value,
                str(rec.get("label") or "").strip() or None,
                str(rec.get("source") or "").strip() or None,
            )
        )
    if not rows:
        problems.append(Problem("has no units", source, 1, code="empty_file"))
    if problems:
        msg = f"{len(problems)} problem(s) in {source}"
        raise InputError(msg, problems)
    return rows, hashlib.sha256(raw).hexdigest()
