"""Pydantic models of the YAML config file (DESIGN §3). No file access here.

A number anywhere in the config may be

* a literal (``salary: 24336``),
* the name of a parameter declared under ``parameters`` (``salary: psw_salary``), or
* an inline parameter (``salary: {value: 24336, dist: {type: gamma, mean: 24336, se: 1200}}``),
  named by its dotted path (``roles.psw.salary``) so PSA and one-way analysis can vary it.

Checks that need the names declared in other sections (parameters, roles, resources, sites)
read them from the validation context built from the raw document by
:func:`validate_config`, so that one run reports every problem together.
"""

from __future__ import annotations

import datetime
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from rapport_cost.errors import Problem, did_you_mean

Payer = Literal["nhs", "pss", "charity", "woman", "volunteer"]
Perspective = Literal["nhs_pss", "provider", "societal"]

#: Payers whose costs each perspective counts (METHODS G-1). Peer support in the MBUs is
#: delivered by a charity on behalf of the NHS, so the NHS & PSS perspective counts the
#: charity's delivery costs as the cost of the service; the societal perspective adds costs
#: borne by women and the value of volunteer time.
PERSPECTIVE_PAYERS: dict[str, frozenset[str]] = {
    "nhs_pss": frozenset({"nhs", "pss", "charity"}),
    "provider": frozenset({"charity"}),
    "societal": frozenset({"nhs", "pss", "charity", "woman", "volunteer"}),
}

Key = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]
FinancialYear = Annotated[str, StringConstraints(pattern=r"^\d{4}/\d{2}$")]
IndexVariant = Literal["pay_and_prices", "pay", "prices"]


