"""``reproduce``: rebuild published tables from their inputs and list every cell that drifted."""

from __future__ import annotations

import importlib
import inspect
import re
import tempfile
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import TypeAdapter, ValidationError

from rapport_cost.api.base import Result
from rapport_cost.api.disclosure import POLICIES, control_result
from rapport_cost.config import PublishedRun
from rapport_cost.core.publish.compare import Difference, compare_tables
from rapport_cost.errors import InputError, Problem, UsageError
from rapport_cost.fileio.config_file import display_path
from rapport_cost.fileio.export import FORMATS, write_tables
from rapport_cost.fileio.published import (
    load_manifest,
    read_output_manifest,
    read_table,
    resolved_args,
)
from rapport_cost.fileio.readback import file_digest, folder_format, read_tables

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


def runner_of(command: str) -> Callable[..., Result] | None:
    """The API function that runs ``command``, or None if reproduce cannot run it."""
    where = RUNNERS.get(command)
    if where is None:
        return None
    module, name = where
    runner: Callable[..., Result] = getattr(
        importlib.import_module(f"rapport_cost.api.{module}"), name
    )
    return runner


def _run(command: str, config: Path | None, args: dict[str, Any]) -> Result:
    runner = runner_of(command)
    if runner is None:
        msg = f"reproduce cannot run {command!r} (it knows {', '.join(sorted(RUNNERS))})"
        raise UsageError(msg, [Problem(msg)])
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


#: Arguments a manifest may not give: they are not options of a run (callbacks, files
#: written while the run goes).
_NOT_ARGUMENTS = frozenset({"progress", "out_draws"})


def _checked_args(command: str, args: dict[str, Any], source: str) -> Callable[..., Result]:
    """The runner of ``command``, if the manifest's ``args`` are arguments it takes.

    Raises
    ------
    InputError
        Naming the command the manifest's tool cannot run, each argument it does not
        take, or of the wrong type (a manifest edited by hand or by another version).
    """
    runner = runner_of(command)
    if runner is None:
        msg = f"{source}: cannot re-run {command!r} (reproduce knows {', '.join(sorted(RUNNERS))})"
        raise InputError(msg, [Problem(msg, code="unknown_command")])
    params = inspect.signature(runner).parameters
    known = {n for n, p in params.items() if p.kind is p.KEYWORD_ONLY} - _NOT_ARGUMENTS
    unknown = sorted(set(args) - known)
    if unknown:
        msg = (
            f"{source}: args: {command} takes no argument {', '.join(map(repr, unknown))} "
            f"(it takes {', '.join(sorted(known))})"
        )
        raise InputError(msg, [Problem(msg, code="unknown_argument")])
    hints = typing.get_type_hints(runner)
    bad = []
    for name, value in args.items():
        try:
            TypeAdapter(hints.get(name, Any)).validate_python(value)
        except ValidationError:
            kind = re.sub(r"\b(?:collections\.abc|pathlib|typing)\.", "", str(hints[name]))
            bad.append(f"args.{name} must be {kind}, got {value!r}")
    if bad:
        msg = f"{source}: {'; '.join(bad)}"
        raise InputError(msg, [Problem(msg, code="bad_argument")])
    return runner


def _file_differences(folder: Path, files: object, source: str) -> list[Difference]:
    """Every file the manifest lists that is missing or whose bytes changed."""
    if not isinstance(files, dict):
        return []
    diffs: list[Difference] = []
    for name, recorded in sorted(files.items()):
        if not isinstance(name, str) or Path(name).name != name or name in ("", ".", ".."):
            msg = f"{source}: files: {name!r} is not a file name of this folder"
            raise InputError(msg, [Problem(msg, code="bad_manifest")])
        found = file_digest(folder / name)
        if found != recorded:
            diffs.append(
                Difference(
                    "files",
                    name,
                    "sha256",
                    recorded,
                    "missing" if found is None else found,
                    "equal",
                )
            )
    return diffs


