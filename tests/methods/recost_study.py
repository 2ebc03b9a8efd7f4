"""The inputs of the re-costing: the config with its defaults, unit costs and the logs.

Part of the independent re-costing of issue 14 (see :mod:`tests.methods.recost`), written
from docs/methods.md alone: numbers and price years (M-5, M-36, M-37), the PSSRU build-up
of each role (M-7 to M-12), the settings and their defaults, and the contacts with the
quantities of M-14 to M-16.
"""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
DAYS_PER_YEAR = 365.25  # M-6

PAYERS = {  # M-2
    "nhs_pss": {"nhs", "pss", "charity"},
    "provider": {"charity"},
    "societal": {"nhs", "pss", "charity", "woman", "volunteer"},
}
NO = {"no", "n", "false", "0"}  # M-16: `attended`, blank = yes
HOURLY = (
    "salary",
    "on_costs",
    "overheads_management",
    "overheads_non_staff",
    "capital",
    "qualifications",
    "annual_cost",
    "working_hours",
)


# ------------------------------------------------------------------ numbers and the index


def nhscii(variant: str, edition: str) -> dict[str, float]:
    """M-36: % change by financial year, each year from the latest manual that gives it."""
    t = pd.read_csv(REPO / "data" / "nhscii.csv", dtype={"manual_edition": str})
    if edition != "latest":
        t = t[t["manual_edition"] <= edition]
    t = t.sort_values(["financial_year", "manual_edition"]).groupby("financial_year").last()
    return {str(fy): float(v) for fy, v in t[f"{variant}_pct"].items()}


def index_factor(pct: dict[str, float], source: str, target: str) -> float:
    """M-36: product of (1 + g/100) over the years after ``source`` to ``target``."""
    s, t = int(source[:4]), int(target[:4])
    f = 1.0
    for y in range(min(s, t) + 1, max(s, t) + 1):
        f *= 1.0 + pct[f"{y}/{(y + 1) % 100:02d}"] / 100.0
    return f if s <= t else 1.0 / f


def dist_mean(d: dict[str, Any]) -> float:
    """M-43: the mean of a distribution as written (the value of a parameter without one)."""
    kind = d["type"]
    if "mean" in d:
        return float(d["mean"])
    if kind == "gamma":
        return d["shape"] * (d["scale"] if "scale" in d else 1.0 / d["rate"])
    if kind == "beta" and "alpha" in d:
        return d["alpha"] / (d["alpha"] + d["beta"])
    if kind == "beta":
        a0, b0 = d.get("prior_alpha", 0.0), d.get("prior_beta", 0.0)
        return (d["events"] + a0) / (d["n"] + a0 + b0)
    if kind == "lognormal" and "meanlog" in d:
        return math.exp(d["meanlog"] + d["sdlog"] ** 2 / 2)
    if kind == "lognormal":
        sd = (math.log(d["upper"]) - math.log(d["lower"])) / (2 * 1.959963984540054)
        return math.exp(math.log(d["estimate"]) + sd**2 / 2)
    if kind == "uniform":
        return (d["min"] + d["max"]) / 2
    if kind == "triangular":
        return (d["min"] + d["mode"] + d["max"]) / 3
    lam = d.get("lambda", 4.0)  # pert
    return (d["min"] + lam * d["mode"] + d["max"]) / (lam + 2)


@dataclass
class Numbers:
    """M-5, M-37: config numbers as point values in the target price year."""

    cfg: dict[str, Any]

    def factor(self, year: str | None, variant: str | None = None) -> float:
        target = self.cfg.get("price_year", "2023/24")
        if year is None or year == target:
            return 1.0
        infl = self.cfg.get("inflation") or {}
        pct = nhscii(
            variant or infl.get("variant", "pay_and_prices"), str(infl.get("edition", "latest"))
        )
        return index_factor(pct, year, target)

    def __call__(self, x: Any, *, money: bool = False, year: str | None = None) -> float:
        """``x``: a literal, a parameter name or an inline parameter; ``year``: its owner's."""
        if isinstance(x, int | float):
            return float(x) * (self.factor(year) if money else 1.0)
        if isinstance(x, str):  # a named parameter takes only its own price year
            group, _, cat = x.partition(".")
            p = (self.cfg.get("parameters") or {})[group]
            if isinstance(p, int | float):
                return float(p)
            if cat:  # a Dirichlet share
                d = p["dist"]
                alpha = {k: n + d.get("prior", 0.0) for k, n in d["counts"].items()}
                return alpha[cat] / sum(alpha.values())
            v = p["value"] if p.get("value") is not None else dist_mean(p["dist"])
            return float(v) * self.factor(p.get("price_year"), p.get("index"))
        v = x["value"] if x.get("value") is not None else dist_mean(x["dist"])
        return float(v) * self.factor(
            x.get("price_year") or (year if money else None), x.get("index")
        )


