"""Read the activity logs (CSV in UTF-8, UTF-8 with BOM or Windows-1252; or XLSX).

A CSV's number columns, and its date columns when dates are ISO (``YYYY-MM-DD``), are
typed when every value in them parses; otherwise, and for XLSX, every cell is read as
text, so that validation (``core/inputs/logs``) can report each value that does not parse
with its row and column. Dates in another ``date_format`` are read as text and parsed
in validation: Arrow's ``strptime`` would roll 30/02/2025 over to 2 March. Headers are
mapped to canonical names with the config's ``logs.columns``. Readers skip blank lines
(and a workbook's empty rows), which a spreadsheet counts as rows, so each file also
carries the spreadsheet row of every row read when the two differ.

CSVs are parsed by Arrow's multi-threaded reader (told that values may hold line breaks
whenever a file has a quote). A row with too many or too few fields, or a quote never
closed, is reported with its spreadsheet row and the field counts, never its content
(:mod:`rapport_cost.fileio.csv_rows`).
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import math
import mmap
import os
import re
import zipfile
from collections.abc import Iterable, Sized
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute
import pyarrow.csv as pa_csv

from rapport_cost.arrays import IntArray
from rapport_cost.config import Logs
from rapport_cost.errors import LogError, Problem
from rapport_cost.fileio.config_file import display_path
from rapport_cost.fileio.csv_rows import quoted_records, shape_problems

TABLES = ("contacts", "attendance", "women", "staff_time")


def spreadsheet_rows(text: str, n_rows: int) -> IntArray | None:
    r"""The spreadsheet row of each data row of a CSV, when blank lines shift them.

    CSV readers skip empty lines, but a spreadsheet shows each as a row, so after one the
    row a message names (position + 2) would be wrong. Returns ``None`` when the file has
    a line for the header and one for each of the ``n_rows`` rows (the rows are then
    position + 2), or when the records found here are not the ``n_rows`` the reader found.

    >>> spreadsheet_rows("a,b\n1,2\n\n3,4\n", 2).tolist()
    [2, 4]
    """
    body = text.rstrip("\r\n")  # blank lines after the last row move no row
    if (body.count("\n") or body.count("\r")) == n_rows:
        return None  # one line per row after the header: nothing skipped
    found: Iterable[Sized]
    if '"' in text:  # a quoted value may hold a line break: let the csv module find records
        found = csv.reader(io.StringIO(text, newline=""))
    else:  # without quotes each line is a record (a blank one empty): much faster
        found = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    records = [i + 1 for i, rec in enumerate(found) if len(rec)]
    rows = np.asarray(records[1:], dtype=np.intp)  # the first record is the header
    return rows if rows.size == n_rows else None


@dataclass(frozen=True)
class LogFile:
    """One log file as read: its table name, path for messages, frame and hash.

    ``rows`` is the spreadsheet row of each row of ``frame`` when blank lines make it
    differ from position + 2 (the header is row 1), else ``None``. The hash is worked out
    in the background (:data:`_HASHER`) and :attr:`sha256` waits for it.
    """

    table: str
    source: str
    frame: pd.DataFrame
    digest: Future[str]
    rows: IntArray | None = None

    @property
    def sha256(self) -> str:
        """SHA-256 of the file's bytes, as read."""
        return self.digest.result()


#: Hashes the logs while they are validated: validation keeps one core busy, this the other.
_HASHER = ThreadPoolExecutor(1, thread_name_prefix="rapport-cost-sha256")


