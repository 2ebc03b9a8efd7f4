"""Pydantic models of the YAML config file (docs/config.md). No file access here.

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
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from rapport_cost.config.base import (
    FinancialYear,
    IndexVariant,
    Key,
    Payer,
    Perspective,
    Strict,
    _at,
    _fmt,
)
from rapport_cost.config.durations import DAYS_PER_MONTH, describe_days, parse_duration
from rapport_cost.config.numbers import (
    Hours,
    Money,
    NamedParameter,
    NonNegative,
    Rate,
    ResourceRef,
    RoleRef,
    SiteRef,
    _context,
)
from rapport_cost.errors import did_you_mean

# --------------------------------------------------------------------------- roles


class EmployerNI(Strict):
    """Employer's National Insurance: ``rate × max(0, salary − threshold)`` (M-7)."""

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
    """Working time from which hours per year are derived (M-9)."""

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

    A role is either built up from a salary (PSSRU, M-7 to M-11), or has a flat
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
    """Treat a one-off cost as an investment with an equivalent annual cost (M-13)."""

    years: Hours
    rate: Rate = 0.035
    timing: Literal["arrears", "advance"] = "arrears"


ProgrammeUnit = Literal["year", "month", "worker", "worker_month", "session", "once"]


class ProgrammeCost(Strict):
    """A top-down cost not tied to one contact, allocated by a stated key (M-23, M-26).

    Its price is ``amount`` (£ per ``per`` unit) or ``hours`` of ``role`` time at that
    role's cost per working hour; with ``annuitise`` (a one-off cost: ``per`` ``once`` or
    ``worker``) the price is the equivalent annual cost of ``amount`` (M-13) and the
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
    """Accept the list form (items each with a ``name:``), keyed by a slug of each item's name."""
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
    """Structural costing choices (M-14 to M-18)."""

    staff_time: Literal["explicit", "contact_rate"] = "explicit"
    group_split: Literal["equal_attendees", "time_weighted", "capacity"] = "equal_attendees"
    dna: Literal["assign", "unit"] = "assign"
    residual_indirect_ratio: NonNegative = 0.0
    mileage_resource: str = "mileage"


class Discounting(Strict):
    """Discounting of costs in later years after admission (M-38, M-40)."""

    rate: float = Field(0.035, ge=0, le=1)
    #: Year j (1, 2, …) after the index date discounted with t = j − 1 (``start``), j
    #: (``end``) or j − 0.5 (``mid``); ``exact``: t = days since the index date / 365.25.
    timing: Literal["start", "end", "mid", "exact"] = "start"


class Inflation(Strict):
    """Price-year adjustment with the NHS Cost Inflation Index (M-36)."""

    index: Literal["nhscii"] = "nhscii"
    variant: IndexVariant = "pay_and_prices"
    edition: Literal["latest", "2024", "2025"] = "latest"


class Site(Strict):
    """Labels and facts about a unit."""

    label: str | None = None
    admissions: int | None = Field(None, ge=0)


def _duration(v: Any) -> float:
    return parse_duration(v)


Duration = Annotated[float, BeforeValidator(_duration), Field(gt=0)]
"""A length of time in days, written ``24 months``, ``3 years``, ``730 days`` or a number."""


class FollowUp(Strict):
    """Costs within a follow-up horizon under incomplete follow-up (M-65 to M-74).

    ``horizon``: the mean cost per woman within this time of her origin; ``interval``: the
    length of the partition (cumulative cost curve, partitioned estimators);
    ``data_cutoff``: the day the logs were cut (default: the last date in the logs);
    ``estimator``: the one reported first (default Bang–Tsiatis partitioned).
    """

    origin: Literal["admission", "discharge"] = "admission"
    horizon: Duration = 730.5
    interval: Duration = DAYS_PER_MONTH
    data_cutoff: datetime.date | None = None
    estimator: Literal["btp", "bt", "zt", "lin", "cc", "ad"] = "btp"

    @model_validator(mode="after")
    def _interval_within_horizon(self) -> Self:
        if self.interval > self.horizon:
            msg = (
                f"interval ({describe_days(self.interval)}) must not be longer than the "
                f"horizon ({describe_days(self.horizon)})"
            )
            raise ValueError(msg)
        return self


class ReportSettings(Strict):
    """What ``rapport-cost report`` adds to its standard sections.

    ``subgroups``: columns of the women log compared in a subgroup section each;
    ``follow_up``: a section on costs within the follow-up horizon (M-65 to M-74).
    """

    subgroups: list[str] = []
    follow_up: bool = True


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
    "withdrawal_date",
    "death_date",
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
    """Where the activity logs are, relative to the config file (docs/config.md, Activity logs)."""

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
    """A named set of overrides by dotted path (docs/config.md)."""

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
    """The whole config file (docs/config.md)."""

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
    follow_up: FollowUp = FollowUp()
    report: ReportSettings = ReportSettings()

    @field_validator("programme_costs", mode="before")
    @classmethod
    def _programme_list(cls, v: Any) -> Any:
        return _programme_list_to_map(v)

    @model_validator(mode="after")
    def _valued_as_a_paid_role(self) -> Self:
        """``valued_as`` takes another role's cost per hour: that role must have one (M-12)."""
        for key, role in self.roles.items():
            target = self.roles.get(role.valued_as) if role.valued_as else None
            if target is not None and target.valued_as is not None:
                msg = _at(
                    ("roles", key, "valued_as"),
                    f"{role.valued_as!r} must be a salaried or hourly role (it is valued as "
                    f"{target.valued_as!r} itself)",
                )
                raise ValueError(msg)
        return self

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
