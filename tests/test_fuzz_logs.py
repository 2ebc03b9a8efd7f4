"""Any edit of the logs gives costs or a clear input error, never a crash.

Hypothesis edits the small case's logs as people do by hand (a cell overwritten, a row
deleted or copied, a column deleted, a header renamed or repeated) and ``estimate`` must
either cost them or raise a :class:`~rapport_cost.errors.RapportError` (exit 2 with the
problems listed); any other exception is a traceback for the user.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport_cost import api
from rapport_cost.errors import RapportError

CASE = Path(__file__).parent / "cases" / "small"
LOGS = ("contacts", "attendance", "women")
CELLS = st.sampled_from(
    [
        "",
        " ",
        "x",
        "-1",
        "0",
        "1e9",
        "N/A",
        "nan",
        "2025-01-05",
        "2025-02-30",
        "C1",
        "C2",
        "W1",
        "W9",
        "a",
        "b",
        "psw",
        "psw;psw",
        ";",
        "yes",
        "no",
        "group",
        "one_to_one",
        "=1+1",
        '"',
        "a,b",
        "\n",
        "W1 ",
        "1.5",
    ]
)
EDIT = st.tuples(
    st.sampled_from(LOGS),
    st.sampled_from(["cell", "drop_row", "copy_row", "drop_column", "rename", "repeat"]),
    st.integers(0, 20),
    st.integers(0, 20),
    CELLS,
)


def _apply(frame: pd.DataFrame, what: str, i: int, j: int, value: str) -> pd.DataFrame:
    """One hand edit: row ``i``, column ``j`` (both modulo the table's size)."""
    n_rows, n_cols = frame.shape
    col = frame.columns[j % n_cols]
    if what == "cell" and n_rows:
        frame.iloc[i % n_rows, j % n_cols] = value
    elif what == "drop_row" and n_rows:
        frame = frame.drop(index=frame.index[i % n_rows])
    elif what == "copy_row" and n_rows:
        frame = pd.concat([frame, frame.iloc[[i % n_rows]]])
    elif what == "drop_column" and n_cols > 1:
        frame = frame.drop(columns=col)
    elif what == "rename":
        frame = frame.rename(columns={col: value.strip() or "x"})
    elif what == "repeat":
        frame = pd.concat([frame, frame[[col]]], axis=1)
    return frame


@settings(max_examples=100, deadline=None)
@given(st.lists(EDIT, min_size=1, max_size=3))
def test_edited_logs_give_costs_or_an_input_error(
    edits: list[tuple[str, str, int, int, str]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "case"
        shutil.copytree(CASE, folder)
        for log, what, i, j, value in edits:
            path = folder / f"{log}.csv"
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            _apply(frame, what, i, j, value).to_csv(path, index=False)
        with contextlib.suppress(RapportError):  # anything else fails the test
            api.estimate(folder / "config.yaml", by=["ethnicity"])
