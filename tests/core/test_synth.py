"""Tests of the synthetic activity-log generator (synth/)."""

from __future__ import annotations

import datetime
import functools
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

from rapport_cost.synth.expected import expected_contacts, expected_women, women_for_contacts
from rapport_cost.synth.generate import FollowUpEnds, SynthLogs, generate_logs
from rapport_cost.synth.model import CONTACT_TYPES, MAX_FOLLOW_UP_DAYS, SITES

START = datetime.date(2025, 4, 1)
SHARED = {"group", "cafe", "online"}
ONE_TO_ONE = {"one_to_one", "one_to_one_remote"}

COLUMNS = {
    "contacts": [
        "contact_id", "site", "date", "contact_type", "woman_id", "facilitators",
        "duration_min", "prep_min", "travel_min", "miles", "attended", "other_attendees",
        "capacity",
    ],
    "attendance": ["contact_id", "woman_id", "minutes"],
    "women": [
        "woman_id", "site", "admission_date", "discharge_date", "ethnicity", "age_group",
        "parity",
    ],
    "staff_time": ["site", "month", "role", "activity", "hours"],
}  # fmt: skip


@functools.cache
def _logs(seed: int, n_women: int = 300) -> SynthLogs:
    """One run per seed, shared by the tests (which must not modify it)."""
    return generate_logs(n_women=n_women, rng=np.random.default_rng(seed))


def _dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, format="%Y-%m-%d")


def _sessions(logs: SynthLogs) -> pd.DataFrame:
    """Attendance rows with the session's site, date, type, duration and the woman's stay."""
    c = logs.contacts[["contact_id", "site", "date", "contact_type", "duration_min"]]
    w = logs.women.rename(columns={"site": "woman_site"})
    out = logs.attendance.merge(c, on="contact_id", how="left", validate="many_to_one")
    out = out.merge(w, on="woman_id", how="left", validate="many_to_one")
    for col in ("date", "admission_date", "discharge_date"):
        out[col] = _dates(out[col])
    return out


def _one_to_ones(logs: SynthLogs) -> pd.DataFrame:
    c = logs.contacts[logs.contacts["contact_type"].isin(ONE_TO_ONE)]
    w = logs.women.rename(columns={"site": "woman_site"})
    out = c.merge(w, on="woman_id", how="left", validate="many_to_one")
    for col in ("date", "admission_date", "discharge_date"):
        out[col] = _dates(out[col])
    return out


# ----------------------------------------------------------------------------- shape


def test_columns_and_types() -> None:
    logs = _logs(0)
    for name, columns in COLUMNS.items():
        assert list(getattr(logs, name).columns) == columns, name
    c = logs.contacts
    for col in ("duration_min", "prep_min", "travel_min", "other_attendees"):
        assert pd.api.types.is_integer_dtype(c[col]), col
    assert pd.api.types.is_float_dtype(c["miles"])
    assert str(c["capacity"].dtype) == "Int64"
    assert pd.api.types.is_integer_dtype(logs.attendance["minutes"])
    assert pd.api.types.is_float_dtype(logs.staff_time["hours"])
    iso = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    assert c["date"].str.match(iso).all()
    assert logs.women["admission_date"].str.match(iso).all()
    assert logs.women["discharge_date"].str.match(iso).all()


def test_summary_adds_up() -> None:
    logs = _logs(0)
    s = logs.summary()
    assert s["women"] == 300
    assert s["contacts"] == len(logs.contacts)
    by_type = s["contacts_by_type"]
    assert isinstance(by_type, dict)
    assert list(by_type) == list(CONTACT_TYPES)
    assert sum(by_type.values()) == len(logs.contacts)
    assert s["attendance_rows"] == len(logs.attendance)
    assert s["first_date"] == logs.contacts["date"].min()
    assert s["last_date"] == logs.contacts["date"].max()


# ----------------------------------------------------------------------------- reproducible


