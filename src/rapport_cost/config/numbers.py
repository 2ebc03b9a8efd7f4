"""Numbers of the config: literals, named parameters and inline parameters, with bounds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    model_validator,
)

from rapport_cost.config.base import Bound, FinancialYear, IndexVariant, Strict, _fmt
from rapport_cost.config.distributions import Dirichlet, Distribution, Fixed
from rapport_cost.errors import did_you_mean

# --------------------------------------------------------------------------- numbers


class InlineParameter(Strict):
    """A number with its uncertainty and source, written where it is used."""

    value: float | None = None
    dist: Distribution | None = None
    low: float | None = None
    high: float | None = None
    price_year: FinancialYear | None = None
    index: IndexVariant | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.value is None and (self.dist is None or isinstance(self.dist, Fixed)):
            msg = "give a value (or a dist whose mean is the value)"
            raise ValueError(msg)
        if isinstance(self.dist, Dirichlet) and self.value is not None:
            msg = "a dirichlet parameter takes its values from its counts; remove value"
            raise ValueError(msg)
        if self.low is not None and self.high is not None and not self.low <= self.high:
            msg = f"low ({_fmt(self.low)}) must be <= high ({_fmt(self.high)})"
            raise ValueError(msg)
        return self


class Parameter(InlineParameter):
    """A named parameter under ``parameters:``."""

    label: str | None = None


def _context(info: ValidationInfo) -> Mapping[str, Any]:
    ctx = info.context
    return ctx if isinstance(ctx, Mapping) else {}


def _check_parameter_name(name: str, info: ValidationInfo) -> str:
    names = _context(info).get("parameter_names")
    if names is not None and name not in names:
        msg = f"unknown parameter {name!r}{did_you_mean(name, names)}"
        raise ValueError(msg)
    return name


ParameterName = Annotated[str, AfterValidator(_check_parameter_name)]


def _number_kind(v: Any) -> str | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, str):
        return "name"
    if isinstance(v, dict):
        return "inline"
    return None


Number = Annotated[
    Annotated[float, Field(strict=True), Tag("number")]
    | Annotated[ParameterName, Tag("name")]
    | Annotated[InlineParameter, Tag("inline")],
    Discriminator(
        _number_kind,
        custom_error_type="number_type",
        custom_error_message="must be a number, a parameter name or {value: ...}",
    ),
]


def _bounded(bound: Bound) -> AfterValidator:
    """Check a :data:`Number` against ``bound`` whatever form it takes."""

    def check(v: float | str | InlineParameter, info: ValidationInfo) -> Any:
        values: list[tuple[str, object]]
        if isinstance(v, float):
            values = [("", v)]
        elif isinstance(v, InlineParameter):
            values = [("", v.value), ("low ", v.low), ("high ", v.high)]
        else:
            raw = _context(info).get("parameter_values", {}).get(v)
            values = [(f"parameter {v!r} ", raw)]
        for label, x in values:
            if isinstance(x, int | float) and not isinstance(x, bool):
                rule = bound.violation(float(x))
                if rule:
                    msg = f"{rule}, got {_fmt(x)}" + (f" ({label.strip()})" if label else "")
                    raise ValueError(msg + bound.hint(float(x)))
        return v

    return AfterValidator(check)


NumberValue = float | str | InlineParameter

NamedParameter = Annotated[
    Annotated[float, Field(strict=True), Tag("number")] | Annotated[Parameter, Tag("inline")],
    Discriminator(
        lambda v: "inline" if isinstance(v, dict) else _number_kind(v),
        custom_error_type="number_type",
        custom_error_message="must be a number or {value: ..., dist: ...}",
    ),
]
Money = Annotated[Number, _bounded(Bound(ge=0)), "money"]
NonNegative = Annotated[Number, _bounded(Bound(ge=0))]
Rate = Annotated[Number, _bounded(Bound(ge=0, le=1))]
Hours = Annotated[Number, _bounded(Bound(gt=0))]


def _reference(section: str, what: str) -> AfterValidator:
    def check(name: str, info: ValidationInfo) -> str:
        names = _context(info).get(section)
        if names is not None and name not in names:
            msg = f"unknown {what} {name!r}{did_you_mean(name, names)}"
            raise ValueError(msg)
        return name

    return AfterValidator(check)


RoleRef = Annotated[str, _reference("roles", "role")]
ResourceRef = Annotated[str, _reference("resources", "resource")]
SiteRef = Annotated[str, _reference("sites", "site")]
