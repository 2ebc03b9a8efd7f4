"""Validation of every log at once: :func:`validate_logs` returns :class:`CleanLogs` or raises."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from rapport_cost.config import CostingConfig
from rapport_cost.core.inputs.logs.ahead import _Ahead
from rapport_cost.core.inputs.logs.attendance import _attendance
from rapport_cost.core.inputs.logs.columns import _check_columns
from rapport_cost.core.inputs.logs.contacts import _contacts
from rapport_cost.core.inputs.logs.problems import _Problems
from rapport_cost.core.inputs.logs.sessions import _sessions
from rapport_cost.core.inputs.logs.staff_time import _staff_time
from rapport_cost.core.inputs.logs.tables import CleanLogs, LogTable
from rapport_cost.core.inputs.logs.women import _women


def validate_logs(tables: dict[str, LogTable], cfg: CostingConfig) -> CleanLogs:
    """Check every row of every log; return typed tables or raise with every problem.

    Parameters
    ----------
    tables
        ``contacts`` and ``women`` (required), ``attendance`` and ``staff_time`` (optional).
    cfg
        The config: sites, roles, contact types, date format, costing options, policies.

    Raises
    ------
    LogError
        Listing every problem with file, row and column (exit code 2).
    """
    problems = _Problems()
    # every table is checked (all() over a generator would stop at the first failure)
    complete = [_check_columns(t, problems) for t in tables.values()]
    if not all(complete):
        problems.raise_if_any()
    fmt = cfg.logs.date_format if cfg.logs else "%Y-%m-%d"
    counts: Counter[str] = Counter()
    with ThreadPoolExecutor(1) as pool:
        ahead = _Ahead(tables, pool)
        women, woman_ids = _women(tables["women"], cfg, problems, fmt)
        women_rows = tables["women"].row_numbers()
        sites = tuple(cfg.sites) if cfg.sites else tuple(women["site"].cat.categories)
        contacts, facilitators, contact_ids = _contacts(
            tables["contacts"],
            cfg,
            problems,
            fmt,
            (women, woman_ids, women_rows),
            sites,
            counts,
            ahead,
        )
        attendance = _attendance(
            tables.get("attendance"),
            cfg,
            problems,
            (contacts, contact_ids),
            (women, woman_ids, women_rows),
            counts,
            ahead,
        )
    _sessions(tables["contacts"], cfg, problems, contacts, attendance, counts)
    staff = _staff_time(tables.get("staff_time"), cfg, problems, sites)
    problems.raise_if_any()
    return CleanLogs(
        contacts, attendance, women, staff, facilitators, tuple(cfg.roles), sites, dict(counts)
    )
