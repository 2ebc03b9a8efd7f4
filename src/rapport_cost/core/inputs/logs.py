"""Validate the activity logs (docs/config.md, Activity logs) and turn them into typed tables.

The whole of every table is checked and every problem is collected, each with the file,
the row as a spreadsheet numbers it (the header is row 1) and the column. No row is ever
dropped silently: a problem stops the run unless the config names a policy for it
(``logs.policies``), and then :attr:`CleanLogs.policy_counts` says what the policy did.
Messages never quote a woman's id (the logs are pseudonymised health data); they point
at rows instead.

Columns may arrive as text (any reader) or already typed (numbers, dates, categoricals:
the fast CSV reader's output when the file is clean). Text is parsed on its distinct
values (:class:`_Factor`), so a column of a million rows with a few hundred distinct
values costs a few hundred parses.
"""

from __future__ import annotations

import functools
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rapport_cost.arrays import BoolArray, DateArray, FloatArray, IntArray, KeyArray
from rapport_cost.config import CostingConfig
from rapport_cost.core.inputs import plausible
from rapport_cost.core.inputs.ids import factorize_keys, short_keys
from rapport_cost.errors import LogError, Problem, did_you_mean

#: Problems listed per file, column and kind of problem before the rest are summarised.
MAX_LISTED = 100

REQUIRED = {
    "contacts": ("contact_id", "site", "date", "contact_type", "facilitators", "duration_min"),
    "attendance": ("contact_id", "woman_id"),
    "women": ("woman_id", "site", "admission_date"),
    "staff_time": ("site", "month", "role", "hours"),
}
#: Optional columns of the women log that end a woman's follow-up (M-66).
END_COLUMNS = ("withdrawal_date", "death_date")
_TRUE = ("yes", "y", "true", "1")
_FALSE = ("no", "n", "false", "0")


@dataclass(frozen=True)
class LogTable:
    """One log as read from its file, with canonical column names.

    ``rows`` holds the spreadsheet row number of each row (header = row 1).
    """

    name: str
    source: str
    frame: pd.DataFrame
    rows: IntArray | None = None

    def row_numbers(self) -> IntArray:
        """Spreadsheet row of each row of ``frame``."""
        if self.rows is not None:
            return self.rows
        return np.arange(len(self.frame), dtype=np.intp) + 2


@dataclass(frozen=True)
class CleanLogs:
    """Validated, typed logs.

    ``contacts``: ``contact_id``, ``site`` and ``contact_type`` (categoricals whose
    categories are the config's sites and contact types), ``woman`` (row of the women
    table, -1 for shared sessions), ``date`` (datetime64), ``duration_min``,
    ``prep_min``, ``travel_min``, ``miles``, ``other_attendees``, ``capacity`` (NaN when
    not given), ``attended`` and ``shared`` (bool), ``row`` (spreadsheet row).
    ``facilitators`` counts each role at each contact, shape ``(n_contacts, n_roles)``,
    columns in the order of ``roles``. ``attendance``: ``contact`` and ``woman`` (rows of
    the contacts and women tables) and ``minutes``. ``women``: ``woman_id``, ``site``
    (categorical), ``admission_date``, ``discharge_date`` and the subgroup columns.
    ``staff_time``: ``site``, ``month`` (first day), ``role``, ``activity``, ``hours``.
    """

    contacts: pd.DataFrame
    attendance: pd.DataFrame
    women: pd.DataFrame
    staff_time: pd.DataFrame
    facilitators: npt.NDArray[np.float64]
    roles: tuple[str, ...]
    sites: tuple[str, ...]
    policy_counts: dict[str, int] = field(default_factory=dict)

    @property
    def subgroup_columns(self) -> list[str]:
        """Columns of the women table other than the canonical ones."""
        canonical = {"woman_id", "site", "admission_date", "discharge_date", *END_COLUMNS}
        return [c for c in self.women.columns if c not in canonical]


# --------------------------------------------------------------------------- collecting


