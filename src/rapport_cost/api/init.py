"""``init``: a minimal, commented study to start from.

Two units, two roles (a salaried peer support worker built as PSSRU builds staff costs,
and a volunteer), two contact types, one programme cost, and activity logs with their
headers and a few example rows that ``validate`` and ``estimate`` accept at once; plus an
XLSX template of the logs whose site, contact type, role and attended cells offer the
config's values in drop-down lists.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rapport_cost.api.base import Result
from rapport_cost.errors import Problem, UsageError
from rapport_cost.fileio.templates import write_project

SITES = ("unit_a", "unit_b")
ROLES = ("psw", "volunteer")
CONTACT_TYPES = ("one_to_one", "group")

CONFIG = """\
# A minimal rapport-cost study: replace every number with your own and give its source.
# `rapport-cost validate -c config.yaml` checks this file and the logs it names;
# `rapport-cost estimate -c config.yaml` costs them. docs/config.md explains every key.
schema_version: 1
title: "My peer support study"
currency: GBP
price_year: "2023/24"          # the price year of every result (NHSCII uplifts older inputs)
perspective: nhs_pss           # nhs_pss | provider | societal

parameters:                    # named numbers with their uncertainty (used by psa and dsa)
  psw_salary:
    value: 23716
    dist: {type: gamma, mean: 23716, se: 1186}
    source: "PSSRU 2024 Table 12.2.4, mean Band 3 (a proxy for a peer support worker)"

roles:
  psw:
    label: Peer support worker
    payer: charity
    salary: psw_salary
    on_costs:
      employer_ni: {rate: 0.138, threshold: 12570}   # rate x (salary - threshold)
      pension: 0.237                                  # x salary
    overheads: {management: 0.223, non_staff: 0.3426} # shares of salary + on-costs
    capital: 7689              # £ per FTE per year
    working_hours: 1574        # hours per year
    indirect_time_ratio: 0.91  # 1 hour of contact takes 0.91 hours of other work
    source: "Built as PSSRU 2024 builds community staff costs"
  volunteer:
    label: Volunteer peer supporter
    payer: volunteer
    hourly_rate: 0             # unpaid; valued in a societal scenario

resources:
  room_hire: {unit_cost: 25.0, unit: hour, payer: nhs, source: "Assumption: room hire per hour"}

contact_types:
  one_to_one: {label: "One-to-one on the unit"}
  group: {label: "Group on the unit", shared: true, resources: {room_hire: per_hour}}

programme_costs:
  - name: training
    label: "Training of new peer support workers"
    amount: 1500
    per: worker
    site_counts: {unit_a: 1, unit_b: 1}
    annuitise: {years: 3, rate: 0.035}
    source: "Assumption: a certified training course per new worker"

sites:
  unit_a: {label: "Unit A"}
  unit_b: {label: "Unit B"}

follow_up:                     # costs within a horizon after admission (follow-up command)
  horizon: 1 month             # the example logs follow the women for six to ten weeks

scenarios:                     # named sets of overrides, compared by `rapport-cost scenarios`
  volunteers_valued:
    description: "Volunteer hours at a peer support worker's cost, societal perspective"
    set:
      roles.volunteer.hourly_rate: null
      roles.volunteer.valued_as: psw
      perspective: societal

logs:                          # paths relative to this file; logs.xlsx is a template too
  contacts: contacts.csv
  attendance: attendance.csv
  women: women.csv
  date_format: "%Y-%m-%d"