def test_same_seed_same_logs(global_random_seed: int) -> None:
    a = generate_logs(n_women=120, rng=np.random.default_rng(global_random_seed))
    b = generate_logs(n_women=120, rng=np.random.default_rng(global_random_seed))
    for name in COLUMNS:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def test_different_seeds_differ(global_random_seed: int) -> None:
    a = _logs(global_random_seed)
    b = _logs(global_random_seed + 1)
    assert not a.contacts.equals(b.contacts)
    assert not a.women.equals(b.women)


# ----------------------------------------------------------------------------- invariants


def test_ids_unique_and_references_exist(global_random_seed: int) -> None:
    logs = _logs(global_random_seed)
    c, a, w = logs.contacts, logs.attendance, logs.women
    assert c["contact_id"].str.fullmatch(r"C\d{7}").all()
    assert c["contact_id"].is_unique
    assert w["woman_id"].str.fullmatch(r"W\d{5}").all()
    assert w["woman_id"].is_unique
    assert a["contact_id"].isin(c["contact_id"]).all()
    assert a["woman_id"].isin(w["woman_id"]).all()
    assert not a.duplicated(["contact_id", "woman_id"]).any()
    # attendance is for shared sessions only; one-to-ones name their woman, sessions do not
    shared = c["contact_type"].isin(SHARED)
    assert set(a["contact_id"]) <= set(c.loc[shared, "contact_id"])
    assert (c.loc[shared, "woman_id"] == "").all()
    assert c.loc[~shared, "woman_id"].isin(w["woman_id"]).all()
    assert set(c["site"]) <= set(SITES)
    assert set(w["site"]) <= set(SITES)
    assert set(c["contact_type"]) == set(CONTACT_TYPES)


def test_one_to_ones_dated_in_stay_or_after(global_random_seed: int) -> None:
    o = _one_to_ones(_logs(global_random_seed))
    assert (o["site"] == o["woman_site"]).all()
    on_unit = o["contact_type"] == "one_to_one"
    assert (o.loc[on_unit, "date"] >= o.loc[on_unit, "admission_date"]).all()
    assert (o.loc[on_unit, "date"] <= o.loc[on_unit, "discharge_date"]).all()
    remote = ~on_unit
    assert (o.loc[remote, "date"] > o.loc[remote, "discharge_date"]).all()
    assert (o.loc[remote, "miles"] == 0).all()
    assert (o.loc[remote, "travel_min"] == 0).all()


def test_attendance_rules(global_random_seed: int) -> None:
    s = _sessions(_logs(global_random_seed))
    assert (s["site"] == s["woman_site"]).all()
    assert (s["date"] >= s["admission_date"]).all()
    unit = s["contact_type"] == "group"
    # on the unit: in hospital that day (the discharge day itself is not used)
    assert (s.loc[unit, "date"] < s.loc[unit, "discharge_date"]).all()
    # café and online groups: after discharge
    assert (s.loc[~unit, "date"] > s.loc[~unit, "discharge_date"]).all()
    assert (s["minutes"] >= 5).all()
    assert (s["minutes"] <= s["duration_min"]).all()
    assert (s["minutes"] < s["duration_min"]).any()  # some women leave early


def test_capacity_respected(global_random_seed: int) -> None:
    logs = _logs(global_random_seed)
    c = logs.contacts
    n_study = logs.attendance.groupby("contact_id").size()
    shared = c[c["contact_type"].isin(SHARED)].set_index("contact_id")
    total = n_study.reindex(shared.index, fill_value=0) + shared["other_attendees"]
    assert shared["capacity"].notna().all()
    assert (total <= shared["capacity"]).all()
    assert c.loc[~c["contact_type"].isin(SHARED), "capacity"].isna().all()
    assert (c.loc[c["contact_type"].isin(ONE_TO_ONE), "other_attendees"] == 0).all()


