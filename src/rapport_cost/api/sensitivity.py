"""``dsa``, ``scenarios`` and ``scale-up``: deterministic sensitivity, scenarios and scale-up.

All three evaluate the one costing path (DESIGN §2): one-way, threshold and two-way
analysis evaluate extra rows of Θ (:mod:`rapport_cost.core.analyses.sensitivity`); a scenario
changes the config document, validates it again and re-runs the same engine, rebuilding
the usage matrix from the already validated logs only when a structural choice changed
(:func:`_rebuild`); scale-up multiplies the engine's cost per admission by admissions.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import TypeAdapter, ValidationError

from rapport_cost.api.base import (
    Built,
    ConfigArg,
    Prepared,
    Result,
    build,
    config_arg,
    prepare,
    seed_number,
    whole_number,
)
from rapport_cost.api.estimate import site_women
from rapport_cost.api.limits import check_draws, check_grid
from rapport_cost.api.psa import STREAMS as PSA_STREAMS
from rapport_cost.api.psa import psa_sampler
from rapport_cost.api.reproduce import register_runner
from rapport_cost.config import (
    CostingConfig,
    Key,
    Scenario,
    format_path,
    override_path_problem,
    problem_from_error,
    validate_config,
)
from rapport_cost.core.analyses import psa as core_psa
from rapport_cost.core.analyses.bootstrap import quantiles
from rapport_cost.core.analyses.scale_up import (
    BASES,
    ScaleUnit,
    basis_values,
    scale_up_table,
    study_admissions,
)
from rapport_cost.core.analyses.sensitivity import (
    OUTPUTS,
    OneWay,
    OneWayRange,
    fixed_table,
    one_way,
    one_way_ranges,
    output_function,
    thresholds,
    two_way,
)
from rapport_cost.core.inputs.logs import LogTable, validate_logs
from rapport_cost.core.prices.terms import PriceTerms
from rapport_cost.core.usage.model import build_usage
from rapport_cost.errors import (
    ConfigError,
    InputError,
    ModelError,
    Problem,
    RapportError,
    UsageError,
    did_you_mean,
)
from rapport_cost.fileio.admissions import read_admissions
from rapport_cost.fileio.config_file import LoadedConfig, display_path
from rapport_cost.fileio.yaml_file import DocPath, YamlDocument, read_yaml

BuiltArg = ConfigArg | Prepared | Built

_OUTPUT_LABEL = {"mean_cost_per_woman": "Mean cost per woman", "total_cost": "Total cost"}


def _built(config: BuiltArg) -> Built:
    return config if isinstance(config, Built) else build(config)


def _check_output(built: Built, output: str, site: str | None) -> None:
    if output not in OUTPUTS:
        msg = f"--output must be one of {', '.join(OUTPUTS)}, got {output!r}"
        raise UsageError(msg)
    if site is not None and site not in built.usage.sites:
        msg = f"--site {site!r}: no such site (sites: {', '.join(built.usage.sites)})"
        raise UsageError(msg)


def _envelope(
    built: Built,
    command: str,
    tables: dict[str, pd.DataFrame],
    inputs: list[dict[str, str]] | None = None,
    **kw: Any,
) -> Result:
    cfg = built.config
    return Result(
        command=command,
        tables=tables,
        currency=cfg.currency,
        price_year=cfg.price_year,
        perspective=cfg.perspective,
        inputs=built.inputs() if inputs is None else inputs,
        site_women=site_women(built),
        **kw,
    )


# =========================================================================== dsa


def _fmt_value(x: float) -> str:
    """An input value for a plot label: 22,816 / 30.0 / 0.223."""
    if not math.isfinite(x):
        return "–"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:,.1f}"
    return f"{x:.3g}"


def _axis_label(output: str, site: str | None, cfg: CostingConfig) -> str:
    where = "all units" if site is None else site
    return f"{_OUTPUT_LABEL[output]}, {where} ({cfg.currency}, {cfg.price_year} prices)"


def _tornado_writer(
    tornado: pd.DataFrame,
    base: float,
    *,
    top: int,
    xlabel: str,
    n_fixed: int,
    target: float | None = None,
) -> Callable[[Path], None]:
    shown = tornado.head(top).iloc[::-1].reset_index(drop=True)

    def write(path: Path) -> None:
        from matplotlib.figure import Figure  # noqa: PLC0415 - slow import, only when writing
        from matplotlib.patches import Patch  # noqa: PLC0415

        n = len(shown)
        fig = Figure(figsize=(9.0, 1.2 + 0.42 * max(n, 1)), layout="constrained")
        ax = fig.subplots()
        lo_colour, hi_colour = "#3b75af", "#e1812c"
        span = float(np.ptp(shown[["bar_min", "bar_max"]].to_numpy())) if n else 0.0
        span = max(span, float(shown["swing"].max()) if n else 0.0, abs(base) * 0.01, 1e-9)
        pad = 0.012 * span
        for i, row in shown.iterrows():
            y = float(i)  # type: ignore[arg-type]
            if row["non_monotone"]:
                ax.barh(
                    y,
                    row["bar_max"] - row["bar_min"],
                    left=row["bar_min"],
                    height=0.62,
                    color="#d9d9d9",
                    hatch="///",
                    edgecolor="#7f7f7f",
                    linewidth=0.5,
                )
            ends = [
                (float(row["low_result"]), lo_colour, float(row["low_value"]), False),
                (float(row["high_result"]), hi_colour, float(row["high_value"]), True),
            ]
            # the longer bar first, so a shorter one on the same side stays visible
            ends.sort(key=lambda e: -abs(e[0] - base))
            height = 0.36 if row["non_monotone"] else 0.62
            for end, colour, value, is_high in ends:
                ax.barh(y, abs(end - base), left=min(base, end), height=height, color=colour)
                right_side = end > base or (end == base and is_high)
                ax.text(
                    end + (pad if right_side else -pad),
                    y,
                    _fmt_value(value),
                    va="center",
                    ha="left" if right_side else "right",
                    fontsize=8,
                    bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 1},
                )
        labels = [
            f"{p} *" if nm else str(p)
            for p, nm in zip(shown["parameter"], shown["non_monotone"], strict=True)
        ]
        ax.set_yticks(range(n), labels=labels, fontsize=9)
        ax.axvline(base, color="black", linewidth=1.0)
        ax.text(base, n - 0.35, f" base {base:,.2f}", va="bottom", ha="left", fontsize=8)
        lo_x = min([base, *shown["bar_min"].tolist()]) if n else base
        hi_x = max([base, *shown["bar_max"].tolist()]) if n else base
        if target is not None:
            ax.axvline(target, color="#c0392b", linewidth=1.0, linestyle="--")
            ax.text(target, n - 0.35, f" target {target:,.2f}", va="bottom", ha="left",
                    fontsize=8, color="#c0392b")  # fmt: skip
            lo_x, hi_x = min(lo_x, target), max(hi_x, target)
        margin = 0.18 * max(hi_x - lo_x, span)
        ax.set_xlim(lo_x - margin, hi_x + margin)
        ax.set_ylim(-0.7, n - 0.1 + 0.5)
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_formatter("{x:,.0f}" if span >= 20 else "{x:,.2f}")
        title = f"One-way sensitivity: top {n} of {len(tornado)} parameters"
        if n_fixed:
            title += f" ({n_fixed} fixed, not shown)"
        ax.set_title(title, fontsize=10, loc="left")
        handles = [
            Patch(color=lo_colour, label="parameter at its low value"),
            Patch(color=hi_colour, label="parameter at its high value"),
        ]
        if shown["non_monotone"].any():
            handles.append(
                Patch(facecolor="#d9d9d9", hatch="///", edgecolor="#7f7f7f",
                      label="* non-monotone: min-max on a 21-point grid")
            )  # fmt: skip
        fig.legend(
            handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8,
            frameon=False,
        )  # fmt: skip
        ax.grid(axis="x", color="#eeeeee")
        ax.set_axisbelow(True)
        fig.savefig(path, format="png", dpi=150, metadata={"Software": None})

    return write


def _two_way_writer(
    grid: pd.DataFrame,
    a: OneWayRange,
    b: OneWayRange,
    *,
    target: float | None,
    label: str,
) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        from matplotlib.figure import Figure  # noqa: PLC0415

        va = np.unique(grid["value_a"].to_numpy())
        vb = np.unique(grid["value_b"].to_numpy())
        z = grid["result"].to_numpy().reshape(len(va), len(vb)).T  # rows: b, columns: a
        fig = Figure(figsize=(7.5, 5.8), layout="constrained")
        ax = fig.subplots()
        mesh = ax.pcolormesh(va, vb, z, shading="nearest", cmap="viridis")
        fig.colorbar(mesh, ax=ax, label=label)
        if target is not None and float(z.min()) < target < float(z.max()):
            cs = ax.contour(va, vb, z, levels=[target], colors="white", linewidths=1.5)
            ax.clabel(cs, fmt={target: f"target {target:,.2f}"}, fontsize=8)
        ax.plot([a.base], [b.base], marker="o", linestyle="none", color="red", markersize=6,
                label="base case")  # fmt: skip
        ax.legend(loc="upper right", fontsize=8)
        ax.set_xlabel(a.name)
        ax.set_ylabel(b.name)
        title = f"Two-way sensitivity: {a.name} × {b.name}"
        if target is not None:
            title += f" (target {target:,.2f})"
        ax.set_title(title, fontsize=10, loc="left")
        fig.savefig(path, format="png", dpi=150, metadata={"Software": None})

    return write


def _find_range(name: str, ranges: Sequence[OneWayRange], fixed: set[str]) -> OneWayRange:
    for r in ranges:
        if r.name == name:
            return r
    if name in fixed:
        msg = f"--two-way {name!r}: the parameter is fixed (no low/high and no distribution)"
    else:
        names = [r.name for r in ranges]
        hint = did_you_mean(name, names) or f" (parameters: {', '.join(names)})"
        msg = f"--two-way {name!r}: no such parameter{hint}"
    raise UsageError(msg)


def _range_warnings(built: Built, analysis: OneWay) -> list[str]:
    table = built.prep.terms.table
    notes = []
    for r in analysis.ranges:
        if not min(r.low, r.high) <= r.base <= max(r.low, r.high):
            notes.append(
                f"{r.name}: the base value {r.base:g} lies outside its one-way range "
                f"[{r.low:g}, {r.high:g}]"
            )
        bound = table.specs[r.column].bound
        for end, v in (("low", r.low), ("high", r.high)):
            rule = bound.violation(v) if bound is not None else None
            if rule:
                notes.append(f"{r.name}: the {end} end of its range ({v:g}) {rule}")
    flagged = analysis.tornado.loc[analysis.tornado["non_monotone"], "parameter"].tolist()
    if flagged:
        notes.append(
            "non-monotone in its range (bar from the smallest to the largest output on a "
            f"21-point grid, METHODS D-2): {', '.join(flagged)}"
        )
    return notes


def dsa(
    config: BuiltArg = None,
    *,
    output: str = "mean_cost_per_woman",
    site: str | None = None,
    target: float | None = None,
    two_way_parameters: tuple[str, str] | None = None,
    points: int = 11,
    top: int = 15,
) -> Result:
    """One-way sensitivity, tornado, threshold and two-way analysis (METHODS D-1 to D-4).

    Parameters
    ----------
    config
        A config path (the bundled example when ``None``), or a prepared/built model.
    output
        ``mean_cost_per_woman`` (default) or ``total_cost``.
    site
        A site, or ``None`` for all sites.
    target
        A value of the output (e.g. a budget per woman): adds table ``threshold`` (D-3)
        and the threshold contour of the two-way heat map.
    two_way_parameters
        Two parameter names: adds table ``two_way`` on a ``points × points`` grid and the
        heat map ``two_way.png`` (D-4).
    top
        Parameters shown in ``tornado.png`` (the table has all of them).

    Returns
    -------
    Result
        Tables ``tornado`` (every parameter with a range, sorted by swing),
        ``fixed_parameters``, and ``threshold`` / ``two_way`` when asked; plots
        ``tornado.png`` (and ``two_way.png``).
    """
    built = _built(config)
    check_grid(built, points)
    _check_output(built, output, site)
    if top < 1:
        msg = f"--top must be >= 1, got {top}"
        raise UsageError(msg)
    if two_way_parameters is not None and points < 2:
        msg = f"--points must be >= 2, got {points}"
        raise UsageError(msg)
    if target is not None and not math.isfinite(target):
        msg = f"--target must be a finite number, got {target!r}"
        raise UsageError(msg)
    cfg, terms = built.config, built.prep.terms
    evaluate = output_function(built.usage, terms, cfg.perspective, output=output, site=site)
    theta0 = terms.table.base()
    ranges, fixed = one_way_ranges(terms.table)
    labels = {s.name: s.label for s in terms.table if s.label}
    analysis = one_way(evaluate, theta0, ranges, labels=labels)
    tables = {"tornado": analysis.tornado, "fixed_parameters": fixed_table(fixed)}
    xlabel = _axis_label(output, site, cfg)
    plots = {
        "tornado.png": _tornado_writer(
            analysis.tornado,
            analysis.base_result,
            top=top,
            xlabel=xlabel,
            n_fixed=len(fixed),
            target=target,
        )
    }
    if target is not None:
        tables["threshold"] = thresholds(evaluate, theta0, analysis, target)
    settings: dict[str, Any] = {
        "output": output,
        "site": site or "all",
        "base_result": analysis.base_result,
        "target": target,
        "top": top,
        "grid_points": 21,
        "range_default": "2.5% and 97.5% quantiles of the parameter's distribution",
    }
    if two_way_parameters is not None:
        fixed_names = {s.name for s in fixed}
        a, b = (_find_range(n, ranges, fixed_names) for n in two_way_parameters)
        try:
            grid = two_way(evaluate, theta0, a, b, points=points)
        except ValueError as exc:
            msg = f"--two-way: {exc}"
            raise UsageError(msg) from None
        tables["two_way"] = grid
        plots["two_way.png"] = _two_way_writer(grid, a, b, target=target, label=xlabel)
        settings["two_way"] = [a.name, b.name]
        settings["two_way_points"] = points
    return _envelope(
        built,
        "dsa",
        tables,
        settings=settings,
        warnings=_range_warnings(built, analysis),
        plots=plots,
        args={
            "config": config_arg(built.prep.loaded),
            "output": output,
            "site": site,
            "target": target,
            "two_way_parameters": None if two_way_parameters is None else list(two_way_parameters),
            "points": points,
            "top": top,
        },
    )


# =========================================================================== scenarios


@dataclass(frozen=True)
class _ScenarioSpec:
    """A scenario with where it was written (for file:line in messages)."""

    name: str
    scenario: Scenario
    source: str
    document: YamlDocument
    set_key: str

    def line(self, override: str | None = None) -> int | None:
        path: DocPath = ("scenarios", self.name)
        if override is not None:
            path = (*path, self.set_key, override)
        return self.document.line_of(path)


_EMPTY = Scenario.model_validate({"set": {}})


def _specs_from(doc: YamlDocument, source: str, data: Any) -> list[_ScenarioSpec]:
    section = data.get("scenarios") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        return []
    out = []
    for name, scenario_doc in section.items():
        set_key = "set"
        if isinstance(scenario_doc, dict) and "overrides" in scenario_doc:
            set_key = "overrides"
        out.append(_ScenarioSpec(str(name), _EMPTY, source, doc, set_key))
    return out


def _read_scenarios_file(path: Path) -> list[_ScenarioSpec]:
    """Scenarios from a YAML file with one top-level ``scenarios:`` section."""
    source = display_path(path)
    doc, _ = read_yaml(path, source=source)
    data = doc.data
    problems: list[Problem] = []
    if not isinstance(data, dict) or "scenarios" not in data:
        msg = "a scenarios file needs a top-level 'scenarios:' section"
        raise ConfigError(msg, [Problem(msg, source, doc.line_of(()), code="missing")])
    for key in data:
        if key != "scenarios":
            problems.append(
                Problem("unknown key (a scenarios file has only 'scenarios:')", source,
                        doc.line_of((key,)), str(key), "unknown_key")
            )  # fmt: skip
    adapter: TypeAdapter[dict[str, Scenario]] = TypeAdapter(dict[Key, Scenario])
    try:
        parsed = adapter.validate_python(data["scenarios"])
    except ValidationError as exc:
        for err in exc.errors():
            located = {**err, "loc": ("scenarios", *err["loc"])}
            p_path, prob = problem_from_error(located, {"scenarios": data["scenarios"]})
            problems.append(replace(prob, file=source, line=doc.line_of(p_path)))
        parsed = {}
    if problems:
        msg = f"{len(problems)} problem(s) in {source}"
        raise ConfigError(msg, problems)
    specs = _specs_from(doc, source, data)
    return [replace(s, scenario=parsed[s.name]) for s in specs]


def _config_specs(loaded: LoadedConfig) -> list[_ScenarioSpec]:
    specs = _specs_from(loaded.document, loaded.source, loaded.document.data)
    return [replace(s, scenario=loaded.config.scenarios[s.name]) for s in specs]


def _segments(path: str) -> tuple[str | int, ...]:
    return tuple(int(p) if p.isdigit() else p for p in path.split("."))


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A copy of the config document with each ``dotted.path: value`` set.

    Missing mappings on the way are created; a value ``None`` (YAML ``null``) removes
    the key. Paths are assumed checked with :func:`~rapport_cost.config.override_path_problem`.
    """
    out = copy.deepcopy(data)
    for path, value in overrides.items():
        *head, last = _segments(path)
        node: Any = out
        for seg in head:
            nxt = node[int(seg)] if isinstance(node, list) else node.get(seg)
            if not isinstance(nxt, dict | list):
                nxt = {}
                node[seg] = nxt
            node = nxt
        if value is None:
            if isinstance(node, dict):
                node.pop(last, None)
        else:
            node[last] = copy.deepcopy(value)
    return out


