"""Rich rendering of results, errors and warnings (the only module that prints tables)."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as ProgressBar
from rich.table import Table

from rapport_cost.api import Result
from rapport_cost.cli.messages import print_error, print_warnings, stderr
from rapport_cost.fileio.export import caption, for_display

__all__ = ["print_error", "print_result", "print_warnings", "progress_bar", "stderr", "table"]

# Piped output is not wrapped to 80 columns: tables are read in files and diffs.
stdout = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200)

#: Columns shown without decimals (counts), everything else numeric with two.
_COUNT_COLUMNS = {"women", "contacts", "n", "resamples", "admissions", "sessions", "draws", "k"}
#: Columns of ``explain`` shown to six decimals, so that a line can be checked by hand.
_PRECISE_COLUMNS = {"units", "unit_price", "discount_factor", "figure", "hours"}


def _cell(col: str, v: object) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int) or (col in _COUNT_COLUMNS and isinstance(v, float) and v.is_integer()):
        return f"{int(v):,}"
    if isinstance(v, float):
        if col.startswith("share") or col in {"factor", "z0", "acceleration", "level"}:
            return f"{v:.4g}"
        if col in _PRECISE_COLUMNS:
            return f"{v:,.6f}".rstrip("0").rstrip(".")
        return f"{v:,.2f}"
    return str(v)


def table(df: pd.DataFrame, *, title: str, caption_text: str = "") -> Table:
    """A rich table; numbers right-aligned and rounded for display only.

    A table with more than 8 columns and at most 6 rows is shown transposed
    (:func:`~rapport_cost.fileio.export.for_display`).
    """
    df, transposed = for_display(df)
    t = Table(
        title=title,
        caption=caption_text or None,
        title_justify="left",
        caption_justify="left",
        header_style="bold",
    )
    for i, col in enumerate(df.columns):
        numeric = i > 0 and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in df[col].dropna()
        )
        t.add_column(str(col), justify="right" if numeric else "left", no_wrap=numeric)
    for row in df.itertuples(index=False):
        label = str(row[0])
        t.add_row(
            *(
                _cell(label if transposed else str(c), v)
                for c, v in zip(df.columns, row, strict=True)
            )
        )
    return t


def print_result(result: Result, names: Iterable[str] | None = None) -> None:
    """Print the chosen tables of a result (all by default) and its warnings."""
    cap = caption(result.envelope())
    for name in names if names is not None else result.tables:
        stdout.print(table(result.tables[name], title=name, caption_text=cap))
        stdout.print()
    print_warnings(result.warnings)


@contextmanager
def progress_bar(label: str, *, quiet: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A progress callback ``(done, total)`` drawing a bar on stderr.

    ``None`` when stderr is not a terminal (piped, CI) or with ``--quiet``.
    """
    if quiet or not stderr.is_terminal:
        yield None
        return
    bar = ProgressBar(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=stderr, transient=True)  # fmt: skip
    task = bar.add_task(label, total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        yield update
