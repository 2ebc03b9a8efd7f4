"""Text columns as codes into their distinct values, and lookups of rows between logs."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rapport_cost.arrays import BoolArray, IntArray, KeyArray
from rapport_cost.core.inputs.ids import factorize_keys, short_keys


@dataclass(frozen=True)
class _Factor:
    """A text column as integer codes into its distinct, stripped values ("" = blank).

    ``uniques`` is a text Index (Arrow-backed when the reader gave Arrow strings), so a
    million distinct ids are never turned into Python objects. ``keys`` holds the
    integer key of each unique (:mod:`rapport_cost.core.inputs.ids`) when the column is short
    ids; lookups between two such columns then match integers, not text.
    """

    codes: IntArray
    uniques: pd.Index[str]
    keys: KeyArray | None = None

    @classmethod
    def of(cls, frame: pd.DataFrame, col: str) -> _Factor:
        if col not in frame.columns:
            return cls(np.zeros(len(frame), dtype=np.intp), pd.Index([""], dtype=object))
        s = frame[col]
        keyed = cls.keyed(s)
        if keyed is not None:
            return keyed
        if isinstance(s.dtype, pd.CategoricalDtype):
            codes = np.asarray(s.cat.codes.to_numpy(), dtype=np.intp)
            raw: pd.Index[str] = s.cat.categories.astype(str)
        else:
            factor_codes, uniq = pd.factorize(s, use_na_sentinel=True)
            codes = np.asarray(factor_codes, dtype=np.intp)
            raw = pd.Index(uniq).astype(str)
        stripped = raw.str.strip()
        if bool((stripped == raw).all()):  # nothing to strip: the values are the uniques
            blank = np.flatnonzero(np.asarray(raw == ""))
            if blank.size == 0:  # the blank is always a value, appended last
                blank, raw = np.array([len(raw)]), raw.append(pd.Index([""], dtype=raw.dtype))
            codes = np.where(codes < 0, blank[0], codes)  # NA is blank
            keys = short_keys(pd.Series(raw, copy=False))
            return cls(codes, raw, keys)
        codes = np.where(codes < 0, len(raw), codes)  # NA becomes the blank appended last
        # values equal after stripping share one code; blanks share the code of ""
        canon, uniques = pd.factorize(np.append(np.asarray(stripped, dtype=object), ""))
        return cls(np.asarray(canon, dtype=np.intp)[codes], pd.Index(uniques, dtype=object))

    @classmethod
    def keyed(cls, s: pd.Series) -> _Factor | None:
        """The factor of a column of short ids, by their integer keys (else ``None``).

        Sorted ids (the usual order of an id column, and of a log listed by session) are
        coded by their runs, without hashing.
        """
        keys = short_keys(s)
        if keys is None:
            return None
        if bool((keys[1:] >= keys[:-1]).all()):
            new_run = np.append(True, keys[1:] != keys[:-1])[: len(keys)]
            codes = np.cumsum(new_run, dtype=np.intp) - 1
            uniq, first = keys[new_run], np.flatnonzero(new_run)
        else:
            codes, uniq = factorize_keys(keys)
            first = _first_row_of_value(codes, len(uniq))
        text = pd.Index(s, dtype=s.dtype).fillna("")
        uniques = text[first]
        if not (uniq == 0).any():  # the blank ("", key 0) is always a value
            uniq = np.append(uniq, np.uint64(0))
            uniques = uniques.append(pd.Index([""], dtype=text.dtype))
        return cls(codes, uniques, uniq)

    def mask(self, flags: BoolArray) -> BoolArray:
        """Rows whose value's flag (one per distinct value) is true."""
        return flags[self.codes]

    @classmethod
    def of_values(cls, values: list[str]) -> _Factor:
        """A factor of the given values (for looking them up)."""
        return cls(np.arange(len(values), dtype=np.intp), pd.Index(values, dtype=object))

    def blank_values(self) -> BoolArray:
        """Whether each distinct value is the blank."""
        return self.keys == 0 if self.keys is not None else np.asarray(self.uniques == "")

    def blank(self) -> BoolArray:
        return self.mask(self.blank_values())

    def isin(self, known: set[str]) -> BoolArray:
        return self.mask(np.asarray(self.uniques.isin(list(known))))

    def at(self, rows: BoolArray) -> list[str]:
        """The values of the flagged rows (for messages)."""
        return [str(v) for v in self.uniques[self.codes[rows]]]

    def categorical(self, categories: tuple[str, ...]) -> pd.Categorical[str]:
        """The column as a categorical with the given categories (others become NaN)."""
        pos = pd.Index(list(categories)).get_indexer(self.uniques)
        cats: pd.Index[str] = pd.Index(list(categories), dtype=object)
        return pd.Categorical.from_codes(pos[self.codes], categories=cats)

    @functools.cached_property
    def key_index(self) -> pd.Index[Any]:
        """The keys as an Index, whose hash table is built once, then reused."""
        assert self.keys is not None
        return pd.Index(self.keys)

    def lookup(self, values: _Factor, used: IntArray | None = None) -> IntArray:
        """Position of each distinct value of ``values`` in ``uniques``, -1 if absent.

        ``used`` restricts ``uniques`` to those positions (and the result indexes them).
        Integer keys are matched when both sides have them.
        """
        index: pd.Index[Any]
        theirs: pd.Index[Any]
        if self.keys is not None and values.keys is not None:
            index, theirs = self.key_index, pd.Index(values.keys)
        else:
            index, theirs = self.uniques, values.uniques
        if used is not None:
            index = index[used]
        return np.asarray(index.get_indexer(theirs), dtype=np.intp)

    def first_rows(self) -> IntArray:
        """For each row, the first row with the same value."""
        return _first_row_of_value(self.codes, len(self.uniques))[self.codes]