# ------------------------------------------------------------------ roles (M-7 to M-12)


@dataclass
class Role:
    payer: str
    per_hour: float  # c_h, M-10
    per_contact: float | None  # M-11
    row: dict[str, float]  # the unit_costs row, M-33


def salaried(r: dict[str, Any], num: Numbers, rules: str) -> tuple[float, dict[str, float]]:
    """M-7 to M-10: the PSSRU build-up; returns c_h and the unit_costs row."""
    year = r.get("price_year")
    s = num(r["salary"], money=True, year=year)
    oc = r.get("on_costs") or {}
    ni = oc.get("employer_ni") or {}
    threshold = num(ni.get("threshold", 0.0), money=rules == "0.2", year=year)  # M-7 (d)
    on_costs = num(ni.get("rate", 0.0)) * max(0.0, s - threshold) + s * (
        num(oc.get("pension", 0.0)) + num(oc.get("other", 0.0))
    )
    base = s + on_costs
    oh = r.get("overheads") or {}
    mgmt, non_staff = num(oh.get("management", 0.0)) * base, num(oh.get("non_staff", 0.0)) * base
    capital = num(r.get("capital", 0.0), money=True, year=year)
    quals = num(r.get("qualifications", 0.0), money=True, year=year)
    annual = base + mgmt + non_staff + capital + quals
    if "working_hours" in r:
        hours = num(r["working_hours"])
    else:  # M-9
        wt = r["working_time"]
        days = ("annual_leave_days", "bank_holidays", "training_days", "sickness_days")
        off = sum(num(wt.get(k, 0.0)) for k in days)
        weeks = num(wt.get("weeks_per_year", 52.143))
        hours = num(wt["hours_per_week"]) * (weeks - off / num(wt.get("days_per_week", 5.0)))
    row = dict(
        zip(HOURLY, (s, on_costs, mgmt, non_staff, capital, quals, annual, hours), strict=True)
    )
    return annual / hours, row


def build_roles(cfg: dict[str, Any], num: Numbers, rules: str) -> dict[str, Role]:
    """Every role; ``valued_as`` after the others (M-12)."""
    roles: dict[str, Role] = {}
    order = sorted(cfg["roles"], key=lambda k: "valued_as" in cfg["roles"][k])
    for key in order:
        r = cfg["roles"][key]
        ratio = None if r.get("indirect_time_ratio") is None else num(r["indirect_time_ratio"])
        if "salary" in r:
            c_h, row = salaried(r, num, rules)
        else:
            c_h = (
                num(r["hourly_rate"], money=True, year=r.get("price_year"))
                if "hourly_rate" in r
                else roles[r["valued_as"]].per_hour
            )
            row = dict.fromkeys(HOURLY, math.nan)
        contact = None if ratio is None else c_h * (1 + ratio)
        row |= {
            "cost_per_working_hour": c_h,
            "cost_per_contact_hour": math.nan if contact is None else contact,
        }
        roles[key] = Role(r["payer"], c_h, contact, row)
    return {k: roles[k] for k in cfg["roles"]}


def annuity(n: float, r: float) -> float:
    """M-13: A(n, r) = (1 - (1 + r)^-n) / r, and n when r = 0."""
    return n if r == 0 else (1 - (1 + r) ** -n) / r


# ------------------------------------------------------------------ the study