class Strict(BaseModel):
    """Base of every config model: unknown keys are errors."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )


# --------------------------------------------------------------------------- bounds


@dataclass(frozen=True)
class Bound:
    """Bounds a number must satisfy, checked on literals, inline and named parameters."""

    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None

    def violation(self, value: float) -> str | None:
        """Return the rule ``value`` breaks, or ``None``."""
        if self.gt is not None and not value > self.gt:
            return f"must be > {_fmt(self.gt)}"
        if self.ge is not None and not value >= self.ge:
            return f"must be >= {_fmt(self.ge)}"
        if self.lt is not None and not value < self.lt:
            return f"must be < {_fmt(self.lt)}"
        if self.le is not None and not value <= self.le:
            return f"must be <= {_fmt(self.le)}"
        return None


def _fmt(x: object) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return repr(x) if isinstance(x, str) else str(x)


# --------------------------------------------------------------------------- distributions


class _Dist(Strict):
    def describe(self) -> str:
        """Return a short text such as ``gamma(mean=1000, se=200)``."""
        args = ", ".join(
            f"{k}={_fmt(v)}"
            for k, v in self.model_dump(exclude={"type"}, exclude_none=True).items()
        )
        return f"{getattr(self, 'type', '?')}({args})"


def _exactly_one_form(model: BaseModel, forms: list[tuple[str, ...]]) -> None:
    given = [f for f in forms if all(getattr(model, k) is not None for k in f)]
    partial = {k for f in forms for k in f if getattr(model, k) is not None}
    if len(given) != 1 or partial - set(given[0]):
        names = " or ".join("{" + ", ".join(f) + "}" for f in forms)
        got = ", ".join(sorted(partial)) or "nothing"
        msg = f"give exactly one of {names}; got {got}"
        raise ValueError(msg)


class Fixed(_Dist):
    """No uncertainty: the parameter stays at its value."""

    type: Literal["fixed"]


class Gamma(_Dist):
    """Gamma: from mean and standard error (method of moments, METHODS P-2) or native."""

    type: Literal["gamma"]
    mean: float | None = Field(None, gt=0)
    se: float | None = Field(None, gt=0)
    shape: float | None = Field(None, gt=0)
    scale: float | None = Field(None, gt=0)
    rate: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        _exactly_one_form(self, [("mean", "se"), ("shape", "scale"), ("shape", "rate")])
        return self


class Beta(_Dist):
    """Beta: from mean and SE, from events out of n (with an optional prior), or native."""

    type: Literal["beta"]
    mean: float | None = Field(None, gt=0, lt=1)
    se: float | None = Field(None, gt=0)
    alpha: float | None = Field(None, gt=0)
    beta: float | None = Field(None, gt=0)
    events: float | None = Field(None, ge=0)
    n: float | None = Field(None, gt=0)
    prior_alpha: float = Field(0.0, ge=0)
    prior_beta: float = Field(0.0, ge=0)

    @model_validator(mode="after")
    def _check(self) -> Self:
        _exactly_one_form(self, [("mean", "se"), ("alpha", "beta"), ("events", "n")])
        if self.mean is not None and self.se is not None:
            bound = self.mean * (1 - self.mean)
            if self.se**2 >= bound:
                msg = (
                    f"impossible beta: se^2 = {self.se**2:.6g} must be < mean*(1-mean) = "
                    f"{bound:.6g} (METHODS P-2)"
                )
                raise ValueError(msg)
        if self.events is not None and self.n is not None:
            if self.events > self.n:
                msg = f"events ({_fmt(self.events)}) must not exceed n ({_fmt(self.n)})"
                raise ValueError(msg)
            a = self.events + self.prior_alpha
            b = self.n - self.events + self.prior_beta
            if a <= 0 or b <= 0:
                msg = (
                    f"beta from {_fmt(self.events)} events out of {_fmt(self.n)} has a zero "
                    "count; set prior_alpha and prior_beta (e.g. 1) (METHODS P-2)"
                )
                raise ValueError(msg)
        return self


class Lognormal(_Dist):
    """Lognormal: from mean and SE, from an estimate and its 95% CI, or native."""

    type: Literal["lognormal"]
    mean: float | None = Field(None, gt=0)
    se: float | None = Field(None, gt=0)
    meanlog: float | None = None
    sdlog: float | None = Field(None, gt=0)
    estimate: float | None = Field(None, gt=0)
    lower: float | None = Field(None, gt=0)
    upper: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _check(self) -> Self:
        _exactly_one_form(
            self, [("mean", "se"), ("meanlog", "sdlog"), ("estimate", "lower", "upper")]
        )
        if self.lower is not None and self.upper is not None and self.estimate is not None:
            if not self.lower < self.upper:
                msg = f"lower ({_fmt(self.lower)}) must be < upper ({_fmt(self.upper)})"
                raise ValueError(msg)
            if not self.lower <= self.estimate <= self.upper:
                msg = f"estimate ({_fmt(self.estimate)}) must lie within [lower, upper]"
                raise ValueError(msg)
        return self


class Normal(_Dist):
    """Normal with mean and standard error."""

    type: Literal["normal"]
    mean: float
    se: float = Field(gt=0)


class Uniform(_Dist):
    """Uniform on [min, max], or from a mean and SE (METHODS P-2)."""

    type: Literal["uniform"]
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    se: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _check(self) -> Self:
        _exactly_one_form(self, [("min", "max"), ("mean", "se")])
        if self.min is not None and self.max is not None and not self.min < self.max:
            msg = f"min ({_fmt(self.min)}) must be < max ({_fmt(self.max)})"
            raise ValueError(msg)
        return self


class Triangular(_Dist):
    """Triangular with minimum, mode and maximum."""

    type: Literal["triangular"]
    min: float
    mode: float
    max: float

    @model_validator(mode="after")
    def _check(self) -> Self:
        _check_min_mode_max(self.min, self.mode, self.max)
        return self


class Pert(_Dist):
    """PERT (beta-PERT) with minimum, mode, maximum and shape lambda (default 4)."""

    type: Literal["pert"]
    min: float
    mode: float
    max: float
    lam: float = Field(4.0, gt=0, alias="lambda")

    @model_validator(mode="after")
    def _check(self) -> Self:
        _check_min_mode_max(self.min, self.mode, self.max)
        return self


def _check_min_mode_max(lo: float, mode: float, hi: float) -> None:
    if not lo < hi:
        msg = f"min ({_fmt(lo)}) must be < max ({_fmt(hi)})"
        raise ValueError(msg)
    if not lo <= mode <= hi:
        msg = f"mode ({_fmt(mode)}) must lie within [min, max] = [{_fmt(lo)}, {_fmt(hi)}]"
        raise ValueError(msg)


class Dirichlet(_Dist):
    """Dirichlet for shares that sum to one, from counts per category (METHODS P-2).

    The parameter's components are named ``<parameter>.<category>``.
    """

    type: Literal["dirichlet"]
    counts: dict[Key, float] = Field(min_length=2)
    prior: float = Field(0.0, ge=0)

    @field_validator("counts")
    @classmethod
    def _non_negative(cls, v: dict[str, float]) -> dict[str, float]:
        bad = {k: c for k, c in v.items() if c < 0}
        if bad:
            msg = f"counts must be >= 0, got {bad}"
            raise ValueError(msg)
        return v

    @model_validator(mode="after")
    def _positive_alpha(self) -> Self:
        zero = [k for k, c in self.counts.items() if c + self.prior <= 0]
        if zero:
            msg = (
                f"zero count for {', '.join(zero)}: set a prior (e.g. prior: 1), "
                "as Briggs, Ades & Price (2003) propose (METHODS P-2)"
            )
            raise ValueError(msg)
        return self


Distribution = Annotated[
    Fixed | Gamma | Beta | Lognormal | Normal | Uniform | Triangular | Pert | Dirichlet,
    Field(discriminator="type"),
]
DIST_TYPES = (
    "fixed",
    "gamma",
    "beta",
    "lognormal",
    "normal",
    "uniform",
    "triangular",
    "pert",
    "dirichlet",
)


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
                    raise ValueError(msg)
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


# --------------------------------------------------------------------------- roles


class EmployerNI(Strict):
    """Employer's National Insurance: ``rate × max(0, salary − threshold)`` (METHODS C-1)."""

    rate: Rate = 0.0
    threshold: NonNegative = 0.0