def _input_differences(recorded: object, result: Result) -> list[Difference]:
    """Each input whose SHA-256 differs from the manifest's (matched by role)."""
    now = {i.get("role"): i.get("sha256") for i in result.inputs}
    diffs: list[Difference] = []
    for item in recorded if isinstance(recorded, list) else []:
        if not isinstance(item, dict) or item.get("role") not in now:
            continue
        if now[item["role"]] != item.get("sha256"):
            diffs.append(
                Difference(
                    "inputs", str(item.get("path", item["role"])), "sha256", item.get("sha256"),
                    now[item["role"]], "equal",
                )
            )  # fmt: skip
    return diffs


def _compare(name: str, published: pd.DataFrame, reproduced: pd.DataFrame) -> list[Difference]:
    """Row by row and cell by cell; two empty tables need only the same columns."""
    if published.empty and reproduced.empty:
        a, b = [str(c) for c in published.columns], [str(c) for c in reproduced.columns]
        return [] if a == b else [Difference(name, "-", "columns", a, b, "equal")]
    return compare_tables(
        name,
        published.reset_index(names="_row"),
        reproduced.reset_index(names="_row"),
        key=["_row"],
        columns={"*": {}},
    )


def _table_differences(
    folder: Path, fmt: str, result: Result
) -> tuple[list[Difference], list[dict[str, object]]]:
    """The folder's tables against the re-run's written the same way, cell by cell."""
    names = list(result.tables)
    envelope = result.envelope()
    with tempfile.TemporaryDirectory(prefix="rapport-cost-reproduce-") as scratch:
        write_tables(Path(scratch), fmt, envelope, result.tables)
        reproduced = read_tables(Path(scratch), fmt, result.command, names)
    published = read_tables(folder, fmt, result.command, names)
    diffs: list[Difference] = []
    checked: list[dict[str, object]] = []
    for name, table in published.items():
        found = _compare(name, table, reproduced[name])
        diffs += found
        checked.append(
            {
                "name": display_path(folder),
                "table": name,
                "rows": len(table),
                "columns": len(table.columns),
                "differences": len(found),
            }
        )
    return diffs, checked


def reproduce_from(folder: Path) -> Result:
    """Re-run the command that wrote the output ``folder`` (its ``manifest.json``) and compare.

    Three checks, every difference listed (table ``differences``):

    * every file the manifest lists is there with the SHA-256 it records (table
      ``files``: a table, a draws file or a plot changed or deleted);
    * every input has the SHA-256 the manifest records (table ``inputs``);
    * every table in the folder equals the re-run's, cell by cell, in whatever format the
      folder was written (CSV, Parquet, JSON, XLSX or Markdown): the re-run is written
      the same way to a scratch folder and both are read back alike, with the disclosure
      control the manifest records (``--sdc``) applied.

    Raises
    ------
    InputError
        If the folder has no readable manifest, the manifest names a command or an
        argument that cannot be re-run, or no table to compare.
    """
    meta = read_output_manifest(folder)
    source = display_path(folder / "manifest.json")
    command, args = meta.get("command"), meta.get("args")
    if not isinstance(command, str) or not isinstance(args, dict) or "config" not in args:
        msg = f"{source}: no command and arguments to re-run"
        raise InputError(msg, [Problem(msg)])
    args = resolved_args(args, folder)
    sdc = meta.get("disclosure_control")
    policy = sdc.get("policy") if isinstance(sdc, dict) else None
    if policy is not None and policy not in POLICIES:
        msg = (
            f"{source}: unknown disclosure-control policy {policy!r} (known: {', '.join(POLICIES)})"
        )
        raise InputError(msg, [Problem(msg)])
    runner = _checked_args(command, {k: v for k, v in args.items() if k != "config"}, source)
    recorded = args.pop("config")
    files = meta.get("files")
    fmt = folder_format(list(files) if isinstance(files, dict) else [], command, meta.get("format"))
    if fmt not in FORMATS:
        msg = f"{source}: no CSV, Parquet, JSON, XLSX or Markdown table to compare"
        raise InputError(msg, [Problem(msg)])
    diffs = _file_differences(folder, files, source)
    result = runner(None if recorded is None else Path(str(recorded)), **args)
    if policy is not None:
        result = control_result(result, policy)
    diffs += _input_differences(meta.get("inputs"), result)
    found, checked = _table_differences(folder, fmt, result)
    if not checked:
        msg = f"{display_path(folder)}: no table of {command} to compare"
        raise InputError(msg, [Problem(msg)])
    return _report([*diffs, *found], checked, "reproduce")