def _sha256(raw: Bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


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
ISO_DATE = "%Y-%m-%d"
#: Id columns, many distinct values: kept as plain text (other text is dictionary-encoded).
ID_COLUMNS = frozenset({"contact_id", "woman_id"})


_TEXT = pa.string()
_CODED_TEXT = pa.dictionary(pa.int32(), pa.string())


def _column_types(columns: list[str], logs: Logs, *, typed: bool) -> dict[str, pa.DataType]:
    """Arrow type of each header.

    Numbers, and ISO dates, are typed when ``typed`` (Arrow's ``date32`` takes only real
    days of the calendar); ids are text; other text is dictionary-encoded (a few distinct
    values, stored as codes).
    """
    canonical = {header: name for name, header in logs.columns.items()}
    iso = logs.date_format == ISO_DATE
    out: dict[str, pa.DataType] = {}
    for header in columns:
        name = canonical.get(header, header)
        if typed and name in NUMBER_COLUMNS:
            out[header] = pa.float64()
        elif typed and iso and name in DATE_COLUMNS:
            out[header] = pa.date32()
        else:
            out[header] = _TEXT if name in ID_COLUMNS else _CODED_TEXT
    return out


Bytes = bytes | mmap.mmap


def _all_finite(table: pa.Table) -> bool:
    """No number column holds NaN or infinity (blank cells are null, not NaN).

    Arrow reads "nan", "inf" and "1e400" as floats; validation must see them as the
    text they are, to report each as not a number.
    """
    return not any(
        pa_compute.any(pa_compute.invert(pa_compute.is_finite(col))).as_py()
        for col in table.columns
        if pa.types.is_floating(col.type)
    )


def _count_lines(raw: Bytes) -> int:
    """Number of line breaks (LF, or CR in a file without any LF)."""
    data = np.frombuffer(raw, dtype=np.uint8)
    step = 1 << 18  # in slices: a small temporary, reused from the cache

    def count(byte: int) -> int:
        return sum(
            int(np.count_nonzero(data[i : i + step] == byte)) for i in range(0, len(data), step)
        )

    return count(ord("\n")) or count(ord("\r"))


def _trailing_breaks(raw: Bytes) -> int:
    r"""Line breaks after the last row (blank lines there move no row).

    >>> _trailing_breaks(b"a\n1\n\n\r\n"), _trailing_breaks(b"a\n1")
    (3, 0)
    """
    end = len(raw)
    while end and raw[end - 1] in b"\r\n":
        end -= 1
    return _count_lines(raw[end:])


def _is_ascii(raw: Bytes) -> bool:
    """Every byte below 128 (then the text is valid UTF-8, and Arrow need not check it)."""
    data = np.frombuffer(raw, dtype=np.uint8)
    step = 1 << 20
    return all(int(data[i : i + step].max()) < 128 for i in range(0, len(data), step))


def _read_typed(
    raw: Bytes,
    read_options: pa_csv.ReadOptions,
    parse_options: pa_csv.ParseOptions,
    types: dict[str, pa.DataType],
    check_utf8: bool = True,
) -> pa.Table | None:
    """The CSV with numbers and dates typed, or ``None`` if a value is not one, or not finite.

    Only an empty cell is blank (not "NA", "N/A" or "NULL", which Arrow would take for
    one by default). ``check_utf8=False`` skips Arrow's UTF-8 check of the text (for a
    file known to be ASCII).
    """
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(pa.py_buffer(raw)),
            read_options=read_options,
            parse_options=parse_options,
            convert_options=pa_csv.ConvertOptions(
                column_types=types, null_values=[""], check_utf8=check_utf8
            ),
        )
    except pa.ArrowInvalid:
        return None
    return table if _all_finite(table) else None


def _count_quotes(raw: Bytes) -> int:
    """Number of quote characters (0 without reading the file through when there are none)."""
    if raw.find(b'"') == -1:
        return 0
    data = np.frombuffer(raw, dtype=np.uint8)
    step = 1 << 18
    return sum(
        int(np.count_nonzero(data[i : i + step] == ord('"'))) for i in range(0, len(data), step)
    )


def _scan(raw: Bytes) -> tuple[int, int]:
    """Line breaks and quote characters of a file (see :func:`_count_lines`)."""
    return _count_lines(raw), _count_quotes(raw)


