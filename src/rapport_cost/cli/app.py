"""The ``rapport-cost`` app, the options every command shares, and output.

:func:`run` is the one place where errors become exit codes, :func:`emit` where results
become output.

Commands live in modules named after what they own (``costing``, ``psa``, ...) and are
registered on :data:`app` when ``cli/main.py`` imports them.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from rapport_cost import api
from rapport_cost._version import __version__
from rapport_cost.api.disclosure import POLICIES, control_result
from rapport_cost.cli import render
from rapport_cost.errors import RapportError, UsageError
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
SdcOpt = Annotated[
    str,
    typer.Option(
        "--sdc",
        help="Disclosure control: nhsd2018, suppress_lt5 or none (internal use only).",
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No warnings or progress.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks.")]


def run(action: Callable[[], int | None], *, debug: bool) -> None:
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


def emit(
    result: api.Result,
    fmt: str,
    out: Path | None,
    *,
    force: bool,
    quiet: bool,
    show: list[str] | None = None,
    terminal: list[str] | None = None,
    sdc: str | None = None,
) -> None:
    """Print or write a result in the chosen format.

    Files (``--out``) get every table. On stdout: the ``show`` tables if given; else the
    ``terminal`` tables for ``--format table`` and every table but the per-woman ones
    for the structured formats (per-woman rows are written to files only).
    """
    fmt = fmt.lower()
    if sdc is not None:
        if sdc not in POLICIES:
            msg = f"--sdc must be one of {', '.join(POLICIES)}, got {sdc!r}"
            raise UsageError(msg)
        result = control_result(result, sdc)
        show = [n for n in show or [] if n in result.tables] or None
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


def check_tables(result: api.Result, names: list[str]) -> None:
    """Fail with a usage error if ``--show`` names a table the result does not have."""
    unknown = [n for n in names if n not in result.tables]
    if unknown:
        msg = f"--show {unknown[0]!r}: no such table (tables: {', '.join(result.tables)})"
        raise UsageError(msg)