class OnCosts(Strict):
    """Salary on-costs: employer NI, pension and other, each a fraction of salary."""

    employer_ni: EmployerNI = EmployerNI()
    pension: Rate = 0.0
    other: Rate = 0.0


class Overheads(Strict):
    """Overheads as fractions of salary plus on-costs, as PSSRU builds them."""

    management: NonNegative = 0.0
    non_staff: NonNegative = 0.0


class WorkingTime(Strict):
    """Working time from which hours per year are derived (METHODS C-3)."""

    hours_per_week: Hours
    annual_leave_days: NonNegative = 0.0
    bank_holidays: NonNegative = 0.0
    training_days: NonNegative = 0.0
    sickness_days: NonNegative = 0.0
    days_per_week: Hours = 5.0
    weeks_per_year: Hours = 52.143


_SALARY_ONLY = (
    "on_costs",
    "overheads",
    "capital",
    "qualifications",
    "working_hours",
    "working_time",
)


class Role(Strict):
    """Who delivers or supports peer support.

    A role is either built up from a salary (PSSRU, METHODS C-1 to C-5), or has a flat
    ``hourly_rate`` (volunteers, sessional staff), or is valued at another role's cost per
    working hour (``valued_as``: the replacement-cost valuation of volunteer time, §1.6).
    """

    label: str | None = None
    payer: Payer
    salary: Money | None = None
    on_costs: OnCosts = OnCosts()
    overheads: Overheads = Overheads()
    capital: Money = 0.0
    qualifications: Money = 0.0
    working_hours: Hours | None = None
    working_time: WorkingTime | None = None
    indirect_time_ratio: NonNegative | None = None
    hourly_rate: Money | None = None
    valued_as: RoleRef | None = None
    price_year: FinancialYear | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _one_basis(self) -> Self:
        bases = [k for k in ("salary", "hourly_rate", "valued_as") if getattr(self, k) is not None]
        if len(bases) != 1:
            msg = (
                "give exactly one of salary (PSSRU build-up), hourly_rate or valued_as; "
                f"got {', '.join(bases) or 'none'}"
            )
            raise ValueError(msg)
        if self.salary is not None:
            if (self.working_hours is None) == (self.working_time is None):
                msg = "a salaried role needs exactly one of working_hours or working_time"
                raise ValueError(msg)
        else:
            extra = sorted(set(_SALARY_ONLY) & self.model_fields_set)
            if extra:
                msg = f"{', '.join(extra)} apply only to a role built up from a salary"
                raise ValueError(msg)
        return self


# --------------------------------------------------------------------------- resources etc.

ResourceUnit = Literal["hour", "session", "attendee", "mile", "item"]
ResourceUse = Literal["per_hour", "per_session", "per_attendee"]
_USE_UNIT = {"per_hour": "hour", "per_session": "session", "per_attendee": "attendee"}


class Resource(Strict):
    """A non-staff unit cost (room hire, refreshments, mileage, …)."""

    label: str | None = None
    unit_cost: Money
    unit: ResourceUnit
    payer: Payer
    price_year: FinancialYear | None = None
    source: str | None = None


class ContactType(Strict):
    """What each kind of logged contact consumes."""

    label: str | None = None
    shared: bool = False
    resources: dict[ResourceRef, ResourceUse] = {}
    capacity: int | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _check_units(self, info: ValidationInfo) -> Self:
        units: Mapping[str, str] = _context(info).get("resource_units", {})
        for name, use in self.resources.items():
            unit = units.get(name)
            if unit is not None and unit != _USE_UNIT[use]:
                msg = (
                    f"resource {name!r} is priced per {unit} but used {use}; "
                    f"use {'per_' + unit if unit in _USE_UNIT.values() else 'a matching unit'}"
                )
                raise ValueError(msg)
        return self


class Annuity(Strict):
    """Treat a one-off cost as an investment with an equivalent annual cost (METHODS C-2)."""

    years: Hours
    rate: Rate = 0.035
    timing: Literal["arrears", "advance"] = "arrears"


ProgrammeUnit = Literal["year", "month", "worker", "worker_month", "session", "once"]


