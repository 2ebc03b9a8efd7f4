"""The console-script entry point: the app with every command registered."""

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
from rapport_cost.cli.app import app


def main() -> None:
    """Run ``rapport-cost``."""
    app()


__all__ = ["app", "main"]
