"""A controlled table: the values as published and where they are suppressed."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rapport_cost.core.publish.sdc.rules import Policy


@dataclass(frozen=True, eq=False)
class ControlledTable:
    """A table after disclosure control.

    Parameters
    ----------
    table
        The table to publish, same index as the input. Controlled columns have
        object dtype and hold ``int``, ``float`` or :data:`SUPPRESSED` (``"*"``).
        Columns never published at unit level (min, max) are dropped.
    suppressed
        Boolean DataFrame, same index and columns as ``table``: ``True`` where the
        cell is suppressed.
    policy
        The policy applied.
    notes
        Plain-text sentences for the methods/footnote section of an output.
    watermark
        :data:`WATERMARK` for ``policy="none"``, else ``None``.
    key
        Column that names each row (e.g. ``"site"``), or ``None`` to use the index.
    count_columns
        Columns holding whole-number counts (typed ``Int64`` by :meth:`with_nulls`).
    """

    table: pd.DataFrame
    suppressed: pd.DataFrame
    policy: Policy
    notes: tuple[str, ...]
    watermark: str | None = None
    key: str | None = None
    count_columns: tuple[Hashable, ...] = ()

    def suppressed_cells(self) -> list[dict[str, object]]:
        """List the suppressed cells, row by row.

        Returns
        -------
        list of dict
            ``{"row": <key value or index label>, "column": <column name>}`` for
            each suppressed cell, in table order (for the JSON envelope).
        """
        if self.key is not None and self.key in self.table.columns:
            labels = self.table[self.key].tolist()
        else:
            labels = self.table.index.tolist()
        mask = self.suppressed.to_numpy(dtype=bool)
        columns = list(self.suppressed.columns)
        return [
            {"row": labels[i], "column": str(columns[j])}
            for i, j in zip(*np.nonzero(mask), strict=True)
        ]

    def with_nulls(self) -> pd.DataFrame:
        """The table with suppressed cells as nulls and controlled columns typed.

        Returns
        -------
        pandas.DataFrame
            Count columns as nullable ``Int64`` (``<NA>`` where suppressed), other
            controlled columns as ``float64`` (NaN where suppressed or not defined),
            other columns unchanged. For JSON (null) and Parquet; use it together
            with :meth:`suppressed_cells`.
        """
        out = self.table.copy()
        mask = self.suppressed
        for column in out.columns:
            if out[column].dtype != object or column == self.key:
                continue
            values = out[column].where(~mask[column], None)
            if column in self.count_columns:
                out[column] = pd.array(list(values), dtype="Int64")
            elif mask[column].any() or _is_numeric_object(values):
                out[column] = pd.to_numeric(values).astype(float)
        return out


def _is_numeric_object(values: pd.Series) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
