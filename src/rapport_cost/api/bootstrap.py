"""``bootstrap``: confidence intervals of the mean cost per woman (METHODS §6, P-7).

The input is the cost of every woman, either as ``estimate`` computes it from the config
and its logs (the one costing path: :func:`~rapport_cost.api.estimate.woman_component_costs`
at the point values), or from a per-person cost table (``costs=FILE``: CSV, XLSX or
Parquet with ``woman_id`` and ``total_cost``, optionally ``site`` and subgroup columns),
so that a trial's costs can be bootstrapped too.

Rows of the table ``bootstrap_ci``:

* one per site: an ordinary bootstrap of the women of that site (within one site the
  stratified bootstrap is the ordinary one, and the cluster bootstraps have one unit);
* ``all``: every woman, with the chosen scheme (stratified by site by default, B-4);
* with ``by``: one per value of each subgroup column, every woman of that subgroup, with
  the chosen scheme (strata and units are then the sites of that subgroup's women).

Randomness (METHODS G-3): ``SeedSequence(seed)`` is spawned into the streams of
:data:`rapport_cost.api.psa.STREAMS` (``psa``, ``bootstrap``, ``scores``), as the PSA does;
the ``bootstrap`` stream is spawned again into one stream per row of the table, so a row's
replicates do not depend on the other rows (adding ``by`` does not change the site rows).

Joint mode (``with_psa``, METHODS P-7) pairs PSA draw d (the PSA's design, sampler and
streams, so the draws are those of ``rapport-cost psa`` with the same seed and number of
draws) with bootstrap resample d: per-woman costs of a block of draws are ``P · Qᵀ``
(prices of the draws times the women's quantities), and each draw's row is resampled once
(:func:`~rapport_cost.core.bootstrap.paired_resample_means`). Each row is reported three
times (column ``uncertainty``): ``sampling`` (the same resamples at the point values),
``parameters`` (the same draws, every woman: the PSA) and ``joint``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy

from rapport_cost.api.base import (
    Built,
    ConfigArg,
    Prepared,
    Result,
    build,
    choice,
    config_arg,
    config_inputs,
    load,
    prepare,
    price_notes,
    seed_number,
    whole_number,
)
from rapport_cost.api.estimate import policy_notes, woman_component_costs
from rapport_cost.api.limits import check_bootstrap
from rapport_cost.api.psa import STREAMS, Progress, figure, png, psa_sampler
from rapport_cost.api.reproduce import register_runner
from rapport_cost.arrays import FloatArray, IntArray, StrArray
from rapport_cost.config import BootstrapSettings
from rapport_cost.core.analyses import bootstrap as core
from rapport_cost.core.analyses import psa as core_psa
from rapport_cost.errors import (
    InputError,
    ModelError,
    Problem,
    UsageError,
)
from rapport_cost.fileio.config_file import LoadedConfig
from rapport_cost.fileio.costs import CostsFile, read_costs, table_writers

if TYPE_CHECKING:
    from matplotlib.figure import Figure


#: ``method="all"``: every interval of METHODS B-8, in its order.
ALL = "all"
#: Intervals defined in joint mode: BCa and the studentized interval need a jackknife or a
#: per-resample SE over women, which have no counterpart for the parameter draws.
JOINT_METHODS: tuple[core.Method, ...] = ("normal", "percentile", "basic")
#: The ``uncertainty`` rows of joint mode, in table order.
UNCERTAINTIES = ("sampling", "parameters", "joint")
#: Per-woman costs of a block of PSA draws held at once in joint mode (draws × women).
JOINT_BLOCK_ELEMENTS = 1 << 21
#: Columns of a costs file with a fixed meaning (the rest are subgroup columns).
COST_COLUMNS = ("woman_id", "total_cost", "site")
#: Files of the replicates written with ``-o FOLDER``, and of the histogram.
REPLICATES = "bootstrap_replicates"
#: Warning code of a subgroup row with a stratum (site) of one woman.
W_SMALL_STRATUM = "W-SMALL-STRATUM"
HISTOGRAM = "bootstrap_histogram.png"


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class _Options:
    scheme: core.Scheme
    method: str
    """As asked: a method or ``all``."""
    methods: tuple[core.Method, ...]
    resamples: int | None
    """Resamples of the bootstrap; ``None`` in joint mode (one per draw)."""
    level: float
    ties: core.Ties
    fallback: bool
    by: tuple[str, ...]
    with_psa: bool
    draws: int | None
    """PSA draws in joint mode, else ``None``."""

    @property
    def n_replicates(self) -> int:
        """Replicates per row: resamples, or draws in joint mode."""
        n = self.draws if self.with_psa else self.resamples
        assert n is not None
        return n

    @property
    def primary(self) -> core.Method:
        """The interval marked on the histogram."""
        if self.method != ALL:
            return cast("core.Method", self.method)
        return "percentile" if self.with_psa else "bca"


def _options(
    settings: BootstrapSettings,
    psa_draws: int,
    *,
    scheme: str | None,
    method: str | None,
    resamples: int | None,
    level: float | None,
    ties: str | None,
    fallback: bool,
    by: Sequence[str],
    with_psa: bool,
    draws: int | None,
    costs: object,
    notes: list[str],
) -> _Options:
    """Every option checked, with the config's ``bootstrap:`` section as defaults."""
    chosen_scheme = choice(settings.scheme if scheme is None else scheme, "--scheme", core.SCHEMES)
    asked = choice(settings.method if method is None else method, "--method", (*core.METHODS, ALL))
    lvl = settings.level if level is None else level
    if (
        isinstance(lvl, bool)
        or not isinstance(lvl, int | float)
        or not math.isfinite(lvl)
        or not 0 < lvl < 1
    ):
        msg = f"--level must be a number between 0 and 1 (exclusive), e.g. 0.95; got {lvl!r}"
        raise UsageError(msg, [Problem(msg)])
    chosen_ties = choice(settings.ties if ties is None else ties, "--ties", get_args(core.Ties))
    if isinstance(by, str):
        by = [by]
    n_resamples: int | None = whole_number(
        settings.resamples if resamples is None else resamples, "--resamples", 1
    )
    n_draws: int | None = None
    methods: tuple[core.Method, ...] = core.METHODS if asked == ALL else (asked,)  # type: ignore[assignment]
    if not with_psa:
        if draws is not None:
            msg = "--draws sets the PSA draws of --with-psa; without it, use --resamples"
            raise UsageError(msg, [Problem(msg)])
    else:
        if costs is not None:
            msg = (
                "--with-psa reprices every woman's resource use at each PSA draw, so it needs "
                "a config and its activity logs, not --costs"
            )
            raise UsageError(msg, [Problem(msg)])
        if chosen_scheme not in ("ordinary", "stratified"):
            msg = f"--with-psa supports --scheme ordinary or stratified; got {chosen_scheme!r}"
            raise UsageError(msg, [Problem(msg)])
        if resamples is not None:
            msg = (
                "--with-psa pairs one bootstrap resample with each PSA draw: set their number "
                "with --draws, not --resamples"
            )
            raise UsageError(msg, [Problem(msg)])
        n_resamples = None
        n_draws = whole_number(psa_draws if draws is None else draws, "--draws", 1)
        if asked == ALL:
            methods = JOINT_METHODS
        elif asked not in JOINT_METHODS:
            if method is not None:
                msg = (
                    f"--with-psa reports the {', '.join(JOINT_METHODS)} intervals; the {asked} "
                    "interval needs a jackknife or a standard error over women that the PSA "
                    "draws do not have"
                )
                raise UsageError(msg, [Problem(msg)])
            notes.append(
                f"bootstrap.method is {asked}, which joint mode cannot compute; the percentile "
                "interval is reported (METHODS P-6)"
            )
            asked = "percentile"
            methods = ("percentile",)
    return _Options(
        scheme=cast("core.Scheme", chosen_scheme),
        method=asked,
        methods=methods,
        resamples=n_resamples,
        level=float(lvl),
        ties=cast("core.Ties", chosen_ties),
        fallback=bool(fallback),
        by=tuple(by),
        with_psa=bool(with_psa),
        draws=n_draws,
    )


