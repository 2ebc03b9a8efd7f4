"""``scenarios``: named sets of overrides side by side with the base case (M-58).

A scenario changes the config document, validates it again and re-runs the same engine,
rebuilding the usage matrix from the already validated logs only when a structural
choice changed (:func:`_rebuild`).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import TypeAdapter, ValidationError

from rapport_cost.api.base import (
    Built,
    BuiltArg,
    Prepared,
    Result,
    build,
    built_from,
    config_arg,
    model_result,
    prepare,
)
from rapport_cost.arrays import Vector
from rapport_cost.config import (
    CostingConfig,
    Key,
    Scenario,
    format_path,
    override_path_problem,
    problem_from_error,
    validate_config,
)
from rapport_cost.core.analyses.sensitivity import (
    OUTPUTS,
)
from rapport_cost.core.inputs.logs import LogTable, validate_logs
from rapport_cost.core.prices.terms import PriceTerms
from rapport_cost.core.usage.build import build_usage
from rapport_cost.errors import (
    ConfigError,
    InputError,
    ModelError,
    Problem,
    RapportError,
    UsageError,
    did_you_mean,
)
from rapport_cost.fileio.config_file import LoadedConfig, display_path
from rapport_cost.fileio.yaml_file import DocPath, YamlDocument, read_yaml

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
    """The base model re-used as far as the scenario allows (one costing path).

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
    if not specs and scenarios_file is not None:
        msg = f"no scenarios to run: {scenarios_file} has no scenarios: section with any"
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
    built = built_from(config)
    specs = _scenario_specs(built, scenarios_file, ())
    return {spec.name: prep.loaded for spec, prep in _variants(built, specs)}


def _site_rows(built: Built) -> tuple[list[str], Vector, Vector, Vector]:
    """Sites and ``all``, with their total, mean per woman and undiscounted total cost."""
    c = built.costs()
    return [*built.usage.sites, "all"], c.total[0], c.mean_per_woman[0], c.undiscounted[0]


def _rows(
    name: str,
    description: str | None,
    b: Built,
    base: tuple[list[str], Vector, Vector, Vector],
    output: str,
) -> list[dict[str, Any]]:
    """The rows of one scenario (or the base case), one per site and all."""
    sites, base_total, base_mean, _ = base
    base_y = base_mean if output == "mean_cost_per_woman" else base_total
    s_sites, total, mean, undiscounted = _site_rows(b)
    if s_sites != sites:  # a scenario may not drop or add sites
        msg = f"scenario {name!r} changes the sites ({', '.join(s_sites)})"
        raise ConfigError(msg, [Problem(msg)])
    y = mean if output == "mean_cost_per_woman" else total
    rows = []
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
    return rows


def scenarios(
    config: BuiltArg = None,
    *,
    scenarios_file: str | Path | None = None,
    only: Sequence[str] = (),
    output: str = "mean_cost_per_woman",
    site: str | None = None,
) -> Result:
    """The base case and each named scenario side by side (M-58).

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
        ``mean_cost_per_woman``, ``total_cost``, ``total_cost_undiscounted`` (M-41: both
        totals, as scenarios may change the rate), ``delta`` and ``delta_pct`` (of
        ``output`` against the base case of the same site, in % of it), ``perspective``; the
        base case first.

    Raises
    ------
    ConfigError
        If an override names an unknown path or gives a value of the wrong type (every
        problem of every scenario, each at the line of its key), or a scenario's config
        cannot be costed.
    """
    built = built_from(config)
    if output not in OUTPUTS:
        msg = f"--output must be one of {', '.join(OUTPUTS)}, got {output!r}"
        raise UsageError(msg)
    if site is not None and site != "all" and site not in built.usage.sites:
        msg = f"--site {site!r}: no such site (sites: {', '.join(built.usage.sites)}, all)"
        raise UsageError(msg)
    specs = _scenario_specs(built, scenarios_file, only)
    variants = _variants(built, specs)
    base = _site_rows(built)
    rows = _rows("base", built.config.title or "base case", built, base, output)
    rebuilt: list[str] = []
    notes: list[str] = []
    if not specs:
        notes.append(
            "no scenarios: the config has no scenarios: section (add one, or give "
            "--scenarios FILE); the table has the base case only"
        )
    for spec, prep in variants:
        try:
            b = _rebuild(built, prep)
        except (InputError, ModelError) as exc:
            raise _in_scenario(spec.name, exc) from None
        if b.usage is not built.usage:
            rebuilt.append(spec.name)
        rows += _rows(spec.name, spec.scenario.description, b, base, output)
        notes += [
            f"scenario {spec.name!r}: {n}" for n in b.usage.notes if n not in built.usage.notes
        ]
    table = pd.DataFrame(rows)
    if site is not None:
        table = table[table["site"] == site].reset_index(drop=True)
    return model_result(
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
