"""An independent re-costing, written from docs/methods.md alone (issue 14).

It reads the config YAML itself and the CSV logs with pandas, and costs every contact by
the rules of docs/methods.md (M-n below), without importing any code of the project. It is
deliberately not the project's design: the project builds a matrix of quantities and
multiplies it by prices; this file prices each contact in pounds, splits the pounds among
the people present and discounts each share, as a health economist with a spreadsheet
would. Agreement between the two to 1e-9 is evidence that docs/methods.md is complete.

``recost(path)`` follows the 0.2 rules, the decisions marked "Changed in 0.2": the study
length in calendar months (M-6), the NI threshold converted by the role's price year (M-7)
and ``by_component.cost_undiscounted`` only for included lines (M-31). ``recost(path,
rules="0.1")`` costs as version 0.1 did (but without 0.1's two defects: M-17 time-weighted
sessions with no minutes, M-26 a woman at another unit's session), to show what 0.2 moved.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from tests.methods.recost_study import (
    DAYS_PER_YEAR,
    Study,
    annuity,
    calendar_months,
    number,
    read_contacts,
    read_log,
)

LINES = ("non_participants", "idle_capacity", "unattended_sessions", "dna", "unallocated")


def contact_costs(study: Study, c: pd.DataFrame) -> dict[str, np.ndarray]:
    """M-21: each contact's £ and units by component (n_contacts x n_components each)."""
    shape = (len(c), len(study.components))
    full, res, qty, qty_res = (np.zeros(shape) for _ in range(4))
    col = {k: j for j, k in enumerate(study.components)}
    for i, x in enumerate(c.itertuples()):
        for r in x.roles:  # M-15: one facilitator per entry
            qty[i, col[r]] += x.staff_hours
            full[i, col[r]] += x.staff_hours * study.role_price(r)
            if study.explicit and study.rho_res > 0:  # M-14 residual ratio
                qty_res[i, col[r]] += x.hours
                res[i, col[r]] += x.hours * study.roles[r].per_hour * study.rho_res
        for k, use in (study.types[x.type].get("resources") or {}).items():  # M-19
            u = {"per_hour": x.hours, "per_attendee": x.n_att, "per_session": 1.0}[use]
            qty[i, col[k]] += u
            full[i, col[k]] += u * study.resources[k][0]
        if x.miles > 0:  # M-20: once per contact
            qty[i, col[study.mileage]] += x.miles
            full[i, col[study.mileage]] += x.miles * study.resources[study.mileage][0]
    return {"full": full, "residual": res, "qty": qty, "qty_residual": qty_res}


def shares_of(study: Study, c: pd.DataFrame, listed: list[list[tuple[str, float]]]) -> list:
    """M-17, M-18: (contact, recipient, share); a recipient is a woman or ``site|line``."""
    out: list[tuple[int, str, float]] = []
    for i, x in enumerate(c.itertuples()):
        line = lambda kind, x=x: f"{x.site}|{kind}"  # noqa: E731
        if not x.shared:
            out.append((i, x.woman if x.attended or study.dna == "assign" else line("dna"), 1.0))
            continue
        if x.n_att == 0:
            out.append((i, line("unattended_sessions"), 1.0))
            continue
        minutes = sum(m for _, m in listed[i]) + x.other_attendees * x.duration_min
        if study.split == "time_weighted" and minutes > 0:
            out += [(i, w, m / minutes) for w, m in listed[i]]
            others = x.other_attendees * x.duration_min / minutes
        elif study.split == "capacity":
            out += [(i, w, 1.0 / x.capacity) for w, _ in listed[i]]
            others = x.other_attendees / x.capacity
            if x.capacity > x.n_att:
                out.append((i, line("idle_capacity"), (x.capacity - x.n_att) / x.capacity))
        else:  # equal, and time-weighted with no minutes to weight by (M-17)
            out += [(i, w, 1.0 / x.n_att) for w, _ in listed[i]]
            others = x.other_attendees / x.n_att
        if x.other_attendees > 0:
            out.append((i, line("non_participants"), others))
    return out