class _Problems:
    """Collects problems, listing at most :data:`MAX_LISTED` of each kind per column."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._counts: Counter[tuple[str, str, str]] = Counter()

    def add(
        self,
        table: LogTable,
        mask: BoolArray,
        column: str | None,
        messages: str | list[str],
        code: str,
    ) -> None:
        """Report the rows where ``mask`` is true; ``messages`` has one per such row."""
        pos = np.flatnonzero(mask)
        if pos.size == 0:
            return
        rows = table.row_numbers()[pos]
        key = (table.source, column or "", code)
        listed = max(0, MAX_LISTED - self._counts[key])
        self._counts[key] += pos.size
        for i, row in enumerate(rows[:listed]):
            msg = messages if isinstance(messages, str) else messages[i]
            self.problems.append(Problem(msg, table.source, int(row), column, code))

    def raise_if_any(self) -> None:
        """Raise one :class:`LogError` with every problem found so far."""
        if not self.problems:
            return
        summary = [
            Problem(
                f"... and {n - MAX_LISTED} more rows with this problem ({code})",
                src,
                field=col or None,
                code=code,
            )
            for (src, col, code), n in self._counts.items()
            if n > MAX_LISTED
        ]
        msg = f"{sum(self._counts.values())} problem(s) in the activity logs"
        raise LogError(msg, self.problems + summary)


# --------------------------------------------------------------------------- parsing


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


def _show(v: object) -> str:
    text = str(v)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _take(values: npt.NDArray[Any], pos: IntArray, fill: object) -> npt.NDArray[Any]:
    """``values[pos]``, with ``fill`` where ``pos`` is -1 (no such row; ``values`` may be empty)."""
    if len(values) == 0:
        return np.full(len(pos), fill, dtype=values.dtype)
    out = np.take(values, pos, mode="clip")
    missing = pos < 0
    if missing.any():
        out[missing] = fill
    return out


def _numbers(frame: pd.DataFrame, col: str) -> tuple[FloatArray, BoolArray, BoolArray, list[str]]:
    """Parse a number column: (values, blank, bad, raw text of the bad rows)."""
    n = len(frame)
    if col not in frame.columns:
        return np.zeros(n), np.ones(n, bool), np.zeros(n, bool), []
    s = frame[col]
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        v = s.to_numpy(dtype=np.float64, na_value=np.nan)
        blank = np.isnan(v)
        bad = np.isinf(v)
        return v, blank, bad, [str(x) for x in v[bad]]
    f = _Factor.of(frame, col)
    parsed = pd.to_numeric(pd.Series(f.uniques.astype(object)), errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    blank_u = np.asarray(f.uniques == "")
    bad_u = ~np.isfinite(parsed) & ~blank_u
    bad = f.mask(bad_u)
    return parsed[f.codes], f.mask(blank_u), bad, f.at(bad)


def _dates(
    frame: pd.DataFrame, col: str, fmt: str
) -> tuple[DateArray, BoolArray, BoolArray, list[str]]:
    """Parse a date column: (datetime64[ns] values, blank, bad, raw text of the bad rows)."""
    n = len(frame)
    if col not in frame.columns:
        return (
            np.full(n, np.datetime64("NaT"), "datetime64[ns]"),
            np.ones(n, bool),
            np.zeros(n, bool),
            [],
        )
    s = frame[col]
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        v = s.to_numpy(dtype="datetime64[ns]")
        return v, np.isnat(v), np.zeros(n, bool), []
    f = _Factor.of(frame, col)
    parsed = pd.to_datetime(
        pd.Series(f.uniques.astype(object)), format=fmt, errors="coerce"
    ).to_numpy(dtype="datetime64[ns]")
    blank_u = np.asarray(f.uniques == "")
    bad = f.mask(np.isnat(parsed) & ~blank_u)
    return parsed[f.codes], f.mask(blank_u), bad, f.at(bad)


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


# --------------------------------------------------------------------------- checks


def _check_columns(table: LogTable, problems: _Problems) -> bool:
    missing = [c for c in REQUIRED[table.name] if c not in table.frame.columns]
    found = ", ".join(map(str, table.frame.columns)) or "none"
    for col in missing:
        problems.problems.append(
            Problem(
                f"missing column {col!r} (columns found: {found}; map other headers "
                "with logs.columns)",
                table.source,
                1,
                col,
                "missing_column",
            )
        )
    return not missing


def _number_column(
    table: LogTable,
    problems: _Problems,
    col: str,
    *,
    required: bool,
    default: float = 0.0,
    integer: bool = False,
) -> FloatArray:
    s = table.frame[col] if col in table.frame.columns else None
    if s is not None and s.dtype == np.float64 and len(s):  # the clean case, checked at once
        v = s.to_numpy()
        if v.min() >= 0 and v.max() < np.inf and (not integer or (v == np.floor(v)).all()):
            return v  # no NaN (it fails >=), none negative, infinite or fractional
    values, blank, bad, bad_text = _numbers(table.frame, col)
    kind = "a whole number" if integer else "a number"
    problems.add(
        table, bad, col, [f"must be {kind} >= 0, got {_show(v)}" for v in bad_text], "not_a_number"
    )
    if required:
        problems.add(table, blank, col, "is missing (required)", "missing_value")
    ok = ~bad & ~blank
    negative = ok & (values < 0)
    problems.add(
        table,
        negative,
        col,
        [f"must be >= 0, got {_show(f'{v:g}')}" for v in values[negative]],
        "negative",
    )
    if integer:
        frac = ok & ~negative & (values != np.floor(values))
        problems.add(
            table,
            frac,
            col,
            [f"must be a whole number, got {_show(f'{v:g}')}" for v in values[frac]],
            "not_whole",
        )
    return np.where(ok, values, default)


def _known(table: LogTable, problems: _Problems, col: str, known: set[str], what: str) -> _Factor:
    f = _Factor.of(table.frame, col)
    blank = f.blank()
    problems.add(table, blank, col, "is missing (required)", "missing_value")
    unknown = ~blank & ~f.isin(known)
    listing = ", ".join(sorted(known)) or "none"
    values = f.at(unknown)
    hint = {v: did_you_mean(v, sorted(known)) for v in set(values)}  # once per value
    problems.add(
        table,
        unknown,
        col,
        [f"unknown {what} {_show(v)} (known: {listing}){hint[v]}" for v in values],
        f"unknown_{what}",
    )
    return f


def _unique_ids(frame: pd.DataFrame, col: str) -> _Factor | None:
    """The factor of a clean id column without hashing it twice, or None if not clean.

    The usual case: every id present, distinct and without surrounding spaces. Then each
    row is its own value, and only the uniqueness check hashes the ids.
    """
    if col not in frame.columns or isinstance(frame[col].dtype, pd.CategoricalDtype):
        return None
    ids: pd.Index[str] = pd.Index(frame[col])
    if not pd.api.types.is_string_dtype(ids.dtype) or ids.hasnans or not ids.is_unique:
        return None
    if bool((ids == "").any()) or not bool((ids.str.strip() == ids).all()):
        return None
    return _Factor(np.arange(len(ids), dtype=np.intp), ids.append(pd.Index([""], dtype=ids.dtype)))


def _ids(table: LogTable, problems: _Problems, col: str, what: str) -> _Factor:
    """An id column: required and unique."""
    frame = table.frame
    keyed = _Factor.keyed(frame[col]) if col in frame.columns else None
    fast = _unique_ids(frame, col) if keyed is None else None
    if fast is not None:
        return fast
    f = keyed or _Factor.of(frame, col)
    blank = f.blank()
    problems.add(table, blank, col, "is missing (required)", "missing_value")
    if int((~f.blank_values()).sum()) < int((~blank).sum()):
        first = f.first_rows()
        dup = ~blank & (first != np.arange(len(f.codes)))
        rows = table.row_numbers()
        shown = [f" {_show(v)}" for v in f.at(dup)] if what == "contact" else [""] * int(dup.sum())
        problems.add(
            table,
            dup,
            col,
            [
                f"duplicate {col}{v} (first at row {rows[r]})"
                for v, r in zip(shown, first[dup], strict=True)
            ],
            f"duplicate_{what}",
        )
    return f


def _date_column(
    table: LogTable, problems: _Problems, col: str, fmt: str, *, required: bool
) -> DateArray:
    values, blank, bad, bad_text = _dates(table.frame, col, fmt)
    if required:
        problems.add(table, blank, col, "is missing (required)", "missing_value")
    problems.add(
        table,
        bad,
        col,
        [f"is not a date in the format {fmt}, got {_show(v)}" for v in bad_text],
        "bad_date",
    )
    return values


def _flag(
    problems: _Problems, table: LogTable, column: str, found: tuple[BoolArray, list[str]], code: str
) -> None:
    """Report the rows a plausibility check found (``core/inputs/plausible.py``)."""
    problems.add(table, found[0], column, found[1], code)


def _apply_policy(
    table: LogTable,
    problems: _Problems,
    counts: Counter[str],
    cfg: CostingConfig,
    code: str,
    mask: BoolArray,
    column: str,
    messages: list[str] | str,
) -> None:
    """Report ``mask`` rows as problems unless the config's policy for ``code`` handles them."""
    if not mask.any():
        return
    if (cfg.logs.policy(code) if cfg.logs else "error") == "error":
        hint = f" (or set logs.policies.{code})"
        msgs = messages + hint if isinstance(messages, str) else [m + hint for m in messages]
        problems.add(table, mask, column, msgs, code)
    else:
        counts[code] += int(mask.sum())