@dataclass
class Study:
    """The config, with the defaults docs/methods.md states."""

    cfg: dict[str, Any]
    rules: str
    num: Numbers = field(init=False)

    def __post_init__(self) -> None:
        c, costing = self.cfg, self.cfg.get("costing") or {}
        self.num = Numbers(c)
        self.explicit = costing.get("staff_time", "explicit") == "explicit"  # M-14
        self.split = costing.get("group_split", "equal_attendees")  # M-17
        self.dna = costing.get("dna", "assign")  # M-18
        self.rho_res = self.num(costing.get("residual_indirect_ratio", 0.0))
        self.mileage = costing.get("mileage_resource", "mileage")  # M-20
        self.key = c.get("allocation_key", "contact_hours")  # M-26
        d = c.get("discounting") or {}
        self.rate, self.timing = float(d.get("rate", 0.035)), d.get("timing", "start")
        self.roles = build_roles(c, self.num, self.rules)
        self.resources = {
            k: (self.num(r["unit_cost"], money=True, year=r.get("price_year")), r["payer"])
            for k, r in (c.get("resources") or {}).items()
        }
        self.types = c.get("contact_types") or {}
        prog = c.get("programme_costs") or {}
        if isinstance(prog, list):
            prog = {re.sub(r"[^a-z0-9]+", "_", p["name"].lower()).strip("_"): p for p in prog}
        self.programme: dict[str, dict[str, Any]] = prog
        self.components = [*self.roles, *self.resources, *self.programme]
        payers = [r.payer for r in self.roles.values()] + [r[1] for r in self.resources.values()]
        payers += [
            p.get("payer") or (self.roles[p["role"]].payer if p.get("role") else "charity")
            for p in prog.values()
        ]  # M-2
        counted = PAYERS[c.get("perspective", "nhs_pss")]
        self.included = np.array([p in counted for p in payers])

    def role_price(self, role: str) -> float:
        """M-14: per working hour (explicit) or per contact hour (contact rate)."""
        r = self.roles[role]
        return r.per_hour if self.explicit else (r.per_contact or r.per_hour)


def read_log(study: Study, folder: Path, name: str) -> pd.DataFrame | None:
    path = study.cfg["logs"].get(name)
    if not path:
        return None
    df = pd.read_csv(folder / path, dtype=str, keep_default_na=False)
    df = df.rename(columns={v: k for k, v in (study.cfg["logs"].get("columns") or {}).items()})
    return df.apply(lambda c: c.str.strip())


def number(df: pd.DataFrame, col: str, default: float = 0.0) -> np.ndarray:
    if col not in df:
        return np.full(len(df), default)
    return np.array([default if v == "" else float(v) for v in df[col]])


def calendar_months(start: pd.Timestamp, end: pd.Timestamp) -> float:
    """M-6, 0.2 (b): whole calendar months count 1, a partial month its days over its length."""
    months, (y, m) = 0.0, (start.year, start.month)
    while (y, m) <= (end.year, end.month):
        n = calendar.monthrange(y, m)[1]
        months += (
            (min(end, pd.Timestamp(y, m, n)) - max(start, pd.Timestamp(y, m, 1))).days + 1
        ) / n
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def read_contacts(study: Study, folder: Path) -> tuple[pd.DataFrame, list[list[tuple[str, float]]]]:
    """The contacts with the quantities of M-14 to M-16, and who is listed at each session."""
    c = read_log(study, folder, "contacts")
    assert c is not None
    fmt = study.cfg["logs"].get("date_format", "%Y-%m-%d")
    out = pd.DataFrame(
        {
            "site": c["site"],
            "type": c["contact_type"],
            "date": pd.to_datetime(c["date"], format=fmt),
            "woman": c.get("woman_id", ""),
        }
    )
    for col in ("duration_min", "prep_min", "travel_min", "miles", "other_attendees"):
        out[col] = number(c, col)
    types = study.types
    out["shared"] = [bool(types[t].get("shared", False)) for t in out["type"]]
    cap = number(c, "capacity", default=math.nan)
    out["capacity"] = np.where(
        np.isnan(cap), [types[t].get("capacity", math.nan) for t in out["type"]], cap
    )
    att = c["attended"].str.lower() if "attended" in c else pd.Series([""] * len(c))
    out["attended"] = ~att.isin(NO).to_numpy()
    out["roles"] = [[p.strip() for p in s.split(";") if p.strip()] for s in c["facilitators"]]
    listed: list[list[tuple[str, float]]] = [[] for _ in range(len(c))]
    a = read_log(study, folder, "attendance")
    if a is not None:
        row = {k: i for i, k in enumerate(c["contact_id"])}
        for cid, w, m in zip(
            a["contact_id"], a["woman_id"], number(a, "minutes", math.nan), strict=True
        ):
            i = row[cid]
            listed[i].append((w, out["duration_min"][i] if math.isnan(m) else m))  # M-17
    study_women = np.array([len(x) for x in listed], dtype=float)
    out["n_att"] = np.where(
        out["shared"], study_women + out["other_attendees"], out["attended"].astype(float)
    )  # M-16
    out["delivered"] = np.where(out["shared"], out["n_att"] > 0, out["attended"])
    out["hours"] = out["duration_min"] / 60.0
    logged = out["duration_min"] + out["prep_min"] + out["travel_min"]
    out["staff_hours"] = (logged if study.explicit else out["duration_min"]) / 60.0  # M-14
    return out, listed
