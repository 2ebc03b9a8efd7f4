"""The contacts log: each contact's unit, type, date, amounts, facilitators and woman."""

from __future__ import annotations

from collections import Counter

import numpy as np
import numpy.typing as npt
import pandas as pd

from rapport_cost.arrays import BoolArray, DateArray, FloatArray, IntArray
from rapport_cost.config import CostingConfig
from rapport_cost.core.inputs import plausible
from rapport_cost.core.inputs.logs.ahead import _Ahead
from rapport_cost.core.inputs.logs.columns import _date_column, _ids, _known, _number_column, _show
from rapport_cost.core.inputs.logs.factor import _Factor, _positions
from rapport_cost.core.inputs.logs.fits import _woman_fits
from rapport_cost.core.inputs.logs.problems import _flag, _Problems
from rapport_cost.core.inputs.logs.tables import LogTable
from rapport_cost.errors import did_you_mean

_TRUE = ("yes", "y", "true", "1")
_FALSE = ("no", "n", "false", "0")


def _contacts(
    table: LogTable,
    cfg: CostingConfig,
    problems: _Problems,
    fmt: str,
    women_and_ids: tuple[pd.DataFrame, _Factor, IntArray],
    sites: tuple[str, ...],
    counts: Counter[str],
    ahead: _Ahead,
) -> tuple[pd.DataFrame, npt.NDArray[np.float64], _Factor]:
    """Check the contacts log; return its typed table, the facilitators and the id factor.

    ``women_and_ids`` is the women table, the factor of its ids and its spreadsheet rows;
    ``sites`` the unit names in the order of the site codes. Returns the contacts table
    (columns as in :class:`CleanLogs`, one row per contact), the count of each role at each
    contact, shape ``(n_contacts, n_roles)``, and the factor of ``contact_id``.
    """
    women, woman_ids, women_rows = women_and_ids
    ids = _ids(table, problems, "contact_id", "contact")
    site = _known(table, problems, "site", set(sites), "site")
    types = tuple(cfg.contact_types)
    ctype = _known(table, problems, "contact_type", set(types), "contact_type")
    date = _contact_dates(table, problems, cfg, fmt)
    amounts = _amounts(table, problems)
    _flag(problems, table, "date", plausible.early_dates(date), "implausible_date")
    facilitators = _facilitators(table, problems, cfg)
    attended = _attended(table, problems)
    shared, one, capacity = _sharing(table, problems, cfg, ctype, attended, amounts["capacity"])
    woman = _contact_women(table, problems, ahead, woman_ids, one, shared)
    follows = plausible.admission_followed(women["admission_date"].to_numpy(), woman)
    _flag(problems, table, "date", plausible.far_after(date, follows), "implausible_date")
    site_cat = site.categorical(sites)
    _woman_fits(
        table,
        problems,
        counts,
        cfg,
        (women, women_rows),
        woman,
        site_cat.codes,
        date,
        sites,
        columns=("site", "date"),
    )
    out = pd.DataFrame(
        {
            "contact_id": ids.uniques[ids.codes],
            "site": site_cat,
            "contact_type": ctype.categorical(types),
            "woman": woman,
            "date": date,
            **amounts,
            "capacity": capacity,
            "attended": attended,
            "shared": shared,
            "row": table.row_numbers(),
        },
        copy=False,  # no consolidating copy of a million rows
    )
    return out, facilitators, ids


def _contact_dates(table: LogTable, problems: _Problems, cfg: CostingConfig, fmt: str) -> DateArray:
    """Each contact's date, datetime64[ns] of shape ``(n_contacts,)``; none after the cut-off."""
    date = _date_column(table, problems, "date", fmt, required=True)
    if cfg.follow_up.data_cutoff is not None:
        cutoff = cfg.follow_up.data_cutoff
        late = ~np.isnat(date) & (date > np.datetime64(cutoff))
        msg = f"is after the data cut-off (follow_up.data_cutoff: {cutoff})"
        problems.add(table, late, "date", msg, "after_cutoff")
    return date


def _amounts(table: LogTable, problems: _Problems) -> dict[str, FloatArray]:
    """The numeric columns of each contact, each of shape ``(n_contacts,)``.

    ``duration_min``, ``prep_min`` and ``travel_min`` (minutes, each checked for
    implausibly long values), ``miles``, ``other_attendees`` (whole number) and
    ``capacity`` (whole number, NaN when not given); blank optional cells are 0.
    """
    amounts = {
        "duration_min": _number_column(table, problems, "duration_min", required=True),
        "prep_min": _number_column(table, problems, "prep_min", required=False),
        "travel_min": _number_column(table, problems, "travel_min", required=False),
        "miles": _number_column(table, problems, "miles", required=False),
        "other_attendees": _number_column(
            table, problems, "other_attendees", required=False, integer=True
        ),
        "capacity": _number_column(
            table, problems, "capacity", required=False, default=np.nan, integer=True
        ),
    }
    for col in ("duration_min", "prep_min", "travel_min"):
        _flag(problems, table, col, plausible.long_minutes(amounts[col]), "implausible_minutes")
    return amounts


