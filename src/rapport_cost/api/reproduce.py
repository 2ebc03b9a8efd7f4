"""``reproduce``: rebuild published tables from their inputs and list every cell that drifted."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from rapport_cost.api.base import Result
from rapport_cost.api.disclosure import POLICIES, control_result
from rapport_cost.config import PublishedRun
from rapport_cost.core.publish.compare import Difference, compare_tables
from rapport_cost.errors import InputError, Problem, UsageError
from rapport_cost.fileio.config_file import display_path
from rapport_cost.fileio.export import file_sha256, neutralise, with_nulls
from rapport_cost.fileio.published import (
    load_manifest,
    read_output_manifest,
    read_table,
    resolved_args,
)

#: The API function behind each command a published table or an output folder can name,
#: as (module of ``rapport_cost.api``, function): imported when a run needs it.
RUNNERS: dict[str, tuple[str, str]] = {
    "unit-costs": ("estimate", "unit_costs"),
    "estimate": ("estimate", "estimate"),
    "psa": ("psa", "run_psa"),
    "bootstrap": ("bootstrap", "bootstrap"),
    "dsa": ("dsa", "dsa"),
    "scenarios": ("scenarios", "scenarios"),
    "follow-up": ("follow_up", "run_follow_up"),
    "subgroups": ("subgroups", "run_subgroups"),
}


def _run(command: str, config: Path | None, args: dict[str, Any]) -> Result:
    where = RUNNERS.get(command)
    if where is None:
        msg = f"reproduce cannot run {command!r} (it knows {', '.join(sorted(RUNNERS))})"
        raise UsageError(msg, [Problem(msg)])
    module, name = where
    runner: Callable[..., Result] = getattr(
        importlib.import_module(f"rapport_cost.api.{module}"), name
    )
    return runner(config, **args)


def _report(diffs: list[Difference], checked: list[dict[str, object]], command: str) -> Result:
    table = pd.DataFrame(
        [
            {
                "table": d.table,
                "row": d.row,
                "column": d.column,
                "published": str(d.published),
                "reproduced": str(d.reproduced),
                "tolerance": d.tolerance,
            }
            for d in diffs
        ],
        columns=["table", "row", "column", "published", "reproduced", "tolerance"],
    )
    return Result(
        command=command, tables={"reproduced": pd.DataFrame(checked), "differences": table}
    )


def reproduce(
    names: Sequence[str] = (), *, every: bool = False, manifest: Path | None = None
) -> Result:
    """Re-run the published tables ``names`` (or every one) and compare them cell by cell.

    Returns
    -------
    Result
        Tables ``reproduced`` (one row per published table: rows and columns compared,
        differences) and ``differences`` (table, row, column, published, reproduced).

    Raises
    ------
    UsageError
        If no name is given without ``every``, or a name is not in the manifest.
    """
    spec, path = load_manifest(manifest)
    chosen = list(spec.published) if every else list(names)
    if not chosen:
        msg = f"name a published table ({', '.join(spec.published)}) or give --all"
        raise UsageError(msg, [Problem(msg)])
    unknown = [n for n in chosen if n not in spec.published]
    if unknown:
        msg = (
            f"no published table {unknown[0]!r} in {display_path(path)} "
            f"(it has {', '.join(spec.published)})"
        )
        raise UsageError(msg, [Problem(msg)])
    folder = path.parent
    cache: dict[tuple[str, str, str], Result] = {}
    diffs: list[Difference] = []
    checked: list[dict[str, object]] = []
    for name in chosen:
        for item in spec.published[name].tables:
            result = _cached(cache, item.run, folder)
            label = f"{name}:{item.table}"
            if item.table not in result.tables:
                diffs.append(Difference(label, "-", "-", "table", "not produced", "-"))
                continue
            published = read_table(folder / item.expected)
            found = compare_tables(
                label,
                published,
                result.tables[item.table],
                key=item.key,
                columns={c: t.model_dump() for c, t in item.columns.items()},
            )
            diffs += found
            checked.append(
                {
                    "name": name,
                    "table": item.table,
                    "rows": len(published),
                    "columns": len(published.columns),
                    "differences": len(found),
                }
            )
    return _report(diffs, checked, "reproduce")


def make_published(run: PublishedRun, folder: Path) -> Result:
    """Run what a published table names (paths relative to the manifest's ``folder``)."""
    return _run(run.command, folder / run.config, dict(run.args))


def _cached(cache: dict[tuple[str, str, str], Result], run: PublishedRun, folder: Path) -> Result:
    key = (run.command, run.config, repr(sorted(run.args.items())))
    if key not in cache:
        cache[key] = make_published(run, folder)
    return cache[key]


def reproduce_from(folder: Path) -> Result:
    """Re-run the command that wrote the output ``folder`` (its ``manifest.json``) and compare.

    Every table file in the folder (CSV or Parquet) is compared row by row with the new
    run's table as it would be written: with the disclosure control the manifest records
    (``--sdc``) applied, text cells neutralised in CSV and suppressed cells null in
    Parquet. A changed input file is reported as a difference too.
    """
    meta = read_output_manifest(folder)
    command, args = meta.get("command"), resolved_args(meta.get("args") or {}, folder)
    if not isinstance(command, str) or "config" not in args:
        msg = f"{display_path(folder / 'manifest.json')}: no command and arguments to re-run"
        raise InputError(msg, [Problem(msg)])
    sdc = meta.get("disclosure_control")
    policy = sdc.get("policy") if isinstance(sdc, dict) else None
    if policy is not None and policy not in POLICIES:
        msg = (
            f"{display_path(folder / 'manifest.json')}: unknown disclosure-control policy "
            f"{policy!r} (known: {', '.join(POLICIES)})"
        )
        raise InputError(msg, [Problem(msg)])
    recorded = args.pop("config")
    config = None if recorded is None else Path(str(recorded))
    diffs: list[Difference] = []
    for item in meta.get("inputs", []):
        path = config if item.get("role") == "config" else None
        if path is not None and path.is_file() and file_sha256(path) != item.get("sha256"):
            diffs.append(
                Difference(
                    "inputs", str(path), "sha256", item.get("sha256"), file_sha256(path), "equal"
                )
            )
    result = _run(command, config, args)
    if policy is not None:
        result = control_result(result, policy)
    checked: list[dict[str, object]] = []
    for file in sorted(folder.iterdir()):
        name, ext = file.stem, file.suffix.lower()
        if ext not in (".csv", ".parquet") or name not in result.tables:
            continue
        published = read_table(file).reset_index(names="_row")
        table = result.tables[name]
        written = neutralise(table) if ext == ".csv" else with_nulls(table)
        reproduced = written.reset_index(drop=True).reset_index(names="_row")
        found = compare_tables(name, published, reproduced, key=["_row"], columns={"*": {}})
        diffs += found
        checked.append(
            {
                "name": display_path(folder),
                "table": name,
                "rows": len(published),
                "columns": len(published.columns) - 1,
                "differences": len(found),
            }
        )
    if not checked:
        msg = f"{display_path(folder)}: no CSV or Parquet table to compare"
        raise InputError(msg, [Problem(msg)])
    return _report(diffs, checked, "reproduce")
