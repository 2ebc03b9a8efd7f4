"""Text columns of the synthetic logs, built fast for millions of rows: names by code and ids."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from rapport_cost.arrays import Int64Array


def _text(codes: Int64Array, categories: npt.ArrayLike | pd.Series) -> pd.Series:
    """Strings ``categories[codes]`` as a pandas string column, fast for millions of rows."""
    return _take(pd.Series(categories, dtype="str"), codes)


def _take(values: pd.Series, positions: npt.NDArray[np.integer]) -> pd.Series:
    return pd.Series(values.array.take(positions))


def _ids(prefix: str, n: int, width: int) -> pd.Series:
    numbers = pd.Series(np.arange(1, n + 1, dtype=np.int64)).astype("str")
    return prefix + numbers.str.zfill(width)