class _Ahead:
    """The id columns that name rows of another log, factorised in a background thread.

    They are pure work (no problems reported), so they run beside the checks of the
    contacts log, which keep the other core busy; :meth:`factor` waits for the result.
    """

    COLUMNS = (("contacts", "woman_id"), ("attendance", "contact_id"), ("attendance", "woman_id"))

    def __init__(self, tables: dict[str, LogTable], pool: ThreadPoolExecutor) -> None:
        self._futures = {
            (name, col): pool.submit(_Factor.of, tables[name].frame, col)
            for name, col in self.COLUMNS
            if name in tables
        }

    def factor(self, table: LogTable, col: str) -> _Factor:
        """The factor of ``col`` of ``table`` (worked out here if not ahead)."""
        future = self._futures.get((table.name, col))
        return future.result() if future is not None else _Factor.of(table.frame, col)


# --------------------------------------------------------------------------- tables


def validate_logs(tables: dict[str, LogTable], cfg: CostingConfig) -> CleanLogs:
    """Check every row of every log; return typed tables or raise with every problem.

    Parameters
    ----------
    tables
        ``contacts`` and ``women`` (required), ``attendance`` and ``staff_time`` (optional).
    cfg
        The config: sites, roles, contact types, date format, costing options, policies.

    Raises
    ------
    LogError
        Listing every problem with file, row and column (exit code 2).
    """
    problems = _Problems()
    # every table is checked (all() over a generator would stop at the first failure)
    complete = [_check_columns(t, problems) for t in tables.values()]
    if not all(complete):
        problems.raise_if_any()
    fmt = cfg.logs.date_format if cfg.logs else "%Y-%m-%d"
    counts: Counter[str] = Counter()
    with ThreadPoolExecutor(1) as pool:
        ahead = _Ahead(tables, pool)
        women, woman_ids = _women(tables["women"], cfg, problems, fmt)
        women_rows = tables["women"].row_numbers()
        sites = tuple(cfg.sites) if cfg.sites else tuple(women["site"].cat.categories)
        contacts, facilitators, contact_ids = _contacts(
            tables["contacts"],
            cfg,
            problems,
            fmt,
            (women, woman_ids, women_rows),
            sites,
            counts,
            ahead,
        )
        attendance = _attendance(
            tables.get("attendance"),
            cfg,
            problems,
            (contacts, contact_ids),
            (women, woman_ids, women_rows),
            counts,
            ahead,
        )
    _sessions(tables["contacts"], cfg, problems, contacts, attendance, counts)
    staff = _staff_time(tables.get("staff_time"), cfg, problems, sites)
    problems.raise_if_any()
    return CleanLogs(
        contacts, attendance, women, staff, facilitators, tuple(cfg.roles), sites, dict(counts)
    )