def discount(days: np.ndarray, rate: float, timing: str) -> np.ndarray:
    """M-38: year j - 1 = floor(D / 365.25); ``exact``: t = D / 365.25."""
    d = np.maximum(days, 0).astype(float)
    if timing == "exact":
        return (1.0 + rate) ** -(d / DAYS_PER_YEAR)
    shift = {"start": 0.0, "end": 1.0, "mid": 0.5}[timing]
    return (1.0 + rate) ** -(np.floor(d / DAYS_PER_YEAR) + shift)


# ------------------------------------------------------------------ the ledger


@dataclass
class Ledger:
    """Who carries what: women, then each unit's lines (M-22), by component."""

    study: Study
    women: pd.DataFrame  # woman_id, site, admission
    sites: list[str]
    c: pd.DataFrame
    sh: pd.DataFrame = field(init=False)

    def __post_init__(self) -> None:
        w = self.women
        self.names = [*w["woman_id"], *(f"{s}|{ln}" for s in self.sites for ln in LINES)]
        self.pos = {r: k for k, r in enumerate(self.names)}
        self.site_of = np.array([*w["site"], *(s for s in self.sites for _ in LINES)])
        n = (len(self.names), len(self.study.components))
        self.cost, self.cost_res = np.zeros(n), np.zeros(n)
        self.quantity = np.zeros((len(self.sites), n[1]))  # by unit, undiscounted (M-31)
        self.overheads = {s: {"programme": 0.0, "staff_time": 0.0} for s in self.sites}
        self.spent = 0.0  # every contact in full plus every overhead, shares aside
        self.overhead_lines = {k: np.zeros(n[0]) for k in ("programme", "staff_time")}

    def post_contacts(self, shares: list, costs: dict[str, np.ndarray], start: pd.Timestamp):
        """M-21, M-38 to M-40: each share of each contact, discounted for its line."""
        st = self.study
        sh = pd.DataFrame(shares, columns=["contact", "to", "share"])
        sh["line"] = sh["to"].map(self.pos)
        sh["woman"] = sh["line"] < len(self.women)
        adm = dict(zip(self.women["woman_id"], self.women["admission"], strict=True))
        index = [adm[t] if w else start for t, w in zip(sh["to"], sh["woman"], strict=True)]
        days = self.c["date"].to_numpy()[sh["contact"]] - np.array(index, "datetime64[ns]")
        days = days.astype("timedelta64[D]").astype(int)
        applied = st.rate > 0 and np.floor(np.maximum(days, 0) / DAYS_PER_YEAR).max() >= 1
        sh["factor"] = discount(days, st.rate, st.timing) if applied else 1.0  # M-40
        self.applied, self.sh = applied, sh
        weight = (sh["share"] * sh["factor"]).to_numpy()[:, None]
        priced = (costs["full"] + costs["residual"]) * st.included
        np.add.at(self.cost, sh["line"], priced[sh["contact"]] * weight)
        np.add.at(
            self.cost_res, sh["line"], (costs["residual"] * st.included)[sh["contact"]] * weight
        )
        units = self.c["site"].to_numpy()
        for s_i, s in enumerate(self.sites):
            self.quantity[s_i] += costs["qty"][units == s].sum(axis=0)
        self.spent += float(priced.sum())

    def masses(self, key: str) -> tuple[dict[str, np.ndarray], dict[str, float]]:
        """M-26: each line's mass from each unit's contacts, and each unit's total W_s."""
        sh, c, n = self.sh, self.c, len(self.names)
        units = c["site"].to_numpy()[sh["contact"]]
        if key == "women":  # supported: a share > 0 of any contact; undiscounted
            ok = np.zeros(n)
            ok[sh.loc[sh["woman"] & (sh["share"] > 0), "line"].unique()] = 1.0
            return (
                {s: ok * (self.site_of == s) for s in self.sites},
                {s: float(ok[self.site_of == s].sum()) for s in self.sites},
            )
        per = (c["hours"] if key == "contact_hours" else pd.Series(1.0, index=c.index)).to_numpy()
        per = per * c["delivered"].to_numpy()
        w = (sh["share"] * sh["factor"]).to_numpy() * per[sh["contact"]]
        mass = {
            s: np.bincount(sh["line"][units == s], weights=w[units == s], minlength=n)
            for s in self.sites
        }
        total = {s: float(per[c["site"].to_numpy() == s].sum()) for s in self.sites}
        return mass, total

    def allocate(
        self, j: int, q: dict[str, float], key: str, wide: bool, price: float, what: str
    ) -> None:
        """M-26: spread ``q`` units per unit of component ``j`` at ``price`` by ``key``."""
        mass, total = self.masses(key)
        line = np.zeros(len(self.names))
        units = dict(q)
        q_all, w_all = sum(q.values()), sum(total.values())
        if wide and w_all > 0:  # over the programme
            line = sum(mass.values()) * q_all / w_all
            units = {s: q_all * total[s] / w_all for s in self.sites}
        elif wide:
            units = {s: q_all * (s == self.sites[0]) for s in self.sites}
            line[self.pos[f"{self.sites[0]}|unallocated"]] = q_all
        else:  # within each unit
            for s in self.sites:
                if total[s] > 0:
                    line += mass[s] * q[s] / total[s]
                elif q[s] > 0:
                    line[self.pos[f"{s}|unallocated"]] += q[s]
        pounds = line * price * self.study.included[j]
        self.cost[:, j] += pounds
        self.overhead_lines[what] += pounds
        self.spent += q_all * price * self.study.included[j]
        for s_i, s in enumerate(self.sites):
            self.quantity[s_i, j] += units[s]
            self.overheads[s][what] += float(pounds[self.site_of == s].sum())


