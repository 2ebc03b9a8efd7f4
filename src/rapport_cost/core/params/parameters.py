"""Every number of the config as a column of the parameter matrix Θ.

A number may be a literal, the name of a parameter, or an inline parameter; all three become
columns of Θ (shape ``(n_draws, n_params)``), so that the deterministic estimate (one row at
the point values), the PSA (rows of draws), one-way analysis and scenarios (a few more rows)
price resources with the same code (one costing path: docs/architecture.md). Literals and
inline parameters are named by their dotted path (``roles.psw.salary``); named parameters by
their name. Values are converted to the target price year when the parameter (or its role,
resource or programme cost) states another price year (M-36).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from rapport_cost.config import (
    Bound,
    CostingConfig,
    Dirichlet,
    Distribution,
    Fixed,
    InlineParameter,
    NumberValue,
    Parameter,
    format_path,
)
from rapport_cost.core.params.distributions import from_spec
from rapport_cost.core.params.units import unit_of
from rapport_cost.errors import Problem

DocPath = tuple[str | int, ...]
#: ``uplift(price_year, variant)`` returns the factor to the target price year or raises
#: KeyError naming the financial year the index lacks.
Uplift = Callable[[str, str | None], float]


@dataclass(frozen=True)
class ParameterSpec:
    """One column of Θ.

    Parameters
    ----------
    name
        Parameter name, or the dotted path of an inline or literal number.
    value
        Point value in the target price year (the raw value times ``factor``).
    dist
        Distribution of the raw value (before the price-year factor), or ``None``.
    low, high
        One-way range in the target price year, if given.
    factor
        Price-year factor applied to the value, to every draw and to ``low``/``high``.
    price_year
        The price year the raw value is in, if it differs from the target.
    literal
        True for a plain number written in the config (never varied).
    group, category
        For the components of a Dirichlet parameter: its name and the category.
    """

    name: str
    value: float
    dist: Distribution | None = None
    low: float | None = None
    high: float | None = None
    factor: float = 1.0
    price_year: str | None = None
    source: str | None = None
    label: str | None = None
    bound: Bound | None = None
    doc_path: DocPath = ()
    literal: bool = False
    group: str | None = None
    category: str | None = None
    unit: str = ""
    used_by: tuple[str, ...] = ()
    """The dotted paths of the config where the number is used."""

    @property
    def kind(self) -> str:
        """``named`` (under ``parameters:``), ``inline`` or ``literal``."""
        if self.literal:
            return "literal"
        return "named" if self.doc_path[:1] == ("parameters",) else "inline"

    @property
    def varies(self) -> bool:
        """True when a distribution gives it uncertainty."""
        return self.dist is not None and not isinstance(self.dist, Fixed)


@dataclass(frozen=True)
class PriceAdjustment:
    """A price-year conversion applied to one parameter (CHEERS item 15)."""

    parameter: str
    from_year: str
    to_year: str
    variant: str
    factor: float


class ParameterTable:
    """The columns of Θ, in a fixed order."""

    def __init__(self, specs: list[ParameterSpec]) -> None:
        self.specs: tuple[ParameterSpec, ...] = tuple(specs)
        self.index: dict[str, int] = {s.name: i for i, s in enumerate(self.specs)}

    def __len__(self) -> int:
        return len(self.specs)

    def __iter__(self) -> Iterator[ParameterSpec]:
        return iter(self.specs)

    def col(self, name: str) -> int:
        """Column of parameter ``name``."""
        return self.index[name]

    def base(self) -> npt.NDArray[np.float64]:
        """Point values, shape ``(n_params,)``."""
        return np.array([s.value for s in self.specs], dtype=np.float64)

    def base_matrix(self) -> npt.NDArray[np.float64]:
        """Point values as a one-row Θ, shape ``(1, n_params)``."""
        return self.base()[np.newaxis, :]

    def named(self) -> list[ParameterSpec]:
        """Parameters that are not plain literals (for parameter tables and DSA)."""
        return [s for s in self.specs if not s.literal]


@dataclass
class ParameterRegistry:
    """Collects the numbers the costing uses while the config is compiled."""

    config: CostingConfig
    uplift: Uplift
    specs: dict[str, ParameterSpec] = field(default_factory=dict)
    adjustments: list[PriceAdjustment] = field(default_factory=list)
    problems: list[tuple[DocPath, Problem]] = field(default_factory=list)
    usages: dict[str, list[str]] = field(default_factory=dict)

    def number(
        self,
        value: NumberValue,
        path: DocPath,
        *,
        bound: Bound | None = None,
        money: bool = False,
        price_year: str | None = None,
    ) -> str:
        """Register the number at ``path`` and return the name of its column.

        ``price_year`` is the price year of the role, resource or programme cost the
        number belongs to; it applies to money values that do not state their own.
        """
        name = value if isinstance(value, str) else format_path(path)
        if name not in self.specs:
            self._register(name, value, path, bound=bound, money=money, price_year=price_year)
        self.usages.setdefault(name, []).append(format_path(path))
        spec = self.specs.get(name)
        if spec is not None and bound is not None and spec.bound is None:
            self.specs[name] = replace(spec, bound=bound)
        if spec is not None and not spec.unit:
            self.specs[name] = replace(self.specs[name], unit=unit_of(path, self.config))
        return name

    def _register(
        self,
        name: str,
        value: NumberValue,
        path: DocPath,
        *,
        bound: Bound | None,
        money: bool,
        price_year: str | None,
    ) -> None:
        if isinstance(value, str):
            self._named(value)
            return
        if isinstance(value, InlineParameter):
            year = value.price_year or (price_year if money else None)
            self._add(name, value, path, bound=bound, year=year, literal=False)
        else:
            year = price_year if money else None
            factor = self._factor(name, year, None, path)
            self.specs[name] = ParameterSpec(
                name,
                float(value) * factor,
                factor=factor,
                price_year=_differs(year, factor),
                bound=bound,
                doc_path=path,
                literal=True,
            )

    def optional(self, value: NumberValue | None, path: DocPath, **kw: object) -> str | None:
        """:meth:`number` for an optional field."""
        return None if value is None else self.number(value, path, **kw)  # type: ignore[arg-type]

    def _named(self, name: str) -> None:
        if name in self.specs:
            return
        group, _, category = name.partition(".")
        spec = self.config.parameters.get(group)
        path: DocPath = ("parameters", group)
        if isinstance(spec, Parameter) and isinstance(spec.dist, Dirichlet):
            self._dirichlet(group, spec, path)
            return
        if category or spec is None:  # config validation makes this unreachable
            msg = f"unknown parameter {name!r}"
            raise KeyError(msg)
        if isinstance(spec, Parameter):
            self._add(name, spec, path, bound=None, year=spec.price_year, literal=False)
        else:
            self.specs[name] = ParameterSpec(name, float(spec), doc_path=path, source=None)

    def _add(
        self,
        name: str,
        spec: InlineParameter,
        path: DocPath,
        *,
        bound: Bound | None,
        year: str | None,
        literal: bool,
    ) -> None:
        if isinstance(spec.dist, Dirichlet):
            self.problems.append(
                (path, Problem("a dirichlet parameter must be declared under parameters:"))
            )
            return
        value = spec.value
        if value is None:  # the config guarantees a non-fixed, non-Dirichlet dist here
            value = float(from_spec(spec.dist).mean())  # type: ignore[arg-type]
        factor = self._factor(name, year, spec.index, path)
        self.specs[name] = ParameterSpec(
            name=name,
            value=value * factor,
            dist=spec.dist,
            low=None if spec.low is None else spec.low * factor,
            high=None if spec.high is None else spec.high * factor,
            factor=factor,
            price_year=_differs(year, factor),
            source=spec.source,
            label=getattr(spec, "label", None),
            bound=bound,
            doc_path=path,
            literal=literal,
        )

    def _dirichlet(self, group: str, spec: Parameter, path: DocPath) -> None:
        dist = spec.dist
        assert isinstance(dist, Dirichlet)
        alpha = {k: c + dist.prior for k, c in dist.counts.items()}
        total = sum(alpha.values())
        for category, a in alpha.items():
            name = f"{group}.{category}"
            self.specs[name] = ParameterSpec(
                name,
                a / total,
                dist=dist,
                source=spec.source,
                label=spec.label,
                doc_path=path,
                group=group,
                category=category,
            )

    def _factor(self, name: str, year: str | None, variant: str | None, path: DocPath) -> float:
        if year is None or year == self.config.price_year:
            return 1.0
        try:
            factor = self.uplift(year, variant)
        except KeyError as exc:
            self.problems.append(
                (
                    path,
                    Problem(
                        f"cannot convert {year} prices to {self.config.price_year}: the price "
                        f"index has no rate for {exc.args[0]}",
                        code="price_year",
                    ),
                )
            )
            return 1.0
        self.adjustments.append(
            PriceAdjustment(
                name, year, self.config.price_year, variant or self.config.inflation.variant, factor
            )
        )
        return factor

    def table(self) -> ParameterTable:
        """The registered parameters, in registration order, with where each is used."""
        return ParameterTable(
            [replace(s, used_by=tuple(self.usages.get(s.name, ()))) for s in self.specs.values()]
        )

    def unused(self) -> list[str]:
        """Parameters declared under ``parameters:`` that no number of the config uses."""
        used = {name.partition(".")[0] for name in self.usages}
        return [name for name in self.config.parameters if name not in used]


def _differs(year: str | None, factor: float) -> str | None:
    return year if factor != 1.0 else None
