"""The ``rapport-cost`` app, the options every command shares, and output.

:func:`run` is the one place where errors become exit codes, :func:`emit` where results
become output.

Commands live in modules named after what they own (``costing``, ``psa``, ...) and are
registered on :data:`app` when ``cli/main.py`` imports them. They reach the API and the
renderer through :data:`api` and :data:`render` here, which import on first use: so
``--help`` and ``--version`` answer without loading pandas (0.2-0.6 s, not 2.6 s).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import sys
import traceback
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rapport_cost._version import __version__
from rapport_cost.cli import messages
from rapport_cost.errors import ExportError, ModelError, RapportError, UsageError
from rapport_cost.fileio.interrupts import Interrupted, handle_signals


class OnFirstUse(types.ModuleType):
    """Stands for a module, and imports it when one of its names is first used."""

    def __getattr__(self, name: str) -> Any:
        return getattr(importlib.import_module(self.__name__), name)


if TYPE_CHECKING:
    # re-exported for the command modules, which import them from here
    from rapport_cost import api as api  # noqa: PLC0414
    from rapport_cost.api import disclosure as disclosure  # noqa: PLC0414
    from rapport_cost.cli import render as render  # noqa: PLC0414
    from rapport_cost.fileio import config_file as config_file  # noqa: PLC0414
    from rapport_cost.fileio import export as export  # noqa: PLC0414
else:
    api = OnFirstUse("rapport_cost.api")
    disclosure = OnFirstUse("rapport_cost.api.disclosure")
    render = OnFirstUse("rapport_cost.cli.render")
    export = OnFirstUse("rapport_cost.fileio.export")
    config_file = OnFirstUse("rapport_cost.fileio.config_file")

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


#: What the running command holds until it ends (output locks), closed by :func:`run`.
_HELD: list[contextlib.ExitStack] = []


def run(action: Callable[[], int | None], *, debug: bool) -> None:
    """Run a command; the one place where errors and signals become exit codes.

    SIGINT and SIGTERM stop the command (:mod:`~rapport_cost.fileio.interrupts`): what it
    started is removed as the stop unwinds, and it exits 130 or 143. A failure to read or
    write that no module turned into an error is exit 4, running out of memory exit 3;
    neither prints a traceback unless ``--debug``.
    """
    try:
        with handle_signals(), contextlib.ExitStack() as held:
            _HELD.append(held)
            try:
                code = action()
            except RapportError as exc:
                _fail(exc, debug=debug)
            except MemoryError:
                msg = (
                    "out of memory: the analysis asked for more than this machine has; "
                    "use fewer draws, resamples or points"
                )
                _fail(ModelError(msg), debug=debug)
            except OSError as exc:
                where = f"{exc.filename}: " if exc.filename else ""
                _fail(ExportError(f"{where}{exc.strerror or exc}"), debug=debug)
            finally:
                _HELD.pop()
    except Interrupted as exc:
        if debug:
            traceback.print_exc()
        stopped(exc)
        raise typer.Exit(exc.exit_code) from None
    if code:
        raise typer.Exit(code)


def stopped(exc: Interrupted) -> None:
    """Say that a signal stopped the run (plain text: an import may have been cut short)."""
    sys.stderr.write(f"stopped by {exc}: nothing half-written was left behind\n")


def _fail(exc: RapportError, *, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    messages.print_error(exc)
    raise typer.Exit(int(exc.exit_code)) from None


def load_config(config: Path | None) -> config_file.LoadedConfig:
    """The command's config (the bundled default when ``None``), loaded once, here.

    Loading it first lets the output be checked against its logs before the run (and a
    config that cannot be read fails before pandas and the analyses are imported).
    """
    return config_file.load_config(config)


@dataclass(frozen=True)
class Output:
    """Where and how a command's result goes, checked before the command does any work.

    ``fmt`` is the format written (``table`` only on a terminal), ``out`` the file or
    folder (``None``: standard output), ``sdc`` the disclosure-control policy, ``inputs``
    the run's input files known before it runs (never written over).
    """

    fmt: str
    out: Path | None
    force: bool
    sdc: str
    inputs: tuple[Path, ...] = ()

    @property
    def folder(self) -> Path | None:
        """The output folder, or ``None`` when printing or writing one file."""
        if self.out is None or self.out.suffix.lower() == f".{self.fmt}":
            return None
        return self.out


def output_options(
    fmt: str,
    out: Path | None,
    *,
    force: bool,
    sdc: str = "none",
    inputs: Iterable[Path | str] = (),
) -> Output:
    """The output options, checked: a bad one fails before a long run, not after it.

    The output path is checked against ``inputs`` (the config, its logs and any file
    option) and locked until the command ends (:func:`run`), so that a second run into
    it stops at once.

    Raises
    ------
    UsageError
        An unknown format or policy, a binary format without ``--out``, or an output
        that is, holds or is inside an input (whatever ``--force`` says).
    ExportError
        If ``out`` exists and ``force`` is false, or another run is writing it.
    """
    fmt = fmt.lower()
    if sdc not in disclosure.POLICIES:
        msg = f"--sdc must be one of {', '.join(disclosure.POLICIES)}, got {sdc!r}"
        raise UsageError(msg)
    if out is None:
        if fmt in ("xlsx", "parquet"):
            msg = f"--format {fmt} writes binary files: give --out FILE or FOLDER"
            raise UsageError(msg)
        if fmt not in ("table", "csv", "json", "md"):
            msg = f"--format must be one of table, csv, json, xlsx, md, parquet; got {fmt!r}"
            raise UsageError(msg)
        return Output(fmt, None, force, sdc)
    if fmt == "table":
        fmt = out.suffix.lstrip(".").lower() if out.suffix else "csv"
    if fmt not in export.FORMATS:
        msg = f"--format must be one of {', '.join(export.FORMATS)}, got {fmt!r}"
        raise UsageError(msg)
    files = tuple(Path(i) for i in inputs)
    reserve(out, force=force, single=export.is_single_file(out, fmt), inputs=files)
    return Output(fmt, out, force, sdc, files)


def reserve(out: Path, *, force: bool, single: bool, inputs: Iterable[Path]) -> None:
    """Check ``out`` and lock it for the rest of the running command (see :func:`run`)."""
    reservation = export.reserved(out, force=force, single=single, inputs=inputs)
    if _HELD:
        _HELD[-1].enter_context(reservation)
    else:  # not inside run(): check only
        with reservation:
            pass


def with_config_warnings(result: api.Result, loaded: config_file.LoadedConfig | None) -> api.Result:
    """The result with the config's plausibility warnings first (each once)."""
    if loaded is None:
        return result
    new = [w for w in loaded.warnings if w not in result.warnings]
    return dataclasses.replace(result, warnings=[*new, *result.warnings]) if new else result