class ProgrammeCost(Strict):
    """A top-down cost not tied to one contact, allocated by a stated key (METHODS C-11, C-12).

    Its price is ``amount`` (£ per ``per`` unit) or ``hours`` of ``role`` time at that
    role's cost per working hour; with ``annuitise`` (a one-off cost: ``per`` ``once`` or
    ``worker``) the price is the equivalent annual cost of ``amount`` (C-2) and the
    quantity runs for the study's length in years. Its
    quantity is the number of ``per`` units: ``count`` for the whole programme (default 1)
    or ``site_counts`` per site, times the study period's years (``year``) or months
    (``month``, ``worker_month``), or times the sessions delivered (``session``). The
    costs are allocated to women by ``allocation_key`` within the site (``site_counts``)
    or over the whole programme (``count``).
    """

    label: str | None = None
    amount: Money | None = None
    role: RoleRef | None = None
    hours: Hours | None = None
    per: ProgrammeUnit = "year"
    count: float | None = Field(None, ge=0)
    site_counts: dict[SiteRef, Annotated[float, Field(ge=0)]] | None = None
    annuitise: Annuity | None = None
    allocation_key: Literal["contact_hours", "women", "sessions"] | None = None
    payer: Payer | None = None
    price_year: FinancialYear | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (self.amount is None) == (self.role is None):
            msg = "give exactly one of amount (£ per unit) or role with hours"
            raise ValueError(msg)
        if (self.role is None) != (self.hours is None):
            msg = "role and hours go together"
            raise ValueError(msg)
        if self.count is not None and self.site_counts is not None:
            msg = "give count (whole programme) or site_counts (per site), not both"
            raise ValueError(msg)
        if self.per in ("worker", "worker_month") and self.count is None and not self.site_counts:
            msg = f"per: {self.per} needs count or site_counts (the number of workers)"
            raise ValueError(msg)
        if self.annuitise is not None and self.per not in ("once", "worker"):
            # the equivalent annual cost already runs for the study's years (core/usage.py);
            # a quantity per year, month or session would count them a second time
            msg = (
                f"annuitise spreads a one-off cost over the study's years: use it with "
                f"per: once or per: worker, not per: {self.per}"
            )
            raise ValueError(msg)
        return self


def _programme_list_to_map(v: Any) -> Any:
    """Accept the list form of DESIGN §3, keyed by a slug of each item's name."""
    if not isinstance(v, list):
        return v
    out: dict[str, Any] = {}
    for i, item in enumerate(v):
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            item = dict(item)  # noqa: PLW2901
            name = item.pop("name")
            key = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or f"item{i}"
            item.setdefault("label", name)
            out[key] = item
        else:
            out[f"item{i}"] = item
    return out


# --------------------------------------------------------------------------- settings


class Costing(Strict):
    """Structural costing choices (METHODS C-6 to C-9)."""

    staff_time: Literal["explicit", "contact_rate"] = "explicit"
    group_split: Literal["equal_attendees", "time_weighted", "capacity"] = "equal_attendees"
    dna: Literal["assign", "unit"] = "assign"
    residual_indirect_ratio: NonNegative = 0.0
    mileage_resource: str = "mileage"


class Discounting(Strict):
    """Discounting of costs in later years after admission (METHODS I-6, I-7)."""

    rate: float = Field(0.035, ge=0, le=1)
    #: Year j (1, 2, …) after the index date discounted with t = j − 1 (``start``), j
    #: (``end``) or j − 0.5 (``mid``); ``exact``: t = days since the index date / 365.25.
    timing: Literal["start", "end", "mid", "exact"] = "start"


class Inflation(Strict):
    """Price-year adjustment with the NHS Cost Inflation Index (METHODS I-1 to I-4)."""

    index: Literal["nhscii"] = "nhscii"
    variant: IndexVariant = "pay_and_prices"
    edition: Literal["latest", "2024", "2025"] = "latest"


class Site(Strict):
    """Labels and facts about a unit."""

    label: str | None = None
    admissions: int | None = Field(None, ge=0)


class StudyPeriod(Strict):
    """The study window; default: first to last activity date in the logs."""

    start: datetime.date
    end: datetime.date

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.end < self.start:
            msg = f"end ({self.end}) must not be before start ({self.start})"
            raise ValueError(msg)
        return self


LogColumn = Literal[
    "contact_id",
    "site",
    "date",
    "contact_type",
    "woman_id",
    "facilitators",
    "duration_min",
    "prep_min",
    "travel_min",
    "miles",
    "attended",
    "other_attendees",
    "capacity",
    "minutes",
    "admission_date",
    "discharge_date",
    "month",
    "role",
    "activity",
    "hours",
]
PolicyCode = Literal[
    "contact_before_admission",
    "group_without_attendees",
    "woman_site_mismatch",
    "attendance_unknown_contact",
    "attendance_unknown_woman",
    "duplicate_attendance",
]
#: Actions a policy may take for each problem; ``error`` (the default) stops the run.
POLICY_ACTIONS: dict[str, tuple[str, ...]] = {
    "contact_before_admission": ("error", "keep"),
    "group_without_attendees": ("error", "unit"),
    "woman_site_mismatch": ("error", "keep"),
    "attendance_unknown_contact": ("error", "drop"),
    "attendance_unknown_woman": ("error", "drop"),
    "duplicate_attendance": ("error", "drop"),
}


