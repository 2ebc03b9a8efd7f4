"""Property tests of the one costing path on random small logs (hypothesis)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport_cost.config import CostingConfig, validate_config
from rapport_cost.core.engine import costs
from rapport_cost.core.inputs.logs import LogTable, validate_logs
from rapport_cost.core.prices.terms import compile_terms
from rapport_cost.core.usage.build import build_usage

SITES = ("a", "b")


def make_config(scale: float = 1.0, **costing: str) -> CostingConfig:
    raw: dict[str, Any] = {
        "perspective": "societal",
        "roles": {
            "psw": {"payer": "charity", "hourly_rate": 30 * scale, "indirect_time_ratio": 0.5},
            "volunteer": {"payer": "volunteer", "hourly_rate": 12 * scale},
        },
        "resources": {
            "room": {"unit_cost": 20 * scale, "unit": "hour", "payer": "nhs"},
            "snacks": {"unit_cost": 2 * scale, "unit": "attendee", "payer": "charity"},
            "kit": {"unit_cost": 5 * scale, "unit": "session", "payer": "charity"},
            "mileage": {"unit_cost": 0.45 * scale, "unit": "mile", "payer": "charity"},
        },
        "contact_types": {
            "one": {},
            "group": {
                "shared": True,
                "capacity": 12,
                "resources": {"room": "per_hour", "snacks": "per_attendee", "kit": "per_session"},
            },
        },
        "programme_costs": {
            "licence": {"amount": 300 * scale, "per": "once"},
            "training": {"amount": 100 * scale, "per": "worker", "site_counts": {"a": 1, "b": 2}},
        },
        "costing": dict(costing),
        "sites": {s: {} for s in SITES},
        "discounting": {"rate": 0.035},
        "logs": {
            "contacts": "c.csv",
            "women": "w.csv",
            "attendance": "a.csv",
            "policies": {"group_without_attendees": "unit"},
        },
    }
    cfg, problems = validate_config(raw)
    assert cfg is not None, problems
    return cfg


@st.composite
def random_logs(draw: st.DrawFn) -> dict[str, pd.DataFrame]:
    n_w = draw(st.integers(1, 8))
    w_site = draw(st.lists(st.sampled_from(SITES), min_size=n_w, max_size=n_w))
    w_adm = draw(st.lists(st.integers(0, 400), min_size=n_w, max_size=n_w))
    base = pd.Timestamp("2025-01-01")
    women = pd.DataFrame(
        {
            "woman_id": [f"W{i}" for i in range(n_w)],
            "site": w_site,
            "admission_date": [(base + pd.Timedelta(days=d)).strftime("%Y-%m-%d") for d in w_adm],
            "group": draw(st.lists(st.sampled_from(["x", "y"]), min_size=n_w, max_size=n_w)),
        }
    )
    contacts, attendance = [], []
    for k in range(draw(st.integers(0, 12))):
        shared = draw(st.booleans())
        site = draw(st.sampled_from(SITES))
        day = draw(st.integers(0, 900))
        date = base + pd.Timedelta(days=day)
        eligible = [i for i in range(n_w) if w_site[i] == site and w_adm[i] <= day]
        row = {
            "contact_id": f"C{k}",
            "site": site,
            "date": date.strftime("%Y-%m-%d"),
            "facilitators": draw(st.sampled_from(["psw", "psw;volunteer", "volunteer;psw;psw"])),
            "duration_min": str(draw(st.integers(0, 120))),
            "prep_min": str(draw(st.integers(0, 30))),
            "travel_min": str(draw(st.integers(0, 30))),
            "miles": str(draw(st.integers(0, 20))),
            "attended": "yes",
            "other_attendees": "0",
            "capacity": "",
            "woman_id": "",
        }
        if shared:
            row["contact_type"] = "group"
            row["other_attendees"] = str(draw(st.integers(0, 3)))
            who = (
                draw(st.lists(st.sampled_from(eligible), unique=True, max_size=5))
                if eligible
                else []
            )
            attendance += [{"contact_id": f"C{k}", "woman_id": f"W{i}"} for i in who]
        else:
            if not eligible:
                continue
            row["contact_type"] = "one"
            row["woman_id"] = f"W{draw(st.sampled_from(eligible))}"
            row["attended"] = draw(st.sampled_from(["yes", "no"]))
        contacts.append(row)
    cols = [
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
    ]
    return {
        "contacts": pd.DataFrame(contacts, columns=cols),
        "women": women,
        "attendance": pd.DataFrame(attendance, columns=["contact_id", "woman_id"]),
    }


def evaluate(
    frames: dict[str, pd.DataFrame], cfg: CostingConfig, dtype: Any = str
) -> dict[str, Any]:
    tables = {k: LogTable(k, f"{k}.csv", v.astype(str).astype(dtype)) for k, v in frames.items()}
    logs = validate_logs(tables, cfg)
    terms = compile_terms(cfg, lambda *_: 1.0)
    usage = build_usage(logs, cfg, terms, timeline=True)
    c = costs(terms.table.base_matrix(), terms, usage, cfg.perspective)
    return {
        "usage": usage,
        "costs": c,
        "woman": c.woman_components(0),
        "lines": c.lines(0),
        "types": c.types(0),
        "ids": usage.women["woman_id"].to_numpy(),
    }


SPLITS = st.sampled_from(["equal_attendees", "time_weighted", "capacity"])
MODES = st.sampled_from(["explicit", "contact_rate"])
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(random_logs(), SPLITS, MODES, st.sampled_from(["assign", "unit"]))
def test_women_plus_unit_lines_equal_the_total(
    frames: dict[str, pd.DataFrame], split: str, mode: str, dna: str
) -> None:
    cfg = make_config(group_split=split, staff_time=mode, dna=dna)
    r = evaluate(frames, cfg)
    c = r["costs"]
    total, mean = c.total, c.mean_per_woman
    w_total = r["woman"].sum()
    # every cost is either a woman's or a unit-level line's, and the breakdown by contact
    # type and the site totals of the PSA path add up to the same figure
    assert w_total + r["lines"].sum() == pytest.approx(total[0, -1], rel=1e-9, abs=1e-9)
    assert r["types"].sum() == pytest.approx(total[0, -1], rel=1e-9, abs=1e-9)
    assert mean[0, -1] == pytest.approx(w_total / len(r["ids"]), rel=1e-9, abs=1e-9)
    # each woman's components add up to her cost, and her timeline cells too
    np.testing.assert_allclose(r["woman"].sum(axis=1), c.woman[0], rtol=1e-9, atol=1e-9)
    timeline = r["usage"].timeline
    by_woman = np.bincount(timeline.woman, c.timeline(0), minlength=len(r["ids"]))
    np.testing.assert_allclose(by_woman, c.woman[0], rtol=1e-9, atol=1e-9)
    assert (timeline.day >= 0).all()
    # a linear statistic of the cells priced through the engine is the same statistic of
    # the cells' costs
    w = np.linspace(0.5, 1.5, timeline.woman.size)
    assert c.timeline_weighted(w)[0] == pytest.approx(float(w @ c.timeline(0)), rel=1e-9, abs=1e-9)
    # no cost is negative
    assert (r["woman"] >= -1e-12).all()
    assert (r["lines"] >= -1e-12).all()


@SETTINGS
@given(random_logs(), st.floats(0.1, 10.0), SPLITS)
def test_cost_is_linear_in_prices(
    frames: dict[str, pd.DataFrame], scale: float, split: str
) -> None:
    # every price in make_config scales with `scale`: every cost scales with it
    one = evaluate(frames, make_config(group_split=split))
    scaled = evaluate(frames, make_config(scale, group_split=split))
    np.testing.assert_allclose(scaled["woman"], scale * one["woman"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(scaled["lines"], scale * one["lines"], rtol=1e-9, atol=1e-9)


@SETTINGS
@given(random_logs(), st.randoms(use_true_random=False), SPLITS)
def test_row_order_does_not_change_any_cost(
    frames: dict[str, pd.DataFrame], rnd: Any, split: str
) -> None:
    cfg = make_config(group_split=split)
    base = evaluate(frames, cfg)
    shuffled = {
        k: v.sample(frac=1.0, random_state=rnd.randint(0, 2**31)) for k, v in frames.items()
    }
    other = evaluate(shuffled, cfg)
    order = pd.Index(other["ids"]).get_indexer(base["ids"])
    np.testing.assert_allclose(other["woman"][order], base["woman"], rtol=1e-9, atol=1e-9)
    for key in ("lines", "types"):
        np.testing.assert_allclose(other[key], base[key], rtol=1e-9, atol=1e-9)


@SETTINGS
@given(random_logs())
def test_estimate_equals_engine_on_a_one_row_parameter_matrix(
    frames: dict[str, pd.DataFrame],
) -> None:
    cfg = make_config()
    r = evaluate(frames, cfg)
    usage = r["usage"]
    terms = compile_terms(cfg, lambda *_: 1.0)
    # Θ of several identical rows (as a PSA with every parameter fixed) gives the same
    # result in every row as the one-row estimate
    theta = np.repeat(terms.table.base_matrix(), 5, axis=0)
    total = costs(theta, terms, usage, cfg.perspective).total
    expected = r["woman"].sum() + r["lines"].sum()
    np.testing.assert_allclose(total[:, -1], np.full(5, expected), rtol=1e-12, atol=1e-9)


def _respell(frames: dict[str, pd.DataFrame], spell: Any) -> dict[str, pd.DataFrame]:
    out = {k: v.copy() for k, v in frames.items()}
    for frame in out.values():
        for col in ("contact_id", "woman_id"):
            if col in frame.columns:
                frame[col] = [spell(x) if x else x for x in frame[col]]
    return out


@SETTINGS
@given(random_logs(), st.sampled_from(["long", "padded", "object"]))
def test_id_spelling_does_not_change_any_cost(frames: dict[str, pd.DataFrame], how: str) -> None:
    # short ids are matched as integer keys (core/ids.py); long ids, ids with spaces around
    # them and text not held by Arrow take the text path: both give the same costs
    cfg = make_config()
    base = evaluate(frames, cfg)
    if how == "long":
        other = evaluate(_respell(frames, lambda x: f"RAPPORT-STUDY-{x}"), cfg)
    elif how == "padded":
        other = evaluate(_respell(frames, lambda x: f" {x} "), cfg)
    else:
        other = evaluate(frames, cfg, dtype=object)
    np.testing.assert_allclose(other["woman"], base["woman"], rtol=1e-12, atol=1e-12)
    for key in ("lines", "types"):
        np.testing.assert_allclose(other[key], base[key], rtol=1e-12, atol=1e-12)