def _where(spec: _ScenarioSpec, override: str | None, message: str) -> Problem:
    return Problem(
        f"scenario {spec.name!r}: {message}", spec.source, spec.line(override), None, "scenario"
    )


def _validated_variant(
    loaded: LoadedConfig, spec: _ScenarioSpec
) -> tuple[LoadedConfig | None, list[Problem]]:
    """The scenario's config, or None and every problem, each at the scenario's key."""
    problems = []
    overrides: dict[str, Any] = {}
    for path, value in spec.scenario.overrides.items():
        why = override_path_problem(path, loaded.document.data)
        if why is None and path.split(".")[0] == "scenarios":
            why = "a scenario cannot change the scenarios"
        if why is not None:
            problems.append(_where(spec, path, f"{path}: {why}"))
        else:
            overrides[path] = value
    # the valid overrides are applied and validated too, so every problem shows at once
    data = apply_overrides(loaded.document.data, overrides)
    cfg, found = validate_config(data)
    for p_path, prob in found:
        matches = [
            o for o in overrides if _segments(o)[: len(p_path)] == p_path[: len(_segments(o))]
        ]
        override = max(matches, key=lambda o: len(_segments(o))) if matches else None
        field = prob.field or format_path(p_path)
        text = f"{field}: {prob.message}"
        if override is not None and override != field:
            text = f"{override}: {text}"
        problems.append(_where(spec, override, text))
    if cfg is None or problems:
        return None, sorted(problems, key=lambda p: p.line or 0)
    document = YamlDocument(data, loaded.document.lines)
    return LoadedConfig(cfg, loaded.path, loaded.source, document, loaded.sha256), []


