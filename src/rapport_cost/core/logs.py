"""Validate the activity logs (DESIGN §4) and turn their text into typed tables.

The whole of every table is checked and every problem is collected, each with the file,
the row as a spreadsheet numbers it (the header is row 1) and the column. No row is ever
dropped silently: a problem stops the run unless the config names a policy for it
(``logs.policies``), and then :attr:`CleanLogs.policy_counts` says what the policy did.
Messages never quote a woman's id (the logs are pseudonymised health data); they point
at rows instead.

Parsing is done on the distinct values of a column (``pandas.factorize``), which keeps a
million-row log fast: a column of durations has a few hundred distinct values.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from rapport_cost.config import CostingConfig
from rapport_cost.errors import LogError, Problem

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: Problems listed per file, column and kind of problem before the rest are summarised.
MAX_LISTED = 100

REQUIRED = {
    "contacts": ("contact_id", "site", "date", "contact_type", "facilitators", "duration_min"),
    "attendance": ("contact_id", "woman_id"),
    "women": ("woman_id", "site", "admission_date"),
    "staff_time": ("site", "month", "role", "hours"),
}
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0"}


@dataclass(frozen=True)
class LogTable:
    """One log as read from its file: every column text, canonical column names.

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

    ``contacts`` has columns ``contact_id``, ``site``, ``date`` (datetime64),
    ``contact_type``, ``woman_id`` ("" for shared sessions), ``duration_min``,
    ``prep_min``, ``travel_min``, ``miles``, ``attended`` (bool), ``other_attendees``,
    ``capacity`` (NaN when not given), ``shared`` (bool); ``facilitators`` is an array
    of shape ``(n_contacts, n_roles)`` counting each role at each contact, columns in
    the order of ``roles``. ``attendance`` has ``contact_id``, ``woman_id``,
    ``minutes``; ``women`` has ``woman_id``, ``site``, ``admission_date``,
    ``discharge_date`` and the subgroup columns; ``staff_time`` has ``site``, ``month``
    (first day of the month), ``role``, ``activity``, ``hours``.
    """

    contacts: pd.DataFrame
    attendance: pd.DataFrame
    women: pd.DataFrame
    staff_time: pd.DataFrame
    facilitators: npt.NDArray[np.float64]
    roles: tuple[str, ...]
    policy_counts: dict[str, int] = field(default_factory=dict)

    @property
    def subgroup_columns(self) -> list[str]:
        """Columns of the women table other than the canonical ones."""
        canonical = {"woman_id", "site", "admission_date", "discharge_date"}
        return [c for c in self.women.columns if c not in canonical]


class _Problems:
    """Collects problems, listing at most :data:`MAX_LISTED` of each kind per column."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._counts: Counter[tuple[str, str, str]] = Counter()

    def add(
        self,
        table: LogTable,
        positions: IntArray | BoolArray,
        column: str | None,
        messages: str | list[str],
        code: str,
    ) -> None:
        pos = np.flatnonzero(positions) if positions.dtype == bool else np.asarray(positions)
        if pos.size == 0:
            return
        rows = table.row_numbers()[pos]
        key = (table.source, column or "", code)
        for i, row in enumerate(rows):
            n = self._counts[key]
            self._counts[key] += 1
            if n < MAX_LISTED:
                msg = messages if isinstance(messages, str) else messages[i]
                self.problems.append(Problem(msg, table.source, int(row), column, code))

    def raise_if_any(self) -> None:
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
        if self.problems:
            problems = self.problems + summary
            msg = f"{sum(self._counts.values())} problem(s) in the activity logs"
            raise LogError(msg, problems)


def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return frame[col].astype(object).fillna("").astype(str).str.strip()