def _women(
    table: LogTable, cfg: CostingConfig, problems: _Problems, fmt: str
) -> tuple[pd.DataFrame, _Factor]:
    frame = table.frame
    if frame.empty:
        problems.problems.append(
            Problem(
                "has no rows (only a header): the women log lists every woman in the study, "
                "one per row",
                table.source,
                code="no_rows",
            )
        )
    ids = _ids(table, problems, "woman_id", "woman")
    if cfg.sites:
        site = _known(table, problems, "site", set(cfg.sites), "site")
        sites = tuple(cfg.sites)
    else:
        site = _Factor.of(frame, "site")
        problems.add(table, site.blank(), "site", "is missing (required)", "missing_value")
        sites = tuple(sorted(str(u) for u in site.uniques if u != ""))
    adm = _date_column(table, problems, "admission_date", fmt, required=True)
    dis = _date_column(table, problems, "discharge_date", fmt, required=False)
    before = ~np.isnat(dis) & ~np.isnat(adm) & (dis < adm)
    problems.add(
        table,
        before,
        "discharge_date",
        "is before the admission_date",
        "discharge_before_admission",
    )
    _flag(problems, table, "discharge_date", plausible.long_stays(adm, dis), "implausible_stay")
    for col, values in (("admission_date", adm), ("discharge_date", dis)):
        _flag(problems, table, col, plausible.early_dates(values), "implausible_date")
    out = pd.DataFrame(
        {
            "woman_id": ids.uniques[ids.codes],
            "site": site.categorical(sites),
            "admission_date": adm,
            "discharge_date": dis,
            **_end_dates(table, cfg, problems, fmt, adm),
        }
    )
    for col in frame.columns:
        if col not in out.columns:  # a subgroup column: a few stripped values, as codes
            f = _Factor.of(frame, col)
            out[col] = pd.Categorical.from_codes(f.codes, pd.Index(f.uniques, dtype=object))
    return out, ids