def _in_scenario(name: str, exc: RapportError) -> RapportError:
    """The same error with every message saying which scenario it arose in."""
    problems = [replace(p, message=f"scenario {name!r}: {p.message}") for p in exc.problems]
    return type(exc)(f"scenario {name!r}: {exc}", problems)


def _log_signature(cfg: CostingConfig) -> tuple[Any, ...]:
    """What log validation reads from the config (``core/logs.py``)."""
    return (tuple(cfg.roles), tuple(cfg.sites), cfg.contact_types, cfg.costing.group_split)


def _usage_signature(cfg: CostingConfig, terms: PriceTerms) -> tuple[Any, ...]:
    """What the usage matrix reads from the config and price terms (``core/usage.py``).

    Two configs with the same signature and logs have the same drivers and quantities;
    only their prices may differ.
    """
    table = terms.table
    residual = table.specs[table.col(terms.residual_ratio)]
    return (
        cfg.costing.model_dump(exclude={"residual_indirect_ratio"}),
        residual.value != 0.0 or residual.varies,
        cfg.discounting,
        cfg.study_period,
        cfg.allocation_key,
        cfg.contact_types,
        tuple(cfg.sites),
        [(k, t.payer) for k, t in terms.roles.items()],
        [(k, t.unit, t.payer) for k, t in terms.resources.items()],
        [
            (k, t.payer, t.per, t.role, t.count, t.site_counts, t.annuity_years is not None,
             t.allocation_key)
            for k, t in terms.programme.items()
        ],
    )  # fmt: skip