def _show(v: object) -> str:
    text = str(v)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _numeric(values: pd.Series) -> tuple[FloatArray, BoolArray, BoolArray]:
    """Parse numbers; return (values, blank, bad) arrays."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    u = pd.Series(np.asarray(uniques, dtype=object)).astype(str).str.strip()
    parsed = pd.to_numeric(u, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    blank = (u == "").to_numpy()
    bad = ~np.isfinite(parsed) & ~blank
    return parsed[codes], blank[codes], bad[codes]


def _dates(values: pd.Series, fmt: str) -> tuple[npt.NDArray[np.datetime64], BoolArray, BoolArray]:
    """Parse dates with ``fmt``; return (datetime64[ns] values, blank, bad)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    u = pd.Series(np.asarray(uniques, dtype=object)).astype(str).str.strip()
    parsed = pd.to_datetime(u, format=fmt, errors="coerce").to_numpy(dtype="datetime64[ns]")
    blank = (u == "").to_numpy()
    bad = np.isnat(parsed) & ~blank
    return parsed[codes], blank[codes], bad[codes]


def lookup(keys: pd.Series, values: pd.Series) -> IntArray:
    """Position in ``keys`` of each of ``values`` (its first row if repeated), or -1."""
    dedup = keys.drop_duplicates(keep="first")
    hit = pd.Index(dedup.to_numpy()).get_indexer(values.to_numpy())
    return np.where(hit >= 0, np.arange(len(keys))[dedup.index.to_numpy()][np.maximum(hit, 0)], -1)


def _check_columns(table: LogTable, problems: _Problems) -> bool:
    missing = [c for c in REQUIRED[table.name] if c not in table.frame.columns]
    if missing:
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
    text = _text(table.frame, col)
    values, blank, bad = _numeric(text)
    kind = "a whole number" if integer else "a number"
    problems.add(
        table, bad, col, [f"must be {kind} >= 0, got {_show(v)}" for v in text[bad]], "not_a_number"
    )
    if required:
        problems.add(table, blank, col, "is missing (required)", "missing_value")
    negative = ~bad & ~blank & (values < 0)
    problems.add(
        table, negative, col, [f"must be >= 0, got {_show(v)}" for v in text[negative]], "negative"
    )
    if integer:
        frac = ~bad & ~blank & ~negative & (values != np.floor(values))
        problems.add(
            table,
            frac,
            col,
            [f"must be a whole number, got {_show(v)}" for v in text[frac]],
            "not_whole",
        )
    return np.where(blank | bad, default, values)


def _known(
    table: LogTable,
    problems: _Problems,
    col: str,
    known: set[str],
    what: str,
) -> pd.Series:
    text = _text(table.frame, col)
    blank = (text == "").to_numpy()
    problems.add(table, blank, col, "is missing (required)", "missing_value")
    unknown = ~blank & ~text.isin(known).to_numpy()
    listing = ", ".join(sorted(known)) or "none"
    problems.add(
        table,
        unknown,
        col,
        [f"unknown {what} {_show(v)} (known: {listing})" for v in text[unknown]],
        f"unknown_{what}",
    )
    return text


def _policy(cfg: CostingConfig, code: str) -> str:
    return cfg.logs.policy(code) if cfg.logs else "error"