def _end_dates(
    table: LogTable, cfg: CostingConfig, problems: _Problems, fmt: str, adm: DateArray
) -> dict[str, DateArray]:
    """The withdrawal and death dates the women log has, checked (M-66).

    Each must follow the admission and not follow the data cut-off (when the config
    states one, which no admission may follow either); a woman has at most one of the two.
    """
    out: dict[str, DateArray] = {}
    cutoff = cfg.follow_up.data_cutoff
    if cutoff is not None:  # a woman admitted after the logs were cut cannot be in them
        after = ~np.isnat(adm) & (adm > np.datetime64(cutoff))
        msg = f"is after the data cut-off (follow_up.data_cutoff: {cutoff})"
        problems.add(table, after, "admission_date", msg, "after_cutoff")
    for col in END_COLUMNS:
        if col not in table.frame.columns:
            continue
        d = _date_column(table, problems, col, fmt, required=False)
        given = ~np.isnat(d)
        early = given & ~np.isnat(adm) & (d < adm)
        problems.add(table, early, col, "is before the admission_date", "end_before_admission")
        if cutoff is not None:
            late = given & (d > np.datetime64(cutoff))
            problems.add(
                table,
                late,
                col,
                f"is after the data cut-off (follow_up.data_cutoff: {cutoff})",
                "after_cutoff",
            )
        out[col] = d
    if len(out) == len(END_COLUMNS):
        both = ~np.isnat(out["withdrawal_date"]) & ~np.isnat(out["death_date"])
        problems.add(
            table,
            both,
            "death_date",
            "give a withdrawal_date or a death_date, not both (follow-up ends at the first)",
            "withdrawal_and_death",
        )
    return out


def _contacts(
    table: LogTable,
    cfg: CostingConfig,
    problems: _Problems,
    fmt: str,
    women_and_ids: tuple[pd.DataFrame, _Factor, IntArray],
    sites: tuple[str, ...],
    counts: Counter[str],
    ahead: _Ahead,
) -> tuple[pd.DataFrame, npt.NDArray[np.float64], _Factor]:
    frame = table.frame
    women, woman_ids, women_rows = women_and_ids
    ids = _ids(table, problems, "contact_id", "contact")
    site = _known(table, problems, "site", set(sites), "site")
    types = tuple(cfg.contact_types)
    ctype = _known(table, problems, "contact_type", set(types), "contact_type")
    date = _date_column(table, problems, "date", fmt, required=True)
    if cfg.follow_up.data_cutoff is not None:
        cutoff = cfg.follow_up.data_cutoff
        late = ~np.isnat(date) & (date > np.datetime64(cutoff))
        msg = f"is after the data cut-off (follow_up.data_cutoff: {cutoff})"
        problems.add(table, late, "date", msg, "after_cutoff")
    duration = _number_column(table, problems, "duration_min", required=True)
    prep = _number_column(table, problems, "prep_min", required=False)
    travel = _number_column(table, problems, "travel_min", required=False)
    miles = _number_column(table, problems, "miles", required=False)
    others = _number_column(table, problems, "other_attendees", required=False, integer=True)
    capacity = _number_column(
        table, problems, "capacity", required=False, default=np.nan, integer=True
    )
    for col, minutes in (("duration_min", duration), ("prep_min", prep), ("travel_min", travel)):
        _flag(problems, table, col, plausible.long_minutes(minutes), "implausible_minutes")
    _flag(problems, table, "date", plausible.early_dates(date), "implausible_date")
    facilitators = _facilitators(table, problems, cfg)
    # attended: yes/no, blank = yes
    att = _Factor.of(frame, "attended")
    low = np.array([u.lower() for u in att.uniques], dtype=object)
    attended = ~att.mask(np.isin(low, _FALSE))
    bad_att = att.mask(~np.isin(low, (*_TRUE, *_FALSE, "")))
    problems.add(
        table,
        bad_att,
        "attended",
        [f"must be yes or no, got {_show(v)}" for v in att.at(bad_att)],
        "bad_attended",
    )
    shared_u = np.array(
        [u in cfg.contact_types and cfg.contact_types[u].shared for u in ctype.uniques], dtype=bool
    )
    shared = ctype.mask(shared_u)
    one = ctype.isin(set(types)) & ~shared
    type_cap = np.array(
        [
            float(cfg.contact_types[u].capacity or np.nan) if u in cfg.contact_types else np.nan
            for u in ctype.uniques
        ]
    )
    capacity = np.where(np.isnan(capacity), type_cap[ctype.codes], capacity)
    problems.add(
        table,
        shared & ~attended,
        "attended",
        "attended: no applies to one-to-ones; a shared session without attendees has "
        "no attendance rows",
        "dna_shared",
    )
    # the woman of a one-to-one
    wf = ahead.factor(table, "woman_id")
    w_blank = wf.blank()
    problems.add(
        table,
        one & w_blank,
        "woman_id",
        "is missing: a one-to-one contact names the woman",
        "missing_value",
    )
    problems.add(
        table,
        shared & ~w_blank,
        "woman_id",
        "must be empty for a shared session; list its attendees in the attendance log",
        "woman_on_shared",
    )
    w_pos_u = _positions(woman_ids, wf)
    woman = np.where(one, w_pos_u[wf.codes], -1)
    problems.add(
        table, one & ~w_blank & (woman < 0), "woman_id", "is not in the women log", "unknown_woman"
    )
    follows = plausible.admission_followed(women["admission_date"].to_numpy(), woman)
    _flag(problems, table, "date", plausible.far_after(date, follows), "implausible_date")
    site_cat = site.categorical(sites)
    _woman_fits(
        table,
        problems,
        counts,
        cfg,
        (women, women_rows),
        woman,
        site_cat.codes,
        date,
        sites,
        columns=("site", "date"),
    )
    out = pd.DataFrame(
        {
            "contact_id": ids.uniques[ids.codes],
            "site": site_cat,
            "contact_type": ctype.categorical(types),
            "woman": woman,
            "date": date,
            "duration_min": duration,
            "prep_min": prep,
            "travel_min": travel,
            "miles": miles,
            "other_attendees": others,
            "capacity": capacity,
            "attended": attended,
            "shared": shared,
            "row": table.row_numbers(),
        },
        copy=False,  # no consolidating copy of a million rows
    )
    return out, facilitators, ids