def _rebuild(built: Built, prep: Prepared) -> Built:
    """The base model re-used as far as the scenario allows (DESIGN §2).

    Logs are read again only if the ``logs`` section changed, validated again only if
    something log validation reads changed, and the usage matrix is rebuilt only if a
    structural choice changed; otherwise only the prices differ.
    """
    base, cfg = built.config, prep.config
    if cfg.logs != base.logs:
        return build(prep)
    logs = built.logs
    if _log_signature(cfg) != _log_signature(base):
        logs = validate_logs(
            {f.table: LogTable(f.table, f.source, f.frame, f.rows) for f in built.files}, cfg
        )
    if logs is built.logs and _usage_signature(cfg, prep.terms) == _usage_signature(
        base, built.prep.terms
    ):
        return Built(prep, logs, built.files, built.usage)
    try:
        usage = build_usage(logs, cfg, prep.terms)
    except ConfigError as exc:
        raise prep.loaded.error(exc.problems) from None
    return Built(prep, logs, built.files, usage)


def _select(specs: list[_ScenarioSpec], only: Sequence[str]) -> list[_ScenarioSpec]:
    names = [s.name for s in specs]
    unknown = [n for n in only if n not in names]
    if unknown:
        hint = did_you_mean(unknown[0], names)
        msg = (
            f"--only {unknown[0]!r}: no such scenario{hint} (scenarios: "
            f"{', '.join(names) or 'none'})"
        )
        raise UsageError(msg)
    return [s for s in specs if not only or s.name in only]