class Logs(Strict):
    """Where the activity logs are, relative to the config file (DESIGN §4)."""

    contacts: str
    women: str
    attendance: str | None = None
    staff_time: str | None = None
    date_format: str = "%Y-%m-%d"
    columns: dict[LogColumn, str] = {}
    encoding: Literal["auto", "utf-8", "cp1252"] = "auto"
    policies: dict[PolicyCode, Literal["error", "keep", "unit", "drop"]] = {}

    def policy(self, code: str) -> str:
        """The action for problem ``code``: ``error`` unless a policy is set."""
        return str(dict(self.policies).get(code, "error"))  # type: ignore[call-overload]

    @model_validator(mode="after")
    def _policies(self) -> Self:
        for code, action in self.policies.items():
            if action not in POLICY_ACTIONS[code]:
                allowed = ", ".join(POLICY_ACTIONS[code])
                msg = f"policy {code}: must be one of {allowed}, got {action!r}"
                raise ValueError(msg)
        return self


class Scenario(Strict):
    """A named set of overrides by dotted path (DESIGN §3)."""

    description: str | None = None
    overrides: dict[str, Any] = Field(alias="set")


class PsaSettings(Strict):
    """Defaults for ``rapport-cost psa``."""

    draws: int = Field(10000, gt=0)
    seed: int | None = Field(None, ge=0)
    sampling: Literal["mc", "lhs", "sobol"] = "mc"
    correlation_method: Literal["iman_conover", "copula"] = "iman_conover"
    chunk_size: int = Field(20000, gt=0)
    mcse_rel_tol: float = Field(0.005, gt=0)


class BootstrapSettings(Strict):
    """Defaults for ``rapport-cost bootstrap``."""

    resamples: int = Field(9999, gt=0)
    seed: int | None = Field(None, ge=0)
    scheme: Literal["ordinary", "stratified", "cluster", "two-stage"] = "stratified"
    method: Literal["percentile", "basic", "normal", "studentized", "bca", "all"] = "bca"
    level: float = Field(0.95, gt=0, lt=1)
    ties: Literal["half", "boot"] = "half"


def _check_scale_up_site(name: str, info: ValidationInfo) -> str:
    sites = _context(info).get("sites")
    if name != "all" and sites is not None and name not in sites:
        msg = f"unknown site {name!r}{did_you_mean(name, sites)} (or 'all')"
        raise ValueError(msg)
    return name


class ScaleUpUnit(Strict):
    """A unit (e.g. an MBU) where the model would be offered, with its admissions a year."""

    label: str | None = None
    admissions_per_year: float = Field(ge=0)
    source: str | None = None


class ScaleUp(Strict):
    """Annual cost of offering the model in a set of units (``rapport-cost scale-up``).

    Each unit's annual cost is its ``admissions_per_year`` times the study's cost per
    admission (``basis: cost_per_admission``: total cost, unit-level lines and programme
    costs included, over admissions) or mean cost per woman (``basis:
    mean_cost_per_woman``: the women's own costs only), of the study unit ``from_site``
    or of all study units pooled (``all``).
    """

    basis: Literal["cost_per_admission", "mean_cost_per_woman"] = "cost_per_admission"
    from_site: Annotated[str, AfterValidator(_check_scale_up_site)] = "all"
    units: dict[Key, ScaleUpUnit] = Field(min_length=1)
    source: str | None = None


def _check_correlation(v: tuple[str, str, float]) -> tuple[str, str, float]:
    a, b, rho = v
    if a == b:
        msg = f"a parameter cannot be correlated with itself ({a!r})"
        raise ValueError(msg)
    if not -1 < rho < 1:
        msg = f"a correlation must lie strictly between -1 and 1, got {_fmt(rho)}"
        raise ValueError(msg)
    return v


#: ``[parameter_a, parameter_b, spearman_rho]``; names may be dotted paths of inline parameters.
Correlation = Annotated[tuple[str, str, float], AfterValidator(_check_correlation)]


class CostingConfig(Strict):
    """The whole config file (DESIGN §3)."""

    schema_version: Literal[1] = 1
    title: str | None = None
    currency: Literal["GBP"] = "GBP"
    price_year: FinancialYear = "2023/24"
    perspective: Perspective = "nhs_pss"
    parameters: dict[Key, NamedParameter] = {}
    correlations: list[Correlation] = []
    roles: dict[Key, Role] = Field(min_length=1)
    resources: dict[Key, Resource] = {}
    contact_types: dict[Key, ContactType] = {}
    programme_costs: dict[Key, ProgrammeCost] = {}
    allocation_key: Literal["contact_hours", "women", "sessions"] = "contact_hours"
    costing: Costing = Costing()
    discounting: Discounting = Discounting()
    inflation: Inflation = Inflation()
    study_period: StudyPeriod | None = None
    sites: dict[Key, Site] = {}
    logs: Logs | None = None
    scenarios: dict[Key, Scenario] = {}
    psa: PsaSettings = PsaSettings()
    bootstrap: BootstrapSettings = BootstrapSettings()
    scale_up: ScaleUp | None = None

    @field_validator("programme_costs", mode="before")
    @classmethod
    def _programme_list(cls, v: Any) -> Any:
        return _programme_list_to_map(v)

    @model_validator(mode="after")
    def _unique_component_names(self) -> Self:
        seen: dict[str, str] = {}
        for section in ("roles", "resources", "programme_costs"):
            for key in getattr(self, section):
                if key in seen:
                    msg = _at(
                        (section, key),
                        f"{key!r} is used in both {seen[key]} and {section}; cost components "
                        "need distinct names",
                    )
                    raise ValueError(msg)
                seen[key] = section
        if self.costing.staff_time == "contact_rate":
            missing = [
                k
                for k, r in self.roles.items()
                if r.salary is not None and r.indirect_time_ratio is None
            ]
            if missing:
                msg = _at(
                    ("costing", "staff_time"),
                    "contact_rate needs indirect_time_ratio for salaried roles: "
                    + ", ".join(missing),
                )
                raise ValueError(msg)
        return self