# ------------------------------------------------------------------------------ data


@dataclass(frozen=True)
class _Women:
    """The per-woman costs to bootstrap and what the rows are made of."""

    costs: FloatArray
    """Cost per woman, shape (n,)."""
    sites: StrArray | None
    """Site of each woman, or ``None`` when the data have no sites."""
    site_order: tuple[str, ...]
    """Sites with women, in the order of the table."""
    subgroups: pd.DataFrame
    """Subgroup columns (text), n rows."""
    source: str
    """The file the women are listed in (for messages)."""
    rows: IntArray
    """Each woman's row in ``source`` as a spreadsheet numbers it (0 when unknown)."""

    @property
    def groups(self) -> StrArray:
        """Site of each woman; one group ``all`` when the data have no sites."""
        if self.sites is not None:
            return self.sites
        return np.full(self.costs.size, "all")


def _from_built(built: Built) -> _Women:
    """Per-woman costs at the point values, exactly as ``estimate``'s ``per_woman`` table."""
    theta = built.prep.terms.table.base_matrix()
    _, components = woman_component_costs(built.usage, built.prices(theta)[0])
    values = components.sum(axis=1)
    women = built.usage.women
    sites = women["site"].astype(str).to_numpy().astype(np.str_)
    present = set(sites.tolist())
    order = tuple(s for s in built.usage.sites if s in present)
    subgroups = women[built.logs.subgroup_columns].astype(str).reset_index(drop=True)
    source, rows = "", np.zeros(values.size, dtype=np.intp)
    for f in built.files:
        if f.table == "women" and "woman_id" in f.frame.columns:
            source = f.source
            numbers = f.rows if f.rows is not None else np.arange(2, len(f.frame) + 2)
            where = {
                str(w): int(r)
                for w, r in zip(f.frame["woman_id"].tolist(), numbers.tolist(), strict=True)
            }
            rows = np.array([where.get(str(w), 0) for w in women["woman_id"]], dtype=np.intp)
    return _Women(values, sites, order, subgroups, source, rows)


