"""The design matrix of a subgroup comparison and the checks on its inputs (M-76).

Columns of the women log become terms:

* the subgroup column ``by`` is always categorical (its values as text);
* an ``adjust`` column is categorical when it holds text (or booleans) and numeric, as is,
  when it holds numbers;
* ``site`` is adjusted for by default (skipped, with a note, when the log has one unit);
* a categorical column becomes treatment dummies against a reference level: the one given
  for ``by``, else the largest level (ties: the first in sort order);
* a blank value (missing, or only spaces) is a level named :data:`NOT_RECORDED`: a woman is
  never dropped. A blank in a numeric column is an input problem.

Every problem of the inputs is collected and raised at once as
:class:`~rapport_cost.errors.UsageError` (exit 2), each :class:`~rapport_cost.errors.Problem`
naming the column (``field``), and for row-level problems the row as a spreadsheet numbers
it (header = row 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from rapport_cost.arrays import BoolArray, IntArray, Matrix
from rapport_cost.errors import Problem, UsageError, did_you_mean

#: The level of a blank value.
NOT_RECORDED = "not recorded"
#: The level small groups are merged into (``merge_small``).
OTHER = "other"
#: The column of the unit, adjusted for by default.
SITE = "site"
#: Name of the intercept term.
INTERCEPT = "Intercept"
#: Levels listed in a message at most.
MAX_LISTED = 20
#: Rows of the women log are numbered as a spreadsheet shows them (header = row 1).
FIRST_ROW = 2


@dataclass(frozen=True)
class Factor:
    """One categorical column coded as treatment dummies.

    Parameters
    ----------
    column
        Column of the women log.
    levels
        Every level, reference first, then the others in sort order (``other`` and
        ``not recorded`` last).
    codes : ndarray of shape (n,)
        Index into ``levels`` of each woman's level.
    """

    column: str
    levels: tuple[str, ...]
    codes: IntArray

    @property
    def reference(self) -> str:
        """The reference level (no dummy)."""
        return self.levels[0]


@dataclass(frozen=True)
class Design:
    """The design matrix and what each of its columns means.

    Parameters
    ----------
    x : ndarray of shape (n, p)
        Intercept, then the dummies of ``by`` (one per non-reference level, in level
        order), then each covariate's terms.
    terms : tuple of str, length p
        ``Intercept``, ``column[T.level]`` for a dummy, the column name for a numeric term.
    term_columns, term_levels : tuple, length p
        The source column of each term ("" for the intercept) and the level of a dummy
        (``None`` for the intercept and numeric terms).
    group : Factor
        The subgroup column; ``group.levels[0]`` is the reference group.
    group_columns : ndarray of shape (n_groups,)
        Column of ``x`` holding each group's dummy; -1 for the reference.
    covariates : tuple of str
        The adjustment columns used, ``site`` included when adjusted for.
    factors : tuple of Factor
        Every categorical column, the subgroup first.
    notes : tuple of str
        Plain-words notes (e.g. site not adjusted for with one unit).
    """

    x: Matrix
    terms: tuple[str, ...]
    term_columns: tuple[str, ...]
    term_levels: tuple[str | None, ...]
    group: Factor
    group_columns: IntArray
    covariates: tuple[str, ...]
    factors: tuple[Factor, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def by(self) -> str:
        """The subgroup column."""
        return self.group.column

    @property
    def reference(self) -> str:
        """The reference group."""
        return self.group.reference

    @property
    def groups(self) -> tuple[str, ...]:
        """The groups, reference first."""
        return self.group.levels


def _blank(series: pd.Series) -> BoolArray:
    """Missing values and texts of only spaces."""
    missing = series.isna().to_numpy(dtype=bool)
    text = series.astype("string").str.strip().fillna("")
    return missing | (text == "").to_numpy(dtype=bool)


def level_labels(series: pd.Series) -> list[str]:
    """Each woman's level as text: stripped, :data:`NOT_RECORDED` for a blank.

    Whole numbers print without a decimal point (``2`` not ``2.0``).
    """
    blank = _blank(series)
    if pd.api.types.is_float_dtype(series):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        text = [f"{v:.0f}" if np.isfinite(v) and v == round(v) else repr(float(v)) for v in values]
    else:
        text = [str(v).strip() for v in series.astype(object).tolist()]
    return [NOT_RECORDED if b else t for t, b in zip(text, blank, strict=True)]


def _level_order(labels: Sequence[str]) -> list[str]:
    """Levels in sort order, with ``other`` and ``not recorded`` last."""
    last = {OTHER: 1, NOT_RECORDED: 2}
    return sorted(set(labels), key=lambda v: (last.get(v, 0), v.casefold(), v))


def make_factor(
    column: str, labels: Sequence[str], weights: npt.ArrayLike, reference: str | None = None
) -> Factor:
    """Code a column's levels, the reference first (default: the largest level).

    Parameters
    ----------
    column
        The column name.
    labels
        Each woman's level (see :func:`level_labels`).
    weights : array_like of shape (n,)
        Women with weight 0 do not count towards a level's size.
    reference
        The reference level; must be one of ``labels`` (checked by the caller).
    """
    order = _level_order(labels)
    index = {v: i for i, v in enumerate(order)}
    codes = np.fromiter((index[v] for v in labels), dtype=np.intp, count=len(labels))
    sizes = np.bincount(codes, weights=np.asarray(weights, dtype=float) > 0, minlength=len(order))
    ref = order[int(np.argmax(sizes))] if reference is None else reference
    levels = (ref, *(v for v in order if v != ref))
    recode = np.array([levels.index(v) for v in order], dtype=np.intp)
    return Factor(column=column, levels=levels, codes=recode[codes])


def _unknown_column(name: str, columns: Sequence[str], what: str) -> Problem:
    listed = ", ".join(repr(c) for c in columns)
    return Problem(
        f"no column {name!r} in the women log{did_you_mean(name, columns)} (the columns are "
        f"{listed}); {what}",
        field=name,
        code="unknown_column",
    )


def _rows(mask: BoolArray) -> str:
    """``rows 3, 7 and 2 more`` for the first rows where ``mask`` holds."""
    rows = (np.flatnonzero(mask) + FIRST_ROW).tolist()
    shown = ", ".join(map(str, rows[:5]))
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    return f"row{'s' if len(rows) > 1 else ''} {shown}{more}"


def _column_kind(series: pd.Series) -> str:
    """``categorical``, ``numeric`` or ``date``."""
    if pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_timedelta64_dtype(series):
        return "date"
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        return "categorical"
    return "numeric"


@dataclass(frozen=True)
class _Covariate:
    column: str
    factor: Factor | None  # None: numeric
    matrix: Matrix  # (n, k) columns of the design


def _covariate(
    frame: pd.DataFrame, column: str, weights: npt.NDArray[np.float64], file: str | None
) -> tuple[_Covariate | None, list[Problem]]:
    series = frame[column]
    kind = _column_kind(series)
    used = weights > 0
    if kind == "date":
        msg = "is a date column; a covariate must hold text or numbers"
        return None, [Problem(msg, file, field=column, code="date_covariate")]
    if kind == "numeric":
        values = series.to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isfinite(values)
        if bad.any():
            msg = (
                f"numeric covariate is blank or not finite in {_rows(bad)}; fill it in, or "
                "give the column as text so that blanks are a level 'not recorded'"
            )
            return None, [Problem(msg, file, field=column, code="blank_numeric")]
        if not used.any() or np.ptp(values[used]) == 0:
            msg = "is the same for every woman, so there is nothing to adjust for"
            return None, [Problem(msg, file, field=column, code="one_level")]
        return _Covariate(column, None, values[:, None]), []
    labels = level_labels(series)
    factor = make_factor(column, labels, weights)
    if np.unique(factor.codes[used]).size < 2:
        msg = (
            f"has one level ({factor.levels[0]!r}) for every woman, so there is nothing to "
            "adjust for"
        )
        return None, [Problem(msg, file, field=column, code="one_level")]
    empty = _empty_levels(factor, used, file)
    if empty:
        return None, empty
    dummies = factor.codes[:, None] == np.arange(1, len(factor.levels))[None, :]
    return _Covariate(column, factor, dummies.astype(np.float64)), []


def _group_problems(
    frame: pd.DataFrame,
    by: str,
    weights: npt.NDArray[np.float64],
    reference: str | None,
    file: str | None,
) -> tuple[Factor | None, list[Problem]]:
    kind = _column_kind(frame[by])
    if kind == "date":
        msg = "is a date column; a subgroup column must hold text or numbers"
        return None, [Problem(msg, file, field=by, code="date_covariate")]
    labels = level_labels(frame[by])
    used = weights > 0
    present = sorted({lab for lab, u in zip(labels, used, strict=True) if u})
    if len(present) == int(used.sum()) and len(present) > 2:
        # An identifier: say so, and never list its values (they may be women's ids).
        msg = "has a different value for every woman (an identifier?): it cannot be a subgroup"
        return None, [Problem(msg, file, field=by, code="identifier")]
    problems: list[Problem] = []
    if reference is not None and reference not in present:
        levels = _level_order(present)
        listed = ", ".join(repr(v) for v in levels[:MAX_LISTED])
        more = f" and {len(levels) - MAX_LISTED} more" if len(levels) > MAX_LISTED else ""
        problems.append(
            Problem(
                f"reference level {reference!r} is not a level of {by!r}"
                f"{did_you_mean(reference, present)} (the levels are {listed}{more})",
                file,
                field=by,
                code="unknown_reference",
            )
        )
        reference = None
    if len(present) < 2:
        only = repr(present[0]) if present else "none"
        problems.append(
            Problem(
                f"has one level ({only}) for every woman: there are no subgroups to compare",
                file,
                field=by,
                code="one_level",
            )
        )
        return None, problems
    factor = make_factor(by, labels, weights, reference)
    return factor, problems + _empty_levels(factor, used, file)


def _empty_levels(factor: Factor, used: BoolArray, file: str | None) -> list[Problem]:
    """Levels whose every woman has weight 0 (possible only with weights)."""
    sizes = np.bincount(factor.codes[used], minlength=len(factor.levels))
    return [
        Problem(
            f"level {level!r} has no woman with a positive weight (e.g. none with complete "
            "follow-up within the horizon), so it cannot be estimated",
            file,
            field=factor.column,
            code="empty_level",
        )
        for level, size in zip(factor.levels, sizes, strict=True)
        if size == 0
    ]


def _adjust_columns(
    frame: pd.DataFrame, by: str, adjust: Sequence[str], include_site: bool
) -> tuple[list[str], list[Problem], list[str]]:
    columns = [str(c) for c in frame.columns]
    problems: list[Problem] = []
    notes: list[str] = []
    wanted = list(dict.fromkeys(adjust))
    for name in wanted:
        if name == by:
            problems.append(
                Problem(
                    f"{name!r} is the subgroup column (--by); do not list it in --adjust",
                    field=name,
                    code="by_in_adjust",
                )
            )
        elif name not in columns:
            problems.append(_unknown_column(name, columns, "named in --adjust"))
    chosen = [c for c in wanted if c != by and c in columns]
    if include_site and by != SITE and SITE not in chosen:
        if SITE not in columns:
            notes.append("The women log has no 'site' column: costs are not adjusted for unit.")
        elif np.unique(level_labels(frame[SITE])).size < 2:
            notes.append("All women are in one unit: costs are not adjusted for unit.")
        else:
            chosen.append(SITE)
    return chosen, problems, notes


def _constant_within(codes: IntArray, values: Matrix) -> bool:
    """True when ``values`` take one value within every group (a function of the group)."""
    for g in np.unique(codes):
        rows = values[codes == g]
        if rows.shape[0] and np.ptp(rows, axis=0).max() > 0:
            return False
    return True


def _collinearity(
    group: Factor, covariates: Sequence[_Covariate], used: BoolArray, file: str | None
) -> list[Problem]:
    """Covariates determined by the subgroup, or collinear with it or with each other."""
    codes = group.codes[used]
    dummies = codes[:, None] == np.arange(1, len(group.levels))[None, :]
    base = np.column_stack([np.ones(codes.size), dummies.astype(np.float64)])
    problems: list[Problem] = []
    by = group.column

    def default_note(name: str) -> str:
        return " (site is adjusted for by default)" if name == SITE else ""

    for cov in covariates:
        values = cov.matrix[used]
        if _constant_within(codes, values):
            msg = (
                f"is constant within each {by!r} group{default_note(cov.column)}, so its effect "
                f"cannot be told apart from the difference between the groups; leave it out"
            )
        elif (
            np.linalg.matrix_rank(np.column_stack([base, values]))
            < base.shape[1] + (values.shape[1])
        ):
            msg = (
                f"is perfectly collinear with {by!r}{default_note(cov.column)} (a combination of "
                "its terms equals a combination of the subgroup dummies); leave it out"
            )
        else:
            continue
        problems.append(Problem(msg, file, field=cov.column, code="collinear_with_subgroup"))
    if problems:
        return problems
    columns = base
    earlier: list[str] = []
    for cov in covariates:
        trial = np.column_stack([columns, cov.matrix[used]])
        if np.linalg.matrix_rank(trial) < trial.shape[1]:
            others = ", ".join(repr(c) for c in [by, *earlier])
            msg = (
                f"is perfectly collinear with {others}{default_note(cov.column)}: a combination "
                "of its terms is determined by theirs; leave one of them out"
            )
            problems.append(Problem(msg, file, field=cov.column, code="collinear_covariates"))
            continue
        columns = trial
        earlier.append(cov.column)
    return problems


def check_columns(frame: pd.DataFrame, names: Sequence[str]) -> list[Problem]:
    """Problems for names that are not columns of the women log (closest names, all columns)."""
    columns = [str(c) for c in frame.columns]
    return [_unknown_column(n, columns, "named in --by") for n in names if n not in columns]


def build_design(
    frame: pd.DataFrame,
    *,
    by: str,
    adjust: Sequence[str] = (),
    reference: str | None = None,
    include_site: bool = True,
    weights: npt.ArrayLike | None = None,
    file: str | None = None,
) -> Design:
    """The design matrix for ``by`` adjusted for ``adjust`` (and ``site``), checked.

    Parameters
    ----------
    frame
        The women log, one row per woman (same order as the costs).
    by
        The subgroup column.
    adjust
        Adjustment columns (text → dummies, numbers → as is); duplicates are ignored.
    reference
        Reference group; default the largest.
    include_site
        Adjust for ``site`` as well (M-76 default).
    weights : array_like of shape (n,), optional
        Women with weight 0 are kept but do not count towards level sizes or the checks.
    file
        The women log's path as the user gave it, for the problems.

    Returns
    -------
    Design

    Raises
    ------
    UsageError
        With every problem: an unknown column, a column with one level, an identifier as
        ``by``, a reference that is not a level, a blank numeric covariate, a covariate
        constant within the subgroups or collinear with them or with other covariates.
    """
    n = len(frame)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    problems = check_columns(frame, [by])
    if problems:
        problems += _adjust_columns(frame, by, adjust, include_site)[1]
        raise UsageError(str(problems[0]), [_with_file(p, file) for p in problems])
    chosen, column_problems, notes = _adjust_columns(frame, by, adjust, include_site)
    problems += [_with_file(p, file) for p in column_problems]
    group, group_problems = _group_problems(frame, by, w, reference, file)
    problems += group_problems
    covariates: list[_Covariate] = []
    for column in chosen:
        cov, cov_problems = _covariate(frame, column, w, file)
        problems += cov_problems
        if cov is not None:
            covariates.append(cov)
    if group is not None and not problems:
        problems += _collinearity(group, covariates, w > 0, file)
    if problems or group is None:
        raise UsageError(str(problems[0]), problems)
    return _assemble(group, covariates, tuple(notes))


def _with_file(problem: Problem, file: str | None) -> Problem:
    if file is None or problem.file is not None:
        return problem
    return Problem(problem.message, file, problem.line, problem.field, problem.code)


def _assemble(group: Factor, covariates: Sequence[_Covariate], notes: tuple[str, ...]) -> Design:
    n = group.codes.size
    blocks: list[Matrix] = [np.ones((n, 1))]
    terms = [INTERCEPT]
    term_columns = [""]
    term_levels: list[str | None] = [None]
    group_dummies = (group.codes[:, None] == np.arange(1, len(group.levels))[None, :]).astype(
        np.float64
    )
    blocks.append(group_dummies)
    for level in group.levels[1:]:
        terms.append(f"{group.column}[T.{level}]")
        term_columns.append(group.column)
        term_levels.append(level)
    for cov in covariates:
        blocks.append(cov.matrix)
        if cov.factor is None:
            terms.append(cov.column)
            term_columns.append(cov.column)
            term_levels.append(None)
            continue
        for level in cov.factor.levels[1:]:
            terms.append(f"{cov.column}[T.{level}]")
            term_columns.append(cov.column)
            term_levels.append(level)
    group_columns = np.array([-1, *range(1, len(group.levels))], dtype=np.intp)
    return Design(
        x=np.ascontiguousarray(np.column_stack(blocks)),
        terms=tuple(terms),
        term_columns=tuple(term_columns),
        term_levels=tuple(term_levels),
        group=group,
        group_columns=group_columns,
        covariates=tuple(c.column for c in covariates),
        factors=(group, *(c.factor for c in covariates if c.factor is not None)),
        notes=notes,
    )


def outcome_problems(
    y: npt.NDArray[np.float64],
    design: Design,
    model: str,
    weights: npt.NDArray[np.float64],
    file: str | None = None,
) -> list[Problem]:
    """Problems of the costs for ``model``.

    Negative costs (all but ``ols``), zero costs for ``gamma``, and for ``twopart`` a level
    of a categorical column with no cost > 0.

    Parameters
    ----------
    y : ndarray of shape (n,)
        Cost per woman, GBP (finite).
    design
        The design.
    model
        The model name.
    weights : ndarray of shape (n,)
        Women with weight 0 are not checked.
    file
        The women log's path, for the problems.
    """
    used = weights > 0
    problems: list[Problem] = []
    if model != "ols" and (y[used] < 0).any():
        problems.append(
            Problem(
                f"--model {model} needs costs >= 0; {int((y[used] < 0).sum())} women have a "
                f"negative cost ({_rows(used & (y < 0))}); use --model ols",
                file,
                field="cost",
                code="negative_cost",
            )
        )
        return problems
    if not (y[used] != 0).any():
        msg = "every cost is zero: there is nothing to compare"
        return [Problem(msg, field="cost", code="all_zero")]
    zeros = int((used & (y == 0)).sum())
    if model == "gamma" and zeros:
        problems.append(
            Problem(
                f"--model gamma needs every cost > 0, but {zeros} women have a zero cost; use "
                "--model twopart (a logit for any cost times a gamma model of costs > 0) or "
                "--model poisson (zeros allowed)",
                field="cost",
                code="gamma_zeros",
            )
        )
    if model == "twopart":
        positive = used & (y > 0)
        for factor in design.factors:
            sizes = np.bincount(factor.codes[positive], minlength=len(factor.levels))
            problems += [
                Problem(
                    f"no woman with {factor.column} = {level!r} has a cost > 0, so the gamma "
                    "part of --model twopart cannot estimate that level; use --model poisson, "
                    "or merge the level with others",
                    file,
                    field=factor.column,
                    code="no_positive_cost",
                )
                for level, size in zip(factor.levels, sizes, strict=True)
                if size == 0
            ]
    return problems
