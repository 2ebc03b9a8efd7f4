"""What every command shares: the :class:`Result` envelope and loading a config and its logs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from rapport_cost._version import __version__
from rapport_cost.arrays import Theta
from rapport_cost.config import CostingConfig
from rapport_cost.core.analyses.sensitivity import OUTPUTS
from rapport_cost.core.engine import Costs, costs
from rapport_cost.core.inputs.logs import CleanLogs, LogTable, validate_logs
from rapport_cost.core.params.inflation import PriceIndex, select_index
from rapport_cost.core.prices.terms import PriceTerms, compile_terms
from rapport_cost.core.usage.build import build_usage
from rapport_cost.core.usage.model import UsageModel
from rapport_cost.errors import ConfigError, Problem, UsageError
from rapport_cost.fileio.config_file import LoadedConfig, load_config
from rapport_cost.fileio.logs import LogFile, read_logs
from rapport_cost.fileio.reference import nhscii_table

ConfigArg = str | Path | LoadedConfig | None
T = TypeVar("T", bound=str)


@dataclass
class Result:
    """What a command produced: named tables plus the envelope every output carries."""

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
    args: dict[str, Any] = field(default_factory=dict)
    """The API call that made this result (``config`` as an absolute path, and every
    option), so ``reproduce --from`` can make it again. An output folder's manifest
    names the files relative to the folder (``fileio.published.portable_args``)."""
    site_women: dict[str, int] = field(default_factory=dict)
    """Women per site behind the tables (what disclosure control needs)."""
    disclosure: dict[str, Any] | None = None
    """The disclosure-control policy applied, the suppressed cells and notes (``--sdc``)."""

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
            "args": self.args,
            "disclosure_control": self.disclosure,
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


def whole_number(value: object, option: str, minimum: int) -> int:
    """An option that must be a whole number >= ``minimum``.

    Raises
    ------
    UsageError
        Otherwise (exit code 2), e.g. ``--draws must be a whole number >= 1, got -5``.
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        msg = f"{option} must be a whole number >= {minimum}, got {value!r}"
        raise UsageError(msg, [Problem(msg)])
    return int(value)


def choice(value: object, option: str, allowed: Sequence[T]) -> T:
    """An option that must be one of ``allowed``, typed as they are (e.g. a ``Literal``).

    Raises
    ------
    UsageError
        Otherwise (exit code 2), e.g. ``--method must be one of ...; got 'bca2'``.
    """
    for a in allowed:
        if isinstance(value, str) and value == a:
            return a
    msg = f"{option} must be one of {', '.join(allowed)}; got {value!r}"
    raise UsageError(msg, [Problem(msg)])


def seed_number(value: object) -> int | None:
    """A ``--seed`` option: ``None`` (fresh entropy) or a whole number >= 0.

    Raises
    ------
    UsageError
        Otherwise (``SeedSequence`` would fail on a negative number).
    """
    return None if value is None else whole_number(value, "--seed", 0)


def load(config: ConfigArg) -> LoadedConfig:
    """A loaded config: the argument itself, or the file it names (bundled default if None)."""
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
    loaded = load(config)
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


def config_arg(loaded: LoadedConfig) -> str:
    """The config's absolute path, as ``Result.args["config"]`` records it."""
    return str(loaded.path.resolve())


def config_inputs(loaded: LoadedConfig) -> list[dict[str, str]]:
    """Provenance of the config: path and SHA-256."""
    return [{"role": "config", "path": loaded.source, "sha256": loaded.sha256}]


def price_notes(prep: Prepared) -> tuple[pd.DataFrame | None, list[str]]:
    """Table ``price_adjustments`` (or None) and warnings about provisional index rates."""
    adj = prep.terms.adjustments
    unused = [
        f"parameters.{name}: declared but no number of the config uses it"
        for name in prep.terms.unused
    ]
    if not adj:
        return None, unused
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
    return table, [*notes, *unused]


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
        return config_inputs(self.prep.loaded) + [
            {"role": f.table, "path": f.source, "sha256": f.sha256} for f in self.files
        ]

    def costs(self, theta: Theta | None = None) -> Costs:
        """The engine's costs at every row of Θ (the parameters' base values by default)."""
        terms = self.prep.terms
        rows = terms.table.base_matrix() if theta is None else theta
        return costs(rows, terms, self.usage, self.config.perspective)


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
    tables = {f.table: LogTable(f.table, f.source, f.frame, f.rows) for f in files}
    return validate_logs(tables, cfg), files


def build(
    config: ConfigArg | Prepared = None, *, timeline: bool = False, ledger: bool = False
) -> Built:
    """Load config and logs and build the usage model (the shared first step of every analysis).

    ``timeline`` also keeps each woman's quantities by day since admission (follow-up);
    ``ledger`` every allocation behind the quantities (for ``explain``).
    """
    prep = config if isinstance(config, Prepared) else prepare(config)
    logs, files = load_logs(prep)
    try:
        usage = build_usage(logs, prep.config, prep.terms, timeline=timeline, ledger=ledger)
    except ConfigError as exc:
        raise prep.loaded.error(exc.problems) from None
    return Built(prep, logs, files, usage)


BuiltArg = ConfigArg | Prepared | Built
"""What every analysis accepts: a config path (or loaded config), or a prepared or built model."""


def built_from(config: BuiltArg) -> Built:
    """The built model of ``config`` (itself when already built)."""
    return config if isinstance(config, Built) else build(config)


def site_women(built: Built) -> dict[str, int]:
    """Women per site (in table order), for disclosure control."""
    counts = built.usage.women["site"].value_counts()
    return {s: int(counts.get(s, 0)) for s in built.usage.sites}


def model_result(
    built: Built,
    command: str,
    tables: dict[str, pd.DataFrame],
    inputs: list[dict[str, str]] | None = None,
    **kw: Any,
) -> Result:
    """A :class:`Result` with the envelope of a built model (currency, prices, inputs)."""
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


def check_output_site(built: Built, output: str, site: str | None) -> None:
    """``--output`` and ``--site`` of a sensitivity command.

    Raises
    ------
    UsageError
        If the output is not one the engine reports or the site is not a study site.
    """
    if output not in OUTPUTS:
        msg = f"--output must be one of {', '.join(OUTPUTS)}, got {output!r}"
        raise UsageError(msg)
    if site is not None and site not in built.usage.sites:
        msg = f"--site {site!r}: no such site (sites: {', '.join(built.usage.sites)})"
        raise UsageError(msg)


def policy_notes(built: Built) -> list[str]:
    """One line per logs policy that handled rows, with how many."""
    cfg = built.config
    return [
        f"logs.policies.{code}: {cfg.logs.policy(code) if cfg.logs else 'error'} applied to "
        f"{n} row(s)"
        for code, n in built.logs.policy_counts.items()
        if n
    ]
