"""The ``rapport-cost`` command line: parse options, call the API, render, map errors to exits."""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from rapport_cost import api
from rapport_cost._version import __version__
from rapport_cost.cli import render
from rapport_cost.config import CostingConfig
from rapport_cost.errors import ExitCode, RapportError, UsageError
from rapport_cost.fileio.export import csv_text, envelope_json, markdown_document, write_outputs

app = typer.Typer(
    name="rapport-cost",
    help="Costing of peer support in NHS Mother and Baby Units (RAPPORT study).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="YAML config (default: the bundled example).", show_default=False
    ),
]
FormatOpt = Annotated[
    str,
    typer.Option("--format", "-f", help="table (terminal), csv, json, xlsx, md or parquet."),
]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="Output file (out.json) or folder (every table + manifest).",
        show_default=False,
    ),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace an existing output.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No warnings or progress.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks.")]


def _run(action: Callable[[], int | None], *, debug: bool) -> None:
    """Run a command; the one place where errors become exit codes."""
    try:
        code = action()
    except RapportError as exc:
        if debug:
            traceback.print_exc()
        render.print_error(exc)
        raise typer.Exit(int(exc.exit_code)) from None
    if code:
        raise typer.Exit(code)


def _emit(
    result: api.Result,
    fmt: str,
    out: Path | None,
    *,
    force: bool,
    quiet: bool,
    show: list[str] | None = None,
    terminal: list[str] | None = None,
) -> None:
    """Print or write a result in the chosen format.

    Files (``--out``) get every table. On stdout: the ``show`` tables if given; else the
    ``terminal`` tables for ``--format table`` and every table but the per-woman ones
    for the structured formats (per-woman rows are written to files only).
    """
    fmt = fmt.lower()
    if out is not None:
        if fmt == "table":
            fmt = out.suffix.lstrip(".").lower() if out.suffix else "csv"
        written = write_outputs(
            out,
            fmt,
            envelope=result.envelope(),
            tables=result.tables,
            extra_files=result.plots,
            force=force,
        )
        if not quiet:
            render.print_warnings(result.warnings)
            render.stderr.print(f"wrote {len(written)} file(s) to {out}")
        return
    if show:
        names = show
    elif fmt == "table":
        names = terminal or list(result.tables)
    else:
        names = [n for n in result.tables if n not in PRIVATE_TABLES]
    shown = {n: result.tables[n] for n in names}
    if fmt == "table":
        render.print_result(result, list(shown))
        return
    if not quiet:
        render.print_warnings(result.warnings)
    if fmt == "json":
        sys.stdout.write(envelope_json(result.envelope(), shown))
    elif fmt == "csv":
        sys.stdout.write(csv_text(next(iter(shown.values()))))
    elif fmt == "md":
        from rapport_cost.fileio.export import caption  # noqa: PLC0415

        sys.stdout.write(
            markdown_document(f"rapport-cost {result.command}", caption(result.envelope()), shown)
        )
    elif fmt in ("xlsx", "parquet"):
        msg = f"--format {fmt} writes binary files: give --out FILE or FOLDER"
        raise UsageError(msg)
    else:
        msg = f"--format must be one of table, csv, json, xlsx, md, parquet; got {fmt!r}"
        raise UsageError(msg)


#: Tables with one row per woman: written to files, printed only when asked for by name.
PRIVATE_TABLES = {"per_woman"}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rapport-cost {__version__}")
        raise typer.Exit


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Costing of peer support in NHS Mother and Baby Units (RAPPORT study)."""


@app.command("unit-costs")
def unit_costs_command(
    config: ConfigOpt = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """The PSSRU staff cost build-up per role: each component, cost per working and contact hour."""
    _run(lambda: _emit(api.unit_costs(config), fmt, out, force=force, quiet=quiet), debug=debug)


@app.command()
def estimate(
    config: ConfigOpt = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
    by: Annotated[
        list[str] | None,
        typer.Option("--by", help="Subgroup column of the women log (repeatable), e.g. ethnicity."),
    ] = None,
    show: Annotated[
        list[str] | None,
        typer.Option("--show", help="Tables to print (default per_unit); files get every table."),
    ] = None,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Micro-costing from the activity logs: per-unit and per-woman cost tables."""

    def action() -> None:
        result = api.estimate(config, by=by or [])
        _check_tables(result, show or [])
        terminal = ["per_unit", *(f"by_{c}" for c in by or [])]
        _emit(result, fmt, out, force=force, quiet=quiet, show=show, terminal=terminal)

    _run(action, debug=debug)


def _check_tables(result: api.Result, names: list[str]) -> None:
    unknown = [n for n in names if n not in result.tables]
    if unknown:
        msg = f"--show {unknown[0]!r}: no such table (tables: {', '.join(result.tables)})"
        raise UsageError(msg)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the config file."""
    typer.echo(json.dumps(CostingConfig.model_json_schema(by_alias=True), indent=2))


@app.command()
def validate(
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Check the config and its activity logs; exit 0 only if clean, 1 if problems."""

    def action() -> int:
        try:
            prep = api.prepare(config)
            if prep.config.logs is not None:
                api.build(prep)
        except RapportError as exc:
            if exc.exit_code != ExitCode.INVALID_INPUT:
                raise
            render.print_error(exc)
            return int(ExitCode.CHECK_FAILED)
        render.stderr.print("no problems found in the config and its logs")
        return 0

    _run(action, debug=debug)


def main() -> None:
    """Console-script entry point."""
    app()
