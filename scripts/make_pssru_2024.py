"""Write the inputs and the expected table of the published table ``pssru-2024``.

From data/pssru_2024_community_staff.csv (PSSRU 2024 Manual Tables 8.2.1 and 9.2.1), this
writes:

* ``data/published/pssru_2024/config.yaml``: one role per band, built from its salary, the
  table's capital, qualifications and hours, and the 2023/24 parameters that reproduce the
  manual (pension 23.7%, NI 13.8% above £12,570, overheads 22.30% and 34.26%: see
  reference/unit_costs.md §1.3);
* ``data/published/pssru_2024/unit_costs.csv``: the published figures to compare with.

Run ``uv run python scripts/make_pssru_2024.py`` and review the diff; never edit the
outputs by hand.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "published" / "pssru_2024"


def main() -> None:
    """Write the config and the expected table."""
    src = pd.read_csv(ROOT / "data" / "pssru_2024_community_staff.csv", dtype={"band": str})
    lines = [
        "# PSSRU Unit Costs of Health and Social Care 2024 Manual, Tables 8.2.1 (community-based",
        "# scientific and professional staff) and 9.2.1 (qualified nurses, community), rebuilt",
        "# from each band's salary and the 2023/24 parameters. Written by",
        "# scripts/make_pssru_2024.py from data/pssru_2024_community_staff.csv; do not edit.",
        'price_year: "2023/24"',
        "parameters:",
        '  pension: {value: 0.237, source: "NHS Pension Scheme employer rate from 1 April 2024"}',
        '  ni_rate: {value: 0.138, source: "Employer NI 2023/24"}',
        '  ni_threshold: {value: 12570, source: "Threshold that reproduces the PSSRU 2024 tables"}',
        '  management: {value: 0.2230, source: "PSSRU 2024 §8.1 D (HM Treasury PESA 2024)"}',
        '  non_staff: {value: 0.3426, source: "PSSRU 2024 §8.1 D"}',
        "roles:",
    ]
    expected = []
    for row in src.itertuples(index=False):
        group = "ahp" if str(row.table) == "8.2.1" else "nurse"
        key = f"{group}_band_{row.band}"
        quals = str(row.qualifications_per_year)
        quals_value = float(quals) if quals.replace(".", "").isdigit() else 0.0
        # PSSRU divides by working weeks x 37.5 hours (41.98 x 37.5 = 1,574.25)
        hours = float(row.working_weeks) * 37.5
        lines += [
            f"  {key}:",
            f'    label: "{row.staff_group}, band {row.band}"',
            "    payer: nhs",
            f"    salary: {row.salary}",
            "    on_costs:",
            "      employer_ni: {rate: ni_rate, threshold: ni_threshold}",
            "      pension: pension",
            "    overheads: {management: management, non_staff: non_staff}",
            f"    capital: {row.capital_overheads}",
            f"    qualifications: {quals_value:g}",
            f"    working_hours: {hours:g}",
            f'    source: "PSSRU 2024 Manual Table {row.table}, p.{row.page}"',
        ]
        per_hour = (
            row.cost_per_hour_incl_quals_published if quals_value else row.cost_per_hour_published
        )
        expected.append(
            {
                "role": key,
                "salary": row.salary,
                "on_costs": row.salary_oncosts,
                "overheads_management": row.overhead_mgmt_admin_estates,
                "overheads_non_staff": row.overhead_non_staff,
                "capital": row.capital_overheads,
                "annual_cost": row.total_cost_published,
                "cost_per_working_hour": per_hour,
            }
        )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "config.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    pd.DataFrame(expected).to_csv(OUT / "unit_costs.csv", index=False, lineterminator="\n")
    print(f"wrote {OUT / 'config.yaml'} and {OUT / 'unit_costs.csv'}")


if __name__ == "__main__":
    main()
