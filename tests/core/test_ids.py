"""Short ids as integer keys (core/ids.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapport_cost.core.inputs.ids import factorize_keys, short_keys


def text(values: list[str | None]) -> pd.Series:
    return pd.Series(values, dtype="str")


def test_a_key_is_the_ids_bytes_zero_padded_and_read_big_endian() -> None:
    # "A" = 0x41 -> 0x41 << 56 = 65 * 2**56 = 4683743612465315840
    # "AB" = 0x4142 -> 0x4142 << 48 = 16706 * 2**48 = 4702320960928219136
    # "C0000001" is 8 bytes: 0x43 30 30 30 30 30 30 31 read as one integer
    keys = short_keys(text(["A", "AB", "C0000001"]))
    assert keys is not None
    assert keys.tolist() == [
        65 * 2**56,
        16706 * 2**48,
        0x4330303030303031,
    ]


def test_blanks_and_missing_ids_are_zero() -> None:
    keys = short_keys(text(["", None, "W1"]))
    assert keys is not None
    assert keys.tolist() == [0, 0, (ord("W") << 56) + (ord("1") << 48)]


def test_ids_of_two_widths_with_blanks_between() -> None:
    # the general path (not one block of equal widths): bytes scattered to their columns
    keys = short_keys(text(["C1", "", "C22", "C333", None]))
    assert keys is not None
    expect = [
        int.from_bytes(v.encode().ljust(8, b"\0"), "big") for v in ("C1", "", "C22", "C333", "")
    ]
    assert keys.tolist() == expect


@pytest.mark.parametrize(
    "values",
    [
        ["123456789"],  # 9 bytes: longer than a key
        [" W1"],  # surrounding whitespace must be stripped by the text path
        ["W1 "],
        ["W1\t"],
        ["é1"],  # non-ASCII first byte (some non-ASCII characters are whitespace)
        ["W\x001"],  # a NUL byte would collide with the padding
    ],
)
def test_ids_that_a_key_cannot_stand_for_take_the_text_path(values: list[str]) -> None:
    assert short_keys(text(values)) is None


def test_text_not_held_by_arrow_takes_the_text_path() -> None:
    assert short_keys(pd.Series(["W1"], dtype=object)) is None


def test_a_slice_of_several_chunks() -> None:
    chunked = pa.chunked_array([pa.array(["B", "A"]), pa.array(["C", "D"])])
    series = pd.Series(pd.arrays.ArrowStringArray(chunked))[1:3]
    keys = short_keys(series.astype("str"))
    assert keys is not None
    assert keys.tolist() == [ord("A") << 56, ord("C") << 56]


IDS = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=8)


@given(st.lists(IDS, max_size=30))
def test_keys_are_equal_and_ordered_as_the_ids_are(ids: list[str]) -> None:
    keys = short_keys(text(list(ids)))
    assert keys is not None
    for i, a in enumerate(ids):
        for j, b in enumerate(ids):
            assert (keys[i] == keys[j]) == (a == b)
            assert (keys[i] < keys[j]) == (a.encode() < b.encode())


def test_factorize_keys_codes_in_order_of_first_appearance() -> None:
    keys = np.array([30, 10, 30, 20, 10], dtype=np.uint64)
    codes, uniques = factorize_keys(keys)
    # 30 first (code 0), then 10 (code 1), then 20 (code 2), as pandas.factorize orders them
    assert codes.tolist() == [0, 1, 0, 2, 1]
    assert uniques.tolist() == [30, 10, 20]
    assert uniques.dtype == np.uint64
