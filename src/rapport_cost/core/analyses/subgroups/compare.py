"""``compare_subgroups``: the whole of M-75 to M-81 in one pure function.

The API is a thin wrapper: it reads the women log and the per-woman costs, turns the seed
into a generator, binds the disclosure-control policy, calls :func:`compare_subgroups` and
puts ``SubgroupResult.tables`` into its result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from rapport_cost.arrays import Vector
from rapport_cost.core.analyses.subgroups.bootstrap import (
    ResampleWeights,
    SubgroupReplicates,
    bootstrap_subgroups,
)
from rapport_cost.core.analyses.subgroups.design import (
    OTHER,
    SITE,
    Design,
    build_design,
    level_labels,
    outcome_problems,
)
from rapport_cost.core.analyses.subgroups.diagnostics import diagnose
from rapport_cost.core.analyses.subgroups.disclosure import (
    Control,
    Published,
    control_diagnostics,
    control_differences,
    control_model,
    control_summary,
    merge_levels,
    small_levels,
)
from rapport_cost.core.analyses.subgroups.irls import FAILURES, NOT_CONVERGED, SINGULAR
from rapport_cost.core.analyses.subgroups.models import (
    MODELS,
    PART_NAMES,
    ModelFit,
    ModelName,
    fit_model,
)
from rapport_cost.core.analyses.subgroups.predictions import recycled_means
from rapport_cost.core.analyses.subgroups.tables import (
    diagnostics_table,
    difference_rows,
    model_table,
    summary_table,
)
from rapport_cost.core.analyses.subgroups.unadjusted import group_summary
from rapport_cost.errors import ModelError, Problem, UsageError

#: Resampling schemes that refit a model (those of ``bootstrap.resample_counts``).
SCHEMES = ("ordinary", "stratified", "cluster")
#: Share of resamples a group may be missing from (its intervals then use the others, with a
#: warning); above it the comparison is an error, unless the group is too small to publish.
MAX_ABSENT_SHARE = 0.05
#: The output tables, in order.
TABLES = ("subgroup_summary", "subgroup_difference", "subgroup_model", "subgroup_diagnostics")


@dataclass(frozen=True)
class SubgroupResult:
    """What ``rapport-cost subgroups`` reports.

    Parameters
    ----------
    tables
        :data:`TABLES` → the table to publish (disclosure-controlled; suppressed cells are
        ``"*"``).
    raw
        The same tables before disclosure control (and ``subgroup_summary`` without its
        total row): for tests and internal checks, never to publish.
    suppressed
        Table name → the suppressed cells ``{"row", "column"}``, for the JSON envelope.
    notes
        Methods sentences: what was adjusted for, the resampling, merged or suppressed
        groups, the policy, model notes.
    warnings
        Texts about failed resamples left out.
    by, reference, model, groups, covariates
        What was compared: the column, the reference group, the model, the groups
        (reference first) and the adjustment columns (``site`` included when used).
    merged
        Groups merged into ``other`` before fitting (``merge_small``).
    hidden_groups
        Groups whose statistics are ``*`` in every table.
    policy, watermark
        The disclosure-control policy and its watermark (``none`` only).
    n_resamples, n_failed, scheme
        B, the resamples left out, and the resampling scheme.
    replicates
        The bootstrap group means.
    """

    tables: dict[str, pd.DataFrame]
    raw: dict[str, pd.DataFrame] = field(repr=False)
    suppressed: dict[str, list[dict[str, object]]]
    notes: tuple[str, ...]
    warnings: tuple[str, ...]
    by: str
    reference: str
    model: str
    groups: tuple[str, ...]
    covariates: tuple[str, ...]
    merged: tuple[str, ...]
    hidden_groups: tuple[str, ...]
    policy: str
    watermark: str | None
    n_resamples: int
    n_failed: int
    scheme: str
    replicates: SubgroupReplicates = field(repr=False)


def _arguments(
    costs: npt.ArrayLike,
    women: pd.DataFrame,
    model: str,
    weights: npt.ArrayLike | None,
    n_resamples: int,
    scheme: str,
    max_failed: float,
) -> tuple[Vector, Vector]:
    y = np.asarray(costs, dtype=np.float64)
    if y.ndim != 1 or y.size != len(women):
        msg = f"costs must have one value per row of the women log ({len(women)}). Got {y.shape}."
        raise ValueError(msg)
    if not np.isfinite(y).all():
        msg = "costs must be finite."
        raise ValueError(msg)
    w = np.ones(y.size) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != y.shape or not np.isfinite(w).all() or (w < 0).any() or not (w > 0).any():
        msg = "weights must be finite, >= 0, not all 0, one per woman."
        raise ValueError(msg)
    problems: list[Problem] = []
    if model not in MODELS:
        problems.append(
            Problem(f"must be one of {', '.join(MODELS)}, got {model!r}", field="--model")
        )
    if scheme not in SCHEMES:
        problems.append(
            Problem(f"must be one of {', '.join(SCHEMES)}, got {scheme!r}", field="scheme")
        )
    if n_resamples < 1:
        problems.append(Problem(f"must be >= 1, got {n_resamples}", field="--resamples"))
    if not 0.0 <= max_failed < 1.0:
        problems.append(Problem(f"must be in [0, 1), got {max_failed}", field="max_failed"))
    if problems:
        raise UsageError(str(problems[0]), problems)
    return y, w


def _merge(
    frame: pd.DataFrame,
    by: str,
    reference: str | None,
    w: Vector,
    disclosure: Control,
    merge_small: bool,
    file: str | None,
) -> tuple[pd.DataFrame, list[str], list[str], list[Problem]]:
    """Merge the small groups into ``other`` (if asked); problems with a small reference.

    Returns the frame, the groups merged, the groups still too small to publish, and the
    problems.
    """
    if by not in frame.columns:
        return frame, [], [], []
    labels = level_labels(frame[by])
    small = small_levels(labels, w, disclosure)
    problems: list[Problem] = []
    if reference is not None and reference in small:
        what = "merged into 'other' (merge_small)" if merge_small else "suppressed"
        problems.append(
            Problem(
                f"reference level {reference!r} has too few women to publish its statistics "
                f"(they would be {what}); choose a larger group as the reference",
                file,
                field=by,
                code="small_reference",
            )
        )
    if not merge_small or not small:
        return frame, [], small, problems
    out = frame.copy()
    out[by] = merge_levels(labels, small)
    still = small_levels(list(out[by]), w, disclosure)
    return out, [s for s in small if s != OTHER], still, problems


def _term_women(design: Design, fit: ModelFit) -> list[int]:
    """Women behind each coefficient of ``subgroup_model`` (parts in order)."""
    out: list[int] = []
    for part in fit.parts:
        rows = design.x[part.rows]
        for j, level in enumerate(design.term_levels):
            out.append(int((rows[:, j] == 1.0).sum()) if level is not None else rows.shape[0])
    return out


def _publish(
    raw: dict[str, pd.DataFrame],
    total: pd.DataFrame,
    design: Design,
    fit: ModelFit,
    disclosure: Control,
    weighted: bool,
) -> Published:
    """Disclosure control of the four tables (M-81)."""
    summary = control_summary(raw["subgroup_summary"], total, disclosure, weighted=weighted)
    mean_hidden = summary.suppressed["mean"].to_numpy(dtype=bool)[: len(design.groups)]
    hidden = {g for g, h in zip(design.groups, mean_hidden, strict=True) if h}
    reference_hidden = design.reference in hidden
    differences, difference_cells = control_differences(
        raw["subgroup_difference"], hidden, reference_hidden
    )
    hidden_terms = {
        design.terms[c]
        for g, c in zip(design.groups, design.group_columns, strict=True)
        if g in hidden and c >= 0
    }
    if reference_hidden:
        hidden_terms.add(design.terms[0])
    model, model_cells, model_notes = control_model(
        raw["subgroup_model"], _term_women(design, fit), hidden_terms, disclosure
    )
    diagnostics = control_diagnostics(raw["subgroup_diagnostics"], disclosure)
    notes = list(summary.notes) + list(model_notes)
    if hidden:
        listed = ", ".join(repr(g) for g in design.groups if g in hidden)
        notes.append(
            f"Groups of {design.by!r} shown as * in every subgroup table (too few women, or "
            f"to protect a group with too few): {listed}. They are in the model, not dropped."
        )
    return Published(
        tables={
            "subgroup_summary": summary.table,
            "subgroup_difference": differences,
            "subgroup_model": model,
            "subgroup_diagnostics": diagnostics.table,
        },
        suppressed={
            "subgroup_summary": summary.suppressed_cells(),
            "subgroup_difference": difference_cells,
            "subgroup_model": model_cells,
            "subgroup_diagnostics": diagnostics.suppressed_cells(),
        },
        hidden_groups=tuple(g for g in design.groups if g in hidden),
        notes=tuple(notes),
        policy=summary.policy,
        watermark=summary.watermark,
    )


def _check_failures(
    reps: SubgroupReplicates,
    design: Design,
    model: str,
    max_failed: float,
    small: Sequence[str],
) -> list[str]:
    """Raise if too many resamples failed; else the warning texts for what was left out.

    A refit that fails (singular, no convergence) loses the whole resample; more than
    ``max_failed`` of them is an error naming each part and its share. A group with no
    woman in a resample has no mean there; its intervals use the other resamples. That is
    an error when it happens in more than :data:`MAX_ABSENT_SHARE` of the resamples, unless
    the group is too small to publish anyway (``small``).
    """
    b = reps.n_resamples
    texts: list[str] = []
    for part, codes in reps.failure.items():
        for code in (SINGULAR, NOT_CONVERGED):
            k = int((codes == code).sum())
            if k:
                texts.append(
                    f"{PART_NAMES[(model, part)]} failed in {k} of {b} resamples ({k / b:.1%}): "
                    f"{FAILURES[code]}"
                )
    if int((~reps.ok).sum()) > max_failed * b:
        msg = "the bootstrap failed: " + "; ".join(texts)
        raise ModelError(msg, [Problem(t, code="resamples_failed") for t in texts])
    warnings = [f"{int((~reps.ok).sum())} of {b} resamples left out: {t}" for t in texts]
    too_often: list[str] = []
    for g, name in enumerate(design.groups):
        k = int(reps.absent[:, g].sum())
        if not k:
            continue
        text = f"{design.by} = {name!r} has no woman in {k} of {b} resamples ({k / b:.1%})"
        if k > MAX_ABSENT_SHARE * b and name not in small:
            too_often.append(text)
        warnings.append(f"{text}: its intervals use the other {b - k}.")
    if too_often:
        msg = (
            "the bootstrap cannot estimate every group: "
            + "; ".join(too_often)
            + ". Group the rare values with a wider one in the women log (under disclosure"
            " control, --merge-small merges the groups too small to publish), or compare"
            " by a column with fewer values."
        )
        raise ModelError(msg, [Problem(t, field=design.by, code="group_absent") for t in too_often])
    return warnings


def _methods_notes(
    design: Design, model: str, reps: SubgroupReplicates, merged: Sequence[str]
) -> list[str]:
    adjusted = ", ".join(repr(c) for c in design.covariates) or "nothing"
    scheme = {
        "stratified": "women resampled within each unit",
        "ordinary": "women resampled",
        "cluster": "units resampled",
    }[reps.scheme]
    notes = [
        f"Adjusted means are recycled predictions of the {model} model (M-76, M-77), "
        f"adjusted for {adjusted}; reference group {design.reference!r}.",
    ]
    notes.append(
        f"95% percentile intervals from {reps.n_resamples} bootstrap resamples ({scheme}), "
        "the model refitted in each (M-75, M-77, M-51)."
    )
    if merged:
        notes.append(
            f"Groups of {design.by!r} with too few women to publish were merged into "
            f"{OTHER!r} before fitting: {', '.join(repr(m) for m in merged)}."
        )
    return notes + list(design.notes)


def _raw_tables(
    y: Vector, w: Vector, design: Design, fit: ModelFit, reps: SubgroupReplicates
) -> dict[str, pd.DataFrame]:
    """The four tables before disclosure control, with the full-sample estimates."""
    summary = group_summary(y, design.group.codes, len(design.groups), w)
    coefs = {p.part: p.coef[None, :] for p in fit.parts}
    adjusted = recycled_means(fit.model, design.x, coefs, design.group_columns, w[None, :])[0]
    differences = [
        difference_rows(design.groups, "unadjusted", summary.mean, reps.unadjusted[reps.ok]),
        difference_rows(design.groups, "adjusted", adjusted, reps.adjusted[reps.ok]),
    ]
    return {
        "subgroup_summary": summary_table(design.groups, summary),
        "subgroup_difference": pd.concat(differences, ignore_index=True),
        "subgroup_model": model_table(fit, design.terms),
        "subgroup_diagnostics": diagnostics_table(diagnose(fit, y, design.x, w)),
    }


def compare_subgroups(
    costs: npt.ArrayLike,
    women: pd.DataFrame,
    *,
    by: str,
    adjust: Sequence[str] = (),
    model: ModelName = "twopart",
    reference: str | None = None,
    weights: npt.ArrayLike | None = None,
    n_resamples: int = 999,
    rng: np.random.Generator,
    scheme: str = "stratified",
    merge_small: bool = False,
    disclosure: Control,
    include_site: bool = True,
    resample_weights: ResampleWeights | None = None,
    max_failed: float = 0.0,
    file: str | None = None,
) -> SubgroupResult:
    """Compare the mean cost per woman between subgroups, unadjusted and adjusted (§10).

    Parameters
    ----------
    costs : array_like of shape (n,)
        Cost per woman (GBP), in the order of ``women``'s rows; within the horizon with M-80.
    women
        The women log: ``site`` and the subgroup and adjustment columns.
    by
        The subgroup column (M-75).
    adjust
        Adjustment columns (M-76); ``site`` is added unless ``include_site=False``.
    model
        ``twopart`` (default), ``gamma``, ``poisson`` or ``ols`` (M-76).
    reference
        Reference group; default the largest.
    weights : array_like of shape (n,), optional
        Weights of the women, e.g. 1/K̂(min(T, τ)⁻) for complete cases and 0 otherwise
        (M-80); the model, the means and the recycled predictions are weighted by them.
    n_resamples
        B (999: (B + 1)·0.025 is an integer).
    rng
        The random generator (M-3).
    scheme
        ``stratified`` (women within units, M-50; default), ``ordinary`` or ``cluster``.
    merge_small
        Merge the groups too small to publish into ``other`` before fitting (M-81).
    disclosure
        ``functools.partial(sdc.control_table, policy=...)`` (see
        :mod:`~rapport_cost.core.analyses.subgroups.disclosure`).
    include_site
        Adjust for ``site`` (the default of M-76).
    resample_weights
        A function of a block of multiplicities (m, n) giving the frequency weights
        (m, n) of those resamples, to refit the censoring weights in each resample (M-72);
        default: multiplicity × ``weights``.
    max_failed
        Share of resamples whose refit may fail (they are left out, with a warning);
        default 0: any failure is an error.
    file
        The women log's path as the user gave it, for messages.

    Returns
    -------
    SubgroupResult

    Raises
    ------
    UsageError
        Bad options or columns (every problem at once; see ``design.build_design``).
    ModelError
        A model part that does not converge on the full sample, or resamples that fail
        (more than ``max_failed``), naming the part and the share.
    """
    y, w = _arguments(costs, women, model, weights, n_resamples, scheme, max_failed)
    frame, merged, small, problems = _merge(women, by, reference, w, disclosure, merge_small, file)
    small_reference = any(p.code == "small_reference" for p in problems)
    try:
        design = build_design(
            frame,
            by=by,
            adjust=adjust,
            reference=None if small_reference else reference,
            include_site=include_site,
            weights=w,
            file=file,
        )
    except UsageError as exc:
        raise UsageError(str((problems or exc.problems)[0]), problems + exc.problems) from None
    problems += outcome_problems(y, design, model, w, file)
    if scheme != "ordinary" and SITE not in women.columns:
        problems.append(Problem(f"the {scheme} bootstrap needs a 'site' column", field=SITE))
    if problems:
        raise UsageError(str(problems[0]), problems)
    fit = fit_model(y, design.x, model, w, terms=design.terms)
    strata = women[SITE].astype(str).to_numpy() if SITE in women.columns else None
    reps = bootstrap_subgroups(
        y,
        design.x,
        design.group.codes,
        design.group_columns,
        fit,
        weights=w,
        strata=strata,
        scheme=scheme,
        n_resamples=n_resamples,
        rng=rng,
        resample_weights=resample_weights,
    )
    warnings = _check_failures(reps, design, model, max_failed, small)
    raw = _raw_tables(y, w, design, fit, reps)
    total = summary_table(["all"], group_summary(y, np.zeros(y.size, np.intp), 1, w))
    published = _publish(raw, total, design, fit, disclosure, weights is not None)
    notes = _methods_notes(design, model, reps, merged) + list(fit.notes) + list(published.notes)
    return SubgroupResult(
        tables=published.tables,
        raw=raw,
        suppressed=published.suppressed,
        notes=tuple(dict.fromkeys(notes)),
        warnings=tuple(warnings),
        by=by,
        reference=design.reference,
        model=model,
        groups=design.groups,
        covariates=design.covariates,
        merged=tuple(merged),
        hidden_groups=published.hidden_groups,
        policy=published.policy,
        watermark=published.watermark,
        n_resamples=n_resamples,
        n_failed=int((~reps.ok).sum()),
        scheme=scheme,
        replicates=reps,
    )
