"""Hand-worked micro-costing on tests/cases/small: every figure is worked out below.

The case: PSW £30/h (ratio 1:1, so £60 per contact hour), volunteer £10/h, room £20/h,
refreshments £2 per attendee, mileage £0.50/mile. Contacts:

* C1  unit a, one-to-one with W1: 60 + 15 prep + 15 travel min of PSW = 1.5 h x 30 = 45,
      10 miles x 0.5 = 5                                                   -> W1: 50
* C2  unit a, group, PSW + volunteer, 90 + 30 prep min each = 2 h: PSW 60, volunteer 20;
      room 1.5 h x 20 = 30; attendees W1, W2 and 1 other: refreshments 3 x 2 = 6.
      Session 116, a third each: W1 38.6667, W2 38.6667, non-participants 38.6667
* C3  unit a, one-to-one with W2, did not attend: 0.5 h x 30 = 15 (dna: assign) -> W2
* C4  unit b, one-to-one with W3 on 2026-03-01, 393 days after her admission: year 2,
      discounted once at 3.5% (timing start): 60 min x 30 = 30 / 1.035 = 28.985507
* C5  unit b, group nobody attended (policy unit): PSW 1 h 30 + room 1 h 20 = 50 on the
      unit line "unattended_sessions"
* W4  unit b, no contacts: 0.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from rapport_cost import api

CASE = Path(__file__).parents[1] / "cases" / "small"
THIRD = 116 / 3  # 38.666667


def run(tmp_path: Path, edit: dict[str, Any] | None = None, **files: str) -> api.Result:
    """Estimate a copy of the small case with config sections replaced and files rewritten."""
    folder = tmp_path / "case"
    shutil.copytree(CASE, folder)
    cfg = yaml.safe_load((folder / "config.yaml").read_text())
    for key, value in (edit or {}).items():
        section, _, sub = key.partition(".")
        if sub:
            cfg.setdefault(section, {})[sub] = value
        else:
            cfg[section] = value
    (folder / "config.yaml").write_text(yaml.safe_dump(cfg))
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text)
    return api.estimate(folder / "config.yaml")


def women_costs(result: api.Result) -> dict[str, float]:
    pw = result.tables["per_woman"]
    return dict(zip(pw["woman_id"], pw["total_cost"], strict=True))


def unit_lines(result: api.Result) -> dict[tuple[str, str], float]:
    t = result.tables["unit_level_lines"]
    return {(s, ln): c for s, ln, c in zip(t["site"], t["line"], t["total_cost"], strict=True)}


def test_base_case(tmp_path: Path) -> None:
    r = run(tmp_path)
    assert women_costs(r) == pytest.approx(
        {"W1": 50 + THIRD, "W2": THIRD + 15, "W3": 30 / 1.035, "W4": 0.0}
    )
    assert unit_lines(r) == pytest.approx(
        {("a", "non_participants"): THIRD, ("b", "unattended_sessions"): 50.0}
    )
    pu = r.tables["per_unit"].set_index("site")
    # unit a: 50 + 116 + 15 = 181; unit b: 28.985507 + 50 = 78.985507
    assert pu.loc["a", "total_cost"] == pytest.approx(181.0)
    assert pu.loc["b", "total_cost"] == pytest.approx(30 / 1.035 + 50)
    assert pu.loc["all", "total_cost"] == pytest.approx(181 + 30 / 1.035 + 50)
    # mean per woman at a: (88.6667 + 53.6667) / 2 = 71.1667; at b (28.9855 + 0) / 2
    assert pu.loc["a", "mean_cost_per_woman"] == pytest.approx((50 + 2 * THIRD + 15) / 2)
    assert pu.loc["b", "share_zero_cost"] == 0.5
    # all four women: mean 171.318841 / 4; SD with n - 1
    y = np.array([50 + THIRD, THIRD + 15, 30 / 1.035, 0.0])
    assert pu.loc["all", "mean_cost_per_woman"] == pytest.approx(y.sum() / 4)
    assert pu.loc["all", "sd"] == pytest.approx(np.sqrt(((y - y.mean()) ** 2).sum() / 3))
    # contacts 3 and 2; contact hours: a 1 + 1.5 (C3 did not happen); b 1 (C5 nobody came)
    assert pu.loc["a", "contacts"] == 3
    assert pu.loc["a", "contact_hours"] == pytest.approx(2.5)
    assert pu.loc["b", "contact_hours"] == pytest.approx(1.0)
    # cost per admission: a states 4 admissions: 181 / 4; b has 2 women in the log
    assert pu.loc["a", "cost_per_admission"] == pytest.approx(181 / 4)
    assert pu.loc["b", "cost_per_admission"] == pytest.approx((30 / 1.035 + 50) / 2)
    assert any("group_without_attendees: unit applied to 1 row" in w for w in r.warnings)


def test_per_unit_mean_minutes_and_contacts_by_type(tmp_path: Path) -> None:
    # M-29. Minutes of the contacts each woman had: W1 C1 60 + C2 90 = 150;
    # W2 C2 90 (she missed C3); W3 C4 60; W4 none. Contacts she took part in, by type:
    # one-to-ones W1 1, W2 0, W3 1, W4 0; groups W1 1, W2 1 (C5 nobody came)
    pu = run(tmp_path).tables["per_unit"].set_index("site")
    assert pu["mean_contact_minutes"].to_dict() == pytest.approx(
        {"a": (150 + 90) / 2, "b": (60 + 0) / 2, "all": (150 + 90 + 60 + 0) / 4}
    )
    assert pu["mean_contacts_one_to_one"].to_dict() == pytest.approx(
        {"a": 0.5, "b": 0.5, "all": 0.5}
    )
    assert pu["mean_contacts_group"].to_dict() == pytest.approx({"a": 1.0, "b": 0.0, "all": 0.5})


def test_components_and_quantities(tmp_path: Path) -> None:
    r = run(tmp_path)
    w1 = r.tables["per_woman"].set_index("woman_id").loc["W1"]
    # W1: PSW 45 + 60/3 = 65; volunteer 20/3; room 30/3 = 10; refreshments 2; mileage 5
    assert w1[
        ["psw", "volunteer", "room_hire", "refreshments", "mileage"]
    ].tolist() == pytest.approx([65.0, 20 / 3, 10.0, 2.0, 5.0])
    bc = r.tables["by_component"].set_index(["site", "component"])
    # PSW working hours at a: 1.5 + 2 + 0.5 = 4 h at £30; at b: 1 + 1 = 2 h, one discounted
    assert bc.loc[("a", "psw"), "quantity"] == pytest.approx(4.0)
    assert bc.loc[("a", "psw"), "unit_cost"] == 30.0
    assert bc.loc[("b", "psw"), "cost_undiscounted"] == pytest.approx(60.0)
    assert bc.loc[("b", "psw"), "cost"] == pytest.approx(30 / 1.035 + 30)
    # the by-component costs add up to the total
    assert bc.xs("all")["cost"].sum() == pytest.approx(181 + 30 / 1.035 + 50)


def test_by_contact_type(tmp_path: Path) -> None:
    t = run(tmp_path).tables["by_contact_type"].set_index(["site", "contact_type"])
    # one-to-ones: a 50 + 15 = 65 over 2 contacts; groups: a 116, b 50
    assert t.loc[("a", "one_to_one"), "total_cost"] == pytest.approx(65.0)
    assert t.loc[("a", "one_to_one"), "cost_per_contact"] == pytest.approx(32.5)
    assert t.loc[("all", "group"), "total_cost"] == pytest.approx(166.0)


def test_nhs_pss_perspective_excludes_volunteer_time(tmp_path: Path) -> None:
    r = run(tmp_path, {"perspective": "nhs_pss"})
    # C2 without the volunteer's 20: 96, a third each = 32
    assert women_costs(r) == pytest.approx({"W1": 82.0, "W2": 47.0, "W3": 30 / 1.035, "W4": 0.0})
    assert unit_lines(r)[("a", "non_participants")] == pytest.approx(32.0)
    bc = r.tables["by_component"].set_index(["site", "component"])
    assert not bc.loc[("all", "volunteer"), "included"]
    # the volunteer's 2 h at C2 are measured at her full price, £10/h, but not counted:
    # cost_undiscounted only for the lines the perspective includes (methods M-31, 0.2)
    assert bc.loc[("all", "volunteer"), "quantity"] == pytest.approx(2.0)
    assert bc.loc[("all", "volunteer"), "unit_cost"] == pytest.approx(10.0)
    assert bc.loc[("all", "volunteer"), "cost_undiscounted"] == 0.0
    assert bc.loc[("all", "volunteer"), "cost"] == 0.0


def test_provider_perspective_counts_only_the_charity(tmp_path: Path) -> None:
    r = run(tmp_path, {"perspective": "provider"})
    # room hire (nhs) and volunteer time out: C2 = 60 + 6 = 66, 22 each; C5 = 30
    assert women_costs(r) == pytest.approx(
        {"W1": 50 + 22, "W2": 22 + 15, "W3": 30 / 1.035, "W4": 0.0}
    )
    assert unit_lines(r)[("b", "unattended_sessions")] == pytest.approx(30.0)


def test_dna_to_unit_line(tmp_path: Path) -> None:
    r = run(tmp_path, {"costing.dna": "unit"})
    assert women_costs(r)["W2"] == pytest.approx(THIRD)
    assert unit_lines(r)[("a", "dna")] == pytest.approx(15.0)


def test_time_weighted_split(tmp_path: Path) -> None:
    r = run(
        tmp_path,
        {"costing.group_split": "time_weighted"},
        attendance="contact_id,woman_id,minutes\nC2,W1,90\nC2,W2,45\n",
    )
    # minutes: W1 90, W2 45, the other attendee the whole 90: 225; 116 x 90/225 = 46.4
    costs = women_costs(r)
    assert costs["W1"] == pytest.approx(50 + 46.4)
    assert costs["W2"] == pytest.approx(23.2 + 15)
    assert unit_lines(r)[("a", "non_participants")] == pytest.approx(46.4)


def test_capacity_split(tmp_path: Path) -> None:
    r = run(tmp_path, {"costing.group_split": "capacity"})
    # capacity 6: each of 3 attendees 116/6 = 19.3333; 3 empty places 58 idle
    costs = women_costs(r)
    assert costs["W1"] == pytest.approx(50 + 116 / 6)
    assert unit_lines(r)[("a", "idle_capacity")] == pytest.approx(58.0)
    assert unit_lines(r)[("a", "non_participants")] == pytest.approx(116 / 6)
    # C5 at b had nobody: it stays an unattended session, not idle capacity
    assert unit_lines(r)[("b", "unattended_sessions")] == pytest.approx(50.0)


def test_contact_rate_mode(tmp_path: Path) -> None:
    r = run(tmp_path, {"costing.staff_time": "contact_rate"})
    # PSW at 30 x (1 + 1) = 60 per contact hour, prep and travel not added; the volunteer
    # has no ratio: 10 per contact hour. C1: 1 h x 60 + 5 miles = 65.
    # C2: PSW 1.5 x 60 = 90, volunteer 15, room 30, refreshments 6 = 141, 47 each.
    # C3: 0.5 x 60 = 30. C4: 60 / 1.035. C5: 60 + 20 = 80.
    assert women_costs(r) == pytest.approx(
        {"W1": 65 + 47, "W2": 47 + 30, "W3": 60 / 1.035, "W4": 0.0}
    )
    assert unit_lines(r)[("b", "unattended_sessions")] == pytest.approx(80.0)


def test_mode_a_equals_mode_b_when_ratio_matches_logged_time(tmp_path: Path) -> None:
    # M-14 consistency: with rho = logged non-contact / contact hours and no
    # residual, both modes give the same total. PSW only, one one-to-one of 60 + 30 + 30 min:
    # rho = 1.0 (the config's ratio); mode B: 2 h x 30 = 60; mode A: 1 h x 60 = 60.
    contacts = (
        "contact_id,site,date,contact_type,woman_id,facilitators,duration_min,prep_min,"
        "travel_min,miles,attended,other_attendees,capacity\n"
        "C1,a,2025-01-05,one_to_one,W1,psw,60,30,30,0,yes,0,\n"
    )
    b = run(tmp_path / "b", contacts=contacts, attendance="contact_id,woman_id\n")
    a = run(
        tmp_path / "a",
        {"costing.staff_time": "contact_rate"},
        contacts=contacts,
        attendance="contact_id,woman_id\n",
    )
    assert women_costs(a)["W1"] == pytest.approx(60.0)
    assert women_costs(b)["W1"] == pytest.approx(60.0)


def test_discount_timing_end(tmp_path: Path) -> None:
    r = run(tmp_path, {"discounting": {"rate": 0.035, "timing": "end"}})
    # every year-1 cost / 1.035; C4 in year 2 / 1.035^2; unit lines from the study start
    costs = women_costs(r)
    assert costs["W1"] == pytest.approx((50 + THIRD) / 1.035)
    assert costs["W3"] == pytest.approx(30 / 1.035**2)


def test_discount_timing_exact(tmp_path: Path) -> None:
    r = run(tmp_path, {"discounting": {"rate": 0.035, "timing": "exact"}})
    # t = days since admission / 365.25: W3 admitted 2025-02-01, C4 on 2026-03-01 is
    # 365 + 28 = 393 days later; W3's only cost is C4's 30 (undiscounted)
    assert women_costs(r)["W3"] == pytest.approx(30 / 1.035 ** (393 / 365.25))


def test_no_discounting_within_a_year(tmp_path: Path) -> None:
    text = (CASE / "contacts.csv").read_text().replace("2026-03-01", "2025-03-01")
    r = run(tmp_path, {"discounting": {"rate": 0.035, "timing": "end"}}, contacts=text)
    # M-40: horizon within 12 months, not discounted even with timing end
    assert women_costs(r)["W3"] == pytest.approx(30.0)
    assert any("not applied" in w for w in r.warnings)


def test_programme_cost_allocated_by_contact_hours_within_site(tmp_path: Path) -> None:
    r = run(
        tmp_path,
        {
            "programme_costs": {
                "training": {"amount": 100, "per": "worker", "site_counts": {"a": 1}}
            }
        },
    )
    # contact hours at a: W1 1 (C1) + 0.5 (a third of C2's 1.5 h); W2 0.5; others 0.5;
    # C3 did not happen. 100 / 2.5 h = 40 per hour: W1 60, W2 20, non-participants 20.
    costs = women_costs(r)
    assert costs["W1"] == pytest.approx(50 + THIRD + 60)
    assert costs["W2"] == pytest.approx(THIRD + 15 + 20)
    assert unit_lines(r)[("a", "non_participants")] == pytest.approx(THIRD + 20)
    assert costs["W3"] == pytest.approx(30 / 1.035)


def test_programme_cost_programme_wide_by_women(tmp_path: Path) -> None:
    r = run(
        tmp_path,
        {
            "allocation_key": "women",
            "programme_costs": {"licence": {"amount": 90, "per": "once", "count": 1}},
        },
    )
    # women supported (any share of a contact): W1, W2, W3: 30 each; W4 had no contact
    costs = women_costs(r)
    assert costs["W3"] == pytest.approx(30 / 1.035 + 30)
    assert costs["W4"] == 0.0


def test_annuitised_training(tmp_path: Path) -> None:
    r = run(
        tmp_path,
        {
            "study_period": {"start": "2025-01-01", "end": "2025-12-31"},
            "programme_costs": {
                "training": {
                    "amount": 100,
                    "per": "worker",
                    "site_counts": {"a": 1},
                    "annuitise": {"years": 2, "rate": 0.0},
                }
            },
        },
    )
    # EAC at r = 0: 100 / 2 = 50 a year; 1 Jan to 31 Dec 2025 is 12 calendar months, one
    # year (methods M-6): 50 for the study; W1 has 1.5 of unit a's 2.5 session hours
    assert women_costs(r)["W1"] == pytest.approx(50 + THIRD + 50 * 0.6)


def test_a_monthly_licence_counts_calendar_months(tmp_path: Path) -> None:
    r = run(
        tmp_path,
        {
            "study_period": {"start": "2025-01-15", "end": "2025-03-10"},
            "programme_costs": {
                "licence": {"amount": 31, "per": "month", "site_counts": {"a": 1}},
            },
        },
    )
    # 15 to 31 January, 17 of 31 days; February (28 days) whole; 1 to 10 March, 10 of 31:
    # 17/31 + 1 + 10/31 = 58/31 months x £31 = £58 (methods M-6, M-24). Unit a's session
    # hours are 2.5 (C1 1 h, C2 1.5 h; the DNA C3 has none): W1 1 + 1.5/3 = 1.5 h, W2 0.5 h,
    # the other attendee 0.5 h
    costs = women_costs(r)
    assert costs["W1"] == pytest.approx(50 + THIRD + 58 * 1.5 / 2.5)
    assert costs["W2"] == pytest.approx(THIRD + 15 + 58 * 0.5 / 2.5)
    assert unit_lines(r)[("a", "non_participants")] == pytest.approx(THIRD + 58 * 0.5 / 2.5)


def test_supervision_as_role_hours(tmp_path: Path) -> None:
    r = run(
        tmp_path,
        {
            "programme_costs": {
                "supervision": {"role": "psw", "hours": 2, "per": "once", "site_counts": {"b": 1}}
            }
        },
    )
    # 2 h x £30 = 60 at b, whose only contact hours are W3's (C4): all 60 to W3, discounted
    # like C4 (year 2)
    assert women_costs(r)["W3"] == pytest.approx(30 / 1.035 + 60 / 1.035)


def test_staff_time_log_allocated_within_site(tmp_path: Path) -> None:
    folder = tmp_path / "st"
    r = run(
        folder,
        {
            "logs": {
                "contacts": "contacts.csv",
                "attendance": "attendance.csv",
                "women": "women.csv",
                "staff_time": "staff_time.csv",
                "policies": {"group_without_attendees": "unit"},
            }
        },
        staff_time="site,month,role,activity,hours\na,2025-01,psw,training,2\n",
    )
    # 2 h x 30 = 60 at a by contact hours (2.5 h): W1 36, W2 12, non-participants 12
    costs = women_costs(r)
    assert costs["W1"] == pytest.approx(50 + THIRD + 36)
    assert costs["W2"] == pytest.approx(THIRD + 15 + 12)


def test_subgroup_table(tmp_path: Path) -> None:
    folder = tmp_path / "case"
    shutil.copytree(CASE, folder)
    r = api.estimate(folder / "config.yaml", by=["ethnicity"])
    t = r.tables["by_ethnicity"].set_index("ethnicity")
    # White: W1 and W3; Asian: W2; Black: W4 at 0
    assert t.loc["White", "women"] == 2
    assert t.loc["White", "total_cost"] == pytest.approx(50 + THIRD + 30 / 1.035)
    assert t.loc["Black", "share_zero_cost"] == 1.0


def test_price_year_uplift_in_estimate(tmp_path: Path) -> None:
    r = run(
        tmp_path,
        {
            "resources": {
                "room_hire": {
                    "unit_cost": {"value": 20, "price_year": "2022/23"},
                    "unit": "hour",
                    "payer": "nhs",
                },
                "refreshments": {"unit_cost": 2, "unit": "attendee", "payer": "charity"},
                "mileage": {"unit_cost": 0.5, "unit": "mile", "payer": "charity"},
            }
        },
    )
    # 2022/23 -> 2023/24 pay & prices (2025 manual): x 1.0247; C5 room 20 -> 20.494
    assert unit_lines(r)[("b", "unattended_sessions")] == pytest.approx(30 + 20 * 1.0247)
    adj = r.tables["price_adjustments"]
    assert adj["factor"].tolist() == pytest.approx([1.0247])


def test_role_price_year_converts_the_ni_threshold(tmp_path: Path) -> None:
    role = {
        "payer": "charity",
        "price_year": "2022/23",
        "salary": 20000,
        "on_costs": {"employer_ni": {"rate": 0.1, "threshold": 10000}},
        "working_hours": 1000,
        "indirect_time_ratio": 1.0,
    }
    r = run(
        tmp_path, {"roles": {"psw": role, "volunteer": {"payer": "volunteer", "hourly_rate": 10}}}
    )
    # 2022/23 -> 2023/24 pay & prices (2025 manual): f = 1.0247. Salary 20,000 f = 20,494;
    # threshold 10,000 f = 10,247; NI 0.1 x (20,494 - 10,247) = 1,024.7 = f x 1,000, the
    # source year's NI uplifted (methods M-7). Unconverted, it would be 0.1 x 10,494.
    uc = r.tables["unit_costs"].set_index("role").loc["psw"]
    assert uc["salary"] == pytest.approx(20494.0)
    assert uc["on_costs"] == pytest.approx(1024.7)
    assert uc["cost_per_working_hour"] == pytest.approx((20494.0 + 1024.7) / 1000)


def test_row_order_does_not_matter(tmp_path: Path) -> None:
    base = run(tmp_path / "one")
    rev = {name: _reverse((CASE / f"{name}.csv").read_text()) for name in ("contacts", "women")}
    other = run(tmp_path / "two", **rev)
    for name in ("per_unit", "by_contact_type", "by_component"):
        pd.testing.assert_frame_equal(base.tables[name], other.tables[name], rtol=1e-12)
    a = base.tables["per_woman"].sort_values("woman_id").reset_index(drop=True)
    b = other.tables["per_woman"].sort_values("woman_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)


def _reverse(text: str) -> str:
    head, *rows = text.strip().splitlines()
    return "\n".join([head, *reversed(rows)]) + "\n"
