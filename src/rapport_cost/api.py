"""The Python API: one function per command; each loads, computes and returns a :class:`Result`.

Nothing here prints. The CLI renders a :class:`Result`; notebooks use its DataFrames.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from rapport_cost._version import __version__
from rapport_cost.config import CostingConfig
from rapport_cost.core.inflation import PriceIndex, select_index
from rapport_cost.core.prices import PriceTerms, compile_terms, staff_costs
from rapport_cost.core.tables import unit_cost_table
from rapport_cost.errors import ConfigError
from rapport_cost.fileio.config_file import LoadedConfig, load_config
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
