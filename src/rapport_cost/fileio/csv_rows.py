"""Find the rows of a CSV whose shape is wrong: too many or too few fields, an unclosed quote.

Arrow's reader stops at the first such row, and its message quotes the row (which may hold
a woman's id) without a usable row number. When it stops, or when a file has an odd number
of quote characters (a quote that opens a value and is never closed reads the rest of the
file into that value, which Arrow accepts), :func:`shape_problems` reads the file again to
name every such row: its number as a spreadsheet shows it (the header is row 1, a blank
line is a row), the fields expected (the header's) and found. A message never quotes a
row's content.

Without any quote character each line is one row and its fields are its commas plus one,
counted on the bytes (the same in UTF-8 and Windows-1252) with NumPy, so a bad row at the
end of a file of a million rows is found in a fraction of a second. With quotes, Python's
``csv`` module finds the rows (a quoted value may hold line breaks).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import numpy as np

from rapport_cost.arrays import IntArray
from rapport_cost.errors import Problem

#: Rows listed per kind of problem; the rest are counted in one more line.
MAX_LISTED = 100

_STEP = 1 << 22  # bytes per slice of the vectorised scan


def _positions(data: np.ndarray, byte: int) -> IntArray:
    """Offsets of ``byte`` in ``data``, found a slice at a time (small temporaries)."""
    parts = [np.flatnonzero(data[i : i + _STEP] == byte) + i for i in range(0, data.size, _STEP)]
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.intp)


def _field_counts(raw: bytes) -> tuple[IntArray, IntArray]:
    """Spreadsheet row and field count of every non-blank line of a CSV without quotes."""
    data = np.frombuffer(raw, dtype=np.uint8)
    breaks = _positions(data, ord("\n"))
    if breaks.size == 0:
        breaks = _positions(data, ord("\r"))  # old Mac line ends
    ends = np.append(breaks, data.size)  # the last line may have no line break
    starts = np.concatenate([[0], breaks + 1])
    commas = _positions(data, ord(","))
    fields = np.diff(np.searchsorted(commas, np.concatenate([[0], ends]))) + 1
    length = ends - starts
    if length.size:  # a line that is empty, or only the CR of a CRLF, is blank
        cr = np.zeros(length.size, dtype=bool)
        nonempty = length > 0
        cr[nonempty] = data[ends[nonempty] - 1] == ord("\r")
        length = length - cr
    filled = np.flatnonzero(length > 0)
    return filled + 1, fields[filled]


def _count_problems(rows: IntArray, fields: IntArray, source: str) -> list[Problem]:
    expected = int(fields[0])
    bad = np.flatnonzero(fields[1:] != expected) + 1
    problems = [
        Problem(
            f"expected {expected} fields (as in the header), found {int(fields[i])}",
            source,
            int(rows[i]),
            code="field_count",
        )
        for i in bad[:MAX_LISTED]
    ]
    if bad.size > MAX_LISTED:
        problems.append(_more(int(bad.size) - MAX_LISTED, "field_count", source))
    return problems


def _more(n: int, code: str, source: str) -> Problem:
    return Problem(f"... and {n} more rows with this problem ({code})", source, code=code)


def _records(text: str) -> Iterator[tuple[list[str], int, int, list[str]]]:
    """Each record of ``text`` with its first and last line and the lines it was read from."""
    read: list[str] = []

    def lines() -> Iterator[str]:
        for line in io.StringIO(text, newline=""):
            read.append(line)
            yield line

    reader = csv.reader(lines())
    last = 0
    for record in reader:
        yield record, last + 1, reader.line_num, read[:]
        last = reader.line_num
        read.clear()


def _strict_error(lines: list[str]) -> str | None:
    """What strict CSV parsing says of a record's text, or ``None`` if it is well formed."""
    try:
        for _ in csv.reader(lines, strict=True):
            pass
    except csv.Error as exc:
        return str(exc)
    return None


