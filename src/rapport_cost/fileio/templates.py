"""Write a new study's files: the config, CSV log templates and an XLSX template."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from rapport_cost.errors import ExportError, Problem

#: Rows of the XLSX template that offer drop-down lists.
TEMPLATE_ROWS = 500


def _xlsx(logs: Mapping[str, pd.DataFrame], choices: Mapping[str, Sequence[str]]) -> bytes:
    """A workbook: a sheet per log, bold frozen headers, drop-downs where values are closed."""
    from openpyxl import Workbook  # noqa: PLC0415 - slow import, only here
    from openpyxl.styles import Font  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415
    from openpyxl.worksheet.datavalidation import DataValidation  # noqa: PLC0415

    book = Workbook()
    book.remove(book.active)
    lists = book.create_sheet("lists")
    ranges: dict[str, str] = {}
    for j, (column, values) in enumerate(choices.items(), start=1):
        letter = get_column_letter(j)
        lists.cell(row=1, column=j, value=column).font = Font(bold=True)
        for i, v in enumerate(values, start=2):
            lists.cell(row=i, column=j, value=v)
        ranges[column] = f"lists!${letter}$2:${letter}${len(values) + 1}"
    for name, frame in logs.items():
        sheet = book.create_sheet(name)
        for j, column in enumerate(frame.columns, start=1):
            cell = sheet.cell(row=1, column=j, value=str(column))
            cell.font = Font(bold=True)
            sheet.column_dimensions[get_column_letter(j)].width = max(12, len(str(column)) + 2)
            if column in ranges:
                letter = get_column_letter(j)
                dv = DataValidation(type="list", formula1=ranges[column], allow_blank=True)
                dv.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
                sheet.add_data_validation(dv)
        for i, row in enumerate(frame.itertuples(index=False), start=2):
            for j, value in enumerate(row, start=1):
                sheet.cell(row=i, column=j, value=value if value != "" else None)
        sheet.freeze_panes = "A2"
    book.move_sheet("lists", offset=len(logs))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_project(
    folder: Path,
    *,
    texts: Mapping[str, str],
    logs: Mapping[str, pd.DataFrame],
    choices: Mapping[str, Sequence[str]],
) -> list[Path]:
    """Write ``texts`` as files, each log as CSV, and ``logs.xlsx``; the paths written.

    Raises
    ------
    ExportError
        If the folder or a file cannot be written.
    """
    written: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in texts.items():
            path = folder / name
            path.write_text(text, encoding="utf-8")
            written.append(path)
        for name, frame in logs.items():
            path = folder / f"{name}.csv"
            frame.to_csv(path, index=False, lineterminator="\n")
            written.append(path)
        path = folder / "logs.xlsx"
        path.write_bytes(_xlsx(logs, choices))
        written.append(path)
    except OSError as exc:
        msg = f"cannot write {folder}: {exc.strerror or exc}"
        raise ExportError(msg, [Problem(msg, file=str(folder))]) from None
    return written
