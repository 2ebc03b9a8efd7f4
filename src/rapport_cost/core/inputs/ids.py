"""Short text ids as 64-bit integer keys, so that matching a million ids is integer work.

Ids in the logs are usually short codes such as ``C0001234`` or ``W000159``. An id of
at most 8 bytes, zero-padded and read big-endian, is an unsigned 64-bit integer that
is distinct for distinct ids and sorts as the ids sort. Hashing, matching and checking
the order of such keys costs a fraction of doing it on text. Columns that do not fit
(longer ids, or ids with surrounding whitespace that must be stripped first) return
``None`` and take the general path through text.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rapport_cost.arrays import IntArray, KeyArray

#: Longest id, in bytes, that fits a key.
MAX_BYTES = 8
#: An id starting or ending with a byte up to this (space, tab, line breaks and other
#: control characters) or with a non-ASCII byte (some characters are whitespace) takes
#: the general path, which strips it.
_SPACE = 32


def short_keys(values: pd.Series) -> KeyArray | None:
    """Each id as a key: its UTF-8 bytes zero-padded to 8, read as a big-endian integer.

    Parameters
    ----------
    values
        A text column, shape ``(n,)``, held by Arrow (pandas' default ``str`` dtype).

    Returns
    -------
    numpy.ndarray or None
        Shape ``(n,)``, dtype uint64; a blank (empty or missing) id is 0. ``None`` when
        the column is not Arrow text, or an id is longer than :data:`MAX_BYTES`, contains
        a NUL byte, or starts or ends with whitespace, a control or a non-ASCII character.

    >>> short_keys(pd.Series(["A", "AB", ""], dtype="str")).tolist()
    [4683743612465315840, 4702320960928219136, 0]
    """
    dtype = values.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    arr = values.array.__arrow_array__().combine_chunks()  # pandas holds it: no copy
    if arr.type not in ("string", "large_string"):  # another layout (e.g. string_view)
        return None
    if arr.null_count:
        arr = arr.fill_null("")
    offsets_type = np.int64 if arr.type == "large_string" else np.int32
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(
        offsets_buf,
        dtype=offsets_type,
        count=len(arr) + 1,
        offset=arr.offset * np.dtype(offsets_type).itemsize,
    )
    lengths = np.diff(offsets)
    width = int(lengths.max(initial=0))
    if width > MAX_BYTES:
        return None
    if width == 0:  # every id blank
        return np.zeros(len(arr), dtype=np.uint64)
    data = np.frombuffer(data_buf, dtype=np.uint8)[offsets[0] : offsets[-1]]
    filled = lengths > 0
    n_filled = int(np.count_nonzero(filled))
    if n_filled * width == len(data):  # every id has the same width: its bytes are a block
        block = data.reshape(n_filled, width)
        first, last = block[:, 0], block[:, -1]
    else:
        starts = (offsets[:-1] - offsets[0])[filled]
        first, last = data[starts], data[starts + lengths[filled] - 1]
    if (
        data.min() == 0
        or min(first.min(), last.min()) <= _SPACE
        or max(first.max(), last.max()) >= 128
    ):
        return None
    padded = np.zeros((n_filled, MAX_BYTES), dtype=np.uint8)
    if n_filled * width == len(data):
        padded[:, :width] = block
    else:  # byte k of the i-th id goes to column k of row i
        used = lengths[filled]
        row = np.repeat(np.arange(n_filled, dtype=np.int64), used)
        col = np.arange(len(data), dtype=np.int64) - np.repeat(np.cumsum(used) - used, used)
        padded[row, col] = data
    keys = padded.view(">u8").ravel().astype(np.uint64)
    if n_filled == len(arr):
        return keys
    out = np.zeros(len(arr), dtype=np.uint64)
    out[filled] = keys
    return out


def factorize_keys(keys: KeyArray) -> tuple[IntArray, KeyArray]:
    """Codes and distinct keys in order of first appearance, as :func:`pandas.factorize`.

    Hashed by Arrow (through pandas' Arrow-backed arrays), a few times faster than
    pandas' own hash table on a million keys.

    Parameters
    ----------
    keys
        Shape ``(n,)``.

    Returns
    -------
    (codes, uniques)
        Shapes ``(n,)`` and ``(n_distinct,)``.
    """
    arrow_keys: Any = pd.array(keys, dtype="uint64[pyarrow]")  # type: ignore[call-overload]
    codes, uniques = pd.factorize(arrow_keys)
    return np.asarray(codes, dtype=np.intp), np.asarray(uniques, dtype=np.uint64)
