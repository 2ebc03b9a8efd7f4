"""The console-script entry point: the app with every command registered."""

from rapport_cost.cli import costing  # noqa: F401 - registers the commands
from rapport_cost.cli.app import app


def main() -> None:
    """Run ``rapport-cost``."""
    app()