def _woman_fits(
    table: LogTable,
    problems: _Problems,
    counts: Counter[str],
    cfg: CostingConfig,
    women_and_rows: tuple[pd.DataFrame, IntArray],
    woman: IntArray,
    site: IntArray,
    date: DateArray,
    sites: tuple[str, ...],
    *,
    columns: tuple[str, str],
    sessions: tuple[IntArray, IntArray] | None = None,
) -> None:
    """The woman a row names is at the row's unit and admitted by its date.

    ``woman`` is her row in the women table (-1: none, not checked), ``site`` and ``date``
    the unit (a code into ``sites``) and date of the contact. For attendance rows,
    ``sessions`` is the contacts log's spreadsheet rows and the contacts-log position of
    each row's session. Problems go in ``columns`` (unit, date) under the policies
    ``woman_site_mismatch`` and ``contact_before_admission``.
    """
    women, women_rows = women_and_rows
    has = woman >= 0
    w_site = _take(women["site"].cat.codes.to_numpy(), woman, -1)
    names = np.array(sites, dtype=object)

    def session(rows: BoolArray, otherwise: str) -> list[str]:
        """How a message names the contact of each flagged row."""
        if sessions is None:
            return [otherwise] * int(rows.sum())
        session_rows, position = sessions
        return [f"the session (contacts log row {r}) " for r in session_rows[position[rows]]]

    mismatch = has & (w_site != site) & (site >= 0) & (w_site >= 0)
    _apply_policy(
        table,
        problems,
        counts,
        cfg,
        "woman_site_mismatch",
        mismatch,
        columns[0],
        [
            f"the woman (women log row {r}) is at {names[ws]} but {c}is at {names[cs]}"
            for r, ws, c, cs in zip(
                women_rows[woman[mismatch]],  # rows named only where flagged
                w_site[mismatch],
                session(mismatch, "the contact "),
                site[mismatch],
                strict=True,
            )
        ],
    )
    adm = _take(women["admission_date"].to_numpy(), woman, np.datetime64("NaT"))
    early = has & ~np.isnat(date) & ~np.isnat(adm) & (date < adm)
    _apply_policy(
        table,
        problems,
        counts,
        cfg,
        "contact_before_admission",
        early,
        columns[1],
        [
            f"{c}is before the woman's admission ({str(a)[:10]}, women log row {r})"
            for c, a, r in zip(
                session(early, ""), adm[early], women_rows[woman[early]], strict=True
            )
        ],
    )
    for end in END_COLUMNS:
        if end not in women.columns:
            continue
        last = _take(women[end].to_numpy(), woman, np.datetime64("NaT"))
        after = has & ~np.isnat(date) & ~np.isnat(last) & (date > last)
        what = end.removesuffix("_date")
        problems.add(
            table,
            after,
            columns[1],
            [
                f"{c}is after the woman's {what} ({str(e)[:10]}, women log row {r}): no cost "
                "can follow the end of her follow-up"
                for c, e, r in zip(
                    session(after, ""), last[after], women_rows[woman[after]], strict=True
                )
            ],
            f"after_{what}",
        )