def _repeated(values: npt.NDArray[np.int64]) -> BoolArray:
    """Rows whose value is in an earlier row (compared with the row above when sorted)."""
    if bool((values[1:] >= values[:-1]).all()):
        return np.append(False, values[1:] == values[:-1])[: len(values)]
    return np.asarray(pd.Series(values).duplicated(keep="first").to_numpy(), dtype=bool)


def _first_row_of_value(codes: IntArray, n_values: int) -> IntArray:
    """For each of ``n_values`` codes, the first row that has it (-1 if none)."""
    first = np.full(n_values, -1, dtype=np.intp)
    first[codes[::-1]] = np.arange(len(codes), dtype=np.intp)[::-1]  # the last write wins
    return first


def _take(values: npt.NDArray[Any], pos: IntArray, fill: object) -> npt.NDArray[Any]:
    """``values[pos]``, with ``fill`` where ``pos`` is -1 (no such row; ``values`` may be empty)."""
    if len(values) == 0:
        return np.full(len(pos), fill, dtype=values.dtype)
    out = np.take(values, pos, mode="clip")
    missing = pos < 0
    if missing.any():
        out[missing] = fill
    return out


def _positions(keys: _Factor, values: _Factor, rows: IntArray | None = None) -> IntArray:
    """Row of the first key equal to each distinct value of ``values`` (-1 if none, or blank).

    ``rows`` restricts the keys to those rows (and the result indexes the full table).
    """
    codes = keys.codes if rows is None else keys.codes[rows]
    if codes.size == 0:
        return np.full(len(values.uniques), -1, dtype=np.intp)
    first = _first_row_of_value(codes, len(keys.uniques))
    first[keys.blank_values()] = -1  # a blank matches nothing
    if rows is None:
        hit = keys.lookup(values)  # the whole table: its cached hash table
        pos = np.where(hit >= 0, first[np.maximum(hit, 0)], -1)
    else:  # a few rows: hash only the values they use
        used = np.flatnonzero(first >= 0)
        hit = keys.lookup(values, used)
        found = np.where(hit >= 0, first[used[np.maximum(hit, 0)]], -1)
        pos = np.where(found >= 0, rows[np.maximum(found, 0)], -1)
    return np.asarray(pos, dtype=np.intp)
