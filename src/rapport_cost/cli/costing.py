"""Commands of the deterministic costing: ``unit-costs``, ``estimate``, ``validate``, ``schema``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rapport_cost.cli.app import (
    ConfigOpt,
    DebugOpt,
    ForceOpt,
    FormatOpt,
    OnFirstUse,
    OutOpt,
    QuietOpt,
    SdcOpt,
    api,
    app,
    check_tables,
    emit,
    load_config,
    output_options,
    render,
    run,
)
from rapport_cost.errors import ExitCode, RapportError

if TYPE_CHECKING:
    from rapport_cost.api import checks
else:
    checks = OnFirstUse("rapport_cost.api.checks")


@app.command("unit-costs")
def unit_costs_command(
    config: ConfigOpt = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
    sdc: SdcOpt = "none",
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """The PSSRU staff cost build-up per role: each component, cost per working and contact hour."""

    def action() -> None:
        loaded = load_config(config)
        dest = output_options(fmt, out, force=force, sdc=sdc, inputs=loaded.files())
        emit(api.unit_costs(loaded), dest, quiet=quiet, loaded=loaded)

    run(action, debug=debug)


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
    sdc: SdcOpt = "none",
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Micro-costing from the activity logs: per-unit and per-woman cost tables."""

    def action() -> None:
        loaded = load_config(config)
        dest = output_options(fmt, out, force=force, sdc=sdc, inputs=loaded.files())
        result = api.estimate(loaded, by=by or [])
        check_tables(result, show or [])
        terminal = ["per_unit", *(f"by_{c}" for c in by or [])]
        emit(result, dest, quiet=quiet, show=show, terminal=terminal, loaded=loaded)

    run(action, debug=debug)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the config file."""
    from rapport_cost.config import CostingConfig  # noqa: PLC0415 - pydantic on first use

    typer.echo(json.dumps(CostingConfig.model_json_schema(by_alias=True), indent=2))


@app.command()
def validate(
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Check the config, its logs, scenarios and analyses; exit 0 only if clean, 1 if not.

    Runs every check any command would make: the PSA, bootstrap and one-way analysis
    at a small size, the scenarios, and the sizes the config asks for.
    """

    def action() -> int:
        try:
            warnings = checks.validate(config)
        except RapportError as exc:
            if exc.exit_code != ExitCode.INVALID_INPUT:
                raise
            render.print_error(exc)
            return int(ExitCode.CHECK_FAILED)
        render.print_warnings(warnings)
        render.stderr.print(
            "no problems found in the config, its logs, its scenarios and the analyses it "
            "sets up" + (f" ({len(warnings)} warning(s))" if warnings else "")
        )
        return 0

    run(action, debug=debug)


@app.command()
def synth(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the logs to.")],
    women: Annotated[int | None, typer.Option("--women", help="Number of women.")] = None,
    contacts: Annotated[
        int | None, typer.Option("--contacts", help="About this many contacts.")
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", help="Random seed (default: the bundled example's).", show_default=False
        ),
    ] = None,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Write synthetic activity logs for three MBUs and a config that costs them."""

    def action() -> None:
        seed_used = api.EXAMPLE_SEED if seed is None else seed
        result = api.synth(out, n_women=women, n_contacts=contacts, seed=seed_used, force=force)
        if not quiet:
            render.print_result(result)
            render.stderr.print(f"run: rapport-cost estimate -c {out / 'config.yaml'}")

    run(action, debug=debug)