def _scenario_specs(
    built: Built, scenarios_file: str | Path | None, only: Sequence[str]
) -> list[_ScenarioSpec]:
    if scenarios_file is not None:
        specs = _read_scenarios_file(Path(scenarios_file))
    else:
        specs = _config_specs(built.prep.loaded)
    specs = _select(specs, only)
    if not specs:
        msg = "no scenarios to run: add a scenarios: section to the config or give --scenarios FILE"
        raise UsageError(msg)
    return specs


def _variants(built: Built, specs: list[_ScenarioSpec]) -> list[tuple[_ScenarioSpec, Prepared]]:
    """Every scenario's prepared config; all problems of all scenarios raised together."""
    loaded = built.prep.loaded
    out = []
    problems: list[Problem] = []
    for spec in specs:
        variant, found = _validated_variant(loaded, spec)
        problems += found
        if variant is None:
            continue
        try:
            out.append((spec, prepare(variant)))
        except ConfigError as exc:
            problems += _in_scenario(spec.name, exc).problems
    if problems:
        msg = f"{len(problems)} problem(s) in the scenarios"
        raise ConfigError(msg, problems)
    return out


def scenario_configs(
    config: BuiltArg = None, *, scenarios_file: str | Path | None = None
) -> dict[str, LoadedConfig]:
    """The validated config of each scenario (the base config with its overrides applied).

    Raises
    ------
    ConfigError
        Naming the scenario, the path and the line of every bad override.
    """
    built = _built(config)
    specs = _scenario_specs(built, scenarios_file, ())
    return {spec.name: prep.loaded for spec, prep in _variants(built, specs)}