def _validate_women(
    table: LogTable, cfg: CostingConfig, problems: _Problems, sites: set[str] | None
) -> pd.DataFrame:
    frame = table.frame
    ids = _text(frame, "woman_id")
    blank = (ids == "").to_numpy()
    problems.add(table, blank, "woman_id", "is missing (required)", "missing_value")
    dup = (ids.duplicated() & ~ids.eq("")).to_numpy()
    first_row = pd.Series(table.row_numbers(), index=ids.index).groupby(ids).transform("first")
    problems.add(
        table,
        dup,
        "woman_id",
        [f"duplicate woman_id (first at row {r})" for r in first_row[dup]],
        "duplicate_woman",
    )
    site_text = _text(frame, "site")
    known_sites = sites if sites is not None else set(site_text[site_text != ""])
    site = _known(table, problems, "site", known_sites, "site")
    fmt = cfg.logs.date_format if cfg.logs else "%Y-%m-%d"
    adm, adm_blank, adm_bad = _dates(_text(frame, "admission_date"), fmt)
    problems.add(table, adm_blank, "admission_date", "is missing (required)", "missing_value")
    problems.add(
        table,
        adm_bad,
        "admission_date",
        [
            f"is not a date in the format {fmt}, got {_show(v)}"
            for v in _text(frame, "admission_date")[adm_bad]
        ],
        "bad_date",
    )
    dis, _, dis_bad = _dates(_text(frame, "discharge_date"), fmt)
    problems.add(
        table,
        dis_bad,
        "discharge_date",
        [
            f"is not a date in the format {fmt}, got {_show(v)}"
            for v in _text(frame, "discharge_date")[dis_bad]
        ],
        "bad_date",
    )
    before = ~np.isnat(dis) & ~np.isnat(adm) & (dis < adm)
    problems.add(
        table,
        before,
        "discharge_date",
        "is before the admission_date",
        "discharge_before_admission",
    )
    out = pd.DataFrame(
        {"woman_id": ids, "site": site, "admission_date": adm, "discharge_date": dis}
    )
    for col in frame.columns:
        if col not in out.columns:
            out[col] = _text(frame, col).to_numpy()
    return out.reset_index(drop=True)


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
        Listing every problem with file, row and column (and exit code 2).
    """
    problems = _Problems()
    ok = all(_check_columns(t, problems) for t in tables.values())
    if not ok:
        problems.raise_if_any()
    sites = set(cfg.sites) if cfg.sites else None
    women = _validate_women(tables["women"], cfg, problems, sites)
    if sites is None:
        sites = set(women["site"][women["site"] != ""])
    roles = tuple(cfg.roles)
    contacts, facilitators = _validate_contacts(tables["contacts"], cfg, problems, sites, women)
    attendance, counts = _validate_attendance(
        tables.get("attendance"), cfg, problems, contacts, women
    )
    for k, v in _check_sessions(tables["contacts"], cfg, problems, contacts, attendance).items():
        counts[k] = counts.get(k, 0) + v
    for k, v in contacts.attrs.pop("policy_counts", {}).items():
        counts[k] = counts.get(k, 0) + v
    staff = _validate_staff_time(tables.get("staff_time"), cfg, problems, sites)
    problems.raise_if_any()
    return CleanLogs(contacts, attendance, women, staff, facilitators, roles, counts)


def _validate_contacts(
    table: LogTable,
    cfg: CostingConfig,
    problems: _Problems,
    sites: set[str],
    women: pd.DataFrame,
) -> tuple[pd.DataFrame, npt.NDArray[np.float64]]:
    frame = table.frame
    n = len(frame)
    rows = table.row_numbers()
    ids = _text(frame, "contact_id")
    blank = (ids == "").to_numpy()
    problems.add(table, blank, "contact_id", "is missing (required)", "missing_value")
    dup = (ids.duplicated() & ~ids.eq("")).to_numpy()
    first_row = pd.Series(rows, index=ids.index).groupby(ids).transform("first")
    problems.add(
        table,
        dup,
        "contact_id",
        [
            f"duplicate contact_id {_show(i)} (first at row {r})"
            for i, r in zip(ids[dup], first_row[dup], strict=True)
        ],
        "duplicate_contact",
    )
    site = _known(table, problems, "site", sites, "site")
    ctype = _known(table, problems, "contact_type", set(cfg.contact_types), "contact_type")
    fmt = cfg.logs.date_format if cfg.logs else "%Y-%m-%d"
    date_text = _text(frame, "date")
    date, d_blank, d_bad = _dates(date_text, fmt)
    problems.add(table, d_blank, "date", "is missing (required)", "missing_value")
    problems.add(
        table,
        d_bad,
        "date",
        [f"is not a date in the format {fmt}, got {_show(v)}" for v in date_text[d_bad]],
        "bad_date",
    )
    duration = _number_column(table, problems, "duration_min", required=True)
    prep = _number_column(table, problems, "prep_min", required=False)
    travel = _number_column(table, problems, "travel_min", required=False)
    miles = _number_column(table, problems, "miles", required=False)
    others = _number_column(table, problems, "other_attendees", required=False, integer=True)
    capacity = _number_column(
        table, problems, "capacity", required=False, default=np.nan, integer=True
    )
    # facilitators: parse each distinct value once
    fac_text = _text(frame, "facilitators")
    codes, uniques = pd.factorize(fac_text, use_na_sentinel=False)
    roles = list(cfg.roles)
    table_roles = np.zeros((len(uniques), len(roles)))
    bad_fac: dict[int, str] = {}
    for j, value in enumerate(uniques):
        parts = [p.strip() for p in str(value).split(";") if p.strip()]
        if not parts:
            bad_fac[j] = "is missing (at least one role, e.g. psw or psw;volunteer)"
        unknown = [p for p in parts if p not in roles]
        if unknown:
            bad_fac[j] = (
                f"unknown role {_show(unknown[0])} (known: {', '.join(roles)}; "
                "separate several with ;)"
            )
        for p in parts:
            if p in roles:
                table_roles[j, roles.index(p)] += 1
    if bad_fac:
        mask = np.isin(codes, list(bad_fac))
        problems.add(
            table, mask, "facilitators", [bad_fac[c] for c in codes[mask]], "bad_facilitators"
        )
    facilitators = table_roles[codes] if n else np.zeros((0, len(roles)))
    # attended
    att_text = _text(frame, "attended").str.lower()
    attended = ~att_text.isin(_FALSE).to_numpy()
    bad_att = ~(att_text.isin(_TRUE) | att_text.isin(_FALSE) | att_text.eq("")).to_numpy()
    problems.add(
        table,
        bad_att,
        "attended",
        [f"must be yes or no, got {_show(v)}" for v in att_text[bad_att]],
        "bad_attended",
    )
    shared_types = {k for k, ct in cfg.contact_types.items() if ct.shared}
    shared = ctype.isin(shared_types).to_numpy()
    known_type = ctype.isin(set(cfg.contact_types)).to_numpy()
    # capacity default from the contact type
    type_cap = ctype.map({k: ct.capacity for k, ct in cfg.contact_types.items()})
    capacity = np.where(
        np.isnan(capacity), type_cap.to_numpy(dtype=float, na_value=np.nan), capacity
    )
    dna_shared = shared & ~attended
    problems.add(
        table,
        dna_shared,
        "attended",
        "attended: no applies to one-to-ones; a shared session without attendees has "
        "no attendance rows",
        "dna_shared",
    )
    # woman on one-to-ones
    woman = _text(frame, "woman_id")
    w_blank = (woman == "").to_numpy()
    one = known_type & ~shared
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
    pos = lookup(women["woman_id"], woman)
    unknown_w = one & ~w_blank & (pos < 0)
    problems.add(table, unknown_w, "woman_id", "is not in the women log", "unknown_woman")
    counts: Counter[str] = Counter()
    has_w = one & (pos >= 0)
    w_site = np.where(has_w, women["site"].to_numpy()[np.where(pos >= 0, pos, 0)], "")
    w_rows = pos + 2
    mismatch = has_w & (w_site != site.to_numpy()) & site.isin(sites).to_numpy()
    _apply_policy(
        table,
        problems,
        counts,
        cfg,
        "woman_site_mismatch",
        mismatch,
        "site",
        [
            f"the woman (women log row {r}) is at {s} but the contact is at {c}"
            for r, s, c in zip(
                w_rows[mismatch], w_site[mismatch], site.to_numpy()[mismatch], strict=True
            )
        ],
    )
    adm = women["admission_date"].to_numpy()[np.where(pos >= 0, pos, 0)]
    early = has_w & ~np.isnat(date) & ~np.isnat(adm) & (date < adm)
    _apply_policy(
        table,
        problems,
        counts,
        cfg,
        "contact_before_admission",
        early,
        "date",
        [
            f"is before the woman's admission ({pd.Timestamp(a).date()}, women log row {r})"
            for a, r in zip(adm[early], w_rows[early], strict=True)
        ],
    )
    out = pd.DataFrame(
        {
            "contact_id": ids.to_numpy(),
            "site": site.to_numpy(),
            "date": date,
            "contact_type": ctype.to_numpy(),
            "woman_id": woman.to_numpy(),
            "duration_min": duration,
            "prep_min": prep,
            "travel_min": travel,
            "miles": miles,
            "attended": attended,
            "other_attendees": others,
            "capacity": capacity,
            "shared": shared,
            "row": rows,
        }
    )
    out.attrs["policy_counts"] = dict(counts)
    return out, facilitators


def _apply_policy(
    table: LogTable,
    problems: _Problems,
    counts: Counter[str],
    cfg: CostingConfig,
    code: str,
    mask: BoolArray,
    column: str,
    messages: list[str],
) -> None:
    """Report ``mask`` rows as problems unless the config's policy for ``code`` handles them."""
    if not mask.any():
        return
    if _policy(cfg, code) == "error":
        problems.add(
            table, mask, column, [f"{m} (or set logs.policies.{code})" for m in messages], code
        )
    else:
        counts[code] += int(mask.sum())