def programme_costs(study: Study, ledger: Ledger, years: float) -> dict[str, float]:
    """M-23, M-24: price and quantity of each programme cost, allocated; returns prices."""
    prices = {}
    c, sites = ledger.c, ledger.sites
    sessions = {s: float(c["delivered"][c["site"] == s].sum()) for s in sites}
    for k, p in study.programme.items():
        if p.get("amount") is not None:
            price = study.num(p["amount"], money=True, year=p.get("price_year"))
        else:
            price = study.num(p["hours"]) * study.roles[p["role"]].per_hour
        ann = p.get("annuitise")
        if ann:
            n, r = study.num(ann["years"]), study.num(ann.get("rate", 0.035))
            arrears = ann.get("timing", "arrears") == "arrears"
            price /= annuity(n, r) if arrears else 1 + annuity(n - 1, r)
        prices[k] = price
        if p.get("role") and not study.explicit:  # M-27
            continue
        counts = p.get("site_counts")
        base = {
            s: float((counts or {}).get(s, 0.0))
            if counts
            else float(p.get("count", 1.0)) * (s == sites[0])
            for s in sites
        }
        per = p.get("per", "year")
        if per == "session":
            q = {s: base[s] * (sessions[s] if counts else sum(sessions.values())) for s in sites}
        else:
            mult = {"once": 1.0, "worker": 1.0, "year": years}.get(per, 12 * years)
            q = {s: base[s] * mult for s in sites}
        if ann:
            q = {s: v * years for s, v in q.items()}
        key = p.get("allocation_key") or study.key
        ledger.allocate(study.components.index(k), q, key, not counts, price, "programme")
    return prices


def staff_time(study: Study, ledger: Ledger, folder: Path) -> None:
    """M-25: the staff_time log, under explicit staff time, within each unit."""
    log = read_log(study, folder, "staff_time")
    if log is None or not study.explicit:
        return
    hours = number(log, "hours")
    for j, (r, role) in enumerate(study.roles.items()):
        if (log["role"] == r).any():
            q = {
                s: float(hours[(log["role"] == r) & (log["site"] == s)].sum()) for s in ledger.sites
            }
            ledger.allocate(j, q, study.key, False, role.per_hour, "staff_time")


# ------------------------------------------------------------------ tables (M-28 to M-33)


@dataclass
class Recosting:
    """The tables of docs/methods.md §6, re-costed."""

    per_woman: pd.DataFrame
    per_unit: pd.DataFrame
    unit_level_lines: pd.DataFrame
    unit_costs: pd.DataFrame
    by_component: pd.DataFrame
    by_contact_type: pd.DataFrame
    extras: dict[str, Any] = field(default_factory=dict)