def test_numbers_are_plausible(global_random_seed: int) -> None:
    c = _logs(global_random_seed).contacts
    assert (c["duration_min"] > 0).all()
    assert (c["prep_min"] >= 0).all()
    assert (c["travel_min"] >= 0).all()
    assert (c["miles"] >= 0).all()
    no_travel = c["contact_type"].isin({"one_to_one_remote", "online"})
    assert (c.loc[no_travel, "miles"] == 0).all()
    assert (c.loc[no_travel, "travel_min"] == 0).all()
    assert (c.loc[~no_travel, "miles"] > 0).all()
    roles = c["facilitators"].str.split(";").explode()
    assert set(roles) <= {"psw", "volunteer", "coordinator"}
    assert (c["facilitators"].str.contains("volunteer") & c["contact_type"].isin(SHARED)).any()


def test_dnas_only_on_one_to_ones(global_random_seed: int) -> None:
    c = _logs(global_random_seed).contacts
    assert set(c["attended"]) == {"yes", "no"}
    assert c.loc[c["attended"] == "no", "contact_type"].isin(ONE_TO_ONE).all()


def test_unattended_sessions(global_random_seed: int) -> None:
    logs = _logs(global_random_seed)
    c = logs.contacts
    shared = c[c["contact_type"].isin(SHARED)]
    empty = shared[~shared["contact_id"].isin(logs.attendance["contact_id"])]
    # 2 deliberate ones per site in a 365-day study, all unit groups with nobody at all
    assert len(empty) == 2 * len(SITES)
    assert (empty["contact_type"] == "group").all()
    assert (empty["other_attendees"] == 0).all()
    assert sorted(empty["site"].value_counts()) == [2, 2, 2]
    assert logs.summary()["unattended_sessions"] == 6


def test_women_and_dates(global_random_seed: int) -> None:
    logs = _logs(global_random_seed)
    w = logs.women
    adm, dis = _dates(w["admission_date"]), _dates(w["discharge_date"])
    assert (adm >= pd.Timestamp(START)).all()
    assert (adm < pd.Timestamp(START) + pd.Timedelta(days=365)).all()
    assert (dis > adm).all()
    assert adm.is_monotonic_increasing  # ids follow admission order
    assert set(w["ethnicity"]) <= {"white", "asian", "black", "mixed", "other"}
    assert set(w["age_group"]) <= {"<25", "25-34", "35+"}
    assert set(w["parity"]) <= {"first", "subsequent"}
    # every contact within MAX_FOLLOW_UP_DAYS of its woman's admission (one-to-ones)
    o = _one_to_ones(logs)
    assert ((o["date"] - o["admission_date"]).dt.days <= MAX_FOLLOW_UP_DAYS).all()
    s = _sessions(logs)
    assert ((s["date"] - s["admission_date"]).dt.days <= MAX_FOLLOW_UP_DAYS).all()
    # contacts are numbered in date order
    assert logs.contacts["date"].is_monotonic_increasing


def test_some_women_have_no_contacts(global_random_seed: int) -> None:
    logs = _logs(global_random_seed)
    used = set(logs.contacts["woman_id"]) | set(logs.attendance["woman_id"])
    assert (~logs.women["woman_id"].isin(used)).sum() > 0
    assert logs.summary()["women_without_contacts"] > 0


def test_cafe_attendance_beyond_a_year(global_random_seed: int) -> None:
    s = _sessions(_logs(global_random_seed))
    cafe = s[s["contact_type"] == "cafe"]
    assert ((cafe["date"] - cafe["admission_date"]).dt.days > 365).any()