def _site_rows(built: Built) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Sites and ``all``, with their total, mean per woman and undiscounted total cost."""
    total, mean = built.base_costs()
    prices = built.prices(built.prep.terms.table.base_matrix())[0]
    undiscounted = built.usage.undiscounted @ prices  # quantities before discounting
    return (
        [*built.usage.sites, "all"],
        total[0],
        mean[0],
        np.append(undiscounted, undiscounted.sum()),
    )


def scenarios(
    config: BuiltArg = None,
    *,
    scenarios_file: str | Path | None = None,
    only: Sequence[str] = (),
    output: str = "mean_cost_per_woman",
    site: str | None = None,
) -> Result:
    """The base case and each named scenario side by side (METHODS D-5).

    Each scenario's overrides (dotted paths, ``null`` removes a key) are applied to the
    config document, which is validated again; the engine then runs on the changed
    config, re-using the logs and usage matrix unless a structural choice changed.

    Parameters
    ----------
    config
        A config path (the bundled example when ``None``), or a prepared/built model.
    scenarios_file
        A YAML file with a ``scenarios:`` section, used instead of the config's.
    only
        Names of the scenarios to run (default: all).
    output
        What ``delta`` and ``delta_pct`` compare: ``mean_cost_per_woman`` or ``total_cost``.
    site
        Only this site's rows (``all`` for the overall rows); default every site and all.

    Returns
    -------
    Result
        Table ``scenarios``: ``scenario``, ``description``, ``site``,
        ``mean_cost_per_woman``, ``total_cost``, ``total_cost_undiscounted`` (METHODS
        I-8: both totals, as scenarios may change the rate), ``delta`` and ``delta_pct``
        (of ``output`` against the base case of the same site, in % of it),
        ``perspective``; the base case first.

    Raises
    ------
    ConfigError
        If an override names an unknown path or gives a value of the wrong type (every
        problem of every scenario, each at the line of its key), or a scenario's config
        cannot be costed.
    """
    built = _built(config)
    if output not in OUTPUTS:
        msg = f"--output must be one of {', '.join(OUTPUTS)}, got {output!r}"
        raise UsageError(msg)
    if site is not None and site != "all" and site not in built.usage.sites:
        msg = f"--site {site!r}: no such site (sites: {', '.join(built.usage.sites)}, all)"
        raise UsageError(msg)
    specs = _scenario_specs(built, scenarios_file, only)
    variants = _variants(built, specs)
    sites, base_total, base_mean, _ = _site_rows(built)
    base_y = base_mean if output == "mean_cost_per_woman" else base_total
    rows: list[dict[str, Any]] = []
    notes: list[str] = []

    def add(name: str, description: str | None, b: Built) -> None:
        s_sites, total, mean, undiscounted = _site_rows(b)
        if s_sites != sites:  # a scenario may not drop or add sites
            msg = f"scenario {name!r} changes the sites ({', '.join(s_sites)})"
            raise ConfigError(msg, [Problem(msg)])
        y = mean if output == "mean_cost_per_woman" else total
        for k, s in enumerate(sites):
            delta = float(y[k] - base_y[k])
            rows.append(
                {
                    "scenario": name,
                    "description": description,
                    "site": s,
                    "mean_cost_per_woman": float(mean[k]),
                    "total_cost": float(total[k]),
                    "total_cost_undiscounted": float(undiscounted[k]),
                    "delta": delta,
                    "delta_pct": 100.0 * delta / base_y[k] if base_y[k] else math.nan,
                    "perspective": b.config.perspective,
                }
            )

    add("base", built.config.title or "base case", built)
    rebuilt: list[str] = []
    for spec, prep in variants:
        try:
            b = _rebuild(built, prep)
        except (InputError, ModelError) as exc:
            raise _in_scenario(spec.name, exc) from None
        if b.usage is not built.usage:
            rebuilt.append(spec.name)
        add(spec.name, spec.scenario.description, b)
        notes += [
            f"scenario {spec.name!r}: {n}" for n in b.usage.notes if n not in built.usage.notes
        ]
    table = pd.DataFrame(rows)
    if site is not None:
        table = table[table["site"] == site].reset_index(drop=True)
    return _envelope(
        built,
        "scenarios",
        {"scenarios": table},
        settings={
            "delta_of": output,
            "scenarios_file": None if scenarios_file is None else str(scenarios_file),
            "overrides": {s.name: s.scenario.overrides for s in specs},
            "usage_rebuilt_for": rebuilt,
        },
        warnings=notes,
        args={
            "config": config_arg(built.prep.loaded),
            "scenarios_file": (
                None if scenarios_file is None else str(Path(scenarios_file).resolve())
            ),
            "only": list(only),
            "output": output,
            "site": site,
        },
    )


# =========================================================================== scale-up


def _psa_values(
    built: Built,
    draws: int,
    seed: int | None,
    per_admission: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> tuple[np.ndarray, int | None, list[str]]:
    """The cost per admission on ``draws`` PSA draws, with the PSA's design and streams.

    The same seed gives the same draws as ``rapport-cost psa`` (METHODS G-3: the streams
    of :data:`~rapport_cost.api.psa.STREAMS` spawned from ``SeedSequence(seed)``).
    """
    cfg, terms, usage = built.config, built.prep.terms, built.usage
    used_seed = seed if seed is not None else cfg.psa.seed
    root = np.random.SeedSequence(used_seed)
    streams = dict(zip(PSA_STREAMS, root.spawn(len(PSA_STREAMS)), strict=True))
    design, sampler, notes = psa_sampler(
        built, sampling=cfg.psa.sampling, streams=streams, n_draws=draws
    )
    values = np.empty(draws)
    for chunk in core_psa.simulate(
        design, sampler, terms, usage, cfg.perspective, n_draws=draws,
        chunk_size=cfg.psa.chunk_size,
    ):  # fmt: skip
        values[chunk.start : chunk.start + chunk.n] = per_admission(chunk.total, chunk.mean)
    if not np.all(np.isfinite(values)):
        msg = "the cost per admission is not finite for some PSA draws"
        raise ModelError(msg)
    if used_seed is None:
        notes.append("no seed given (--seed or psa.seed): the interval is not reproducible")
    return values, used_seed, notes


def scale_up(
    config: BuiltArg = None,
    *,
    admissions: str | Path | None = None,
    draws: int | None = None,
    seed: int | None = None,
    basis: str | None = None,
    from_site: str | None = None,
) -> Result:
    """Annual cost of offering the model in a set of units, per unit and in total.

    The units and their admissions per year come from ``admissions`` (a CSV with
    ``unit`` and ``admissions_per_year``) or the config's ``scale_up`` section. Each
    unit's annual cost is its admissions times the study's cost per admission
    (``basis``, default ``cost_per_admission``) of ``from_site`` (default all study
    units pooled). With ``draws``, the 95% PSA interval (2.5% and 97.5% quantiles,
    METHODS G-4) of the cost per admission over that many draws of Θ scales each row.

    Returns
    -------
    Result
        Table ``scale_up``: ``unit``, ``label``, ``admissions_per_year``,
        ``cost_per_admission``, ``annual_cost`` (and ``annual_cost_low``,
        ``annual_cost_high`` with ``draws``), with a last row ``total``.
    """
    built = _built(config)
    cfg = built.config
    section = cfg.scale_up
    inputs = built.inputs()
    units: list[ScaleUnit]
    if admissions is not None:
        path = Path(admissions)
        rows, sha = read_admissions(path, source=str(admissions))
        units = [ScaleUnit(r.unit, r.admissions_per_year, r.label, r.source) for r in rows]
        inputs.append({"role": "admissions", "path": str(admissions), "sha256": sha})
    elif section is not None:
        units = [
            ScaleUnit(k, u.admissions_per_year, u.label, u.source) for k, u in section.units.items()
        ]
    else:
        msg = (
            "no units to scale up to: add a scale_up: section to the config or give "
            "--admissions FILE"
        )
        raise UsageError(msg)
    basis = basis or (section.basis if section else "cost_per_admission")
    if basis not in BASES:
        msg = f"--basis must be one of {', '.join(BASES)}, got {basis!r}"
        raise UsageError(msg)
    where = from_site or (section.from_site if section else "all")
    if where != "all" and where not in built.usage.sites:
        msg = f"--from-site {where!r}: no such site (sites: {', '.join(built.usage.sites)}, all)"
        raise UsageError(msg)
    if draws is not None:
        draws = whole_number(draws, "--draws", 2)
    seed = seed_number(seed)
    check_draws(built, draws)
    usage = built.usage
    stated = {k: s.admissions for k, s in cfg.sites.items()}
    study_adm = study_admissions(usage, stated)
    column = -1 if where == "all" else usage.sites.index(where)

    def per_admission(total: np.ndarray, mean: np.ndarray) -> np.ndarray:
        return basis_values(total, mean, basis=basis, column=column, admissions=study_adm)

    total0, mean0 = built.base_costs()
    point = float(per_admission(total0, mean0)[0])
    interval = None
    notes: list[str] = []
    settings: dict[str, Any] = {
        "basis": basis,
        "from_site": where,
        "study_admissions": float(study_adm[column]),
        "draws": draws,
        "seed": None,
    }
    if draws is not None:
        values, used_seed, psa_notes = _psa_values(built, draws, seed, per_admission)
        notes += psa_notes
        lo, hi = (float(v) for v in quantiles(values, [0.025, 0.975]))
        interval = (lo, hi)
        settings.update(
            {
                "seed": used_seed,
                "seed_streams": list(PSA_STREAMS),
                "sampling": cfg.psa.sampling,
                "interval": "2.5% and 97.5% quantiles of the PSA draws (METHODS G-4)",
                "psa_mean_cost_per_admission": float(values.mean()),
            }
        )
    table = scale_up_table(units, point, interval)
    return _envelope(
        built, "scale-up", {"scale_up": table}, inputs, settings=settings, warnings=notes
    )


register_runner("dsa", dsa)
register_runner("scenarios", scenarios)