def _facilitators(
    table: LogTable, problems: _Problems, cfg: CostingConfig
) -> npt.NDArray[np.float64]:
    """Count each role at each contact from ``psw;volunteer`` text, parsing each value once."""
    f = _Factor.of(table.frame, "facilitators")
    roles = list(cfg.roles)
    per_value = np.zeros((len(f.uniques), len(roles)))
    bad: dict[int, str] = {}
    for j, value in enumerate(f.uniques):
        parts = [p.strip() for p in str(value).split(";") if p.strip()]
        if not parts:
            bad[j] = "is missing (at least one role, e.g. psw or psw;volunteer)"
        unknown = [p for p in parts if p not in roles]
        if unknown:
            bad[j] = (
                f"unknown role {_show(unknown[0])} (known: {', '.join(roles)}; "
                f"separate several with ;){did_you_mean(unknown[0], roles)}"
            )
        for p in parts:
            if p in roles:
                per_value[j, roles.index(p)] += 1
    if bad:
        flags = np.isin(np.arange(len(f.uniques)), list(bad))
        rows = f.mask(flags)
        problems.add(
            table, rows, "facilitators", [bad[c] for c in f.codes[rows]], "bad_facilitators"
        )
    return per_value[f.codes]


def _attendance(
    table: LogTable | None,
    cfg: CostingConfig,
    problems: _Problems,
    contacts_and_ids: tuple[pd.DataFrame, _Factor],
    women_and_ids: tuple[pd.DataFrame, _Factor, IntArray],
    counts: Counter[str],
    ahead: _Ahead,
) -> pd.DataFrame:
    contacts, contact_ids = contacts_and_ids
    women, woman_ids, women_rows = women_and_ids
    empty = pd.DataFrame(
        {"contact": np.zeros(0, np.intp), "woman": np.zeros(0, np.intp), "minutes": np.zeros(0)}
    )
    if table is None:
        return empty
    cf = ahead.factor(table, "contact_id")
    wf = ahead.factor(table, "woman_id")
    c_blank, w_blank = cf.blank(), wf.blank()
    problems.add(table, c_blank, "contact_id", "is missing (required)", "missing_value")
    problems.add(table, w_blank, "woman_id", "is missing (required)", "missing_value")
    # look up only the shared sessions' ids: a quarter of the contacts
    shared_rows = np.flatnonzero(contacts["shared"].to_numpy())
    c_pos = _positions(contact_ids, cf, shared_rows)[cf.codes]
    w_pos = _positions(woman_ids, wf)[wf.codes]
    keep = ~c_blank & ~w_blank
    unmatched = keep & (c_pos < 0)
    if unmatched.any():
        # an id that is not a shared session: a one-to-one, or not in the contacts log
        found = _positions(contact_ids, _Factor.of_values(cf.at(unmatched))) >= 0
        one = np.zeros(len(keep), bool)
        one[np.flatnonzero(unmatched)[found]] = True
        rows = contacts["row"].to_numpy()
        first = _positions(contact_ids, _Factor.of_values(cf.at(one)))
        problems.add(
            table,
            one,
            "contact_id",
            [
                f"contact {_show(c)} is a one-to-one (contacts log row {rows[p]}); "
                "attendance lists attendees of shared sessions only"
                for c, p in zip(cf.at(one), first, strict=True)
            ],
            "attendance_one_to_one",
        )
        unknown = unmatched & ~one
        _apply_policy(
            table,
            problems,
            counts,
            cfg,
            "attendance_unknown_contact",
            unknown,
            "contact_id",
            [f"contact {_show(c)} is not in the contacts log" for c in cf.at(unknown)],
        )
        keep &= ~unmatched
    unknown_w = keep & (w_pos < 0)
    _apply_policy(
        table,
        problems,
        counts,
        cfg,
        "attendance_unknown_woman",
        unknown_w,
        "woman_id",
        "is not in the women log",
    )
    keep &= ~unknown_w
    # the same woman twice at one session
    pair = c_pos.astype(np.int64) * (len(women) + 1) + w_pos
    dup = _repeated(pair) & keep
    _apply_policy(
        table,
        problems,
        counts,
        cfg,
        "duplicate_attendance",
        dup,
        "woman_id",
        "the same woman is listed twice for this session",
    )
    keep &= ~dup
    # keep implies c_pos >= 0 and w_pos >= 0; the other rows read fill values
    _woman_fits(
        table,
        problems,
        counts,
        cfg,
        (women, women_rows),
        np.where(keep, w_pos, -1),
        _take(contacts["site"].cat.codes.to_numpy(), c_pos, -1),
        _take(contacts["date"].to_numpy(), c_pos, np.datetime64("NaT")),
        tuple(contacts["site"].cat.categories),
        columns=("woman_id", "contact_id"),
        sessions=(contacts["row"].to_numpy(), c_pos),
    )
    minutes = _number_column(table, problems, "minutes", required=False, default=np.nan)
    duration = _take(contacts["duration_min"].to_numpy(), c_pos, np.nan)
    over = keep & ~np.isnan(minutes) & (minutes > duration)
    problems.add(
        table,
        over,
        "minutes",
        [
            f"{m:g} minutes is longer than the session ({d:g} minutes)"
            for m, d in zip(minutes[over], duration[over], strict=True)
        ],
        "minutes_over_duration",
    )
    return pd.DataFrame(
        {
            "contact": c_pos[keep],
            "woman": w_pos[keep],
            "minutes": np.where(np.isnan(minutes), duration, minutes)[keep],
        },
        copy=False,
    )