def _arrow_reason(exc: pa.ArrowInvalid) -> str:
    """Arrow's message without the row it quotes (it may hold a woman's id)."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
    return re.sub(r"(got \d+):.*", r"\1", first)


def _raise_shape_problems(raw: Bytes, encoding: str, source: str) -> None:
    """Raise a :class:`LogError` naming every row whose shape is wrong, if there is one."""
    problems = shape_problems(raw[:], encoding, source)
    if problems:
        msg = f"{len(problems)} problem(s) with the rows of the CSV"
        raise LogError(msg, problems)


def _read_csv(raw: Bytes, *, source: str, logs: Logs) -> tuple[pd.DataFrame, IntArray | None]:
    """Read a CSV; numbers and dates typed when every value parses, else all text.

    The fast path lets Arrow parse numbers and dates, with only an empty cell as blank
    (not "NA", "N/A" or "NULL"); if any value does not parse, or is not a finite number,
    the file is read again as text, so that validation can say which rows are wrong.
    A row with too many or too few fields, or a quote never closed (an odd number of
    quote characters), is located by :func:`~rapport_cost.fileio.csv_rows.shape_problems`.
    Returns the frame and its spreadsheet rows (:func:`spreadsheet_rows`).
    """
    enc = "utf-8" if logs.encoding == "auto" else logs.encoding
    head = raw[:65536].decode(enc, errors="replace").lstrip("\ufeff").splitlines()
    if not head or not head[0].strip():
        msg = "the file is empty or has no header row"
        raise LogError(msg, [Problem(msg, source, 1, code="empty_file")])
    columns = [c.strip() for c in next(csv.reader([head[0]]))]
    read_options = pa_csv.ReadOptions(encoding="utf8" if enc == "utf-8" else enc)
    # A quoted value may hold a line break; Arrow's parallel reader splits the file at
    # line breaks unless told, so it is told whenever the file has a quote.
    parse_options = pa_csv.ParseOptions(newlines_in_values=raw.find(b'"') != -1)
    with ThreadPoolExecutor(1) as pool:
        scan = pool.submit(_scan, raw)  # beside the parser: both scan the file
        try:
            types = _column_types(columns, logs, typed=True)
            ascii_only = _is_ascii(raw)
            arrow = _read_typed(raw, read_options, parse_options, types, not ascii_only)
            if (
                arrow is None
                and logs.encoding == "auto"
                and _decode_choice(raw[:], "auto") == "cp1252"
            ):
                # not UTF-8: Windows-1252, as Excel writes; numbers and dates typed again
                read_options = pa_csv.ReadOptions(encoding="cp1252")
                arrow = _read_typed(raw, read_options, parse_options, types)
            if arrow is None:  # a value that does not parse: everything as text
                arrow = pa_csv.read_csv(
                    pa.BufferReader(pa.py_buffer(raw)),
                    read_options=read_options,
                    parse_options=parse_options,
                    convert_options=pa_csv.ConvertOptions(
                        column_types=_column_types(columns, logs, typed=False),
                        strings_can_be_null=False,
                    ),
                )
        except pa.ArrowInvalid as exc:
            _raise_shape_problems(raw, read_options.encoding, source)
            msg = f"cannot read as CSV: {_arrow_reason(exc)}"
            raise LogError(msg, [Problem(msg, source, code="csv_syntax")]) from None
        lines, quotes = scan.result()
    if quotes % 2:  # a quote never closed reads the rest of the file as one value
        _raise_shape_problems(raw, read_options.encoding, source)
    frame: pd.DataFrame = arrow.to_pandas(date_as_object=False, split_blocks=True)
    if lines - _trailing_breaks(raw) + 1 == len(frame) + 1:
        return frame, None  # a line for the header and one for each row (blank lines after)
    text = raw[:].decode(read_options.encoding, errors="replace").lstrip("\ufeff")
    if '"' not in text:
        return frame, spreadsheet_rows(text, len(frame))
    # Rows over several lines: the csv module finds them, and checks their quotes (two
    # quotes left open can pair up across rows and merge them with an even count).
    rows, problems = quoted_records(text, source)
    if problems:
        msg = f"{len(problems)} problem(s) with the rows of the CSV"
        raise LogError(msg, problems)
    return frame, rows if rows.size == len(frame) else None


def _mapped(path: Path) -> Bytes:
    """The file's bytes, memory-mapped (a large file is not copied), or ``b""`` if empty.

    The map is not closed here: Arrow may keep views of it, and it is unmapped when the
    last one goes.
    """
    with path.open("rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return b""
        return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)


def _cell_text(value: object, date_format: str) -> str:
    """A workbook cell as text: a date cell in ``date_format``, a blank one as ""."""
    if isinstance(value, datetime.date):  # also datetime and pandas' Timestamp
        return value.strftime(date_format)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def read_xlsx(
    path: Path, source: str, date_format: str = ISO_DATE
) -> tuple[pd.DataFrame, IntArray | None]:
    """The first sheet of a workbook, every cell as text (blank cells as "").

    A date cell (how a workbook keeps a date typed in) is written in ``date_format``, so
    that it parses as the same date typed as text would. Empty rows are skipped, as a
    CSV's blank lines are; returns the frame and the spreadsheet row of each of its rows
    when an empty row moved them (else ``None``: row = position + 2).
    """
    try:
        # header=None: the header row as it is (pandas would rename a repeated header)
        sheet = pd.read_excel(path, header=None, dtype=object, engine="openpyxl")
    except (ValueError, OSError, KeyError, zipfile.BadZipFile) as exc:
        msg = f"cannot read as XLSX: {exc}"
        raise LogError(msg, [Problem(msg, source, code="xlsx")]) from None
    sheet = sheet.map(_cell_text, date_format=date_format)
    if sheet.empty:
        return pd.DataFrame(), None
    frame = sheet.iloc[1:].reset_index(drop=True)
    frame.columns = list(sheet.iloc[0])
    filled = (frame != "").any(axis=1).to_numpy()
    if filled.all():
        return frame, None
    return frame[filled].reset_index(drop=True), np.flatnonzero(filled) + 2


def read_log(path: Path, *, table: str, source: str, logs: Logs) -> LogFile:
    """Read one log file, headers mapped to canonical names (see the module docstring).

    Raises
    ------
    LogError
        If the file is missing, unreadable or not a table.
    """
    rows = None
    try:
        raw = _mapped(path)
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            frame, rows = read_xlsx(path, source, logs.date_format)
        else:
            frame, rows = _read_csv(raw, source=source, logs=logs)
    except FileNotFoundError:
        msg = "file not found"
        raise LogError(msg, [Problem(f"{table} log not found", source, code="not_found")]) from None
    except OSError as exc:
        msg = f"cannot read: {exc.strerror}"
        raise LogError(msg, [Problem(msg, source, code="unreadable")]) from None
    headers = [str(c) for c in frame.columns]
    rename = {header: canonical for canonical, header in logs.columns.items()}
    frame.columns = [rename.get(h.strip(), h.strip()) for h in headers]
    _check_unique_columns(headers, list(frame.columns), source)
    return LogFile(table, source, frame, _HASHER.submit(_sha256, raw), rows)


def _check_unique_columns(headers: list[str], names: list[str], source: str) -> None:
    """Each column name once, after ``logs.columns`` maps ``headers`` to ``names``.

    Raises
    ------
    LogError
        Naming each column that two headers give, and the headers.
    """
    by_name: dict[str, list[str]] = {}
    for header, name in zip(headers, names, strict=True):
        by_name.setdefault(name, []).append(header)
    problems = [
        Problem(
            f"{len(found)} columns give {name!r} (headers: "
            f"{', '.join(repr(h) for h in found)}); keep one",
            source,
            1,
            name,
            "duplicate_column",
        )
        for name, found in by_name.items()
        if len(found) > 1
    ]
    if problems:
        msg = f"{len(problems)} column(s) given twice"
        raise LogError(msg, problems)


def read_logs(logs: Logs, folder: Path) -> list[LogFile]:
    """Read every log the config names (paths relative to the config's folder).

    All files are read before any error is raised, so that one run reports every missing
    file.
    """

    def read(name: str) -> LogFile | LogError:
        path = folder / getattr(logs, name)
        try:
            return read_log(path, table=name, source=display_path(path), logs=logs)
        except LogError as exc:
            return exc

    # the files at once: a small file's parse fills the cores a large one leaves idle
    names = [name for name in TABLES if getattr(logs, name) is not None]
    with ThreadPoolExecutor(len(names) or 1) as pool:
        results = list(pool.map(read, names))
    files = [r for r in results if isinstance(r, LogFile)]
    problems = [p for r in results if isinstance(r, LogError) for p in r.problems]
    if problems:
        msg = f"{len(problems)} problem(s) reading the logs"
        raise LogError(msg, problems)
    return files