"""


def _example_logs() -> dict[str, pd.DataFrame]:
    """A few weeks of example activity at two units: 10 women, one-to-ones and groups."""
    women = pd.DataFrame(
        {
            "woman_id": [f"W{i}" for i in range(1, 11)],
            "site": ["unit_a"] * 5 + ["unit_b"] * 5,
            "admission_date": [f"2025-04-{d:02d}" for d in (1, 3, 5, 8, 10, 2, 4, 7, 9, 11)],
            "discharge_date": ["2025-05-20", "", "2025-05-28", "2025-06-02", "",
                               "2025-05-30", "2025-06-04", "", "2025-06-10", "2025-06-12"],
            "ethnicity": ["white", "asian", "white", "black", "white",
                          "white", "mixed", "white", "asian", "white"],
            "parity": ["first", "subsequent"] * 5,
        }
    )  # fmt: skip
    one = [  # (woman, site, date, minutes, attended)
        ("W1", "unit_a", "2025-04-07", 45, "yes"), ("W2", "unit_a", "2025-04-09", 30, "no"),
        ("W3", "unit_a", "2025-04-14", 60, "yes"), ("W4", "unit_a", "2025-04-16", 45, "yes"),
        ("W6", "unit_b", "2025-04-08", 30, "yes"), ("W7", "unit_b", "2025-04-15", 45, "yes"),
        ("W9", "unit_b", "2025-04-17", 60, "yes"), ("W10", "unit_b", "2025-04-22", 30, "yes"),
    ]  # fmt: skip
    groups = [  # (site, date, other attendees, women)
        ("unit_a", "2025-04-10", 2, ["W1", "W2", "W3"]),
        ("unit_a", "2025-04-24", 1, ["W3", "W4", "W5"]),
        ("unit_b", "2025-04-11", 0, ["W6", "W7"]),
        ("unit_b", "2025-04-25", 2, ["W8", "W9", "W10"]),
    ]
    rows = [
        {"contact_id": f"C{k}", "site": site, "date": date, "contact_type": "one_to_one",
         "woman_id": w, "facilitators": "psw", "duration_min": minutes, "prep_min": 10,
         "travel_min": 0, "miles": 0, "attended": attended, "other_attendees": 0,
         "capacity": ""}
        for k, (w, site, date, minutes, attended) in enumerate(one, start=1)
    ]  # fmt: skip
    attendance = []
    for k, (site, date, others, names) in enumerate(groups, start=len(one) + 1):
        rows.append(
            {"contact_id": f"C{k}", "site": site, "date": date, "contact_type": "group",
             "woman_id": "", "facilitators": "psw;volunteer", "duration_min": 90,
             "prep_min": 20, "travel_min": 0, "miles": 0, "attended": "yes",
             "other_attendees": others, "capacity": "8"}
        )  # fmt: skip
        attendance += [{"contact_id": f"C{k}", "woman_id": w} for w in names]
    return {
        "contacts": pd.DataFrame(rows),
        "attendance": pd.DataFrame(attendance),
        "women": women,
    }


README = """\
A rapport-cost study made by `rapport-cost init`.

  config.yaml      the unit costs, contact types, programme costs and where the logs are
  contacts.csv     one row per contact or group session (replace the example rows)
  attendance.csv   one row per woman at a group session
  women.csv        one row per woman: unit, admission and discharge dates, subgroups
  logs.xlsx        the same logs as a workbook, with drop-down lists of the config's values

Next: rapport-cost validate -c config.yaml, then rapport-cost estimate -c config.yaml.
"""


def init(folder: str | Path, *, force: bool = False) -> Result:
    """Write a minimal commented study to ``folder`` (which must not exist, unless ``force``).

    Raises
    ------
    UsageError
        If the folder exists and is not empty, and ``force`` is false.
    ExportError
        If a file cannot be written.
    """
    out = Path(folder)
    if out.exists() and any(out.iterdir()) and not force:
        msg = f"{out} exists and is not empty (give another folder, or --force to add to it)"
        raise UsageError(msg, [Problem(msg)])
    logs = _example_logs()
    choices = {
        "site": list(SITES),
        "contact_type": list(CONTACT_TYPES),
        "facilitators": [*ROLES, "psw;volunteer"],
        "attended": ["yes", "no"],
    }
    files = write_project(
        out, texts={"config.yaml": CONFIG, "README.txt": README}, logs=logs, choices=choices
    )
    table = pd.DataFrame({"file": [f.name for f in files]})
    return Result(command="init", tables={"files": table}, settings={"folder": str(out)})
