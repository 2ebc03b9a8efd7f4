"""``report``: one self-contained HTML report of every analysis."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rapport_cost.cli.app import (
    ConfigOpt,
    DebugOpt,
    ForceOpt,
    OnFirstUse,
    QuietOpt,
    app,
    disclosure,
    export,
    load_config,
    render,
    reserve,
    run,
)
from rapport_cost.errors import ExportError, Problem, UsageError

if TYPE_CHECKING:
    from rapport_cost.api import report as html_report
else:
    html_report = OnFirstUse("rapport_cost.api.report")


@app.command()
def report(
    config: ConfigOpt = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")] = Path(
        "report.html"
    ),
    sdc: Annotated[
        str, typer.Option("--sdc", help="Disclosure control: nhsd2018, suppress_lt5 or none.")
    ] = "nhsd2018",
    draws: Annotated[int | None, typer.Option("--draws", help="PSA draws.")] = None,
    resamples: Annotated[
        int | None, typer.Option("--resamples", help="Bootstrap resamples.")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed.")] = None,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Write one self-contained HTML report: tables, plots and the CHEERS methods items."""

    def action() -> None:
        if sdc not in disclosure.POLICIES:
            msg = f"--sdc must be one of {', '.join(disclosure.POLICIES)}, got {sdc!r}"
            raise UsageError(msg)
        loaded = load_config(config)
        reserve(out, force=force, single=True, inputs=loaded.files())  # before the long run
        try:
            html_text, summary = html_report.build_report(
                config, sdc=sdc, draws=draws, resamples=resamples, seed=seed
            )
        except OSError as exc:  # the plots are drawn to temporary files
            why = f"cannot write: {exc.strerror or exc} (while drawing its plots)"
            msg = f"{out}: {why}"
            raise ExportError(msg, [Problem(why, str(out), code="write")]) from None
        export.write_text(out, html_text, force=force, inputs=loaded.files())
        if not quiet:
            render.print_warnings([*loaded.warnings, *summary.warnings])
            render.stderr.print(f"wrote {out} ({len(html_text) / 1e6:.1f} MB)")

    run(action, debug=debug)
