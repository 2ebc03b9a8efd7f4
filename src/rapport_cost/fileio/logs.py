"""Read the activity logs (CSV in UTF-8, UTF-8 with BOM or Windows-1252; or XLSX) as text.

Every cell is read as text, so that validation (``core/logs.py``) can report each value
that does not parse with its row and column. Headers are mapped to canonical names with
the config's ``logs.columns``.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from rapport_cost.config import Logs
from rapport_cost.errors import LogError, Problem
from rapport_cost.fileio.config_file import display_path

TABLES = ("contacts", "attendance", "women", "staff_time")


@dataclass(frozen=True)
class LogFile:
    """One log file as read: its table name, path for messages, text frame and hash."""

    table: str
    source: str
    frame: pd.DataFrame
    sha256: str


def _decode_choice(raw: bytes, encoding: str) -> str:
    if encoding != "auto":
        return encoding
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


#: Canonical columns read as numbers and as dates when the whole column parses.
NUMBER_COLUMNS = frozenset(
    {"duration_min", "prep_min", "travel_min", "miles", "other_attendees", "capacity",
     "minutes", "hours"}
)  # fmt: skip
DATE_COLUMNS = frozenset({"date", "admission_date", "discharge_date"})
#: Id columns, many distinct values: kept as plain text (other text is dictionary-encoded).
ID_COLUMNS = frozenset({"contact_id", "woman_id"})


def _read_csv(raw: bytes, *, table: str, source: str, logs: Logs) -> pd.DataFrame:
    """Read a CSV; numbers and dates typed when every value parses, else all text.

    The fast path lets Arrow parse numbers and dates; if any value does not parse the
    file is read again as text, so that validation can say which rows are wrong.
    """
    enc = "utf-8" if logs.encoding == "auto" else logs.encoding
    head = raw[:65536].decode(enc, errors="replace").lstrip("\ufeff").splitlines()
    if not head or not head[0].strip():
        msg = "the file is empty or has no header row"
        raise LogError(msg, [Problem(msg, source, 1, code="empty_file")])
    columns = [str(c).strip() for c in pd.read_csv(io.StringIO(head[0]), nrows=0).columns]
    canonical = {header: name for name, header in logs.columns.items()}
    typed: dict[str, pa.DataType] = {}
    for header in columns:
        name = canonical.get(header, header)
        if name in NUMBER_COLUMNS:
            typed[header] = pa.float64()
        elif name in DATE_COLUMNS:
            typed[header] = pa.timestamp("s")
        else:
            typed[header] = pa.string()
    read_options = pa_csv.ReadOptions(encoding="utf8" if enc == "utf-8" else enc)
    try:
        try:
            arrow = pa_csv.read_csv(
                io.BytesIO(raw),
                read_options=read_options,
                convert_options=pa_csv.ConvertOptions(
                    column_types=typed, timestamp_parsers=[logs.date_format]
                ),
            )
        except pa.ArrowInvalid:
            # a value that does not parse, or not UTF-8 (then Windows-1252, as Excel writes)
            if logs.encoding == "auto" and _decode_choice(raw, "auto") == "cp1252":
                read_options = pa_csv.ReadOptions(encoding="cp1252")
            arrow = pa_csv.read_csv(
                io.BytesIO(raw),
                read_options=read_options,
                convert_options=pa_csv.ConvertOptions(
                    column_types={c: pa.string() for c in columns}, strings_can_be_null=False
                ),
            )
    except pa.ArrowInvalid as exc:
        msg = f"cannot read as CSV: {exc}"
        raise LogError(msg, [Problem(msg, source, code="csv_syntax")]) from None
    for i, name in enumerate(arrow.column_names):
        if (
            pa.types.is_string(arrow.schema.field(i).type)
            and canonical.get(name, name) not in ID_COLUMNS
        ):
            arrow = arrow.set_column(i, name, arrow.column(i).dictionary_encode())
    frame: pd.DataFrame = arrow.to_pandas()
    return frame


def read_xlsx(path: Path, source: str) -> pd.DataFrame:
    """The first sheet of a workbook, every cell as text (blank cells as "")."""
    try:
        frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
    except (ValueError, OSError, KeyError) as exc:
        msg = f"cannot read as XLSX: {exc}"
        raise LogError(msg, [Problem(msg, source, code="xlsx")]) from None
    return frame


def read_log(path: Path, *, table: str, source: str, logs: Logs) -> LogFile:
    """Read one log file: every column text, headers mapped to canonical names.

    Raises
    ------
    LogError
        If the file is missing, unreadable or not a table.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        msg = "file not found"
        raise LogError(msg, [Problem(f"{table} log not found", source, code="not_found")]) from None
    except OSError as exc:
        msg = f"cannot read: {exc.strerror}"
        raise LogError(msg, [Problem(msg, source, code="unreadable")]) from None
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        frame = read_xlsx(path, source)
    else:
        frame = _read_csv(raw, table=table, source=source, logs=logs)
    frame.columns = [str(c).strip() for c in frame.columns]
    rename = {header: canonical for canonical, header in logs.columns.items()}
    frame = frame.rename(columns=rename)
    return LogFile(table, source, frame, hashlib.sha256(raw).hexdigest())


def read_logs(logs: Logs, folder: Path) -> list[LogFile]:
    """Read every log the config names (paths relative to the config's folder).

    All files are read before any error is raised, so that one run reports every missing
    file.
    """
    files: list[LogFile] = []
    problems: list[Problem] = []
    for name in TABLES:
        rel = getattr(logs, name)
        if rel is None:
            continue
        path = folder / rel
        source = display_path(path)
        try:
            files.append(read_log(path, table=name, source=source, logs=logs))
        except LogError as exc:
            problems.extend(exc.problems)
    if problems:
        msg = f"{len(problems)} problem(s) reading the logs"
        raise LogError(msg, problems)
    return files
