"""Commands of the deterministic sensitivity analysis: ``dsa``, ``scenarios``, ``scale-up``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from rapport_cost.cli.app import (
    ConfigOpt,
    DebugOpt,
    ForceOpt,
    FormatOpt,
    OutOpt,
    QuietOpt,
    SdcOpt,
    api,
    app,
    emit,
    load_config,
    output_options,
    render,
    run,
)

OutputOpt = Annotated[
    str,
    typer.Option("--output", help="The output analysed: mean_cost_per_woman or total_cost."),
]

#: Columns of the tornado shown on a terminal (files get every column).
_TORNADO_COLUMNS = [
    "parameter", "base_value", "low_value", "high_value", "low_result", "high_result",
    "swing", "non_monotone",
]  # fmt: skip


def _input_value(x: float) -> str:
    """An input value for display: 23,716 / 1,515.2 / 0.3426."""
    return f"{x:,.1f}" if abs(x) >= 1000 else f"{x:.4g}"


@app.command()
def dsa(
    config: ConfigOpt = None,
    output: OutputOpt = "mean_cost_per_woman",
    site: Annotated[
        str | None, typer.Option("--site", help="One site (default: all sites together).")
    ] = None,
    target: Annotated[
        float | None,
        typer.Option("--target", help="Threshold analysis: the value of the output to reach."),
    ] = None,
    two_way: Annotated[
        tuple[str, str] | None,
        typer.Option("--two-way", help="Two parameters for a two-way grid and heat map."),
    ] = None,
    points: Annotated[int, typer.Option("--points", help="Points per axis of --two-way.")] = 11,
    top: Annotated[
        int, typer.Option("--top", help="Parameters shown on the terminal and in the plot.")
    ] = 15,
    vary: Annotated[
        list[str] | None,
        typer.Option(
            "--vary",
            help="Also vary a number by name or path: NAME (±20%) or NAME=LOW:HIGH. Repeatable.",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
    sdc: SdcOpt = "none",
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """One-way sensitivity (tornado), threshold (--target), two-way (--two-way A B), PNGs."""

    def action() -> None:
        loaded = load_config(config)
        dest = output_options(fmt, out, force=force, sdc=sdc, inputs=loaded.files())
        result = api.dsa(
            loaded,
            output=output,
            site=site,
            target=target,
            two_way_parameters=two_way,
            points=points,
            top=top,
            vary=vary or [],
        )
        if dest.fmt == "table":
            shown = dict(result.tables)
            view = shown["tornado"].head(top)[_TORNADO_COLUMNS].copy()
            for col in ("base_value", "low_value", "high_value"):  # rates need 4 digits
                view[col] = view[col].map(_input_value)
            shown["tornado"] = view
            result = replace(result, tables=shown)
            base = result.settings["base_result"]
            if not quiet:
                render.stderr.print(f"base case {output} ({result.settings['site']}): {base:,.2f}")
        terminal: list[str] = [
            n for n in ("tornado", "threshold", "fixed_parameters") if n in result.tables
        ]
        emit(result, dest, quiet=quiet, terminal=terminal, loaded=loaded)

    run(action, debug=debug)


@app.command()
def scenarios(
    config: ConfigOpt = None,
    scenarios_file: Annotated[
        Path | None,
        typer.Option(
            "--scenarios",
            help="YAML file with a scenarios: section, used instead of the config's.",
            show_default=False,
        ),
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Run only this scenario (repeatable).")
    ] = None,
    output: OutputOpt = "mean_cost_per_woman",
    site: Annotated[
        str | None, typer.Option("--site", help="Only this site's rows (or all).")
    ] = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
    sdc: SdcOpt = "none",
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """The base case and each named scenario side by side (delta vs base, per site and all)."""

    def action() -> None:
        loaded = load_config(config)
        inputs = [*loaded.files(), *([scenarios_file] if scenarios_file else [])]
        dest = output_options(fmt, out, force=force, sdc=sdc, inputs=inputs)
        result = api.scenarios(
            loaded, scenarios_file=scenarios_file, only=only or (), output=output, site=site
        )
        emit(result, dest, quiet=quiet, loaded=loaded)

    run(action, debug=debug)


@app.command("scale-up")
def scale_up(
    config: ConfigOpt = None,
    admissions: Annotated[
        Path | None,
        typer.Option(
            "--admissions",
            help="CSV with unit,admissions_per_year (default: the config's scale_up units).",
            show_default=False,
        ),
    ] = None,
    draws: Annotated[
        int | None, typer.Option("--draws", help="PSA draws for a 95% interval.")
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed of the PSA draws (default psa.seed).")
    ] = None,
    basis: Annotated[
        str | None,
        typer.Option("--basis", help="cost_per_admission (default) or mean_cost_per_woman."),
    ] = None,
    from_site: Annotated[
        str | None,
        typer.Option("--from-site", help="Study site whose cost is scaled (default all)."),
    ] = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
    sdc: SdcOpt = "none",
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Annual cost of offering the model in a set of units (e.g. every MBU in England)."""

    def action() -> None:
        loaded = load_config(config)
        inputs = [*loaded.files(), *([admissions] if admissions else [])]
        dest = output_options(fmt, out, force=force, sdc=sdc, inputs=inputs)
        result = api.scale_up(
            loaded,
            admissions=admissions,
            draws=draws,
            seed=seed,
            basis=basis,
            from_site=from_site,
        )
        emit(result, dest, quiet=quiet, loaded=loaded)

    run(action, debug=debug)
