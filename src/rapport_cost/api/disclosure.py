"""Disclosure control of a whole result (``--sdc``, M-60).

Which columns of which table are counts of women, statistics over them, or safe to
publish is decided here, once for every command:

* ``per_unit`` and the subgroup tables ``by_<column>``: counts controlled (M-60),
  statistics suppressed for units of 1–7 women, with secondary suppression (M-60, M-61);
* every other table with a ``site`` column (by contact type, by component, unit-level
  lines, bootstrap intervals, PSA summaries, scenarios): the statistics of a site are
  suppressed wherever its mean cost per woman is, so a CI or a total cannot reveal it;
  counts of contacts and women follow the count rule;
* ``per_woman`` is individual-level and never published under a policy;
* tables that are not about individuals (unit costs, parameters, price adjustments,
  the tornado of an all-units output) pass unchanged.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from rapport_cost.api.base import Result, choice
from rapport_cost.core.publish.sdc import (
    POLICIES,
    SUPPRESSED,
    WATERMARK,
    Policy,
    control_count,
    control_table,
)

#: Tables with one row per woman: never published under a disclosure-control policy.
INDIVIDUAL_TABLES = frozenset({"per_woman", "bootstrap_replicates", "replicates"})
#: Columns that count people or events (controlled with the count rule).
COUNT_COLUMNS = frozenset(
    {"women", "admissions", "contacts", "n", "sessions", "at_risk", "complete", "censored", "died"}
)
#: Text or design columns that never relate to individuals.
SAFE_COLUMNS = frozenset(
    {
        "site",
        "label",
        "contact_type",
        "component",
        "kind",
        "measure",
        "payer",
        "included",
        "line",
        "method",
        "scheme",
        "level",
        "resamples",
        "quantity",
        "scenario",
        "description",
        "unit",
        "parameter",
        "draws",
        "unit_cost",
        "estimator",
        "horizon",
        "horizon_days",
        "interval_end_months",
        "interval_end_days",
    }
)


def _per_unit_roles(df: pd.DataFrame) -> dict[str, Any]:
    counts = [c for c in df.columns if c in COUNT_COLUMNS]
    shares = {c: "women" for c in df.columns if c.startswith("share")}
    stats = [c for c in df.columns if c not in counts and c not in shares and c != "site"]
    return {"counts": counts, "statistics": stats, "shares": shares}


def _suppressed_sites(controlled: pd.DataFrame) -> set[str]:
    col = "mean_cost_per_woman"
    if col not in controlled.columns:
        return set()
    return {
        str(s) for s, v in zip(controlled["site"], controlled[col], strict=True) if v == SUPPRESSED
    }


def _site_women_table(site_women: dict[str, int]) -> pd.DataFrame:
    sites = list(site_women)
    return pd.DataFrame(
        {
            "site": [*sites, "all"],
            "women": [*site_women.values(), sum(site_women.values())],
            "mean_cost_per_woman": 0.0,
        }
    )


def _by_site(
    df: pd.DataFrame, hidden: set[str], policy: Policy
) -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """Hide the statistics of suppressed sites; apply the count rule to count columns."""
    out = df.astype(object)
    cells: list[dict[str, object]] = []
    rows = df["site"].astype(str).isin(hidden).to_numpy()
    for col in df.columns:
        if col in SAFE_COLUMNS or not pd.api.types.is_numeric_dtype(df[col]):
            continue
        if col in COUNT_COLUMNS:
            values = [control_count(int(v), policy=policy) if pd.notna(v) else v for v in df[col]]
            out[col] = values
            marks = [v == SUPPRESSED for v in values]
        else:
            out.loc[rows, col] = SUPPRESSED
            marks = list(rows)
        cells += [{"row": str(df["site"].iloc[i]), "column": col} for i, m in enumerate(marks) if m]
    return out, cells


#: Columns of one-way, threshold and two-way tables that are the analysed output.
RESULT_COLUMNS = frozenset(
    {
        "low_result",
        "high_result",
        "swing",
        "bar_min",
        "bar_max",
        "base_result",
        "threshold",
        "result",
    }
)


def _results_of_hidden_site(
    df: pd.DataFrame, site: str
) -> tuple[pd.DataFrame, list[dict[str, object]]]:
    out = df.astype(object)
    cols = [c for c in df.columns if c in RESULT_COLUMNS]
    out[cols] = SUPPRESSED
    key = df.columns[0]
    cells: list[dict[str, object]] = [
        {"row": str(r), "column": c, "site": site} for r in df[key] for c in cols
    ]
    return out, cells


def control_result(result: Result, policy: str) -> Result:
    """Apply ``policy`` to every table of ``result`` (a new result; tables copied).

    Under ``none`` the tables are unchanged and the result says it is not
    disclosure-controlled (the watermark).

    Raises
    ------
    UsageError
        If ``policy`` is not a policy (``--sdc``).
    """
    policy = choice(policy, "--sdc", POLICIES)
    if result.disclosure is not None:  # the command controlled its own tables already
        return result
    if policy == "none":
        return replace(result, disclosure={"policy": "none", "note": WATERMARK})
    tables: dict[str, pd.DataFrame] = {}
    suppressed: dict[str, list[dict[str, object]]] = {}
    notes: list[str] = []
    hidden: set[str] = set()
    if "per_unit" in result.tables:
        ct = control_table(
            result.tables["per_unit"],
            policy=policy,
            **_per_unit_roles(result.tables["per_unit"]),
        )
        tables["per_unit"] = ct.table
        suppressed["per_unit"] = ct.suppressed_cells()
        notes += ct.notes
        hidden = _suppressed_sites(ct.table)
    elif result.site_women:
        ct = control_table(
            _site_women_table(result.site_women),
            policy=policy,
            counts=["women"],
            statistics=["mean_cost_per_woman"],
        )
        hidden = _suppressed_sites(ct.table)
        notes += ct.notes
    for name, df in result.tables.items():
        if name in tables:
            continue
        if name in INDIVIDUAL_TABLES:
            notes.append(f"table {name} (one row per woman) is not published under {policy}")
            continue
        key = next((c for c in df.columns if f"by_{c}" == name), None)
        if key is not None and "women" in df.columns:
            roles = _per_unit_roles(df.rename(columns={key: "site"}))
            ct = control_table(df, policy=policy, key=key, **roles)
            tables[name], suppressed[name] = ct.table, ct.suppressed_cells()
        elif "site" in df.columns:
            tables[name], cells = _by_site(df, hidden, policy)
            if cells:
                suppressed[name] = cells
        elif str(result.args.get("site")) in hidden:
            # an analysis of one suppressed unit (dsa --site): its results would reveal it
            tables[name], cells = _results_of_hidden_site(df, str(result.args["site"]))
            suppressed[name] = cells
        else:
            tables[name] = df
    info: dict[str, Any] = {
        "policy": policy,
        "suppressed": suppressed,
        "notes": list(dict.fromkeys(notes)),
    }
    return replace(result, tables=tables, disclosure=info)


__all__ = ["INDIVIDUAL_TABLES", "POLICIES", "control_result"]
