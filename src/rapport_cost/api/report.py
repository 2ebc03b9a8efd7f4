"""``report``: one self-contained HTML document with the tables, plots and methods.

Everything is inline (styles, and plots as base64 PNG), so the file opens anywhere with no
network fetch. Tables are disclosure-controlled (``nhsd2018`` by default, M-60).
The methods section fills the CHEERS 2022 costing items (Husereau et al. 2022).
"""

from __future__ import annotations

import base64
import html
import math
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from rapport_cost._version import __version__
from rapport_cost.api.base import Built, Result, build, config_arg
from rapport_cost.api.bootstrap import bootstrap
from rapport_cost.api.disclosure import control_result
from rapport_cost.api.dsa import dsa
from rapport_cost.api.estimate import estimate, unit_costs
from rapport_cost.api.follow_up import RESAMPLES, run_follow_up
from rapport_cost.api.psa import run_psa
from rapport_cost.api.scenarios import scenarios
from rapport_cost.api.subgroups import run_subgroups
from rapport_cost.config import PERSPECTIVE_PAYERS, CostingConfig
from rapport_cost.core.publish.sdc import SUPPRESSED
from rapport_cost.errors import InputError
from rapport_cost.fileio.export import for_display

_PERSPECTIVES = {
    "nhs_pss": "NHS and Personal Social Services (the NICE reference case, PMG36 Table 4.1); "
    "the charity's costs of delivering peer support in NHS units are counted as the cost "
    "of the service",
    "provider": "the provider (the charity delivering peer support)",
    "societal": "societal: NHS, PSS, the charity, costs to women and the value of volunteer time",
}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;
color:#1d2430;background:#fff;line-height:1.45}
main{max-width:1100px;margin:0 auto;padding:24px 32px 64px}
header{background:#12355b;color:#fff;padding:28px 32px}
header h1{margin:0 0 6px;font-size:1.7rem}header p{margin:2px 0;opacity:.9}
h2{border-bottom:2px solid #12355b;padding-bottom:4px;margin-top:40px;color:#12355b}
h3{margin-top:26px;color:#24476f}
nav ol{columns:2;padding-left:1.2em}
table{border-collapse:collapse;margin:10px 0 4px;font-size:.86rem;width:auto;max-width:100%}
th,td{border:1px solid #d5dbe3;padding:4px 8px;vertical-align:top}
th{background:#eef2f7;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.t{min-width:22em}
caption{caption-side:bottom;text-align:left;font-size:.8rem;color:#556;padding-top:4px}
.keyfigures{display:flex;flex-wrap:wrap;gap:14px;margin:18px 0}
.figure{background:#f4f7fb;border:1px solid #d5dbe3;border-radius:6px;padding:12px 16px;
min-width:200px}
.figure b{display:block;font-size:1.45rem;color:#12355b}
.note{font-size:.85rem;color:#445}.warn{background:#fff6e0;border-left:4px solid #e0a400;
padding:8px 12px;font-size:.85rem}
img{max-width:100%;height:auto;border:1px solid #e3e7ee;margin:8px 0}
dl.cheers dt{font-weight:600;margin-top:10px}dl.cheers dd{margin-left:0}
footer{font-size:.8rem;color:#667;margin-top:48px}
.scroll{overflow-x:auto;max-width:100%}
"""


def _fmt(v: Any, col: str) -> tuple[str, bool]:
    """Cell text and whether it is numeric (right-aligned)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–", True
    if isinstance(v, str):
        return html.escape(v), v == SUPPRESSED
    if isinstance(v, bool):
        return ("yes" if v else "no"), False
    if isinstance(v, int):
        return f"{v:,}", True
    if isinstance(v, float):
        if col.startswith("share") or col in {
            "factor",
            "z0",
            "acceleration",
            "level",
            "mcse_rel",
            "drift",
            "icc",
        }:
            return f"{v:.4g}", True
        if col in {"women", "contacts", "n", "resamples", "admissions", "draws"}:
            return f"{v:,.0f}", True
        return f"{v:,.2f}", True
    return html.escape(str(v)), False


def html_table(df: pd.DataFrame, caption: str = "", max_rows: int = 60) -> str:
    """A table as HTML; numbers rounded for display only; a few wide rows transposed."""
    df, transposed = for_display(df)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    for row in df.head(max_rows).itertuples(index=False):
        cells = []
        for col, v in zip(df.columns, row, strict=True):
            text, numeric = _fmt(v, str(row[0]) if transposed else str(col))
            # numbers right-aligned; a long text (a source) wide enough not to make tall rows
            kind = ' class="n"' if numeric else ' class="t"' if len(text) > 40 else ""
            cells.append(f"<td{kind}>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = f" (first {max_rows} of {len(df)} rows)" if len(df) > max_rows else ""
    cap = f"<caption>{html.escape(caption + more)}</caption>" if caption or more else ""
    return (
        f'<div class="scroll"><table>{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _png(writer: Callable[[Path], None], alt: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plot.png"
        writer(path)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _plots(result: Result, alt: str) -> str:
    return "".join(
        _png(w, f"{alt}: {name}") for name, w in result.plots.items() if name.endswith(".png")
    )


def _figure(label: str, value: str) -> str:
    return f'<div class="figure">{html.escape(label)}<b>{html.escape(value)}</b></div>'


def _money(x: object) -> str:
    return f"£{x:,.2f}" if isinstance(x, int | float) and not isinstance(x, bool) else str(x)


def _warnings(items: Iterable[str]) -> str:
    items = list(dict.fromkeys(items))
    if not items:
        return ""
    return (
        '<div class="warn"><ul>'
        + "".join(f"<li>{html.escape(w)}</li>" for w in items)
        + "</ul></div>"
    )


def _row(df: pd.DataFrame, **where: str) -> pd.Series | None:
    mask = pd.Series(True, index=df.index)
    for col, value in where.items():
        mask &= df[col].astype(str) == value
    hits = df[mask]
    return None if hits.empty else hits.iloc[0]


def _methods(cfg: CostingConfig, results: dict[str, Result], built: Built) -> str:
    est = results["estimate"]
    start, end = est.settings.get("study_period", ["?", "?"])
    adj = est.tables.get("price_adjustments")
    inflation = (
        f"Inputs in other price years were converted with the {built.prep.index.name}: "
        + "; ".join(f"{r.parameter} from {r.from_year} (x{r.factor:.6f})" for r in adj.itertuples())
        if adj is not None and len(adj)
        else f"All inputs are in {cfg.price_year} prices; no conversion was needed "
        f"(index available: {built.prep.index.name})."
    )
    when = {
        "start": "year j after admission discounted by (1 + r)^-(j-1)",
        "end": "year j after admission discounted by (1 + r)^-j",
        "mid": "year j after admission discounted by (1 + r)^-(j-0.5)",
        "exact": "a cost t years after admission (days / 365.25) discounted by (1 + r)^-t",
    }[cfg.discounting.timing]
    disc = (
        f"{cfg.discounting.rate:.1%} a year (timing '{cfg.discounting.timing}': {when}), "
        "for costs in later years after admission "
        "(café and online groups after discharge); the NICE reference-case rate"
        if est.settings.get("discount_rate")
        else "not applied (all costs within 12 months of admission, M-40)"
    )
    psa, boot, tornado = results.get("psa"), results.get("bootstrap"), results.get("dsa")
    uncertainty = []
    if psa is not None:
        s = psa.settings
        uncertainty.append(
            f"Probabilistic sensitivity analysis: {s.get('draws'):,} draws ({s.get('sampling')}"
            f" sampling, seed {s.get('seed')}, correlations by {s.get('correlation_method')}) of "
            "every parameter with a distribution, at fixed resource use (M-42)."
        )
    if boot is not None:
        s = boot.settings
        uncertainty.append(
            f"Non-parametric bootstrap of the mean cost per woman: {s.get('resamples')} "
            f"resamples, {s.get('scheme')} scheme, {s.get('method')} interval, seed "
            f"{s.get('seed')} (M-49); with three units inference is conditional on them."
        )
    if tornado is not None:
        uncertainty.append(
            "One-way sensitivity analysis of each parameter between its stated range or its "
            "distribution's 2.5% and 97.5% quantiles (tornado), and named structural scenarios "
            "(M-54)."
        )
    items = {
        "Perspective (item 8)": f"{_PERSPECTIVES[cfg.perspective]}. Payers counted: "
        + ", ".join(sorted(PERSPECTIVE_PAYERS[cfg.perspective]))
        + ".",
        "Time horizon (item 9)": f"Activity from {start} to {end}: the admissions of the study "
        "period and the peer support these women used afterwards.",
        "Discount rate (item 10)": disc + ".",
        "Measurement and valuation of resources and costs (item 14)": "Staff time, venues, "
        "refreshments and mileage are counted from the activity logs of each contact "
        f"(bottom-up micro-costing; staff time mode '{cfg.costing.staff_time}', group costs "
        f"split '{cfg.costing.group_split}', DNA policy '{cfg.costing.dna}'); programme costs "
        f"(training, supervision, coordination, licences) top-down, allocated by "
        f"{cfg.allocation_key.replace('_', ' ')}. Staff costs per hour follow the PSSRU Unit "
        "Costs of Health and Social Care build-up. Quantities and unit costs are reported "
        "separately (table by component).",
        "Currency, price date and conversion (item 15)": f"{cfg.currency}, {cfg.price_year} "
        f"prices. {inflation}",
        "Characterising uncertainty (item 20)": " ".join(uncertainty) or "None run.",
        "Study parameters (item 22)": "Every parameter with its base value, distribution and "
        "source is listed in the parameter table below.",
    }
    body = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in items.items())
    return f'<dl class="cheers">{body}</dl>'


def _scenarios(result: Result, caption: str) -> str:
    table = result.tables["scenarios"]
    rows = table[table["site"].astype(str) == "all"].drop(columns=["site"])
    return html_table(rows, caption + "; per-unit rows are in the scenarios command's output")


def _unit_cost_sources(cfg: CostingConfig, table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    out.insert(1, "label", [cfg.roles[r].label or r for r in out["role"]])
    out["source"] = [cfg.roles[r].source or "" for r in out["role"]]
    return out


def _follow_up_section(
    raw: dict[str, Result], results: dict[str, Result], caption: str
) -> list[tuple[str, str, str]]:
    """The mean cost within the follow-up horizon and the cumulative cost curves."""
    if "follow-up" not in results:
        return []
    r = results["follow-up"]
    s = r.settings
    summary = r.tables["follow_up_summary"]
    shown = summary[summary["estimator"] == s["estimator"]].drop(columns=["estimator"])
    text = (
        f"<p>Women are followed for different lengths of time (data cut-off "
        f"{html.escape(str(s.get('data_cutoff')))}), so the mean cost per woman within "
        f"{html.escape(str(s['horizon']))} of {html.escape(str(s['origin']))} is estimated "
        "allowing for incomplete follow-up (M-65 to M-74); the estimator is "
        f"{html.escape(str(s['estimator']))}, with {s['resamples']} bootstrap resamples.</p>"
    )
    content = text + html_table(shown, caption) + _plots(raw["follow-up"], "follow-up")
    return [("follow-up", f"Costs within {s['horizon']} of {s['origin']}", content)]


def _subgroup_sections(
    raw: dict[str, Result], results: dict[str, Result], caption: str
) -> list[tuple[str, str, str]]:
    """One section per subgroup column the config's ``report.subgroups`` names."""
    out = []
    for key, r in results.items():
        if not key.startswith("subgroups:"):
            continue
        col = key.split(":", 1)[1]
        content = (
            html_table(r.tables["subgroup_summary"], caption)
            + html_table(r.tables["subgroup_difference"], caption)
            + _plots(raw[key], f"subgroups by {col}")
            + "".join(
                f'<p class="note">{html.escape(n)}</p>'
                for n in (r.disclosure or {}).get("notes", [])
            )
        )
        out.append((f"subgroups-{col}", f"Cost per woman by {col}", content))
    return out


def _key_figures(results: dict[str, Result]) -> str:
    """The summary's key figures: women, total, mean per woman and both intervals."""
    overall = _row(results["estimate"].tables["per_unit"], site="all")
    psa_all = _row(results["psa"].tables["psa_summary"], site="all", quantity="mean_cost_per_woman")
    boot_all = _row(results["bootstrap"].tables["bootstrap_ci"], site="all")
    figures = []
    if overall is not None:
        figures += [
            _figure("Women", _fmt(overall["women"], "women")[0]),
            _figure("Total cost", _money(overall["total_cost"])),
            _figure("Mean cost per woman", _money(overall["mean_cost_per_woman"])),
        ]
    if boot_all is not None:
        interval = f"{_money(boot_all['lower'])} to {_money(boot_all['upper'])}"
        figures.append(_figure("Bootstrap 95% interval (sampling)", interval))
    if psa_all is not None:
        interval = f"{_money(psa_all['q025'])} to {_money(psa_all['q975'])}"
        figures.append(_figure("PSA 95% interval (unit costs)", interval))
    return f'<div class="keyfigures">{"".join(figures)}</div>'


def _sections(
    built: Built, raw: dict[str, Result], results: dict[str, Result], caption: str
) -> list[tuple[str, str, str]]:
    """(id, title, HTML) of every section, in the report's order."""
    cfg = built.config
    est, psa, boot = results["estimate"], results["psa"], results["bootstrap"]
    comp = est.tables["by_component"]
    clusters = boot.tables.get("clusters")
    return [
        (
            "summary",
            "Summary",
            _key_figures(results) + f'<p class="note">{html.escape(caption)}.</p>',
        ),
        ("units", "Cost per unit", html_table(est.tables["per_unit"], caption)),
        (
            "components",
            "Quantities, unit costs and costs by component",
            html_table(comp[comp["site"] == "all"], caption),
        ),
        ("types", "Cost by contact type", html_table(est.tables["by_contact_type"], caption)),
        (
            "unit-costs",
            "Staff unit costs (PSSRU build-up) and sources",
            html_table(_unit_cost_sources(cfg, raw["unit-costs"].tables["unit_costs"]), caption),
        ),
        (
            "psa",
            "Probabilistic sensitivity analysis",
            html_table(psa.tables["psa_summary"], caption)
            + _plots(raw["psa"], "PSA")
            + html_table(psa.tables["psa_convergence"], "Convergence (M-46)"),
        ),
        (
            "bootstrap",
            "Bootstrap intervals of the mean cost per woman",
            html_table(boot.tables["bootstrap_ci"], caption)
            + (html_table(clusters, "Units (M-52)") if clusters is not None else "")
            + _plots(raw["bootstrap"], "bootstrap"),
        ),
        (
            "tornado",
            "One-way sensitivity analysis (tornado)",
            _plots(raw["dsa"], "tornado")
            + html_table(results["dsa"].tables["tornado"], caption, 20),
        ),
        ("scenarios", "Scenarios (all units)", _scenarios(results["scenarios"], caption)),
        *_follow_up_section(raw, results, caption),
        *_subgroup_sections(raw, results, caption),
        (
            "methods",
            "Methods (CHEERS 2022 costing items)",
            _methods(cfg, results, built)
            + "<h3>Parameters (CHEERS item 22)</h3>"
            + html_table(psa.tables["psa_parameters"], "", 200),
        ),
        (
            "notes",
            "Notes and warnings",
            _warnings(w for r in results.values() for w in r.warnings)
            + "".join(
                f'<p class="note">{html.escape(n)}</p>'
                for n in (est.disclosure or {}).get("notes", [])
            ),
        ),
    ]


def _document(
    cfg: CostingConfig, sections: list[tuple[str, str, str]], caption: str, inputs: str
) -> str:
    """The self-contained HTML page."""
    nav = "".join(
        f'<li><a href="#{sid}">{html.escape(title)}</a></li>' for sid, title, _ in sections
    )
    body = "".join(
        f'<section id="{sid}"><h2>{html.escape(title)}</h2>{content}</section>'
        for sid, title, content in sections
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(cfg.title or 'rapport-cost report')}</title>"
        f"<style>{_CSS}</style></head><body>"
        f"<header><h1>{html.escape(cfg.title or 'Costs of peer support')}</h1>"
        f"<p>Cost of peer support in NHS Mother and Baby Units: rapport-cost {__version__}</p>"
        f"<p>{html.escape(caption)}</p></header><main>"
        f"<nav><h2>Contents</h2><ol>{nav}</ol></nav>{body}"
        f"<footer>Inputs: {html.escape(inputs)}.</footer></main></body></html>\n"
    )


def build_report(
    config: str | Path | None = None,
    *,
    sdc: str = "nhsd2018",
    draws: int | None = None,
    resamples: int | None = None,
    seed: int | None = None,
) -> tuple[str, Result]:
    """Run every analysis on the config and return the report's HTML and a summary result."""
    built = build(config, timeline=True)
    cfg = built.config
    raw: dict[str, Result] = {
        "unit-costs": unit_costs(built.prep.loaded),
        "estimate": estimate(built),
        "psa": run_psa(built, draws=draws, seed=seed),
        "bootstrap": bootstrap(built, resamples=resamples, seed=seed),
        "dsa": dsa(built),
        "scenarios": scenarios(built),
    }
    extra_resamples = min(resamples or RESAMPLES, RESAMPLES)
    skipped: list[str] = []
    if cfg.report.follow_up:
        try:
            raw["follow-up"] = run_follow_up(built, resamples=extra_resamples, seed=seed)
        except InputError as exc:  # e.g. a horizon beyond everyone's follow-up
            reasons = "; ".join(p.message for p in exc.problems) or str(exc)
            skipped.append(f"the report has no follow-up section: {reasons}")
    for col in cfg.report.subgroups:
        raw[f"subgroups:{col}"] = run_subgroups(
            built, by=col, resamples=extra_resamples, seed=seed, sdc_policy=sdc
        )
    results = {k: control_result(r, sdc) for k, r in raw.items()}
    est = results["estimate"]
    caption = f"{cfg.currency}, {cfg.price_year} prices, perspective {cfg.perspective}" + (
        f"; disclosure control {sdc} (* = suppressed)"
        if sdc != "none"
        else "; NOT disclosure-controlled: internal use only"
    )
    sections = _sections(built, raw, results, caption)
    inputs = "; ".join(f"{i['role']}: {i['path']} (sha256 {i['sha256'][:12]}…)" for i in est.inputs)
    summary = Result(
        command="report",
        tables={"report": pd.DataFrame({"section": [t for _, t, _ in sections]})},
        currency=cfg.currency,
        price_year=cfg.price_year,
        perspective=cfg.perspective,
        inputs=est.inputs,
        settings={
            "sdc": sdc,
            "draws": results["psa"].settings.get("draws"),
            "resamples": results["bootstrap"].settings.get("resamples"),
            "seed": seed,
        },
        warnings=skipped,
        args={
            "config": config_arg(built.prep.loaded),
            "sdc": sdc,
            "draws": draws,
            "resamples": resamples,
            "seed": seed,
        },
    )
    return _document(cfg, sections, caption, inputs), summary