def _sessions(
    table: LogTable,
    cfg: CostingConfig,
    problems: _Problems,
    contacts: pd.DataFrame,
    attendance: pd.DataFrame,
    counts: Counter[str],
) -> None:
    """Sessions without attendees, and attendance beyond capacity."""
    n_study = np.bincount(attendance["contact"].to_numpy(dtype=np.intp), minlength=len(contacts))
    shared = contacts["shared"].to_numpy()
    n_att = n_study + contacts["other_attendees"].to_numpy()
    empty = shared & (n_att == 0)
    _apply_policy(
        table,
        problems,
        counts,
        cfg,
        "group_without_attendees",
        empty,
        "contact_id",
        "a shared session with no attendees: no attendance rows and other_attendees 0",
    )
    cap = contacts["capacity"].to_numpy()
    if cfg.costing.group_split == "capacity":
        problems.add(
            table,
            shared & np.isnan(cap),
            "capacity",
            "is missing: group_split capacity needs the capacity of every shared "
            "session (or contact_types.<type>.capacity)",
            "missing_capacity",
        )
    over = shared & ~np.isnan(cap) & (n_att > cap)
    problems.add(
        table,
        over,
        "capacity",
        [
            f"{int(a)} attendees exceed the capacity {int(c)}"
            for a, c in zip(n_att[over], cap[over], strict=True)
        ],
        "over_capacity",
    )


def _staff_time(
    table: LogTable | None, cfg: CostingConfig, problems: _Problems, sites: tuple[str, ...]
) -> pd.DataFrame:
    if table is None:
        return pd.DataFrame(
            {
                "site": pd.Categorical([], categories=list(sites)),
                "month": np.zeros(0, "datetime64[ns]"),
                "role": np.zeros(0, object),
                "activity": np.zeros(0, object),
                "hours": np.zeros(0),
            }
        )
    site = _known(table, problems, "site", set(sites), "site")
    role = _known(table, problems, "role", set(cfg.roles), "role")
    month, m_blank, m_bad, m_text = _dates(table.frame, "month", "%Y-%m")
    problems.add(table, m_blank, "month", "is missing (required)", "missing_value")
    problems.add(
        table,
        m_bad,
        "month",
        [f"must be a month such as 2025-04, got {_show(v)}" for v in m_text],
        "bad_month",
    )
    hours = _number_column(table, problems, "hours", required=True)
    activity = _Factor.of(table.frame, "activity")
    return pd.DataFrame(
        {
            "site": site.categorical(sites),
            "month": month,
            "role": np.asarray(role.uniques[role.codes], dtype=object),
            "activity": np.asarray(activity.uniques[activity.codes], dtype=object),
            "hours": hours,
        }
    )
