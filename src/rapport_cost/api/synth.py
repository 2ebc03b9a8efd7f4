"""``synth``: write synthetic activity logs and a config that costs them."""

from __future__ import annotations

import calendar
import datetime
import re
from pathlib import Path

import numpy as np
import pandas as pd

from rapport_cost.api.base import Result
from rapport_cost.errors import Problem, UsageError
from rapport_cost.fileio.bundled import default_config_path
from rapport_cost.fileio.export import write_outputs
from rapport_cost.synth.generate import FollowUpEnds, generate_logs

#: The seed and size of the bundled example in data/example (data/README.md).
EXAMPLE_SEED = 20261127
EXAMPLE_WOMEN = 300


def data_cutoff(tables: dict[str, pd.DataFrame]) -> datetime.date:
    """The last day of the month of the latest date in the logs (``*date`` columns).

    The bundled example's last contact is on 2028-08-18, so its cut-off is 2028-08-31;
    larger cohorts run later (more women, so a later last contact) and get a later one.
    """
    latest = max(
        str(frame[column].dropna().max())
        for frame in tables.values()
        for column in frame.columns
        if column.endswith("date") and frame[column].notna().any()
    )
    day = datetime.date.fromisoformat(latest)
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _config_text(names: dict[str, str], cutoff: datetime.date) -> str:
    """The default config, its ``logs`` in the same folder and its cut-off at ``cutoff``."""
    text = default_config_path().read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(  data_cutoff:) \S+", rf"\1 {cutoff.isoformat()}", text)
    head, sep, logs = text.partition("\nlogs:")
    body, _, rest = logs.partition("\n\n")
    for table, file in names.items():
        body = re.sub(rf"(\n  {table}:) \S+", rf"\1 {file}", body)
    return head + sep + body + ("\n\n" + rest if rest else "\n")


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def synth(
    out: str | Path,
    *,
    n_women: int | None = None,
    n_contacts: int | None = None,
    seed: int = EXAMPLE_SEED,
    force: bool = False,
    withdrawal_rate: float = 0.0,
    death_rate: float = 0.0,
    cutoff_days: int | None = None,
) -> Result:
    """Write synthetic logs and a config that costs them to the folder ``out``.

    The files are ``contacts.csv``, ``attendance.csv``, ``women.csv``, ``staff_time.csv``
    and ``config.yaml`` (the default config reading them) plus ``manifest.json``.
    ``withdrawal_rate`` and ``death_rate`` (per woman-year) and ``cutoff_days`` (after the
    study start) end the women's follow-up: the women log then has ``withdrawal_date``
    and ``death_date`` columns, and nothing after a woman's end is logged.

    Raises
    ------
    UsageError
        Unless exactly one of ``n_women`` and ``n_contacts`` is given, positive.
    """
    if (n_women is None) == (n_contacts is None):
        msg = "give exactly one of --women N or --contacts N"
        raise UsageError(msg, [Problem(msg)])
    size = n_women if n_women is not None else n_contacts
    if size is None or size < 1:
        msg = f"the number of women or contacts must be at least 1, got {size}"
        raise UsageError(msg, [Problem(msg)])
    for name, rate in (("--withdrawal-rate", withdrawal_rate), ("--death-rate", death_rate)):
        if not 0 <= rate < 50:
            msg = f"{name} must be a rate per woman-year >= 0 (e.g. 0.05), got {rate!r}"
            raise UsageError(msg, [Problem(msg)])
    ends = FollowUpEnds(withdrawal_rate, death_rate, cutoff_days)
    try:
        logs = generate_logs(
            n_women=n_women, n_contacts=n_contacts, rng=np.random.default_rng(seed), ends=ends
        )
    except ValueError as exc:
        raise UsageError(str(exc), [Problem(str(exc))]) from None
    tables = {
        "contacts": logs.contacts,
        "attendance": logs.attendance,
        "women": logs.women,
        "staff_time": logs.staff_time,
    }
    out = Path(out)
    config = _config_text({name: f"{name}.csv" for name in tables}, data_cutoff(tables))
    summary = logs.summary()
    by_type = summary.pop("contacts_by_type")
    assert isinstance(by_type, dict)
    envelope = Result(
        command="synth",
        tables={},
        settings={
            "seed": seed,
            "women": n_women,
            "contacts": n_contacts,
            "withdrawal_rate": withdrawal_rate,
            "death_rate": death_rate,
            "cutoff_days": cutoff_days,
        },
    ).envelope()
    write_outputs(
        out,
        "csv",
        envelope=envelope,
        tables=tables,
        extra_files={"config.yaml": lambda p: _write_text(p, config)},
        force=force,
    )
    rows = [{"item": k, "value": str(v)} for k, v in summary.items()]
    rows += [{"item": f"contacts: {k}", "value": str(v)} for k, v in by_type.items()]
    return Result(
        command="synth",
        tables={"synth": pd.DataFrame(rows)},
        settings={"seed": seed, "women": n_women, "contacts": n_contacts, "out": str(out)},
    )