# --------------------------------------------------------------------------- validation

_AT = "@at "


def _at(path: tuple[str, ...], message: str) -> str:
    """A message from a whole-config check that belongs to the field at ``path``."""
    return f"{_AT}{'.'.join(path)}: {message}"


def _names(raw: Mapping[str, Any], section: str) -> set[str] | None:
    part = raw.get(section)
    if isinstance(part, list) and section == "programme_costs":
        part = _programme_list_to_map(part)
    return {str(k) for k in part} if isinstance(part, dict) else None


def build_context(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Names declared in each section of the raw document, for cross-reference checks."""
    params = raw.get("parameters")
    params = params if isinstance(params, dict) else {}
    names: set[str] = set()
    values: dict[str, Any] = {}
    for name, spec in params.items():
        names.add(str(name))
        if isinstance(spec, dict):
            values[str(name)] = spec.get("value")
            dist = spec.get("dist")
            if isinstance(dist, dict) and dist.get("type") == "dirichlet":
                counts = dist.get("counts")
                if isinstance(counts, dict):
                    names.update(f"{name}.{c}" for c in counts)
        else:
            values[str(name)] = spec
    resources = raw.get("resources")
    units = (
        {str(k): v.get("unit") for k, v in resources.items() if isinstance(v, dict)}
        if isinstance(resources, dict)
        else {}
    )
    sites = _names(raw, "sites")
    return {
        "parameter_names": names,
        "parameter_values": values,
        "roles": _names(raw, "roles"),
        "resources": _names(raw, "resources"),
        "resource_units": units,
        # Without a `sites` section, any site name is accepted (sites come from the logs).
        "sites": sites or None,
    }


Path = tuple[str | int, ...]


def validate_config(raw: Any) -> tuple[CostingConfig | None, list[tuple[Path, Problem]]]:
    """Validate a raw document; return the config, or ``None`` and every problem.

    Each problem comes with its path in the document so the caller can add a line number.
    """
    if not isinstance(raw, dict):
        return None, [((), Problem(f"the config must be a mapping of sections, got {_show(raw)}"))]
    try:
        cfg = CostingConfig.model_validate(raw, context=build_context(raw))
    except ValidationError as exc:
        return None, [problem_from_error(err, raw) for err in exc.errors()]
    return cfg, []


def format_path(path: Path) -> str:
    """``('roles', 'psw', 'salary')`` → ``roles.psw.salary``; list items as ``[0]``."""
    out = ""
    for seg in path:
        if isinstance(seg, int):
            out += f"[{seg}]"
        else:
            out += ("." if out else "") + seg
    return out


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else _fmt(value)
    if isinstance(value, dict):
        text = "a mapping"
    elif isinstance(value, list):
        text = "a list"
    elif value is None:
        text = "nothing"
    return text if len(text) <= 60 else text[:57] + "..."


def problem_from_error(
    err: Any, raw: Any, root: type[BaseModel] | None = None
) -> tuple[Path, Problem]:
    """Turn one pydantic error into a located, plainly worded :class:`Problem`.

    ``root`` is the model validated (the config by default).
    """
    path, _ = resolve_loc(tuple(err["loc"]), raw, root)
    etype: str = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    field = format_path(path)
    if etype == "extra_forbidden":
        key = str(path[-1]) if path else "?"
        fields = _field_names(resolve_loc(tuple(err["loc"])[:-1], raw, root)[1])
        msg = f"unknown key{did_you_mean(key, fields)}"
        if key == "sd" and "se" in fields:
            msg = (
                "unknown key; did you mean 'se'? (the standard error of the parameter, "
                "not the SD of patients: METHODS P-2)"
            )
        if fields and not did_you_mean(key, fields):
            msg += f" (allowed: {', '.join(sorted(fields))})"
        return path, Problem(msg, field=field, code="unknown_key")
    if etype == "missing":
        return path, Problem("is required", field=field, code="missing")
    if etype in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        op = {
            "greater_than": ">",
            "greater_than_equal": ">=",
            "less_than": "<",
            "less_than_equal": "<=",
        }[etype]
        limit = next(iter(ctx.values()), "?")
        return path, Problem(
            f"must be {op} {_fmt(limit)}, got {_show(value)}", field=field, code="out_of_range"
        )
    if etype in ("float_type", "float_parsing", "int_type", "int_parsing", "int_from_float"):
        kind = "a whole number" if etype.startswith("int") else "a number"
        return path, Problem(f"must be {kind}, got {_show(value)}", field=field, code="type")
    if etype == "number_type":
        return path, Problem(f"{err['msg']}, got {_show(value)}", field=field, code="type")
    if etype in ("literal_error", "enum"):
        expected = ctx.get("expected", "")
        options = re.findall(r"'([^']*)'", expected)
        hint = did_you_mean(str(value), options) if isinstance(value, str) else ""
        return path, Problem(
            f"must be one of {expected}, got {_show(value)}{hint}", field=field, code="choice"
        )
    if etype in ("union_tag_invalid", "union_tag_not_found"):
        tag = ctx.get("discriminator", "'type'")
        hint = did_you_mean(str(ctx.get("tag", "")), DIST_TYPES)
        got = f", got {ctx['tag']!r}" if "tag" in ctx else ""
        return path, Problem(
            f"{tag} must be one of {', '.join(DIST_TYPES)}{got}{hint}", field=field, code="choice"
        )
    if etype in ("string_type",):
        return path, Problem(f"must be text, got {_show(value)}", field=field, code="type")
    if etype in ("dict_type", "model_type", "model_attributes_type"):
        return path, Problem(
            f"must be a mapping (key: value), got {_show(value)}", field=field, code="type"
        )
    if etype in ("list_type", "tuple_type"):
        return path, Problem(f"must be a list, got {_show(value)}", field=field, code="type")
    if etype in ("bool_type", "bool_parsing"):
        return path, Problem(f"must be true or false, got {_show(value)}", field=field, code="type")
    if etype == "string_pattern_mismatch":
        if err["loc"] and err["loc"][-1] == "[key]":
            rule = "names must start with a letter and use only letters, digits and _"
        elif "\\d{4}/" in str(ctx.get("pattern", "")):
            rule = "must be a financial year such as '2023/24'"
        else:
            rule = f"must match {ctx.get('pattern')}"
        return path, Problem(f"{rule}, got {_show(value)}", field=field, code="pattern")
    if etype == "too_short":
        return path, Problem(
            f"must have at least {ctx.get('min_length', 1)} item(s)", field=field, code="too_short"
        )
    if etype == "too_long":
        return path, Problem(
            f"must have at most {ctx.get('max_length')} item(s)", field=field, code="too_long"
        )
    msg = str(err.get("msg", "is invalid"))
    msg = msg.removeprefix("Value error, ")
    if msg.startswith(_AT):
        where, msg = msg.removeprefix(_AT).split(": ", 1)
        path = tuple(where.split("."))
        return path, Problem(msg, field=where, code=etype)
    if etype != "value_error":
        msg = msg[:1].lower() + msg[1:] + f", got {_show(value)}"
    return path, Problem(msg, field=field, code=etype)


# --------------------------------------------------------------------------- path resolution


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``X | None`` from a type."""
    while True:
        origin = typing.get_origin(tp)
        if origin is Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) == 1:
                tp = args[0]
                continue
        return tp