def test_staff_time(global_random_seed: int) -> None:
    st = _logs(global_random_seed).staff_time
    # April 2025 to March 2026: the 12 months of the study year
    months = {f"2025-{m:02d}" for m in range(4, 13)} | {f"2026-{m:02d}" for m in range(1, 4)}
    assert set(st["month"]) <= months
    assert set(st["site"]) == set(SITES)
    assert set(st["role"]) <= {"psw", "coordinator", "volunteer"}
    assert set(st["activity"]) <= {"training", "supervision", "network_meeting"}
    assert (st["hours"] > 0).all()
    assert ((st["hours"] * 4) % 1 == 0).all()  # quarter hours
    assert not st.duplicated(["site", "month", "role", "activity"]).any()


# ----------------------------------------------------------------------------- calibration


def test_expected_women_by_hand() -> None:
    # beds × occupancy × 365 / mean stay: (12 + 8 + 10) × 0.78 × 365 / 56 = 152.518
    assert expected_women(365) == pytest.approx(152.518, abs=1e-3)


def test_expected_one_to_ones_by_hand() -> None:
    e = expected_contacts(1000)
    # 90% take up peer support, 85% of them have one-to-ones: 1 + 0.6 per week of a
    # 56-day (8-week) mean stay each -> 1000 × 0.9 × 0.85 × (1 + 0.6 × 8) = 4437
    assert e["one_to_one"] == pytest.approx(4437, rel=2e-3)
    # 35% of them have remote one-to-ones, 1 + 1.5 each: 1000 × 0.9 × 0.35 × 2.5
    assert e["one_to_one_remote"] == pytest.approx(787.5)


def test_cohort_matches_published_figures(global_random_seed: int) -> None:
    w = generate_logs(n_women=20_000, rng=np.random.default_rng(global_random_seed)).women
    n = len(w)

    def close(share: float, p: float) -> bool:  # within 5 binomial standard errors
        return bool(abs(share - p) <= 5 * np.sqrt(p * (1 - p) / n))

    # sites in proportion to beds 12 : 8 : 10
    shares = w["site"].value_counts(normalize=True)
    for site, beds in zip(SITES, (12, 8, 10), strict=True):
        assert close(shares[site], beds / 30), site
    # ONS Census 2021, England and Wales
    ethnicity = w["ethnicity"].value_counts(normalize=True)
    assert close(ethnicity["white"], 0.817)
    assert close(ethnicity["asian"], 0.093)
    # length of stay: mean 56 days (Elkin et al. 2009); log-normal with sigma 0.6 has
    # sd 56 × sqrt(exp(0.36) - 1) = 36.9 days, so the mean of 20,000 has SE 0.26 days
    stay = (_dates(w["discharge_date"]) - _dates(w["admission_date"])).dt.days
    assert abs(stay.mean() - 56) <= 5 * 0.26
    # median exp(log 56 - 0.18) = 46.8 days: right skew
    assert 45 <= stay.median() <= 49


def test_expected_contacts_match_simulation(global_random_seed: int) -> None:
    n_women, n_runs = 153, 40
    counts = pd.DataFrame(
        [
            generate_logs(n_women=n_women, rng=np.random.default_rng([global_random_seed, i]))
            .contacts["contact_type"]
            .value_counts()
            .reindex(CONTACT_TYPES, fill_value=0)
            for i in range(n_runs)
        ]
    )
    expected = pd.Series(expected_contacts(n_women))
    se = counts.std() / np.sqrt(n_runs)
    assert (abs(counts.mean() - expected) <= 5 * se + 1).all(), (counts.mean(), expected)


def test_n_contacts_target(global_random_seed: int) -> None:
    logs = generate_logs(n_contacts=20_000, rng=np.random.default_rng(global_random_seed))
    # the run-to-run SD of the count is about 1.3% (100 seeds), so 6% is > 4 SD
    assert abs(len(logs.contacts) / 20_000 - 1) < 0.06
    assert len(logs.women) == women_for_contacts(20_000)


def test_women_for_contacts_is_monotone() -> None:
    sizes = [women_for_contacts(n) for n in (1, 100, 1_000, 10_000, 100_000)]
    assert sizes[0] == 1
    assert sizes == sorted(sizes)
    # about 6-7 contacts per woman at scale
    assert 100_000 / 8 < sizes[-1] < 100_000 / 5


