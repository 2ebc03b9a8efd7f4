"""Read the tables back from an output folder written in any format (``reproduce --from``).

A folder holds its tables as one file each (``per_unit.csv``, ``per_unit.parquet``) or
all in one file named after the command (``estimate.json``, ``estimate.xlsx``,
``estimate.md``). :func:`read_tables` reads either into DataFrames, the same way for a
folder on disk and for a re-run written to a scratch folder, so that the two compare
cell by cell: numbers as the format keeps them, text as written (a Markdown table is
text throughout, compared as displayed). Every file is read only if it is a regular
file (:mod:`~rapport_cost.fileio.regular`).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import zipfile
from pathlib import Path

import pandas as pd

from rapport_cost.errors import InputError, Problem
from rapport_cost.fileio.export import ABOUT_SHEET, sheet_names
from rapport_cost.fileio.regular import read_regular

#: Formats with a file per table; the others put every table in one file.
PER_TABLE = ("csv", "parquet")


def file_digest(path: Path) -> str | None:
    """SHA-256 of a regular file, or ``None`` if it is missing or not a regular file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        h = hashlib.sha256()
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
        return h.hexdigest()


def folder_format(files: list[str], command: str, recorded: object = None) -> str | None:
    """The format a folder was written in: as its manifest records, else by its files."""
    if isinstance(recorded, str):
        return recorded
    for fmt in ("json", "xlsx", "md"):
        if f"{command}.{fmt}" in files:
            return fmt
    for fmt in PER_TABLE:
        if any(f.endswith(f".{fmt}") for f in files):
            return fmt
    return None


def _error(path: Path, exc: Exception) -> InputError:
    why = f"cannot read: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    return InputError(f"{path}: {why}", [Problem(why, str(path), code="unreadable")])


def _markdown(text: str) -> dict[str, pd.DataFrame]:
    """Every ``## name`` section's table of a Markdown document, as text cells."""
    out: dict[str, pd.DataFrame] = {}
    name: str | None = None
    rows: list[list[str]] = []
    for line in [*text.splitlines(), "## "]:
        if line.startswith("## "):
            if name is not None and len(rows) >= 2:
                out[name] = pd.DataFrame(rows[2:], columns=rows[0], dtype=object)
            name, rows = line[3:].strip(), []
        elif line.startswith("|"):
            cells = line.strip().strip("|").replace("\\|", "\0").split("|")
            rows.append([c.strip().replace("\0", "|") for c in cells])
    return out


def _xlsx(raw: bytes, names: list[str]) -> dict[str, pd.DataFrame]:
    sheets = pd.read_excel(io.BytesIO(raw), sheet_name=None, engine="openpyxl")
    mapping: dict[str, str] = {v: k for k, v in sheet_names(names).items()}
    about = sheets.get(ABOUT_SHEET)
    if about is not None and {"key", "value"} <= set(about.columns):
        recorded = about.loc[about["key"] == "sheets", "value"]
        if len(recorded):
            mapping = json.loads(str(recorded.iloc[0]))
    return {mapping[s]: df for s, df in sheets.items() if s in mapping}


def read_tables(folder: Path, fmt: str, command: str, names: list[str]) -> dict[str, pd.DataFrame]:
    """The tables ``names`` found in ``folder`` (written in ``fmt`` by ``command``).

    Returns
    -------
    dict
        Table name → DataFrame, for the tables of ``names`` the folder holds.

    Raises
    ------
    InputError
        If a file is not a regular file or cannot be read as its format.
    """
    if fmt in PER_TABLE:
        out: dict[str, pd.DataFrame] = {}
        for name in names:
            path = folder / f"{name}.{fmt}"
            if not (path.exists() or path.is_symlink()):
                continue
            raw = read_regular(path, source=str(path))
            try:
                out[name] = (
                    pd.read_parquet(io.BytesIO(raw))
                    if fmt == "parquet"
                    else pd.read_csv(io.BytesIO(raw), keep_default_na=True)
                )
            except (ValueError, OSError, pd.errors.ParserError) as exc:
                raise _error(path, exc) from None
        return out
    path = folder / f"{command}.{fmt}"
    if not (path.exists() or path.is_symlink()):
        return {}
    raw = read_regular(path, source=str(path))
    try:
        if fmt == "json":
            doc = json.loads(raw.decode("utf-8"))
            found = doc.get("tables") if isinstance(doc, dict) else None
            tables = {
                k: pd.DataFrame.from_records(v)
                for k, v in (found or {}).items()
                if isinstance(v, list)
            }
        elif fmt == "xlsx":
            tables = _xlsx(raw, names)
        else:
            tables = _markdown(raw.decode("utf-8"))
    except (ValueError, OSError, KeyError, TypeError, AttributeError, zipfile.BadZipFile) as exc:
        raise _error(path, exc) from None
    return {k: v for k, v in tables.items() if k in names}