def _union_members(tp: Any) -> dict[str, Any]:
    """Map each tag (pydantic ``Tag`` or a ``type`` literal) of a union to its member."""
    members: dict[str, Any] = {}
    origin = typing.get_origin(tp)
    if origin not in (typing.Union, types.UnionType):
        return members
    for arg in typing.get_args(tp):
        if typing.get_origin(arg) is Annotated:
            base, *meta = typing.get_args(arg)
            for m in meta:
                if isinstance(m, Tag):
                    members[m.tag] = base
        inner = _unwrap(arg)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            field = inner.model_fields.get("type")
            if field is not None:
                for lit in typing.get_args(field.annotation):
                    members[str(lit)] = inner
            members[inner.__name__] = inner
        elif isinstance(inner, type):
            members[inner.__name__] = inner
    return members


def _field_by_name(model: type[BaseModel], seg: str) -> Any:
    for name, info in model.model_fields.items():
        if seg in (name, info.alias):
            return info.annotation, info.metadata
    return None


def _field_names(model: Any) -> list[str]:
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [info.alias or name for name, info in model.model_fields.items()]
    return []


def _step(node: Any, seg: str | int) -> Any:
    if isinstance(node, dict):
        return node.get(seg)
    if isinstance(node, list) and isinstance(seg, int) and 0 <= seg < len(node):
        return node[seg]
    return None


