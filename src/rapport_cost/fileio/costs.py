"""Per-person cost tables in (``bootstrap --costs FILE``) and bootstrap replicates out.

A cost table is any table with one row per person: CSV (UTF-8, UTF-8 with BOM or
Windows-1252, as Excel writes it), XLSX or Parquet. It is read as it is, without checks:
the columns it must have (``woman_id``, ``total_cost``, optionally ``site`` and subgroup
columns) and the values they may hold are checked by ``api/bootstrap.py``, which reports
every problem with the file, the row as a spreadsheet numbers it (the header is row 1)
and the column. CSV and XLSX cells are read as text, so that a value that is not a number
can be reported as it was written; Parquet columns keep their types.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rapport_cost.arrays import IntArray
from rapport_cost.errors import InputError, Problem
from rapport_cost.fileio.config_file import display_path
from rapport_cost.fileio.logs import read_xlsx, spreadsheet_rows
from rapport_cost.fileio.regular import read_regular

#: Suffixes read as each format (anything else is read as CSV).
XLSX_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass(frozen=True)
class CostsFile:
    """A per-person cost table as read.

    Parameters
    ----------
    path
        The file.
    source
        The path as messages show it.
    frame
        Every row and column; headers stripped of spaces. CSV and XLSX cells are text
        (blank cells are empty strings); Parquet columns keep their types.
    sha256
        Hash of the file's bytes (provenance).
    rows
        The row of each row of ``frame`` as a spreadsheet numbers it (the header is row
        1; a CSV's blank lines, which the reader skips, are counted).
    """

    path: Path
    source: str
    frame: pd.DataFrame
    sha256: str
    rows: IntArray


def _error(message: str, source: str, line: int | None = None, code: str = "invalid") -> InputError:
    return InputError(f"{source}: {message}", [Problem(message, source, line, code=code)])


def _read_csv(raw: bytes, source: str) -> tuple[pd.DataFrame, IntArray | None]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    if not text.strip():
        msg = "the file is empty or has no header row"
        raise _error(msg, source, 1, "empty_file")
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True
        )
    except (ValueError, pd.errors.ParserError) as exc:
        msg = f"cannot read as CSV: {exc}"
        raise _error(msg, source, code="csv_syntax") from None
    return frame, spreadsheet_rows(text, len(frame))


def _read_parquet(raw: bytes, source: str) -> pd.DataFrame:
    try:
        return pd.read_parquet(io.BytesIO(raw))
    except (ValueError, OSError) as exc:
        msg = f"cannot read as Parquet: {exc}"
        raise _error(msg, source, code="parquet") from None


def read_costs(path: str | Path) -> CostsFile:
    """Read a per-person cost table (CSV, XLSX or Parquet, by the file's suffix).

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    CostsFile

    Raises
    ------
    InputError
        If the file is missing, unreadable, not a regular file (a pipe, a device), empty
        or not a table (exit code 2).
    """
    file = Path(path)
    source = display_path(file)
    raw = read_regular(file, source=source, what="costs file")  # no pipe or device
    suffix = file.suffix.lower()
    rows = None
    if suffix in XLSX_SUFFIXES:
        frame, rows = read_xlsx(file, source)
    elif suffix in PARQUET_SUFFIXES:
        frame = _read_parquet(raw, source)
    else:
        frame, rows = _read_csv(raw, source)
    frame.columns = [str(c).strip() for c in frame.columns]
    if rows is None:
        rows = np.arange(2, len(frame) + 2, dtype=np.intp)
    return CostsFile(file, source, frame, hashlib.sha256(raw).hexdigest(), rows)


def table_writers(name: str, table: pd.DataFrame) -> dict[str, Callable[[Path], None]]:
    """Writers (file name → ``write(path)``) of ``table`` as Parquet and CSV.

    For :attr:`rapport_cost.api.Result.plots`: the result's output folder calls each writer
    with the path of the file to create (e.g. ``bootstrap_replicates.parquet``). The table
    holds numbers only, so the CSV needs no formula neutralising.
    """

    def parquet(path: Path) -> None:
        table.to_parquet(path, index=False)

    def csv(path: Path) -> None:
        table.to_csv(path, index=False, lineterminator="\n")

    return {f"{name}.parquet": parquet, f"{name}.csv": csv}