def per_woman_table(study: Study, ledger: Ledger) -> pd.DataFrame:
    """M-28: every woman, her total, contacts, attended hours and components."""
    w, sh, c = ledger.women, ledger.sh, ledger.c
    n = len(w)
    out = pd.DataFrame({"woman_id": w["woman_id"], "site": w["site"]})
    out["total_cost"] = ledger.cost[:n].sum(axis=1)
    hers = sh[sh["woman"]]
    out["contacts"] = np.bincount(hers["line"], minlength=n)
    hours = (c["hours"] * c["delivered"]).to_numpy()[hers["contact"]]
    out["contact_hours"] = np.bincount(hers["line"], weights=hours, minlength=n)
    for j, k in enumerate(study.components):
        out[k] = ledger.cost[:n, j]
    return out


def per_unit_table(study: Study, ledger: Ledger, pw: pd.DataFrame) -> pd.DataFrame:
    """M-29: one row per unit and ``all``."""
    c, sh = ledger.c, ledger.sh
    took = sh[sh["woman"] & (c["attended"].to_numpy()[sh["contact"]])]  # DNAs not taken part
    took_type = c["type"].to_numpy()[took["contact"]]
    stated = study.cfg.get("sites") or {}
    rows = []
    for s in [*ledger.sites, "all"]:
        mine = (pw["site"] == s).to_numpy() if s != "all" else np.ones(len(pw), bool)
        y = pw.loc[mine, "total_cost"].to_numpy()
        n = len(y)
        adm = [
            ((stated.get(u) or {}).get("admissions", int((pw["site"] == u).sum())))
            for u in ledger.sites
            if s in ("all", u)
        ]
        at = c["site"].to_numpy() == s if s != "all" else np.ones(len(c), bool)
        lines = ledger.cost[len(pw) :].sum(axis=1)
        unit = float(lines[(ledger.site_of[len(pw) :] == s) | (s == "all")].sum())
        row = {
            "site": s,
            "women": n,
            "admissions": sum(adm),
            "contacts": int(at.sum()),
            "contact_hours": float((c["hours"] * c["delivered"])[at].sum()),
            "total_cost": float(y.sum()) + unit,
            "women_cost": float(y.sum()),
            "unit_level_cost": unit,
        }
        stats = (
            [
                y.mean(),
                np.std(y, ddof=1) if n > 1 else math.nan,
                *np.quantile(y, [0.5, 0.25, 0.75]),
                np.mean(y == 0.0),
            ]
            if n
            else [math.nan] * 6
        )
        row |= dict(
            zip(
                ("mean_cost_per_woman", "sd", "median", "q1", "q3", "share_zero_cost"),
                map(float, stats),
                strict=True,
            )
        )
        row["cost_per_admission"] = row["total_cost"] / sum(adm) if sum(adm) else math.nan
        row["mean_contact_minutes"] = float(60 * pw.loc[mine, "contact_hours"].mean())
        ids = set(pw.loc[mine, "woman_id"])
        for t in study.types:
            hit = [w in ids for w in took.loc[took_type == t, "to"]]
            row[f"mean_contacts_{t}"] = sum(hit) / n if n else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def by_component_table(study: Study, ledger: Ledger, costs: dict, prices: dict) -> pd.DataFrame:
    """M-31: quantities before discounting, full unit prices, costs."""
    full = {k: study.role_price(k) for k in study.roles}
    full |= {k: r[0] for k, r in study.resources.items()} | prices
    units = ledger.c["site"].to_numpy()
    res_qty = np.array([costs["qty_residual"][units == s].sum(axis=0) for s in ledger.sites])
    cost = np.array([ledger.cost[ledger.site_of == s].sum(axis=0) for s in ledger.sites])
    res = np.array([ledger.cost_res[ledger.site_of == s].sum(axis=0) for s in ledger.sites])
    rows = []
    for s_i, s in enumerate([*ledger.sites, "all"]):
        pick = (lambda a: a.sum(axis=0)) if s == "all" else (lambda a, i=s_i: a[i])
        q, qr, cst, cr = pick(ledger.quantity), pick(res_qty), pick(cost), pick(res)
        for j, k in enumerate(study.components):
            inc = bool(study.included[j])
            keep = inc or study.rules == "0.1"  # M-31, 0.2 (e)
            rows.append(
                {
                    "site": s,
                    "component": k,
                    "driver": "main",
                    "included": inc,
                    "quantity": q[j],
                    "unit_cost": full[k],
                    "cost_undiscounted": q[j] * full[k] * keep,
                    "cost": cst[j] - cr[j],
                }
            )
        for j, k in enumerate(study.roles):
            if study.explicit and study.rho_res > 0:
                inc = bool(study.included[j])
                unit = study.roles[k].per_hour * study.rho_res
                rows.append(
                    {
                        "site": s,
                        "component": k,
                        "driver": "residual",
                        "included": inc,
                        "quantity": qr[j],
                        "unit_cost": unit,
                        "cost_undiscounted": qr[j] * unit * (inc or study.rules == "0.1"),
                        "cost": cr[j],
                    }
                )
    return pd.DataFrame(rows)