def emit(
    result: api.Result,
    dest: Output,
    *,
    quiet: bool,
    show: list[str] | None = None,
    terminal: list[str] | None = None,
    loaded: config_file.LoadedConfig | None = None,
) -> None:
    """Print or write a result as ``dest`` says (see :func:`output_options`).

    Files (``--out``) get every table. On stdout: the ``show`` tables if given; else the
    ``terminal`` tables for ``--format table`` and every table but the per-woman ones
    for the structured formats (per-woman rows are written to files only). The warnings
    of the ``loaded`` config are added to the result's.
    """
    result = disclosure.control_result(with_config_warnings(result, loaded), dest.sdc)
    show = [n for n in show or [] if n in result.tables] or None
    if dest.out is not None:
        written = export.write_outputs(
            dest.out,
            dest.fmt,
            envelope=result.envelope(),
            tables=result.tables,
            extra_files=result.plots,
            force=dest.force,
            inputs=dest.inputs,
        )
        if not quiet:
            render.print_warnings(result.warnings)
            render.stderr.print(f"wrote {len(written)} file(s) to {dest.out}")
        return
    if show:
        names = show
    elif dest.fmt == "table":
        names = terminal or list(result.tables)
    else:
        names = [n for n in result.tables if n not in PRIVATE_TABLES]
    shown = {n: result.tables[n] for n in names}
    if dest.fmt == "table":
        render.print_result(result, list(shown))
        return
    if not quiet:
        render.print_warnings(result.warnings)
    if dest.fmt == "json":
        sys.stdout.write(export.envelope_json(result.envelope(), shown))
    elif dest.fmt == "csv":
        sys.stdout.write(export.csv_text(next(iter(shown.values()))))
    else:  # md
        sys.stdout.write(
            export.markdown_document(
                f"rapport-cost {result.command}", export.caption(result.envelope()), shown
            )
        )


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
