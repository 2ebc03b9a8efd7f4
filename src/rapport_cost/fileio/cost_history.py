"""A cost history in R ccostr's layout (``follow-up --costs FILE``), read as it is.

The file is read by :func:`rapport_cost.fileio.costs.read_costs`, the reader of every
per-person cost table: CSV (UTF-8, UTF-8 with BOM or Windows-1252, as Excel writes it), XLSX
or Parquet by the file's suffix; CSV and XLSX cells as text, so that a bad value can be
reported as it was written; the spreadsheet row of every row (the header is row 1, a CSV's
blank lines counted). Its columns and values are checked by
``rapport_cost.core.inputs.cost_history.validate_cost_history(file.frame, file.source,
file.rows)``, which the API calls (fileio and core do not import each other).
"""

from __future__ import annotations

from pathlib import Path

from rapport_cost.fileio.costs import CostsFile, read_costs


def read_cost_history(path: str | Path) -> CostsFile:
    """Read a cost history table (no checks of its columns or values).

    Parameters
    ----------
    path
        The file (``.csv``, ``.xlsx``/``.xlsm`` or ``.parquet``/``.pq``).

    Returns
    -------
    CostsFile
        The frame, the spreadsheet row of each of its rows, the path as messages name it and
        the file's hash.

    Raises
    ------
    InputError
        If the file is missing, unreadable, empty or not a table (exit code 2).
    """
    return read_costs(path)
