"""The config compiled into price terms: which columns of Θ price each role and resource.

:func:`compile_terms` runs once per config; :func:`staff_costs` then evaluates the PSSRU
build-up of every role on any Θ, one row (the estimate) or many (PSA, one-way analysis).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rapport_cost.arrays import Theta, Vector
from rapport_cost.config import Bound, CostingConfig, Role, format_path
from rapport_cost.core.params.parameters import (
    DocPath,
    ParameterRegistry,
    ParameterTable,
    PriceAdjustment,
    Uplift,
)
from rapport_cost.core.prices.unit_costs import (
    StaffCosts,
    build_staff_costs,
    flat_rate_costs,
    working_hours,
)
from rapport_cost.errors import ConfigError, Problem

_RATE = Bound(ge=0, le=1)
_NON_NEGATIVE = Bound(ge=0)
_POSITIVE = Bound(gt=0)


@dataclass(frozen=True)
class RoleTerms:
    """Columns of Θ that price one role (``None`` where the role does not use the term)."""

    key: str
    payer: str
    basis: Literal["salary", "hourly_rate", "valued_as"]
    salary: str | None = None
    ni_rate: str | None = None
    ni_threshold: str | None = None
    pension: str | None = None
    other: str | None = None
    management: str | None = None
    non_staff: str | None = None
    capital: str | None = None
    qualifications: str | None = None
    working_hours: str | None = None
    working_time: tuple[str, ...] | None = None
    """hours_per_week, annual_leave, bank_holidays, training, sickness, days/week, weeks/year."""
    ratio: str | None = None
    hourly_rate: str | None = None
    valued_as: str | None = None


@dataclass(frozen=True)
class ResourceTerms:
    """The column that prices one resource, its unit and payer."""

    key: str
    unit_cost: str
    unit: str
    payer: str


@dataclass(frozen=True)
class ProgrammeTerms:
    """Columns that price one programme cost (M-23, M-26)."""

    key: str
    payer: str
    per: str
    amount: str | None
    role: str | None
    hours: str | None
    count: float | None
    site_counts: dict[str, float] | None
    annuity_years: str | None
    annuity_rate: str | None
    annuity_timing: str
    allocation_key: str


@dataclass(frozen=True)
class PriceTerms:
    """Everything needed to turn Θ into prices."""

    table: ParameterTable
    roles: dict[str, RoleTerms]
    resources: dict[str, ResourceTerms]
    programme: dict[str, ProgrammeTerms]
    residual_ratio: str
    adjustments: tuple[PriceAdjustment, ...]
    unused: tuple[str, ...] = ()
    """Parameters declared under ``parameters:`` that no number uses."""


def compile_terms(cfg: CostingConfig, uplift: Uplift) -> PriceTerms:
    """Register every number the costing uses and return the price terms.

    Raises
    ------
    ConfigError
        If a price year cannot be converted; each problem names its dotted field.
    """
    reg = ParameterRegistry(cfg, uplift)
    roles = {key: _role_terms(reg, key, role) for key, role in cfg.roles.items()}
    resources = {
        key: ResourceTerms(
            key,
            reg.number(
                res.unit_cost,
                ("resources", key, "unit_cost"),
                bound=_NON_NEGATIVE,
                money=True,
                price_year=res.price_year,
            ),
            res.unit,
            res.payer,
        )
        for key, res in cfg.resources.items()
    }
    programme = {}
    for key, item in cfg.programme_costs.items():
        base: DocPath = ("programme_costs", key)
        year = item.price_year
        ann = item.annuitise
        payer = item.payer or (cfg.roles[item.role].payer if item.role else "charity")
        programme[key] = ProgrammeTerms(
            key=key,
            payer=payer,
            per=item.per,
            amount=reg.optional(
                item.amount, (*base, "amount"), bound=_NON_NEGATIVE, money=True, price_year=year
            ),
            role=item.role,
            hours=reg.optional(item.hours, (*base, "hours"), bound=_POSITIVE),
            count=item.count,
            site_counts=item.site_counts,
            annuity_years=None
            if ann is None
            else reg.number(ann.years, (*base, "annuitise", "years"), bound=_POSITIVE),
            annuity_rate=None
            if ann is None
            else reg.number(ann.rate, (*base, "annuitise", "rate"), bound=_RATE),
            annuity_timing="arrears" if ann is None else ann.timing,
            allocation_key=item.allocation_key or cfg.allocation_key,
        )
    residual = reg.number(
        cfg.costing.residual_indirect_ratio,
        ("costing", "residual_indirect_ratio"),
        bound=_NON_NEGATIVE,
    )
    if reg.problems:
        problems = [
            Problem(p.message, field=format_path(path), code=p.code) for path, p in reg.problems
        ]
        msg = f"{len(problems)} problem(s) in the config"
        raise ConfigError(msg, problems)
    return PriceTerms(
        reg.table(), roles, resources, programme, residual, tuple(reg.adjustments),
        tuple(reg.unused()),
    )  # fmt: skip


def _role_terms(reg: ParameterRegistry, key: str, role: Role) -> RoleTerms:
    base: DocPath = ("roles", key)
    year = role.price_year
    ratio = reg.optional(
        role.indirect_time_ratio, (*base, "indirect_time_ratio"), bound=_NON_NEGATIVE
    )
    if role.hourly_rate is not None:
        rate = reg.number(
            role.hourly_rate,
            (*base, "hourly_rate"),
            bound=_NON_NEGATIVE,
            money=True,
            price_year=year,
        )
        return RoleTerms(key, role.payer, "hourly_rate", ratio=ratio, hourly_rate=rate)
    if role.valued_as is not None:
        return RoleTerms(key, role.payer, "valued_as", ratio=ratio, valued_as=role.valued_as)
    assert role.salary is not None
    oc, oh = role.on_costs, role.overheads
    wt = role.working_time
    working_time = None
    if wt is not None:
        wt_path = (*base, "working_time")
        working_time = (
            reg.number(wt.hours_per_week, (*wt_path, "hours_per_week"), bound=_POSITIVE),
            reg.number(wt.annual_leave_days, (*wt_path, "annual_leave_days"), bound=_NON_NEGATIVE),
            reg.number(wt.bank_holidays, (*wt_path, "bank_holidays"), bound=_NON_NEGATIVE),
            reg.number(wt.training_days, (*wt_path, "training_days"), bound=_NON_NEGATIVE),
            reg.number(wt.sickness_days, (*wt_path, "sickness_days"), bound=_NON_NEGATIVE),
            reg.number(wt.days_per_week, (*wt_path, "days_per_week"), bound=_POSITIVE),
            reg.number(wt.weeks_per_year, (*wt_path, "weeks_per_year"), bound=_POSITIVE),
        )
    return RoleTerms(
        key=key,
        payer=role.payer,
        basis="salary",
        salary=reg.number(
            role.salary, (*base, "salary"), bound=_NON_NEGATIVE, money=True, price_year=year
        ),
        ni_rate=reg.number(
            oc.employer_ni.rate, (*base, "on_costs", "employer_ni", "rate"), bound=_RATE
        ),
        # a threshold in £ converts by the role's price year like the salary: NI is then
        # the source year's NI times the factor (docs/methods.md M-7)
        ni_threshold=reg.number(
            oc.employer_ni.threshold,
            (*base, "on_costs", "employer_ni", "threshold"),
            bound=_NON_NEGATIVE,
            money=True,
            price_year=year,
        ),
        pension=reg.number(oc.pension, (*base, "on_costs", "pension"), bound=_RATE),
        other=reg.number(oc.other, (*base, "on_costs", "other"), bound=_RATE),
        management=reg.number(
            oh.management, (*base, "overheads", "management"), bound=_NON_NEGATIVE
        ),
        non_staff=reg.number(oh.non_staff, (*base, "overheads", "non_staff"), bound=_NON_NEGATIVE),
        capital=reg.number(
            role.capital, (*base, "capital"), bound=_NON_NEGATIVE, money=True, price_year=year
        ),
        qualifications=reg.number(
            role.qualifications,
            (*base, "qualifications"),
            bound=_NON_NEGATIVE,
            money=True,
            price_year=year,
        ),
        working_hours=reg.optional(role.working_hours, (*base, "working_hours"), bound=_POSITIVE),
        working_time=working_time,
        ratio=ratio,
    )


def column(theta: Theta, table: ParameterTable, name: str) -> Vector:
    """The values of parameter ``name`` in every row of Θ, shape ``(n_draws,)``."""
    return theta[:, table.col(name)]


def staff_costs(theta: Theta, terms: PriceTerms) -> dict[str, StaffCosts]:
    """The PSSRU build-up of every role for every row of Θ (arrays of shape ``(n_draws,)``)."""
    table = terms.table

    def col(name: str | None) -> Vector:
        assert name is not None
        return column(theta, table, name)

    out: dict[str, StaffCosts] = {}
    for key, t in terms.roles.items():
        ratio = None if t.ratio is None else col(t.ratio)
        if t.basis == "hourly_rate":
            out[key] = flat_rate_costs(col(t.hourly_rate), ratio)
        elif t.basis == "salary":
            if t.working_time is not None:
                hpw, al, bh, tr, sk, dpw, wpy = (col(n) for n in t.working_time)
                hours = working_hours(
                    hpw,
                    annual_leave_days=al,
                    bank_holidays=bh,
                    training_days=tr,
                    sickness_days=sk,
                    days_per_week=dpw,
                    weeks_per_year=wpy,
                )
            else:
                hours = col(t.working_hours)
            out[key] = build_staff_costs(
                salary=col(t.salary),
                ni_rate=col(t.ni_rate),
                ni_threshold=col(t.ni_threshold),
                pension=col(t.pension),
                other_on_costs=col(t.other),
                management=col(t.management),
                non_staff=col(t.non_staff),
                capital=col(t.capital),
                qualifications=col(t.qualifications),
                hours=hours,
                indirect_time_ratio=ratio,
            )
    for key, t in terms.roles.items():
        if t.basis == "valued_as":
            assert t.valued_as is not None
            target = out.get(t.valued_as)
            if target is None or terms.roles[t.valued_as].basis == "valued_as":
                msg = f"roles.{key}.valued_as: {t.valued_as!r} must be a salaried or hourly role"
                raise ConfigError(
                    msg, [Problem(msg.split(": ", 1)[1], field=f"roles.{key}.valued_as")]
                )
            ratio = None if t.ratio is None else col(t.ratio)
            out[key] = flat_rate_costs(target.cost_per_working_hour, ratio)
    return out
