"""The Python API: one function per command; each loads, computes and returns a :class:`Result`.

Nothing here prints. The CLI renders a :class:`Result`; notebooks use its DataFrames.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rapport_cost._version import __version__
from rapport_cost.config import CostingConfig
from rapport_cost.core.engine import driver_prices, perspective_mask
from rapport_cost.core.inflation import PriceIndex, select_index
from rapport_cost.core.logs import CleanLogs, LogTable, validate_logs
from rapport_cost.core.prices import PriceTerms, Theta, compile_terms, staff_costs
from rapport_cost.core.tables import (
    by_component_table,
    by_contact_type_table,
    component_index,
    component_sum,
    per_unit_table,
    per_woman_table,
    subgroup_table,
    unit_cost_table,
    unit_lines_table,
)
from rapport_cost.core.usage import UsageModel, build_usage
from rapport_cost.errors import ConfigError, Problem, UsageError
from rapport_cost.fileio.config_file import LoadedConfig, load_config
from rapport_cost.fileio.logs import LogFile, read_logs
from rapport_cost.fileio.reference import nhscii_table

ConfigArg = str | Path | LoadedConfig | None


@dataclass
class Result:
    """What a command produced: named tables plus the envelope of DESIGN §5."""

    command: str
    tables: dict[str, pd.DataFrame]
    currency: str = "GBP"
    price_year: str = ""
    perspective: str | None = None
    inputs: list[dict[str, str]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    plots: dict[str, Callable[[Path], None]] = field(default_factory=dict)
    """Extra files to write with ``-o FOLDER`` (name → writer), e.g. PNG plots."""

    def envelope(self) -> dict[str, Any]:
        """The JSON envelope without the tables."""
        return {
            "tool": "rapport-cost",
            "version": __version__,
            "command": self.command,
            "currency": self.currency,
            "price_year": self.price_year,
            "perspective": self.perspective,
            "inputs": self.inputs,
            "settings": self.settings,
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class Prepared:
    """A loaded config compiled into price terms."""

    loaded: LoadedConfig
    terms: PriceTerms
    index: PriceIndex

    @property
    def config(self) -> CostingConfig:
        """The validated config."""
        return self.loaded.config


def _load(config: ConfigArg) -> LoadedConfig:
    return config if isinstance(config, LoadedConfig) else load_config(config)


def price_index(cfg: CostingConfig, variant: str | None = None) -> PriceIndex:
    """The NHSCII variant and edition the config asks for."""
    return select_index(
        nhscii_table(), variant=variant or cfg.inflation.variant, edition=cfg.inflation.edition
    )


def prepare(config: ConfigArg = None) -> Prepared:
    """Load a config (the bundled default when ``None``) and compile its price terms.

    Raises
    ------
    ConfigError
        With every problem, each located at its file and line.
    """
    loaded = _load(config)
    cfg = loaded.config
    index = price_index(cfg)

    def uplift(year: str, variant: str | None) -> float:
        idx = index if variant in (None, cfg.inflation.variant) else price_index(cfg, variant)
        return idx.factor(year, cfg.price_year)

    try:
        terms = compile_terms(cfg, uplift)
    except ConfigError as exc:
        raise loaded.error(exc.problems) from None
    return Prepared(loaded, terms, index)


def _inputs(loaded: LoadedConfig) -> list[dict[str, str]]:
    return [{"role": "config", "path": loaded.source, "sha256": loaded.sha256}]


def _price_notes(prep: Prepared) -> tuple[pd.DataFrame | None, list[str]]:
    adj = prep.terms.adjustments
    if not adj:
        return None, []
    table = pd.DataFrame(
        {
            "parameter": [a.parameter for a in adj],
            "from_year": [a.from_year for a in adj],
            "to_year": [a.to_year for a in adj],
            "index": [f"NHSCII {a.variant}" for a in adj],
            "factor": [a.factor for a in adj],
        }
    )
    notes = []
    for a in adj:
        prov = prep.index.provisional_between(a.from_year, a.to_year)
        if prov:
            notes.append(
                f"{a.parameter}: the NHSCII rate for {', '.join(prov)} is provisional and may "
                "be revised in the next PSSRU manual"
            )
    return table, notes


def unit_costs(config: ConfigArg = None) -> Result:
    """The PSSRU staff cost build-up of every role (table ``unit_costs``)."""
    prep = prepare(config)
    costs = staff_costs(prep.terms.table.base_matrix(), prep.terms)
    tables = {"unit_costs": unit_cost_table(costs)}
    adjustments, notes = _price_notes(prep)
    if adjustments is not None:
        tables["price_adjustments"] = adjustments
    cfg = prep.config
    return Result(
        command="unit-costs",
        tables=tables,
        currency=cfg.currency,
        price_year=cfg.price_year,
        perspective=None,
        inputs=_inputs(prep.loaded),
        settings={"price_index": prep.index.name},
        warnings=notes,
    )


# --------------------------------------------------------------------------- estimate


@dataclass(frozen=True)
class Built:
    """A prepared config with its validated logs and usage model: the input of every analysis."""

    prep: Prepared
    logs: CleanLogs
    files: list[LogFile]
    usage: UsageModel

    @property
    def config(self) -> CostingConfig:
        """The validated config."""
        return self.prep.config

    def inputs(self) -> list[dict[str, str]]:
        """Provenance: the config and every log file with its SHA-256."""
        return _inputs(self.prep.loaded) + [
            {"role": f.table, "path": f.source, "sha256": f.sha256} for f in self.files
        ]

    def prices(self, theta: Theta) -> npt.NDArray[np.float64]:
        """Driver prices for every row of Θ, shape ``(n_draws, n_drivers)``."""
        return driver_prices(theta, self.prep.terms, self.usage.drivers, self.config.perspective)


def load_logs(prep: Prepared) -> tuple[CleanLogs, list[LogFile]]:
    """Read and validate the logs the config names.

    Raises
    ------
    ConfigError
        If the config has no ``logs`` or ``contact_types`` section.
    LogError
        Listing every problem in the logs, each with file, row and column.
    """
    cfg = prep.config
    missing = [s for s in ("logs", "contact_types") if not getattr(cfg, s)]
    if missing:
        raise prep.loaded.error(
            [Problem(f"this command needs a {s} section", field=s, code="missing") for s in missing]
        )
    assert cfg.logs is not None
    files = read_logs(cfg.logs, prep.loaded.folder)
    tables = {f.table: LogTable(f.table, f.source, f.frame) for f in files}
    return validate_logs(tables, cfg), files


def build(config: ConfigArg | Prepared = None) -> Built:
    """Load config and logs and build the usage model (the shared first step of every analysis)."""
    prep = config if isinstance(config, Prepared) else prepare(config)
    logs, files = load_logs(prep)
    try:
        usage = build_usage(logs, prep.config, prep.terms)
    except ConfigError as exc:
        raise prep.loaded.error(exc.problems) from None
    return Built(prep, logs, files, usage)


def _labels(cfg: CostingConfig) -> dict[str, str]:
    out: dict[str, str] = {}
    for section in (cfg.roles, cfg.resources, cfg.programme_costs, cfg.contact_types):
        for key, item in section.items():
            out[key] = item.label or key
    return out


def _policy_notes(built: Built) -> list[str]:
    cfg = built.config
    return [
        f"logs.policies.{code}: {cfg.logs.policy(code) if cfg.logs else 'error'} applied to "
        f"{n} row(s)"
        for code, n in built.logs.policy_counts.items()
        if n
    ]


def estimate(config: ConfigArg | Prepared | Built = None, *, by: Sequence[str] = ()) -> Result:
    """Deterministic micro-costing: per-unit, per-woman, by contact type, by component.

    Parameters
    ----------
    config
        A config path (the bundled example when ``None``), or a prepared/built model.
    by
        Subgroup columns of the women table (e.g. ``ethnicity``): one table ``by_<column>`` each.
    """
    built = config if isinstance(config, Built) else build(config)
    cfg, usage = built.config, built.usage
    unknown = [c for c in by if c not in usage.women.columns or c in ("woman_id",)]
    if unknown:
        choices = ", ".join(built.logs.subgroup_columns) or "none"
        msg = f"--by {unknown[0]!r} is not a column of the women log (subgroups: {choices})"
        raise UsageError(msg)
    theta = built.prep.terms.table.base_matrix()
    full = driver_prices(theta, built.prep.terms, usage.drivers, "societal")[0]
    prices = built.prices(theta)[0]
    included = perspective_mask(usage.drivers, cfg.perspective)
    names, driver_component = component_index(usage)
    woman_costs = component_sum(usage.q_women * prices, driver_component, len(names))
    woman_total = woman_costs.sum(axis=1)
    line_total = usage.q_lines @ prices
    admissions = {k: s.admissions for k, s in cfg.sites.items() if s.admissions is not None}
    labels = _labels(cfg)
    tables = {
        "per_unit": per_unit_table(usage, woman_total, line_total, admissions),
        "per_woman": per_woman_table(usage, names, woman_costs),
        "by_contact_type": by_contact_type_table(usage, usage.q_types @ prices, labels),
        "by_component": by_component_table(usage, prices, included, full, labels),
        "unit_level_lines": unit_lines_table(usage, line_total),
        "unit_costs": unit_cost_table(staff_costs(theta, built.prep.terms)),
    }
    for col in by:
        tables[f"by_{col}"] = subgroup_table(usage, col, woman_total)
    adjustments, notes = _price_notes(built.prep)
    if adjustments is not None:
        tables["price_adjustments"] = adjustments
    start, end = usage.study_period
    return Result(
        command="estimate",
        tables=tables,
        currency=cfg.currency,
        price_year=cfg.price_year,
        perspective=cfg.perspective,
        inputs=built.inputs(),
        settings={
            "staff_time": cfg.costing.staff_time,
            "group_split": cfg.costing.group_split,
            "dna": cfg.costing.dna,
            "allocation_key": cfg.allocation_key,
            "discount_rate": cfg.discounting.rate if usage.discounting_applied else 0.0,
            "discount_timing": cfg.discounting.timing,
            "study_period": [str(start.date()), str(end.date())],
            "price_index": built.prep.index.name,
            "by": list(by),
        },
        warnings=[*_policy_notes(built), *usage.notes, *notes],
    )