def by_contact_type_table(study: Study, ledger: Ledger, costs: dict) -> pd.DataFrame:
    """M-30: contacts, session hours and discounted cost of each type, and the overheads."""
    c, sh = ledger.c, ledger.sh
    effective = np.bincount(sh["contact"], weights=sh["share"] * sh["factor"], minlength=len(c))
    each = ((costs["full"] + costs["residual"]) * study.included).sum(axis=1) * effective
    rows = []
    for s in ledger.sites:
        for t in study.types:
            m = ((c["site"] == s) & (c["type"] == t)).to_numpy()
            rows.append(
                {
                    "site": s,
                    "contact_type": t,
                    "contacts": int(m.sum()),
                    "contact_hours": float((c["hours"] * c["delivered"])[m].sum()),
                    "total_cost": float(each[m].sum()),
                }
            )
        for name, what in (
            ("(programme costs)", "programme"),
            ("(non-contact staff time)", "staff_time"),
        ):
            rows.append(
                {
                    "site": s,
                    "contact_type": name,
                    "contacts": 0,
                    "contact_hours": 0.0,
                    "total_cost": ledger.overheads[s][what],
                }
            )
    t = pd.DataFrame(rows)
    total = t.groupby("contact_type", sort=False)[["contacts", "contact_hours", "total_cost"]]
    everything = total.sum().reset_index()
    everything.insert(0, "site", "all")
    t = pd.concat([t, everything], ignore_index=True)
    return t[(t["contacts"] > 0) | (t["total_cost"] != 0)].reset_index(drop=True)


# ------------------------------------------------------------------ the re-costing


def recost(path: str | Path, *, rules: str = "0.2") -> Recosting:
    """Re-cost the config at ``path`` (and the logs it names) by docs/methods.md."""
    path = Path(path)
    study = Study(yaml.safe_load(path.read_text(encoding="utf-8")), rules)
    folder = path.parent
    women = read_log(study, folder, "women")
    assert women is not None
    fmt = study.cfg["logs"].get("date_format", "%Y-%m-%d")
    women = women.assign(admission=pd.to_datetime(women["admission_date"], format=fmt))
    sites = list(study.cfg.get("sites") or dict.fromkeys(women["site"]))  # M-29 order
    c, listed = read_contacts(study, folder)
    period = study.cfg.get("study_period")  # M-6
    start, end = (
        (pd.Timestamp(period["start"]), pd.Timestamp(period["end"]))
        if period
        else (c["date"].min(), c["date"].max())
    )
    if rules == "0.2":
        years = calendar_months(start, end) / 12.0
    else:
        years = ((end - start).days + 1) / DAYS_PER_YEAR
    costs = contact_costs(study, c)
    ledger = Ledger(study, women, sites, c)
    ledger.post_contacts(shares_of(study, c, listed), costs, start)
    prices = programme_costs(study, ledger, years)
    staff_time(study, ledger, folder)
    pw = per_woman_table(study, ledger)
    lines = pd.DataFrame(
        {
            "site": ledger.site_of[len(women) :],
            "line": [ln for _ in sites for ln in LINES],
            "total_cost": ledger.cost[len(women) :].sum(axis=1),
        }
    )
    return Recosting(
        per_woman=pw,
        per_unit=per_unit_table(study, ledger, pw),
        unit_level_lines=lines[lines["total_cost"] != 0].reset_index(drop=True),
        unit_costs=pd.DataFrame([{"role": k, **r.row} for k, r in study.roles.items()]),
        by_component=by_component_table(study, ledger, costs, prices),
        by_contact_type=by_contact_type_table(study, ledger, costs),
        extras={
            "years": years,
            "discounting_applied": ledger.applied,
            "spent": ledger.spent,
            "overhead_by_line": pd.DataFrame(ledger.overhead_lines, index=ledger.names),
        },
    )