def resolve_loc(
    loc: tuple[Any, ...], raw: Any, root: type[BaseModel] | None = None
) -> tuple[Path, Any]:
    """Map a pydantic ``loc`` to the path in the document and the model found there.

    Union tags and validator names in ``loc`` are not part of the document; they are
    skipped (and a tag picks the union member).
    """
    tp: Any = root or CostingConfig
    node: Any = raw
    path: list[str | int] = []
    for seg in loc:
        if seg == "[key]":
            continue
        tp = _unwrap(tp)
        in_node = isinstance(node, dict) and seg in node
        members = _union_members(tp)
        if isinstance(seg, str) and seg in members and not in_node:
            tp = members[seg]
            continue
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            found = _field_by_name(tp, str(seg))
            if found is None and not in_node:
                continue  # the name of a validator, not a key of the document
            tp = found[0] if found else None
        elif origin is dict and args:
            tp = args[1]
        elif origin is list and args:
            tp = args[0]
        elif origin is tuple and args and isinstance(seg, int) and seg < len(args):
            tp = args[seg]
        elif not in_node and not isinstance(seg, int):
            continue
        else:
            tp = None
        path.append(seg)
        node = _step(node, seg)
    return tuple(path), _unwrap(tp) if tp is not None else None


def _model_members(tp: Any) -> list[type[BaseModel]]:
    """The pydantic models among the members of a union (or ``tp`` itself if a model)."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return []
    out: list[type[BaseModel]] = []
    for arg in typing.get_args(tp):
        inner = _unwrap(arg)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            out.append(inner)
    return out


def _pick_model(tp: Any, node: Any, seg: str) -> type[BaseModel] | None:
    """The model a mapping ``node`` of type ``tp`` is validated as (by its ``type`` key)."""
    models = _model_members(tp)
    if isinstance(node, dict) and "type" in node:
        for m in models:
            tag = m.model_fields.get("type")
            if tag is not None and node["type"] in typing.get_args(tag.annotation):
                return m
    with_field = [m for m in models if _field_by_name(m, seg) is not None]
    candidates = with_field or models
    return candidates[0] if candidates else None


def override_path_problem(path: str, raw: Any) -> str | None:
    """Why ``path`` (``roles.volunteer.hourly_rate``) is not a place a scenario can set.

    Returns ``None`` for a valid path. The path is checked against the config models,
    so a key that is valid but absent from ``raw`` (the parsed document) is accepted,
    e.g. ``costing.group_split`` when the file has no ``costing`` section. Entries of
    named sections (roles, parameters, ...) must exist in the document, except as the
    last segment, which may add an entry. Whether the value fits is left to validation
    of the changed document.
    """
    segs: list[str | int] = []
    for part in path.split("."):
        if not part:
            return "is not a dotted path such as roles.volunteer.hourly_rate"
        segs.append(int(part) if part.isdigit() else part)
    tp: Any = CostingConfig
    node: Any = raw
    for i, seg in enumerate(segs):
        where = format_path(tuple(segs[:i])) or "the config"
        last = i == len(segs) - 1
        tp = _unwrap(tp)
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is dict and args:
            if isinstance(node, list):
                return f"{where} is written as a list; write it as a mapping to set {seg!r}"
            keys = [str(k) for k in node] if isinstance(node, dict) else []
            if not last and str(seg) not in keys:
                known = f" (entries: {', '.join(keys)})" if keys else ""
                return f"{where} has no entry {seg!r}{did_you_mean(str(seg), keys)}{known}"
            tp = args[1]
        elif origin is list and args:
            if not isinstance(seg, int) or not isinstance(node, list) or seg >= len(node):
                return f"{where} is a list: {seg!r} is not the number of one of its items"
            tp = args[0]
        else:
            model = _pick_model(tp, node, str(seg))
            if model is None or (node is not None and not isinstance(node, dict)):
                return f"{where} is {_show(node)} here, not a mapping: cannot set {seg!r} in it"
            found = _field_by_name(model, str(seg))
            if found is None:
                fields = _field_names(model)
                hint = did_you_mean(str(seg), fields) or f" (keys: {', '.join(fields)})"
                return f"{where} has no key {seg!r}{hint}"
            tp = found[0]
        node = _step(node, seg)
    return None


# --------------------------------------------------------------------------- published tables


class Tolerance(Strict):
    """How far a reproduced value may be from the published one: ``abs + rel × |published|``."""

    abs: float = Field(1e-6, ge=0)
    rel: float = Field(1e-9, ge=0)


class PublishedRun(Strict):
    """The command and inputs that make a published table (paths relative to the manifest)."""

    command: Literal["unit-costs", "estimate", "psa", "bootstrap", "dsa", "scenarios"]
    config: str
    args: dict[str, Any] = {}


class PublishedTable(Strict):
    """One published table: how to make it, where the expected values are, what to compare."""

    run: PublishedRun
    table: str
    expected: str
    key: list[str] = Field(min_length=1)
    columns: dict[str, Tolerance] = {"*": Tolerance()}


class PublishedEntry(Strict):
    """A named set of published tables (``rapport-cost reproduce NAME``)."""

    description: str
    source: str | None = None
    tables: list[PublishedTable] = Field(min_length=1)


PublishedName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")]


class PublishedManifest(Strict):
    """``data/published/manifest.yaml``: every table CI rebuilds and compares."""

    published: dict[PublishedName, PublishedEntry] = Field(min_length=1)
