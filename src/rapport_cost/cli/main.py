"""The console-script entry point: the app with every command registered."""

import sys

from rapport_cost.fileio.interrupts import (
    Interrupted,
    handle_signals,
    install_for_the_command_line,
)

install_for_the_command_line()  # before the imports below: a signal during them exits 130
try:
    from rapport_cost.cli import (
        bootstrap,  # noqa: F401 - registers bootstrap
        costing,  # noqa: F401 - registers the commands
        explain,  # noqa: F401 - registers explain
        follow_up,  # noqa: F401 - registers follow-up
        init,  # noqa: F401 - registers init
        methods,  # noqa: F401 - registers methods
        psa,  # noqa: F401 - registers psa
        report,  # noqa: F401 - registers report
        reproduce,  # noqa: F401 - registers reproduce
        sensitivity,  # noqa: F401 - registers dsa, scenarios, scale-up
        subgroups,  # noqa: F401 - registers subgroups
    )
    from rapport_cost.cli.app import app, stopped
except Interrupted as exc:  # stopped while starting: nothing was begun
    sys.stderr.write(f"stopped by {exc} while starting\n")
    sys.exit(exc.exit_code)


def main() -> None:
    """Run ``rapport-cost``; SIGINT and SIGTERM exit 130 and 143 even while it starts."""
    try:
        with handle_signals():
            app()
    except Interrupted as exc:
        stopped(exc)
        sys.exit(exc.exit_code)


__all__ = ["app", "main"]
