"""Rows of a CSV whose shape is wrong (fileio/csv_rows.py, issue 19).

The oracle for row numbers and field counts is Python's ``csv`` module read by hand in
each test (a spreadsheet numbers every record, blank lines included, the header as row 1),
or a file built so that the bad row's number is known by construction. No message may
quote a row's content: every value in these files that could be one holds ``SECRET``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport_cost.config import Logs
from rapport_cost.errors import LogError, Problem
from rapport_cost.fileio.csv_rows import MAX_LISTED, shape_problems
from rapport_cost.fileio.logs import read_log

LOGS = Logs(contacts="c.csv", women="w.csv")


def where(problems: list[Problem]) -> list[tuple[int | None, str]]:
    return [(p.line, p.code) for p in problems]


def assert_no_content(problems: list[Problem]) -> None:
    for p in problems:
        assert "SECRET" not in str(p), str(p)


def test_too_many_and_too_few_fields_with_blank_lines() -> None:
    # header row 1, row 2 good, row 3 one field too many, row 4 blank, row 5 two short
    raw = b"id,a,b\nSECRET1,1,2\nSECRET2,1,2,3\n\nSECRET3\n"
    problems = shape_problems(raw, "utf-8", "w.csv")
    assert where(problems) == [(3, "field_count"), (5, "field_count")]
    assert [p.message for p in problems] == [
        "expected 3 fields (as in the header), found 4",
        "expected 3 fields (as in the header), found 1",
    ]
    assert all(p.file == "w.csv" for p in problems)
    assert_no_content(problems)


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_line_ends_and_bom(newline: bytes, bom: bytes) -> None:
    # the same file with each line end: rows 2, 3 (blank), 4 (short); with or without BOM
    raw = bom + newline.join([b"id,a", b"SECRET,1", b"", b"SECRET", b""])
    problems = shape_problems(raw, "utf-8", "w.csv")
    assert where(problems) == [(4, "field_count")]


def test_windows_1252_and_quoted_values() -> None:
    # cp1252 bytes (é is 0xE9, not UTF-8); a quoted value holds a comma and a line break,
    # so row 2 spans lines 2-3 and the short row is row 3, on line 4
    raw = 'id,note\nSECRET,"caf\u00e9, a\nb"\nSECRET\u00e9\n'.encode("cp1252")
    problems = shape_problems(raw, "cp1252", "w.csv")
    assert where(problems) == [(3, "field_count")]
    assert problems[0].message == "expected 2 fields (as in the header), found 1"
    assert_no_content(problems)


def test_a_quoted_row_over_lines_with_a_wrong_count_names_its_lines() -> None:
    raw = b'id,a\n"SECRET\nSECRET",1,2\n'
    [problem] = shape_problems(raw, "utf-8", "w.csv")
    assert problem.line == 2
    assert "found 3 (the row runs over lines 2 to 3" in problem.message


@pytest.mark.parametrize(
    ("raw", "row", "field", "lines"),
    [
        (b'id,a,b\nSECRET,1,"2\n', 2, "b", "lines 2 to 2"),  # at the end of the file
        (b'id,a,b\nSECRET,1,2\nSECRET,"SECRET,3\nSECRET,1,2\n', 3, "a", "lines 3 to 4"),
    ],
)
def test_unclosed_quote(raw: bytes, row: int, field: str, lines: str) -> None:
    [problem] = shape_problems(raw, "utf-8", "w.csv")
    assert (problem.line, problem.field, problem.code) == (row, field, "unclosed_quote")
    assert lines in problem.message
    assert_no_content([problem])


def test_quote_inside_an_unquoted_value_is_no_problem() -> None:
    # 5" is a literal quote (not at the start of a value): an odd count, but no open quote
    assert shape_problems(b'id,a\nSECRET,5" tall\n', "utf-8", "w.csv") == []


def test_at_most_max_listed_rows_then_a_count() -> None:
    raw = b"id,a\n" + b"SECRET\n" * (MAX_LISTED + 7)
    problems = shape_problems(raw, "utf-8", "w.csv")
    assert len(problems) == MAX_LISTED + 1
    assert problems[-1].message == "... and 7 more rows with this problem (field_count)"


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(0, 4), min_size=1, max_size=15),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.booleans(),
)
def test_rows_and_counts_match_the_csv_module(
    widths: list[int], newline: str, quoted: bool
) -> None:
    # rows of 0 (blank) to 4 fields under a header of 3, optionally one quoted value
    # (then the csv-module path is taken): the problems are the records whose length is
    # not 3, numbered as the csv module enumerates records
    cell = '"x,y"' if quoted else "x"
    lines = ["h1,h2,h3", *(",".join([cell] * w) for w in widths)]
    text = newline.join(lines) + newline
    records = list(csv.reader(io.StringIO(text, newline="")))
    expected = [i + 1 for i, rec in enumerate(records) if i > 0 and rec and len(rec) != 3]
    got = shape_problems(text.encode(), "utf-8", "w.csv")
    assert [p.line for p in got] == expected[:MAX_LISTED]


# ------------------------------------------------------------------ through the reader


def test_reader_reports_every_bad_row_of_a_file(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_bytes(b"woman_id,site\nSECRET1,a\nSECRET2,a,b\nSECRET3\nSECRET4,b\n")
    with pytest.raises(LogError) as err:
        read_log(path, table="women", source="w.csv", logs=LOGS)
    assert where(err.value.problems) == [(3, "field_count"), (4, "field_count")]
    assert "SECRET" not in "\n".join(err.value.lines())


def test_two_open_quotes_that_pair_up_are_reported(tmp_path: Path) -> None:
    # each of rows 2 and 3 opens a quote it never closes; the two pair up (an even count)
    # and would merge the rows into one, which Arrow and the csv module accept
    path = tmp_path / "w.csv"
    path.write_bytes(b'woman_id,note\nSECRET1,"a\nSECRET2,"b\nSECRET3,c\n')
    with pytest.raises(LogError) as err:
        read_log(path, table="women", source="w.csv", logs=LOGS)
    assert where(err.value.problems) == [(2, "broken_quote")]
    assert "SECRET" not in "\n".join(err.value.lines())


def test_values_with_line_breaks_in_a_large_file_are_read(tmp_path: Path) -> None:
    # > 1 MB, so that Arrow reads it in blocks in parallel: line breaks inside quoted
    # values must not split a row (rows 2, 3, ... each over two lines)
    n = 60_000
    body = b"".join(b'W%d,"line one\nline two, SECRET"\n' % i for i in range(n))
    path = tmp_path / "w.csv"
    path.write_bytes(b"woman_id,note\n" + body)
    log = read_log(path, table="women", source="w.csv", logs=LOGS)
    assert len(log.frame) == n
    assert log.rows is None or log.rows.tolist() == list(range(2, n + 2))


def test_a_bad_last_row_of_a_million_rows_is_named(tmp_path: Path) -> None:
    # 1,000,000 data rows after the header (row 1): the last, short, is row 1,000,001
    n = 1_000_000
    path = tmp_path / "w.csv"
    path.write_bytes(b"woman_id,site\n" + b"W,a\n" * (n - 1) + b"SECRET\n")
    with pytest.raises(LogError) as err:
        read_log(path, table="women", source="w.csv", logs=LOGS)
    [problem] = err.value.problems
    assert (problem.line, problem.code) == (n + 1, "field_count")
    assert problem.message == "expected 2 fields (as in the header), found 1"