def _attended(table: LogTable, problems: _Problems) -> BoolArray:
    """Whether each contact was attended: ``yes``/``no`` (and synonyms), blank = yes."""
    att = _Factor.of(table.frame, "attended")
    low = np.array([u.lower() for u in att.uniques], dtype=object)
    attended = ~att.mask(np.isin(low, _FALSE))
    bad_att = att.mask(~np.isin(low, (*_TRUE, *_FALSE, "")))
    problems.add(
        table,
        bad_att,
        "attended",
        [f"must be yes or no, got {_show(v)}" for v in att.at(bad_att)],
        "bad_attended",
    )
    return attended


def _sharing(
    table: LogTable,
    problems: _Problems,
    cfg: CostingConfig,
    ctype: _Factor,
    attended: BoolArray,
    capacity: FloatArray,
) -> tuple[BoolArray, BoolArray, FloatArray]:
    """Which contacts are shared sessions and which one-to-ones, and each one's capacity.

    Returns ``(shared, one, capacity)``, each of shape ``(n_contacts,)``: a contact of an
    unknown type is neither; a blank capacity (NaN) takes its type's
    ``contact_types.<type>.capacity`` (NaN when none). A shared session cannot be
    ``attended: no``.
    """
    types = tuple(cfg.contact_types)
    shared_u = np.array(
        [u in cfg.contact_types and cfg.contact_types[u].shared for u in ctype.uniques], dtype=bool
    )
    shared = ctype.mask(shared_u)
    one = ctype.isin(set(types)) & ~shared
    type_cap = np.array(
        [
            float(cfg.contact_types[u].capacity or np.nan) if u in cfg.contact_types else np.nan
            for u in ctype.uniques
        ]
    )
    capacity = np.where(np.isnan(capacity), type_cap[ctype.codes], capacity)
    problems.add(
        table,
        shared & ~attended,
        "attended",
        "attended: no applies to one-to-ones; a shared session without attendees has "
        "no attendance rows",
        "dna_shared",
    )
    return shared, one, capacity


def _contact_women(
    table: LogTable,
    problems: _Problems,
    ahead: _Ahead,
    woman_ids: _Factor,
    one: BoolArray,
    shared: BoolArray,
) -> IntArray:
    """The woman of each one-to-one: her row in the women table, shape ``(n_contacts,)``.

    -1 for shared sessions and for a one-to-one whose woman is blank or not in the women
    log (each reported); a shared session must not name a woman.
    """
    wf = ahead.factor(table, "woman_id")
    w_blank = wf.blank()
    problems.add(
        table,
        one & w_blank,
        "woman_id",
        "is missing: a one-to-one contact names the woman",
        "missing_value",
    )
    problems.add(
        table,
        shared & ~w_blank,
        "woman_id",
        "must be empty for a shared session; list its attendees in the attendance log",
        "woman_on_shared",
    )
    w_pos_u = _positions(woman_ids, wf)
    woman = np.where(one, w_pos_u[wf.codes], -1)
    problems.add(
        table, one & ~w_blank & (woman < 0), "woman_id", "is not in the women log", "unknown_woman"
    )
    return woman


def _facilitators(
    table: LogTable, problems: _Problems, cfg: CostingConfig
) -> npt.NDArray[np.float64]:
    """Count each role at each contact from ``psw;volunteer`` text, parsing each value once."""
    f = _Factor.of(table.frame, "facilitators")
    roles = list(cfg.roles)
    per_value = np.zeros((len(f.uniques), len(roles)))
    bad: dict[int, str] = {}
    for j, value in enumerate(f.uniques):
        parts = [p.strip() for p in str(value).split(";") if p.strip()]
        if not parts:
            bad[j] = "is missing (at least one role, e.g. psw or psw;volunteer)"
        unknown = [p for p in parts if p not in roles]
        if unknown:
            bad[j] = (
                f"unknown role {_show(unknown[0])} (known: {', '.join(roles)}; "
                f"separate several with ;){did_you_mean(unknown[0], roles)}"
            )
        for p in parts:
            if p in roles:
                per_value[j, roles.index(p)] += 1
    if bad:
        flags = np.isin(np.arange(len(f.uniques)), list(bad))
        rows = f.mask(flags)
        problems.add(
            table, rows, "facilitators", [bad[c] for c in f.codes[rows]], "bad_facilitators"
        )
    return per_value[f.codes]