class _Collected:
    """Problems of one file, at most :data:`MAX_LISTED` of each kind."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.counts: dict[str, int] = {}

    def add(self, message: str, row: int, code: str, column: str | None = None) -> None:
        """List one problem (or only count it, past :data:`MAX_LISTED` of its kind)."""
        self.counts[code] = self.counts.get(code, 0) + 1
        if self.counts[code] <= MAX_LISTED:
            self.problems.append(Problem(message, self.source, row, column, code))

    def done(self) -> list[Problem]:
        """The problems listed, then one line per kind counting those not listed."""
        more = [
            _more(n - MAX_LISTED, code, self.source)
            for code, n in self.counts.items()
            if n > MAX_LISTED
        ]
        return self.problems + more


def _record_problem(
    out: _Collected, record: list[str], header: list[str], row: int, lines: tuple[int, int]
) -> None:
    first, last = lines
    span = (
        f" (the row runs over lines {first} to {last}: a quoted value holds a line break, or "
        "a quote is not closed)"
        if last > first
        else ""
    )
    out.add(
        f"expected {len(header)} fields (as in the header), found {len(record)}{span}",
        row,
        "field_count",
    )


def quoted_records(text: str, source: str) -> tuple[IntArray, list[Problem]]:
    """Read a CSV with quotes record by record (Python's ``csv`` module).

    Parameters
    ----------
    text
        The decoded file (no BOM).
    source
        The file as messages name it.

    Returns
    -------
    (rows, problems)
        The spreadsheet row of every data record (blank lines skipped but counted), and
        the problems: a record whose number of fields is not the header's
        (``field_count``); a quote never closed, which reads the rest of the file into
        one value (``unclosed_quote``); a quoted value over several lines in which a quote
        is followed by other text, as when a quote is missing and the next one closes the
        value rows later (``broken_quote``). Messages name rows and fields, never values.
    """
    out = _Collected(source)
    header: list[str] = []
    rows: list[int] = []
    last: tuple[list[str], int, int, int, list[str]] | None = None
    for row, (record, first, line, read) in enumerate(_records(text), start=1):
        if not record:
            continue  # a blank line: a row in a spreadsheet, nothing here
        if row == 1:
            header = record
            continue
        rows.append(row)
        last = (record, row, first, line, read)
        error = _strict_error(read) if line > first else None
        if error is not None and "unexpected end of data" not in error:
            out.add(
                f"a quoted value runs over lines {first} to {line} and a quote inside it is "
                "followed by other text: a quote is probably missing; check the quotes",
                row,
                "broken_quote",
            )
        elif len(record) != len(header):
            _record_problem(out, record, header, row, (first, line))
    if last is not None and (_strict_error(last[4]) or "").startswith("unexpected end of data"):
        record, row, first, line, _ = last
        k = len(record)
        column = header[k - 1].strip() if 0 < k <= len(header) else None
        out.problems = [p for p in out.problems if p.line != row]  # the quote explains it
        out.add(
            f"a quote opens field {k} and is never closed, so the rest of the file (lines "
            f"{first} to {line}) reads as one value; close the quote",
            row,
            "unclosed_quote",
            column,
        )
    return np.asarray(rows, dtype=np.intp), out.done()


def shape_problems(raw: bytes, encoding: str, source: str) -> list[Problem]:
    """Every row of a CSV with the wrong number of fields, and an unclosed quote.

    Parameters
    ----------
    raw
        The file's bytes.
    encoding
        How the file is decoded (``utf-8``, which also reads a BOM, or ``cp1252``).
    source
        The file as messages name it.

    Returns
    -------
    list of Problem
        Each with the spreadsheet row (header = row 1, blank lines counted) and the code
        ``field_count`` or ``unclosed_quote``; at most :data:`MAX_LISTED` rows of a kind,
        then one line counting the rest. Empty when the shape is right.
    """
    if b'"' not in raw:
        rows, fields = _field_counts(raw)
        return _count_problems(rows, fields, source) if rows.size else []
    text = raw.decode(encoding, errors="replace").lstrip("\ufeff")
    return quoted_records(text, source)[1]
