"""``methods``: print the methods document (docs/methods.md), whole or one rule."""

from __future__ import annotations

from typing import Annotated

import typer

from rapport_cost.cli.app import DebugOpt, app, run


@app.command()
def methods(
    section: Annotated[
        str | None,
        typer.Option("--section", "-s", help="One rule, e.g. M-14 (default: the whole document)."),
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Print the methods: every formula, rule and default, numbered M-1, M-2, ..."""

    def action() -> None:
        from rapport_cost.api.methods import methods as text  # noqa: PLC0415 - on first use

        typer.echo(text(section), nl=False)

    run(action, debug=debug)
