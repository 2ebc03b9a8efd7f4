"""The rows of ``bootstrap_ci``: sites, all and subgroups, bootstrapped alone or with the PSA."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import pandas as pd

from rapport_cost.api.base import (
    Built,
)
from rapport_cost.api.draws import Streams, psa_chunks
from rapport_cost.api.psa import Progress
from rapport_cost.arrays import FloatArray, IntArray, StrArray
from rapport_cost.core.analyses import bootstrap as core
from rapport_cost.core.inputs.costs_table import WomenCosts
from rapport_cost.errors import (
    ModelError,
    Problem,
)

if TYPE_CHECKING:
    pass
from rapport_cost.api.bootstrap_options import Options

UNCERTAINTIES = ("sampling", "parameters", "joint")
#: Per-woman costs of a block of PSA draws held at once in joint mode (draws × women).
JOINT_BLOCK_ELEMENTS = 1 << 21
#: Columns of a costs file with a fixed meaning (the rest are subgroup columns).
#: Warning code of a subgroup row with a stratum (site) of one woman.
W_SMALL_STRATUM = "W-SMALL-STRATUM"
# ------------------------------------------------------------------------------ rows


@dataclass(frozen=True)
class Row:
    """One row (or group of rows) of ``bootstrap_ci``: which women and which scheme."""

    name: str
    """``site=birmingham``, ``all`` or ``ethnicity=White`` (warnings, replicate columns)."""
    labels: dict[str, str]
    """Key columns of the table: ``site`` and each ``by`` column."""
    index: IntArray
    scheme: core.Scheme


def rows_of(women: WomenCosts, scheme: core.Scheme, by: Sequence[str]) -> list[Row]:
    """The rows of ``bootstrap_ci``: each site (ordinary), all and each subgroup value."""
    everyone = {"site": "all", **dict.fromkeys(by, "all")}
    rows: list[Row] = []
    if women.sites is not None:
        for s in women.site_order:
            idx = np.flatnonzero(women.sites == s)
            rows.append(Row(f"site={s}", {**everyone, "site": s}, idx, "ordinary"))
    rows.append(Row("all", everyone, np.arange(women.costs.size, dtype=np.intp), scheme))
    for col in by:
        values = women.subgroups[col].to_numpy(dtype=str)
        for v in sorted(set(values.tolist())):
            idx = np.flatnonzero(values == v)
            rows.append(Row(f"{col}={v}", {**everyone, col: v}, idx, scheme))
    return rows


def small_strata(row: Row, groups: StrArray) -> list[str]:
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


def record(row: Row, iv: core.BootstrapInterval, uncertainty: str | None) -> dict[str, Any]:
    """One record of ``bootstrap_ci``: the row's labels and the interval."""
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


class RowWarnings:
    """Warning texts of the rows, each code and text once with the rows it applies to."""

    def __init__(self, general: Sequence[str]) -> None:
        self.general = list(dict.fromkeys(general))
        self._by_row: dict[tuple[str, str], list[str]] = {}

    def add(self, row: str, texts: Sequence[str]) -> None:
        """Warnings ``texts`` of ``row`` (general ones are kept once)."""
        for text in texts:
            if text in self.general:
                continue
            code, sep, rest = text.partition(": ")
            key = (code, rest) if sep and code.startswith("W-") else ("", text)
            names = self._by_row.setdefault(key, [])
            if row not in names:
                names.append(row)

    def texts(self) -> list[str]:
        """Every warning, each with the rows it applies to."""
        out = list(self.general)
        for (code, rest), names in self._by_row.items():
            where = ", ".join(names)
            out.append(f"{code}: {where}: {rest}" if code else f"{where}: {rest}")
        return out


def row_error(row: Row, exc: ModelError) -> list[Problem]:
    """The problems of a failed row, each naming the row."""
    problems = exc.problems or [Problem(str(exc), code="model")]
    return [Problem(f"{row.name}: {p.message}", p.file, p.line, p.field, p.code) for p in problems]


# ------------------------------------------------------------------------- the bootstrap


def bootstrap_rows(
    women: WomenCosts,
    rows: Sequence[Row],
    opts: Options,
    stream: np.random.SeedSequence,
    progress: Progress | None,
    notes: RowWarnings,
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
            failures += row_error(row, exc)
            continue
        notes.add(row.name, small_strata(row, groups))
        for iv in intervals.values():
            records.append(record(row, iv, None))
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


def joint_replicates(
    built: Built,
    women: WomenCosts,
    rows: Sequence[Row],
    opts: Options,
    st: Streams,
    progress: Progress | None,
    notes: list[str],
) -> dict[str, FloatArray]:
    """Replicates of every row under each uncertainty, keyed ``name:uncertainty`` (M-48).

    Each PSA draw is priced once, by the engine: its women's costs are resampled.
    """
    n_draws = opts.n_replicates
    design, chunks, setup_notes = psa_chunks(built, streams=st, n_draws=n_draws)
    notes += setup_notes
    if not design.blocks:
        notes.append(
            "no parameter has a distribution: the joint interval is the bootstrap interval"
        )

    out = {u: np.empty((len(rows), n_draws)) for u in UNCERTAINTIES}
    # One stream per row; the sampling-only replicates get a second generator in the same
    # state, so they use exactly the resamples of the joint replicates (common numbers).
    children = st.bootstrap.spawn(len(rows))
    paired = [np.random.default_rng(c) for c in children]
    alone = [np.random.default_rng(c) for c in children]
    groups = women.groups
    block = max(1, JOINT_BLOCK_ELEMENTS // max(1, women.costs.size))
    for chunk in chunks:
        for start in range(0, chunk.n, block):
            stop = min(start + block, chunk.n)
            costs = chunk.costs.rows(start, stop).woman  # (m, n_women): cost of every woman
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


def joint_intervals(
    women: WomenCosts,
    rows: Sequence[Row],
    replicates: dict[str, FloatArray],
    opts: Options,
    notes: RowWarnings,
) -> tuple[list[dict[str, Any]], dict[str, core.BootstrapInterval]]:
    """Intervals of every row under each uncertainty from the joint replicates."""
    records: list[dict[str, Any]] = []
    primary: dict[str, core.BootstrapInterval] = {}
    for row in rows:
        x = women.costs[row.index]
        notes.add(row.name, small_strata(row, women.groups))
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
                records.append(record(row, iv, u))
                notes.add(f"{row.name} ({u})", iv.warnings)
                if m == opts.primary:
                    primary[f"{row.name}:{u}"] = iv
    return records, primary


# ------------------------------------------------------------------------------ units


def cluster_table(women: WomenCosts, level: float) -> tuple[pd.DataFrame, list[str]]:
    """Table ``clusters`` (M-52) and its warnings.

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
