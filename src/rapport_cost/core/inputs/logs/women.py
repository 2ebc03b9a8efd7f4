"""The women log: ids, units, stays and the dates that end follow-up (M-66)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rapport_cost.arrays import DateArray
from rapport_cost.config import CostingConfig
from rapport_cost.core.inputs import plausible
from rapport_cost.core.inputs.logs.columns import _date_column, _ids, _known
from rapport_cost.core.inputs.logs.factor import _Factor
from rapport_cost.core.inputs.logs.problems import _flag, _Problems
from rapport_cost.core.inputs.logs.tables import END_COLUMNS, LogTable
from rapport_cost.errors import Problem


def _women(
    table: LogTable, cfg: CostingConfig, problems: _Problems, fmt: str
) -> tuple[pd.DataFrame, _Factor]:
    frame = table.frame
    if frame.empty:
        problems.problems.append(
            Problem(
                "has no rows (only a header): the women log lists every woman in the study, "
                "one per row",
                table.source,
                code="no_rows",
            )
        )
    ids = _ids(table, problems, "woman_id", "woman")
    if cfg.sites:
        site = _known(table, problems, "site", set(cfg.sites), "site")
        sites = tuple(cfg.sites)
    else:
        site = _Factor.of(frame, "site")
        problems.add(table, site.blank(), "site", "is missing (required)", "missing_value")
        sites = tuple(sorted(str(u) for u in site.uniques if u != ""))
    adm = _date_column(table, problems, "admission_date", fmt, required=True)
    dis = _date_column(table, problems, "discharge_date", fmt, required=False)
    before = ~np.isnat(dis) & ~np.isnat(adm) & (dis < adm)
    problems.add(
        table,
        before,
        "discharge_date",
        "is before the admission_date",
        "discharge_before_admission",
    )
    _flag(problems, table, "discharge_date", plausible.long_stays(adm, dis), "implausible_stay")
    for col, values in (("admission_date", adm), ("discharge_date", dis)):
        _flag(problems, table, col, plausible.early_dates(values), "implausible_date")
    out = pd.DataFrame(
        {
            "woman_id": ids.uniques[ids.codes],
            "site": site.categorical(sites),
            "admission_date": adm,
            "discharge_date": dis,
            **_end_dates(table, cfg, problems, fmt, adm),
        }
    )
    for col in frame.columns:
        if col not in out.columns:  # a subgroup column: a few stripped values, as codes
            f = _Factor.of(frame, col)
            out[col] = pd.Categorical.from_codes(f.codes, pd.Index(f.uniques, dtype=object))
    return out, ids


def _end_dates(
    table: LogTable, cfg: CostingConfig, problems: _Problems, fmt: str, adm: DateArray
) -> dict[str, DateArray]:
    """The withdrawal and death dates the women log has, checked (M-66).

    Each must follow the admission and not follow the data cut-off (when the config
    states one, which no admission may follow either); a woman has at most one of the two.
    """
    out: dict[str, DateArray] = {}
    cutoff = cfg.follow_up.data_cutoff
    if cutoff is not None:  # a woman admitted after the logs were cut cannot be in them
        after = ~np.isnat(adm) & (adm > np.datetime64(cutoff))
        msg = f"is after the data cut-off (follow_up.data_cutoff: {cutoff})"
        problems.add(table, after, "admission_date", msg, "after_cutoff")
    for col in END_COLUMNS:
        if col not in table.frame.columns:
            continue
        d = _date_column(table, problems, col, fmt, required=False)
        given = ~np.isnat(d)
        early = given & ~np.isnat(adm) & (d < adm)
        problems.add(table, early, col, "is before the admission_date", "end_before_admission")
        if cutoff is not None:
            late = given & (d > np.datetime64(cutoff))
            problems.add(
                table,
                late,
                col,
                f"is after the data cut-off (follow_up.data_cutoff: {cutoff})",
                "after_cutoff",
            )
        out[col] = d
    if len(out) == len(END_COLUMNS):
        both = ~np.isnat(out["withdrawal_date"]) & ~np.isnat(out["death_date"])
        problems.add(
            table,
            both,
            "death_date",
            "give a withdrawal_date or a death_date, not both (follow-up ends at the first)",
            "withdrawal_and_death",
        )
    return out