def test_other_study_periods() -> None:
    start = datetime.date(2024, 1, 1)
    logs = generate_logs(n_women=50, days=90, start=start, rng=np.random.default_rng(3))
    adm = _dates(logs.women["admission_date"])
    assert adm.min() >= pd.Timestamp(start)
    assert adm.max() < pd.Timestamp(start) + pd.Timedelta(days=90)
    assert set(logs.staff_time["month"]) <= {"2024-01", "2024-02", "2024-03"}
    assert logs.summary()["unattended_sessions"] == 3  # max(1, round(2 × 90 / 365)) per site
    tiny = generate_logs(n_women=1, days=1, rng=np.random.default_rng(3))
    assert len(tiny.women) == 1


def test_million_contacts() -> None:
    logs = generate_logs(n_contacts=1_000_000, rng=np.random.default_rng(20261127))
    assert abs(len(logs.contacts) / 1_000_000 - 1) < 0.02
    assert logs.contacts["contact_id"].is_unique
    assert logs.contacts["contact_id"].iloc[-1] == f"C{len(logs.contacts):07d}"


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"n_women": 10, "n_contacts": 100},
        {"n_women": 0},
        {"n_contacts": 0},
        {"n_women": 10, "days": 0},
    ],
)
def test_bad_arguments(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"n_women|n_contacts|days"):
        generate_logs(rng=np.random.default_rng(0), **kwargs)


# ------------------------------------------------------------ follow-up ends (M-66)


def test_default_ends_leave_the_logs_unchanged() -> None:
    plain = generate_logs(n_women=120, rng=np.random.default_rng(9))
    ended = generate_logs(n_women=120, rng=np.random.default_rng(9), ends=FollowUpEnds())
    for name in ("contacts", "attendance", "women", "staff_time"):
        pd.testing.assert_frame_equal(getattr(plain, name), getattr(ended, name))
    assert "death_date" not in plain.women.columns


def test_nothing_is_logged_after_a_womans_end_of_follow_up() -> None:
    ends = FollowUpEnds(withdrawal_rate=0.3, death_rate=0.05, cutoff_days=800)
    logs = generate_logs(n_women=1500, rng=np.random.default_rng(4), ends=ends)
    women = logs.women.set_index("woman_id")
    end = pd.to_datetime(women["admission_date"]) + pd.Timedelta(days=MAX_FOLLOW_UP_DAYS)
    for col in ("withdrawal_date", "death_date"):
        given = women[col] != ""
        end[given] = np.minimum(end[given], pd.to_datetime(women.loc[given, col]))
    end = np.minimum(end, pd.Timestamp(START) + pd.Timedelta(days=800))
    one = logs.contacts[logs.contacts["woman_id"] != ""]
    assert (pd.to_datetime(one["date"]).to_numpy() <= end[one["woman_id"]].to_numpy()).all()
    dates = logs.contacts.set_index("contact_id")["date"]
    att = logs.attendance
    assert (
        pd.to_datetime(dates[att["contact_id"]]).to_numpy() <= end[att["woman_id"]].to_numpy()
    ).all()
    # at most one of the two per woman, never before admission
    both = (women["withdrawal_date"] != "") & (women["death_date"] != "")
    assert not both.any()
    # withdrawal at 0.3 per woman-year, censored at the end of follow-up: with follow-up
    # t = min(1095, 800 − admission day) = 800 − a days, a uniform on 0..364, the chance of
    # a withdrawal first is 0.3/0.35 · (1 − e^(−0.35 t/365.25)), whose mean over t is
    # 0.3804 (numerically); 1,500 women give an SE of √(0.38 · 0.62/1500) = 0.0125
    share = float((women["withdrawal_date"] != "").mean())
    assert abs(share - 0.3804) < 4 * 0.0125
