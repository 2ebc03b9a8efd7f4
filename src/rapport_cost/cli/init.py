"""Command ``init``: a minimal commented study to start from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rapport_cost.cli.app import DebugOpt, ForceOpt, api, app, render, run


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="The new study's folder.")],
    force: ForceOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Write a minimal commented study: config, log templates (CSV and XLSX), a README.

    Example: rapport-cost init my_study && rapport-cost estimate -c my_study/config.yaml
    """

    def action() -> None:
        result = api.init(folder, force=force)
        render.stderr.print(
            f"wrote {', '.join(result.tables['files']['file'])} to {folder}; next: "
            f"rapport-cost validate -c {folder / 'config.yaml'}"
        )

    run(action, debug=debug)
