"""``explain``: how one woman's, unit's or role's cost is built, line by line."""

from __future__ import annotations

from typing import Annotated

import typer

from rapport_cost.cli.app import (
    ConfigOpt,
    DebugOpt,
    ForceOpt,
    FormatOpt,
    OutOpt,
    QuietOpt,
    api,
    app,
    emit,
    output_options,
    run,
)

#: The tables printed on a terminal for each kind of explanation.
_TERMINAL = {
    "woman": ["summary", "explanation"],
    "unit": ["explanation"],
    "role": ["build_up", "hours"],
}


@app.command()
def explain(
    woman: Annotated[
        str | None, typer.Option("--woman", help="A woman_id: her cost line by line.")
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option("--unit", help="A unit (site): its women's costs and its unit-level lines."),
    ] = None,
    role: Annotated[
        str | None,
        typer.Option("--role", help="A role: its cost per hour and where its hours go."),
    ] = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """How a cost is built: quantities, prices, shares and discount factors, with method numbers.

    Each line is units x unit price x share x discount factor, citing the rules of
    docs/methods.md (rapport-cost methods --section M-21); the lines sum to the figure of
    estimate (per_woman.total_cost, per_unit.total_cost).
    """

    def action() -> None:
        dest = output_options(fmt, out, force=force)
        result = api.explain(config, woman=woman, unit=unit, role=role)
        kind = "woman" if woman is not None else "unit" if unit is not None else "role"
        emit(result, dest, quiet=quiet, terminal=_TERMINAL[kind])

    run(action, debug=debug)
