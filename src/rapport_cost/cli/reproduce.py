"""``reproduce``: rebuild published tables and fail on any drift."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rapport_cost.cli.app import DebugOpt, api, app, render, run
from rapport_cost.errors import ExitCode, UsageError


@app.command()
def reproduce(
    names: Annotated[list[str] | None, typer.Argument(help="Published tables to rebuild.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Rebuild every published table.")] = False,
    source: Annotated[
        Path | None,
        typer.Option("--from", help="Re-run an output folder written with -o and compare."),
    ] = None,
    manifest: Annotated[
        Path | None, typer.Option("--manifest", help="Manifest (default: data/published).")
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Rebuild published tables from their inputs; exit 1 on any cell that differs.

    With --from FOLDER: every file the folder's manifest lists must have its recorded
    SHA-256, and every table (in any format) must match a re-run, cell by cell.
    """

    def action() -> int:
        if source is not None and (names or every):
            msg = "give --from FOLDER or published table names (or --all), not both"
            raise UsageError(msg)
        result = (
            api.reproduce_from(source)
            if source
            else api.reproduce(names or [], every=every, manifest=manifest)
        )
        render.print_result(result, ["reproduced"])
        diffs = result.tables["differences"]
        if len(diffs):
            render.stdout.print(render.table(diffs, title="differences"))
            files = diffs["table"].isin(["files", "inputs"])
            if files.any():
                render.stderr.print(
                    f"{int(files.sum())} file(s) changed or missing since the manifest was written"
                )
            if (~files).any():
                render.stderr.print(
                    f"{int((~files).sum())} cell(s) differ from the published values"
                )
            return int(ExitCode.CHECK_FAILED)
        render.stderr.print("every published value reproduced")
        return 0

    run(action, debug=debug)