def _validate_attendance(
    table: LogTable | None,
    cfg: CostingConfig,
    problems: _Problems,
    contacts: pd.DataFrame,
    women: pd.DataFrame,
) -> tuple[pd.DataFrame, dict[str, int]]:
    empty = pd.DataFrame(
        {
            "contact_id": pd.Series(dtype=object),
            "woman_id": pd.Series(dtype=object),
            "minutes": pd.Series(dtype=float),
            "contact": pd.Series(dtype=np.intp),
            "woman": pd.Series(dtype=np.intp),
        }
    )
    if table is None:
        return empty, {}
    frame = table.frame
    counts: Counter[str] = Counter()
    cid = _text(frame, "contact_id")
    wid = _text(frame, "woman_id")
    problems.add(
        table, (cid == "").to_numpy(), "contact_id", "is missing (required)", "missing_value"
    )
    problems.add(
        table, (wid == "").to_numpy(), "woman_id", "is missing (required)", "missing_value"
    )
    c_pos = lookup(contacts["contact_id"], cid)
    w_pos = lookup(women["woman_id"], wid)
    unknown_c = (cid != "").to_numpy() & (c_pos < 0)
    unknown_w = (wid != "").to_numpy() & (w_pos < 0)
    keep = np.ones(len(frame), dtype=bool)
    _apply_policy(
        table,
        problems,
        counts,
        cfg,
        "attendance_unknown_contact",
        unknown_c,
        "contact_id",
        [f"contact {_show(c)} is not in the contacts log" for c in cid[unknown_c]],
    )
    _apply_policy(
        table,
        problems,
        counts,
        cfg,
        "attendance_unknown_woman",
        unknown_w,
        "woman_id",
        ["is not in the women log"] * int(unknown_w.sum()),
    )
    keep &= ~unknown_c & ~unknown_w & (cid != "").to_numpy() & (wid != "").to_numpy()
    safe_c = np.where(c_pos >= 0, c_pos, 0)
    safe_w = np.where(w_pos >= 0, w_pos, 0)
    not_shared = keep & ~contacts["shared"].to_numpy()[safe_c]
    problems.add(
        table,
        not_shared,
        "contact_id",
        [
            f"contact {_show(c)} is a one-to-one (contacts log row {r}); attendance lists "
            "attendees of shared sessions only"
            for c, r in zip(
                cid[not_shared], contacts["row"].to_numpy()[safe_c][not_shared], strict=True
            )
        ],
        "attendance_one_to_one",
    )
    keep &= ~not_shared
    pair = pd.Series(cid.to_numpy() + "\x00" + wid.to_numpy())
    dup = keep & pair.duplicated(keep="first").to_numpy()
    _apply_policy(
        table,
        problems,
        counts,
        cfg,
        "duplicate_attendance",
        dup,
        "woman_id",
        ["the same woman is listed twice for this session"] * int(dup.sum()),
    )
    keep &= ~dup
    c_site = contacts["site"].to_numpy()[safe_c]
    w_site = women["site"].to_numpy()[safe_w]
    mismatch = keep & (c_site != w_site)
    _apply_policy(
        table,
        problems,
        counts,
        cfg,
        "woman_site_mismatch",
        mismatch,
        "woman_id",
        [
            f"the woman (women log row {wr}) is at {ws} but the session (contacts log row "
            f"{cr}) is at {cs}"
            for wr, ws, cr, cs in zip(
                safe_w[mismatch] + 2,
                w_site[mismatch],
                contacts["row"].to_numpy()[safe_c][mismatch],
                c_site[mismatch],
                strict=True,
            )
        ],
    )
    c_date = contacts["date"].to_numpy()[safe_c]
    adm = women["admission_date"].to_numpy()[safe_w]
    early = keep & ~np.isnat(c_date) & ~np.isnat(adm) & (c_date < adm)
    _apply_policy(
        table,
        problems,
        counts,
        cfg,
        "contact_before_admission",
        early,
        "contact_id",
        [
            f"the session (contacts log row {r}) is before the woman's admission "
            f"({pd.Timestamp(a).date()})"
            for r, a in zip(contacts["row"].to_numpy()[safe_c][early], adm[early], strict=True)
        ],
    )
    minutes = _number_column(table, problems, "minutes", required=False, default=np.nan)
    duration = contacts["duration_min"].to_numpy()[safe_c]
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
    out = pd.DataFrame(
        {
            "contact_id": cid.to_numpy(),
            "woman_id": wid.to_numpy(),
            "minutes": np.where(np.isnan(minutes), duration, minutes),
            "contact": safe_c,
            "woman": safe_w,
        }
    )[keep]
    return out.reset_index(drop=True), dict(counts)


