"""Reading logs: encodings, XLSX, header maps and UK dates give the same costs."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport_cost import api
from rapport_cost.config import Logs
from rapport_cost.errors import LogError
from rapport_cost.fileio import logs as logs_reader
from rapport_cost.fileio.logs import read_log, spreadsheet_rows

CASE = Path(__file__).parents[1] / "cases" / "small"


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "case"
    shutil.copytree(CASE, folder)
    return folder


def _edit(folder: Path, **logs: object) -> None:
    cfg = yaml.safe_load((folder / "config.yaml").read_text())
    cfg["logs"].update(logs)
    (folder / "config.yaml").write_text(yaml.safe_dump(cfg))


def _total(folder: Path) -> float:
    pu = api.estimate(folder / "config.yaml").tables["per_unit"]
    return float(pu.loc[pu["site"] == "all", "total_cost"].iloc[0])


EXPECTED = 181 + 30 / 1.035 + 50  # tests/api/test_estimate_small.py


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_encodings(tmp_path: Path, encoding: str) -> None:
    folder = _copy(tmp_path)
    women = (folder / "women.csv").read_text().replace("White", "Wh\u00eete")  # a non-ASCII value
    (folder / "women.csv").write_bytes(women.encode(encoding))
    assert _total(folder) == pytest.approx(EXPECTED)
    r = api.estimate(folder / "config.yaml", by=["ethnicity"])
    assert "Wh\u00eete" in set(r.tables["by_ethnicity"]["ethnicity"])


def test_xlsx_logs(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    for name in ("contacts", "attendance", "women"):
        frame = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        frame.to_excel(folder / f"{name}.xlsx", index=False)
    _edit(folder, contacts="contacts.xlsx", attendance="attendance.xlsx", women="women.xlsx")
    assert _total(folder) == pytest.approx(EXPECTED)


@pytest.mark.parametrize("date_format", ["%Y-%m-%d", "%d/%m/%Y"])
def test_xlsx_logs_with_date_and_number_cells(tmp_path: Path, date_format: str) -> None:
    # a workbook keeps a typed-in date as a date cell and minutes as number cells (not
    # text); the dates must read as the same days whatever the config's date_format
    folder = _copy(tmp_path)
    for name in ("contacts", "attendance", "women"):
        frame = pd.read_csv(folder / f"{name}.csv")  # numbers typed, blanks empty
        for col in ("date", "admission_date", "discharge_date"):
            if col in frame:
                frame[col] = pd.to_datetime(frame[col])
        frame.to_excel(folder / f"{name}.xlsx", index=False)
    _edit(
        folder,
        contacts="contacts.xlsx",
        attendance="attendance.xlsx",
        women="women.xlsx",
        date_format=date_format,
    )
    assert _total(folder) == pytest.approx(EXPECTED)


def test_column_map_and_uk_dates(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    for name in ("contacts", "women"):
        frame = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        for col in ("date", "admission_date", "discharge_date"):
            if col in frame:
                frame[col] = pd.to_datetime(frame[col]).dt.strftime("%d/%m/%Y")
        frame = frame.rename(columns={"woman_id": "Patient ID", "duration_min": "Minutes"})
        frame.to_csv(folder / f"{name}.csv", index=False)
    att = (folder / "attendance.csv").read_text().replace("woman_id", "Patient ID")
    (folder / "attendance.csv").write_text(att)
    _edit(
        folder,
        date_format="%d/%m/%Y",
        columns={"woman_id": "Patient ID", "duration_min": "Minutes"},
    )
    assert _total(folder) == pytest.approx(EXPECTED)


def test_blank_lines_after_the_last_row_move_no_row(tmp_path: Path) -> None:
    # a spreadsheet export often ends in empty lines: every row is still at position + 2,
    # so the reader keeps no row map (rows is None); a blank line between rows needs one
    logs = Logs(contacts="c.csv", women="w.csv")
    end = tmp_path / "end.csv"
    end.write_bytes(b"contact_id,woman_id\r\nC1,W1\r\nC2,W2\r\n\r\n\r\n")
    assert read_log(end, table="attendance", source="end.csv", logs=logs).rows is None
    middle = tmp_path / "middle.csv"
    middle.write_bytes(b"contact_id,woman_id\nC1,W1\n\nC2,W2\n\n")
    rows = read_log(middle, table="attendance", source="middle.csv", logs=logs).rows
    assert rows is not None
    assert rows.tolist() == [2, 4]  # header row 1, C1 row 2, blank row 3, C2 row 4


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ("a,b\n1,2\n\n3,4\n", [2, 4]),
        ("a,b\r\n\r\n1,2\r\n3,4\r\n\r\n5,6", [3, 4, 6]),
        ("a,b\r1,2\r\r3,4\r", [2, 4]),
        ("a,b\n,\n\n3,4\n", [2, 4]),  # a row of empty values is a row; an empty line is not
        ('a,b\n"1\n\n1",2\n\n3,4\n', [2, 4]),  # quoted: the csv module, a value over lines
    ],
)
def test_spreadsheet_rows_count_blank_lines(text: str, rows: list[int]) -> None:
    found = spreadsheet_rows(text, len(rows))
    assert found is not None
    assert found.tolist() == rows


@given(
    st.lists(st.text(alphabet="ab1, ", max_size=6), min_size=1, max_size=12),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_spreadsheet_rows_without_quotes_match_the_csv_module(
    lines: list[str], newline: str
) -> None:
    # the fast path (lines split, nothing quoted) numbers rows as the csv module does
    text = newline.join(["h,i", *lines]) + newline
    records = list(csv.reader(io.StringIO(text, newline="")))
    expected = [i + 1 for i, rec in enumerate(records) if rec][1:]
    found = spreadsheet_rows(text, len(expected))
    # None: no blank line, every row at position + 2
    rows = list(range(2, len(expected) + 2)) if found is None else found.tolist()
    assert rows == expected


#: Cells that a reader may take for a number, a date or a blank when they are none.
ODD_CELLS = [
    "", " ", "N/A", "NA", "NULL", "null", "#N/A", "nan", "NaN", "inf", "-inf", "Infinity",
    "1e400", "-", "1,5", "0x1A", "1_000", " 5", "5 ", "+5", ".5", "5.", "1e2", "-0", "-1",
    "2025-02-30", "2025-04-31", "2024-02-29", "2025-02-29", "2025-4-1", " 2025-01-05",
    "2025-01-05 ", "2025-01-05T00:00", "2025-01-05 00:00", "05/01/2025", "20250105",
]  # fmt: skip
CELLS = [  # (log, column) of a number or date cell, and the rows of that log
    ("contacts", col, 5)
    for col in ("date", "duration_min", "prep_min", "travel_min", "miles", "other_attendees",
                "capacity")
] + [("women", col, 4) for col in ("admission_date", "discharge_date")]  # fmt: skip


def _outcome(config: Path) -> object:
    """Every problem found, or every per-woman figure."""
    try:
        result = api.estimate(config)
    except LogError as exc:
        return sorted(exc.lines())
    return result.tables["per_woman"].to_dict("list")


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(CELLS),
    st.integers(0, 4),
    st.one_of(st.sampled_from(ODD_CELLS), st.integers(-3, 200).map(str)),
)
def test_a_cell_is_judged_alike_by_the_fast_and_the_text_reader(
    cell: tuple[str, str, int], row: int, value: str
) -> None:
    # the typed fast path must accept, blank or reject a cell exactly as the text path
    # (which validation parses) does, whatever the rest of the file holds
    log, column, n_rows = cell
    with tempfile.TemporaryDirectory() as tmp:
        folder = _copy(Path(tmp))
        frame = pd.read_csv(folder / f"{log}.csv", dtype=str, keep_default_na=False)
        frame.loc[row % n_rows, column] = value
        frame.to_csv(folder / f"{log}.csv", index=False)
        fast = _outcome(folder / "config.yaml")
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(logs_reader, "_read_typed", lambda *_: None)
            text = _outcome(folder / "config.yaml")
    assert fast == text


def test_xlsx_empty_rows_are_skipped_and_rows_still_named(tmp_path: Path) -> None:
    # an empty row inside a sheet is skipped, as a CSV's blank line is, and a problem
    # below it is named by the row the spreadsheet shows
    folder = _copy(tmp_path)
    frame = pd.read_csv(folder / "contacts.csv")
    frame.loc[frame["contact_id"] == "C3", "duration_min"] = -5
    frame.to_excel(folder / "contacts.xlsx", index=False)
    book = openpyxl.load_workbook(folder / "contacts.xlsx")
    book.active.insert_rows(3)  # header row 1, C1 row 2, empty row 3, C2 row 4, C3 row 5
    book.save(folder / "contacts.xlsx")
    _edit(folder, contacts="contacts.xlsx")
    with pytest.raises(LogError) as err:
        api.estimate(folder / "config.yaml")
    assert [(p.line, p.field) for p in err.value.problems] == [(5, "duration_min")]


def test_a_mapped_header_that_meets_the_canonical_one_is_reported(tmp_path: Path) -> None:
    # logs.columns maps 'Patient ID' to woman_id, and the file also has woman_id: which
    # column holds the woman is ambiguous, so the reader says so instead of picking one
    logs = Logs(contacts="c.csv", women="w.csv", columns={"woman_id": "Patient ID"})
    path = tmp_path / "w.csv"
    path.write_text("Patient ID,site,admission_date,woman_id\nP1,a,2025-01-01,W1\n")
    with pytest.raises(LogError) as err:
        read_log(path, table="women", source="w.csv", logs=logs)
    [problem] = err.value.problems
    assert (problem.line, problem.field) == (1, "woman_id")
    assert "headers: 'Patient ID', 'woman_id'" in problem.message


def test_a_header_repeated_in_a_workbook_is_reported(tmp_path: Path) -> None:
    # pandas would read the second 'site' as 'site.1' and the log would pass with the
    # first; the reader keeps the headers as they are and reports the repeat
    logs = Logs(contacts="c.csv", women="w.xlsx")
    path = tmp_path / "w.xlsx"
    frame = pd.DataFrame([["W1", "a", "2025-01-01", "b"]])
    frame.columns = ["woman_id", "site", "admission_date", "site"]
    frame.to_excel(path, index=False)
    with pytest.raises(LogError) as err:
        read_log(path, table="women", source="w.xlsx", logs=logs)
    [problem] = err.value.problems
    assert (problem.line, problem.field) == (1, "site")


@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from(["admission_date", "discharge_date"]),
    st.integers(0, 3),
    st.one_of(st.sampled_from(ODD_CELLS), st.integers(-3, 200).map(str)),
)
def test_a_windows_1252_file_is_judged_alike_by_the_fast_and_the_text_reader(
    column: str, row: int, value: str
) -> None:
    # a women log that is not UTF-8 (an accented value): read typed in Windows-1252, its
    # date cells must be accepted, blanked or rejected exactly as by the text path
    with tempfile.TemporaryDirectory() as tmp:
        folder = _copy(Path(tmp))
        frame = pd.read_csv(folder / "women.csv", dtype=str, keep_default_na=False)
        frame.loc[0, "ethnicity"] = "Wh\u00eete"
        frame.loc[row, column] = value
        (folder / "women.csv").write_bytes(frame.to_csv(index=False).encode("cp1252"))
        fast = _outcome(folder / "config.yaml")
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(logs_reader, "_read_typed", lambda *_: None)
            text = _outcome(folder / "config.yaml")
    assert fast == text