def _text_column(col: pd.Series[Any]) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.bool_]]:
    """A column as stripped text, and where it is blank (missing)."""
    missing = col.isna().to_numpy()
    text = col.astype(str).str.strip().to_numpy(dtype=object)
    text[missing] = ""
    return text, missing | (text == "")


def _cost_values(
    col: pd.Series[Any], source: str, rows: IntArray, problems: list[Problem]
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """``total_cost`` as numbers; every bad cell added to ``problems``. Returns (values, ok)."""
    text, blank = _text_column(col)
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        values = col.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        parsed = pd.to_numeric(pd.Series(text, dtype=object).mask(blank), errors="coerce")
        values = np.asarray(parsed, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        ok = ~blank & np.isfinite(values) & (values >= 0)
    for i in np.flatnonzero(~ok).tolist():
        v, t = float(values[i]), str(text[i])
        if blank[i]:
            message = "is missing (required)"
        elif math.isnan(v):
            message = f"must be a number >= 0, got {t!r}"
        elif math.isinf(v):
            message = f"must be a finite number >= 0, got {t!r}"
        else:
            message = f"must be >= 0, got {t!r}"
        problems.append(Problem(message, source, int(rows[i]), "total_cost", code="bad_cost"))
    return values, ok


def _from_file(cf: CostsFile, by: Sequence[str], scheme: core.Scheme) -> _Women:
    """Check a per-person cost table and list every problem at once (exit code 2).

    Raises
    ------
    InputError
        Missing ``woman_id`` or ``total_cost`` columns, blank, non-numeric, negative or
        infinite costs, blank or duplicate ids, blank sites, a site named ``all``, fewer
        than two women (in all, or in a site under the stratified scheme), and ``by``
        columns the file does not have; each with the file, row and column.
    """
    frame, source, row = cf.frame, cf.source, cf.rows
    problems: list[Problem] = []
    columns = list(frame.columns)
    found = ", ".join(columns) or "none"
    for name in ("woman_id", "total_cost"):
        if name not in columns:
            problems.append(
                Problem(
                    f"missing column {name!r} (columns found: {found})",
                    source,
                    1,
                    name,
                    code="missing_column",
                )
            )
    subgroup_columns = [c for c in columns if c not in COST_COLUMNS]
    for col in by:
        if col not in subgroup_columns:
            choices = ", ".join(subgroup_columns) or "none"
            problems.append(
                Problem(
                    f"{col!r} is not a subgroup column of this file (subgroup columns: {choices})",
                    source,
                    1,
                    "--by",
                    code="unknown_by",
                )
            )
    if problems:
        msg = f"{len(problems)} problem(s) in {source}"
        raise InputError(msg, problems)
    n = len(frame)
    ids, id_blank = _text_column(frame["woman_id"])
    values, cost_ok = _cost_values(frame["total_cost"], source, row, problems)
    # Codes in order of first appearance, -1 for blanks; the first row of each id.
    codes, _ = pd.factorize(pd.Series(ids, dtype=object).mask(id_blank))
    seen, at = np.unique(codes, return_index=True)
    first_index = np.zeros(max(int(seen.max()) + 1, 1) if seen.size else 1, dtype=np.intp)
    first_index[seen[seen >= 0]] = at[seen >= 0]
    for i in np.flatnonzero(id_blank).tolist():
        problems.append(Problem("is missing (required)", source, int(row[i]), "woman_id"))
    duplicate = (codes >= 0) & (np.arange(codes.size) != first_index[np.maximum(codes, 0)])
    for i in np.flatnonzero(duplicate).tolist():
        # Never the id itself in a message (DESIGN §1): the rows say which.
        first = int(row[first_index[codes[i]]])
        problems.append(
            Problem(
                f"duplicate woman_id (first at row {first})",
                source,
                int(row[i]),
                "woman_id",
                code="duplicate",
            )
        )
    sites: StrArray | None = None
    order: tuple[str, ...] = ()
    if "site" in columns:
        text, blank = _text_column(frame["site"])
        for i in np.flatnonzero(blank).tolist():
            problems.append(Problem("is missing (required)", source, int(row[i]), "site"))
        for i in np.flatnonzero(text == "all").tolist():
            problems.append(
                Problem(
                    "the site name 'all' is reserved for the row of all women",
                    source,
                    int(row[i]),
                    "site",
                    code="reserved",
                )
            )
        sites = text.astype(np.str_)
        order = tuple(
            dict.fromkeys(s for s, b in zip(sites.tolist(), blank.tolist(), strict=True) if not b)
        )
    if n < 2:
        problems.append(_too_few_women(n, source))
    elif sites is not None and scheme == "stratified":
        for s in order:
            if s == "all":  # reported above
                continue
            where = np.flatnonzero(sites == s)
            if where.size < 2:
                problems.append(_stratum_problem(s, int(where.size), source, int(row[where[0]])))
    if problems:
        problems.sort(key=lambda p: p.line or 0)  # by row; a row's columns as found
        msg = f"{len(problems)} problem(s) in {source}"
        raise InputError(msg, problems)
    assert bool(cost_ok.all())
    subgroups = pd.DataFrame(
        {c: _text_column(frame[c])[0].astype(str) for c in subgroup_columns}, index=range(n)
    )
    return _Women(values.astype(np.float64), sites, order, subgroups, source, row)


def _too_few_women(n: int, source: str | None) -> Problem:
    return Problem(
        f"the bootstrap needs at least 2 women, got {n}",
        source,
        None,
        "woman_id",
        code="too_few_women",
    )


def _stratum_problem(site: str, n: int, source: str, row: int) -> Problem:
    return Problem(
        f"site {site!r} has {n} woman; the stratified bootstrap resamples women within each "
        "site and needs at least 2 per site (or use --scheme ordinary)",
        source or None,
        row or None,
        "site",
        code="small_stratum",
    )


def _check_built(women: _Women, by: Sequence[str], choices: list[str], scheme: str) -> None:
    """The checks of :func:`_from_file` that apply to costs from the logs."""
    problems: list[Problem] = []
    source = women.source or None
    for col in by:
        if col not in choices:
            listed = ", ".join(choices) or "none"
            problems.append(
                Problem(
                    f"{col!r} is not a subgroup column of the women log (subgroup columns: "
                    f"{listed})",
                    source,
                    1,
                    "--by",
                    code="unknown_by",
                )
            )
    n = women.costs.size
    if n < 2:
        problems.append(_too_few_women(n, source))
    elif scheme == "stratified" and women.sites is not None:
        for s in women.site_order:
            where = np.flatnonzero(women.sites == s)
            if where.size < 2:
                problems.append(
                    _stratum_problem(s, int(where.size), women.source, int(women.rows[where[0]]))
                )
    if problems:
        msg = f"{len(problems)} problem(s) in the women to bootstrap"
        raise InputError(msg, problems)


# ------------------------------------------------------------------------------ rows


@dataclass(frozen=True)
class _Row:
    """One row (or group of rows) of ``bootstrap_ci``: which women and which scheme."""

    name: str
    """``site=birmingham``, ``all`` or ``ethnicity=White`` (warnings, replicate columns)."""
    labels: dict[str, str]
    """Key columns of the table: ``site`` and each ``by`` column."""
    index: IntArray
    scheme: core.Scheme


def _rows(women: _Women, scheme: core.Scheme, by: Sequence[str]) -> list[_Row]:
    everyone = {"site": "all", **dict.fromkeys(by, "all")}
    rows: list[_Row] = []
    if women.sites is not None:
        for s in women.site_order:
            idx = np.flatnonzero(women.sites == s)
            rows.append(_Row(f"site={s}", {**everyone, "site": s}, idx, "ordinary"))
    rows.append(_Row("all", everyone, np.arange(women.costs.size, dtype=np.intp), scheme))
    for col in by:
        values = women.subgroups[col].to_numpy(dtype=str)
        for v in sorted(set(values.tolist())):
            idx = np.flatnonzero(values == v)
            rows.append(_Row(f"{col}={v}", {**everyone, col: v}, idx, scheme))
    return rows


def _small_strata(row: _Row, groups: StrArray) -> list[str]:
    """A warning for a stratified subgroup row with a site of one woman (her cost is fixed)."""
    if row.scheme != "stratified" or row.name == "all":
        return []
    labels, counts = np.unique(groups[row.index], return_counts=True)
    single = [str(v) for v, c in zip(labels.tolist(), counts.tolist(), strict=True) if c == 1]
    if not single:
        return []
    return [
        f"{W_SMALL_STRATUM}: {len(single)} site(s) ({', '.join(single)}) have one woman of "
        "this subgroup; the stratified bootstrap holds her cost fixed, so the interval leaves "
        "out that site's sampling variation"
    ]


def _record(row: _Row, iv: core.BootstrapInterval, uncertainty: str | None) -> dict[str, Any]:
    rec: dict[str, Any] = dict(row.labels)
    if uncertainty is not None:
        rec["uncertainty"] = uncertainty
    rec.update(
        n=iv.n,
        mean=iv.mean,
        se=iv.se,
        bias=iv.bias,
        method=iv.method,
        lower=iv.lower,
        upper=iv.upper,
        level=iv.level,
        z0=iv.z0,
        acceleration=iv.acceleration,
        resamples=iv.resamples,
        scheme=iv.scheme if uncertainty != "parameters" else "none",
    )
    return rec


class _Warnings:
    """Warning texts of the rows, each code and text once with the rows it applies to."""

    def __init__(self, general: Sequence[str]) -> None:
        self.general = list(dict.fromkeys(general))
        self._rows: dict[tuple[str, str], list[str]] = {}

    def add(self, row: str, texts: Sequence[str]) -> None:
        for text in texts:
            if text in self.general:
                continue
            code, sep, rest = text.partition(": ")
            key = (code, rest) if sep and code.startswith("W-") else ("", text)
            names = self._rows.setdefault(key, [])
            if row not in names:
                names.append(row)

    def texts(self) -> list[str]:
        out = list(self.general)
        for (code, rest), names in self._rows.items():
            where = ", ".join(names)
            out.append(f"{code}: {where}: {rest}" if code else f"{where}: {rest}")
        return out


def _row_error(row: _Row, exc: ModelError) -> list[Problem]:
    problems = exc.problems or [Problem(str(exc), code="model")]
    return [Problem(f"{row.name}: {p.message}", p.file, p.line, p.field, p.code) for p in problems]


# ------------------------------------------------------------------------- the bootstrap


def _bootstrap_rows(
    women: _Women,
    rows: Sequence[_Row],
    opts: _Options,
    stream: np.random.SeedSequence,
    progress: Progress | None,
    notes: _Warnings,
) -> tuple[list[dict[str, Any]], dict[str, FloatArray], dict[str, core.BootstrapInterval]]:
    """Bootstrap every row; table records, replicates by row name, primary interval by row."""
    n_resamples = opts.n_replicates
    groups = women.groups
    records: list[dict[str, Any]] = []
    replicates: dict[str, FloatArray] = {}
    primary: dict[str, core.BootstrapInterval] = {}
    failures: list[Problem] = []
    total = n_resamples * len(rows)
    for k, (row, child) in enumerate(zip(rows, stream.spawn(len(rows)), strict=True)):
        try:
            intervals = core.bootstrap_intervals(
                women.costs[row.index],
                groups[row.index],
                rng=np.random.default_rng(child),
                methods=opts.methods,
                scheme=row.scheme,
                level=opts.level,
                n_resamples=n_resamples,
                ties=opts.ties,
                fallback=opts.fallback,
            )
        except ModelError as exc:
            failures += _row_error(row, exc)
            continue
        notes.add(row.name, _small_strata(row, groups))
        for iv in intervals.values():
            records.append(_record(row, iv, None))
            notes.add(row.name, iv.warnings)
        first = next(iter(intervals.values()))
        replicates[row.name] = first.replicates
        primary[row.name] = intervals.get(opts.primary, first)
        if progress is not None:
            progress((k + 1) * n_resamples, total)
    if failures:
        msg = f"{len(failures)} bootstrap interval(s) cannot be computed"
        raise ModelError(msg, failures)
    return records, replicates, primary


def _joint_rows(
    built: Built,
    women: _Women,
    rows: Sequence[_Row],
    opts: _Options,
    streams: dict[str, np.random.SeedSequence],
    progress: Progress | None,
    notes: list[str],
) -> dict[str, FloatArray]:
    """Replicates of every row under each uncertainty, keyed ``name:uncertainty`` (P-7)."""
    cfg, terms, usage = built.config, built.prep.terms, built.usage
    n_draws = opts.n_replicates
    design, sampler, setup_notes = psa_sampler(
        built, sampling=cfg.psa.sampling, streams=streams, n_draws=n_draws
    )
    notes += setup_notes
    if not design.blocks:
        notes.append(
            "no parameter has a distribution: the joint interval is the bootstrap interval"
        )

    out = {u: np.empty((len(rows), n_draws)) for u in UNCERTAINTIES}
    # One stream per row; the sampling-only replicates get a second generator in the same
    # state, so they use exactly the resamples of the joint replicates (common numbers).
    children = streams["bootstrap"].spawn(len(rows))
    paired = [np.random.default_rng(c) for c in children]
    alone = [np.random.default_rng(c) for c in children]
    groups = women.groups
    q_women_t = np.ascontiguousarray(usage.q_women.T)  # (n_drivers, n_women)
    base = design.table.base()
    block = max(1, JOINT_BLOCK_ELEMENTS // max(1, women.costs.size))
    for chunk in core_psa.simulate(
        design,
        sampler,
        terms,
        usage,
        cfg.perspective,
        n_draws=n_draws,
        chunk_size=cfg.psa.chunk_size,
    ):
        # Θ of the chunk as the PSA built it: point values, drawn columns replaced.
        theta = np.empty((chunk.n, base.size), dtype=np.float64, order="F")
        theta[:] = base
        theta[:, design.columns] = chunk.params
        prices = built.prices(theta)
        for start in range(0, chunk.n, block):
            stop = min(start + block, chunk.n)
            costs = prices[start:stop] @ q_women_t  # (m, n_women): cost of every woman
            if not np.all(np.isfinite(costs)):
                msg = "some PSA draws give costs that are not finite (e.g. zero working hours)"
                raise ModelError(msg, [Problem(msg, field="psa", code="not_finite")])
            lo, hi = chunk.start + start, chunk.start + stop
            for r, row in enumerate(rows):
                c = costs[:, row.index]
                g = groups[row.index] if row.scheme == "stratified" else None
                scheme = cast("Literal['ordinary', 'stratified']", row.scheme)
                out["joint"][r, lo:hi] = core.paired_resample_means(
                    c, g, scheme=scheme, rng=paired[r]
                )
                at_base = np.broadcast_to(women.costs[row.index], c.shape)
                out["sampling"][r, lo:hi] = core.paired_resample_means(
                    at_base, g, scheme=scheme, rng=alone[r]
                )
                out["parameters"][r, lo:hi] = c.mean(axis=1)
            if progress is not None:
                progress(hi, n_draws)
    return {f"{row.name}:{u}": out[u][r] for r, row in enumerate(rows) for u in UNCERTAINTIES}


def _joint_intervals(
    women: _Women,
    rows: Sequence[_Row],
    replicates: dict[str, FloatArray],
    opts: _Options,
    notes: _Warnings,
) -> tuple[list[dict[str, Any]], dict[str, core.BootstrapInterval]]:
    records: list[dict[str, Any]] = []
    primary: dict[str, core.BootstrapInterval] = {}
    for row in rows:
        x = women.costs[row.index]
        notes.add(row.name, _small_strata(row, women.groups))
        for u in UNCERTAINTIES:
            reps = core.BootstrapReplicates(
                theta_hat=float(x.mean()),
                replicates=replicates[f"{row.name}:{u}"],
                scheme=row.scheme,
                n=int(x.size),
                n_units=len(set(women.groups[row.index].tolist())),
            )
            for m in opts.methods:
                iv = core.interval_from_replicates(reps, method=m, level=opts.level, ties=opts.ties)
                iv = core.resolve_interval(iv, reps, fallback=opts.fallback)
                records.append(_record(row, iv, u))
                notes.add(f"{row.name} ({u})", iv.warnings)
                if m == opts.primary:
                    primary[f"{row.name}:{u}"] = iv
    return records, primary


# ------------------------------------------------------------------------------ units


def _clusters(women: _Women, level: float) -> tuple[pd.DataFrame, list[str]]:
    """Table ``clusters`` (METHODS B-7) and its warnings.

    One row per unit (site: ``n``, ``mean``), then ``all`` with ``k`` (K units), the
    Donner–Klar size ``n0``, the ANOVA variance components, the ICC, the t interval on the
    unit means with K − 1 df and the schemes fit for the primary analysis with K units
    (the summary columns are NaN on the unit rows).
    """
    diag = core.cluster_diagnostics(women.costs, women.groups, level=level)
    s = diag.summary
    k = s.n_units
    position = {label: i for i, label in enumerate(s.labels)}
    order = women.site_order if women.sites is not None else ()
    units = [
        {"site": site, "n": int(s.sizes[position[site]]), "mean": float(s.means[position[site]])}
        for site in order
    ]
    t_lo, t_hi = diag.t_interval if diag.t_interval is not None else (math.nan, math.nan)
    summary = {
        "site": "all",
        "n": s.n,
        "mean": float(women.costs.mean()),
        "k": float(k),
        "n0": s.n0,
        "sigma2_between": s.sigma2_between,
        "sigma2_within": s.sigma2_within,
        "icc": s.icc,
        "mean_of_unit_means": float(s.means.mean()),
        "t_lower": t_lo,
        "t_upper": t_hi,
        "level": level,
        "recommended_schemes": ", ".join(diag.recommended),
    }
    table = pd.DataFrame([*units, summary], columns=list(summary))
    return table, list(diag.warnings) if k >= 2 else []


# ------------------------------------------------------------------------------ plots


def _histogram(x: FloatArray, iv: core.BootstrapInterval, caption: str, title: str) -> Figure:
    """Histogram of θ* (Freedman–Diaconis bins, at most 200) with θ̂ and the interval."""
    fig = figure()
    ax = fig.add_subplot()
    edges = np.histogram_bin_edges(x, bins="fd") if np.ptp(x) > 0 else np.array([x[0], x[0] + 1])
    if edges.size > 201:
        edges = np.histogram_bin_edges(x, bins=200)
    ax.hist(x, bins=edges.tolist(), color="#8fb3d9", edgecolor="none")
    ax.axvline(iv.mean, color="black", lw=1.5, label=f"estimate {iv.mean:,.2f}")
    label = f"{iv.level:.0%} {iv.method} interval {iv.lower:,.2f} to {iv.upper:,.2f}"
    ax.axvline(iv.lower, color="#c0504d", lw=1.2, ls="--", label=label)
    ax.axvline(iv.upper, color="#c0504d", lw=1.2, ls="--")
    ax.set_xlabel(f"mean cost per woman, all sites{f' ({caption})' if caption else ''}")
    ax.set_ylabel("replicates")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize="small", frameon=False)
    return fig


# ------------------------------------------------------------------------------- API


def bootstrap(
    config: ConfigArg | Prepared | Built = None,
    *,
    costs: str | Path | None = None,
    scheme: str | None = None,
    method: str | None = None,
    resamples: int | None = None,
    seed: int | None = None,
    level: float | None = None,
    ties: str | None = None,
    fallback: bool = False,
    by: Sequence[str] = (),
    with_psa: bool = False,
    draws: int | None = None,
    progress: Progress | None = None,
) -> Result:
    """Bootstrap confidence intervals of the mean cost per woman (METHODS §6).

    Parameters
    ----------
    config
        A config path (the bundled example when ``None`` and no ``costs``), or a prepared
        or built model. With ``costs`` it only supplies the defaults of its ``bootstrap:``
        section, the currency and the price year.
    costs
        A per-person cost table (CSV, XLSX or Parquet) with ``woman_id`` and
        ``total_cost``, optionally ``site`` (absent: one group, reported as ``all``) and
        subgroup columns, instead of the costs of the config's logs.
    scheme
        ``ordinary``, ``stratified`` (by site; the default), ``cluster`` or ``two-stage``
        (METHODS B-2, B-4 to B-6), for the ``all`` and subgroup rows; a site's row is an
        ordinary bootstrap of its women.
    method
        ``percentile``, ``basic``, ``normal``, ``studentized``, ``bca`` (the default) or
        ``all`` (one row per method, from the same replicates) (B-3).
    resamples, seed, level, ties
        B, the seed (``SeedSequence(seed)``, METHODS G-3; ``None`` draws fresh entropy,
        recorded in ``settings["seed"]``), the coverage and ẑ0's ties rule (``half`` or
        ``boot``). Defaults: the config's ``bootstrap:`` section.
    fallback
        When an interval is undefined (B-3 edge cases), report the percentile interval
        with a warning instead of failing.
    by
        Subgroup columns: one row per value of each, with the chosen scheme.
    with_psa
        Joint mode (METHODS P-7): each PSA draw paired with one resample; rows for the
        ``sampling``, ``parameters`` and ``joint`` uncertainty (column ``uncertainty``).
        Percentile intervals unless ``method`` is ``normal``, ``basic`` or ``all``.
    draws
        PSA draws in joint mode (default: the config's ``psa.draws``).
    progress
        Called as ``progress(done, total)`` as replicates are made.

    Returns
    -------
    Result
        Tables ``bootstrap_ci`` (``site``, the ``by`` columns, [``uncertainty``], ``n``,
        ``mean``, ``se``, ``bias``, ``method``, ``lower``, ``upper``, ``level``, ``z0``,
        ``acceleration``, ``resamples``, ``scheme``) and ``clusters`` (METHODS B-7); the
        replicates (Parquet and CSV) and a histogram of θ* for the ``all`` row in
        ``plots``.

    Raises
    ------
    UsageError
        An option out of range (e.g. ``resamples=0``, ``level=1.5``), or options that do
        not go together (exit code 2).
    InputError
        A costs file without ``woman_id`` or ``total_cost``, with blank, non-numeric or
        negative costs, duplicate ids, a ``by`` column it does not have, or a site of
        fewer than 2 women under the stratified scheme; every problem with file, row and
        column (exit code 2). Problems of the config and logs as ``estimate``.
    ModelError
        An interval is undefined and ``fallback`` is false, naming the row and the
        reason (exit code 3); a scheme that needs units with fewer than 2.

    Examples
    --------
    >>> r = bootstrap(resamples=999, method="percentile")
    >>> r.tables["bootstrap_ci"]["site"].tolist()
    ['birmingham', 'lancashire', 'manchester', 'all']
    """
    loaded: LoadedConfig | None = None
    built: Built | None = None
    prepared: Prepared | None = None
    if isinstance(config, Built):
        built, loaded = config, config.prep.loaded
    elif isinstance(config, Prepared):
        prepared, loaded = config, config.loaded
    elif config is not None or costs is None:
        loaded = load(config)
    settings = loaded.config.bootstrap if loaded is not None else BootstrapSettings()
    psa_draws = loaded.config.psa.draws if loaded is not None else 0
    notes: list[str] = []
    opts = _options(
        settings,
        psa_draws,
        scheme=scheme,
        method=method,
        resamples=resamples,
        level=level,
        ties=ties,
        fallback=fallback,
        by=by,
        with_psa=with_psa,
        draws=draws,
        costs=costs,
        notes=notes,
    )
    given_seed = seed_number(settings.seed if seed is None else seed)
    root = np.random.SeedSequence(given_seed)
    used_seed = given_seed if given_seed is not None else int(root.entropy)  # type: ignore[arg-type]
    streams = dict(zip(STREAMS, root.spawn(len(STREAMS)), strict=True))

    if costs is None:
        if built is None:
            assert loaded is not None
            built = build(prepared if prepared is not None else prepare(loaded))
        women = _from_built(built)
        _check_built(women, opts.by, built.logs.subgroup_columns, opts.scheme)
        inputs = built.inputs()
        notes = [*policy_notes(built), *built.usage.notes, *price_notes(built.prep)[1], *notes]
    else:
        cf = read_costs(costs)
        women = _from_file(cf, opts.by, opts.scheme)
        inputs = [
            *(config_inputs(loaded) if loaded is not None else []),
            {"role": "costs", "path": cf.source, "sha256": cf.sha256},
        ]

    rows = _rows(women, opts.scheme, opts.by)
    check_bootstrap(opts.n_replicates, len(rows), joint=opts.with_psa, built=built)
    clusters, cluster_notes = _clusters(women, opts.level)
    row_notes = _Warnings([*notes, *cluster_notes])
    if opts.with_psa:
        assert built is not None
        joint_notes: list[str] = []
        replicates = _joint_rows(built, women, rows, opts, streams, progress, joint_notes)
        row_notes.general += joint_notes
        records, primary = _joint_intervals(women, rows, replicates, opts, row_notes)
        shown = "all:joint"
    else:
        records, replicates, primary = _bootstrap_rows(
            women, rows, opts, streams["bootstrap"], progress, row_notes
        )
        shown = "all"
    table = pd.DataFrame.from_records(records)

    currency = loaded.config.currency if loaded is not None else ""
    price_year = loaded.config.price_year if loaded is not None else ""
    perspective = loaded.config.perspective if costs is None and loaded is not None else None
    caption = f"{currency}, {price_year} prices" if price_year else ""
    iv = primary[shown]
    title = (
        f"Joint bootstrap and PSA: {opts.n_replicates:,} paired draws ({iv.scheme})"
        if opts.with_psa
        else f"Bootstrap of the mean cost per woman: {iv.resamples:,} resamples ({iv.scheme})"
    )
    rep_table = pd.DataFrame(
        {"resample": np.arange(1, opts.n_replicates + 1, dtype=np.int64), **replicates}
    )
    plots: dict[str, Callable[[Path], None]] = dict(table_writers(REPLICATES, rep_table))
    plots[HISTOGRAM] = png(lambda: _histogram(replicates[shown], iv, caption, title))

    site_women = {s: int(np.count_nonzero(women.groups == s)) for s in women.site_order}
    settings_out: dict[str, Any] = {
        "statistic": "mean cost per woman (patient-weighted, METHODS B-1, C-15)",
        "scheme": opts.scheme,
        "site_rows": "ordinary bootstrap of the women of each site",
        "method": opts.method,
        "resamples": opts.resamples,
        "seed": used_seed,
        "seed_streams": list(STREAMS),
        "level": opts.level,
        "ties": opts.ties,
        "fallback": opts.fallback,
        "quantiles": "Davison-Hinkley order statistics, normal-quantile interpolation",
        "by": list(opts.by),
        "with_psa": opts.with_psa,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    }
    if opts.with_psa:
        assert built is not None
        settings_out.update(
            draws=opts.draws,
            sampling=built.config.psa.sampling,
            correlation_method=built.config.psa.correlation_method,
            chunk_size=built.config.psa.chunk_size,
        )
    args: dict[str, Any] = {
        "costs": str(Path(costs).resolve()) if costs is not None else None,
        "scheme": opts.scheme,
        "method": opts.method,
        "resamples": opts.resamples,
        "seed": used_seed,
        "level": opts.level,
        "ties": opts.ties,
        "fallback": opts.fallback,
        "by": list(opts.by),
        "with_psa": opts.with_psa,
        "draws": opts.draws,
    }
    return Result(
        command="bootstrap",
        tables={"bootstrap_ci": table, "clusters": clusters},
        currency=currency,
        price_year=price_year,
        perspective=perspective,
        inputs=inputs,
        settings=settings_out,
        warnings=row_notes.texts(),
        plots=plots,
        args={"config": config_arg(loaded) if loaded is not None else None, **args},
        site_women=site_women,
    )


register_runner("bootstrap", bootstrap)

__all__ = ["bootstrap"]