def _check_sessions(
    table: LogTable,
    cfg: CostingConfig,
    problems: _Problems,
    contacts: pd.DataFrame,
    attendance: pd.DataFrame,
) -> dict[str, int]:
    """Sessions without attendees, and attendance beyond capacity."""
    counts: Counter[str] = Counter()
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
        ["a shared session with no attendees: no attendance rows and other_attendees 0"]
        * int(empty.sum()),
    )
    cap = contacts["capacity"].to_numpy()
    if cfg.costing.group_split == "capacity":
        missing = shared & np.isnan(cap)
        problems.add(
            table,
            missing,
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
    return dict(counts)


def _validate_staff_time(
    table: LogTable | None, cfg: CostingConfig, problems: _Problems, sites: set[str]
) -> pd.DataFrame:
    if table is None:
        return pd.DataFrame(
            {
                "site": pd.Series(dtype=object),
                "month": pd.Series(dtype="datetime64[ns]"),
                "role": pd.Series(dtype=object),
                "activity": pd.Series(dtype=object),
                "hours": pd.Series(dtype=float),
            }
        )
    frame = table.frame
    site = _known(table, problems, "site", sites, "site")
    role = _known(table, problems, "role", set(cfg.roles), "role")
    month_text = _text(frame, "month")
    month, m_blank, m_bad = _dates(month_text, "%Y-%m")
    problems.add(table, m_blank, "month", "is missing (required)", "missing_value")
    problems.add(
        table,
        m_bad,
        "month",
        [f"must be a month such as 2025-04, got {_show(v)}" for v in month_text[m_bad]],
        "bad_month",
    )
    hours = _number_column(table, problems, "hours", required=True)
    return pd.DataFrame(
        {
            "site": site.to_numpy(),
            "month": month,
            "role": role.to_numpy(),
            "activity": _text(frame, "activity").to_numpy(),
            "hours": hours,
        }
    )
