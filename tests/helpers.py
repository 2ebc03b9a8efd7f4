"""Test helpers: run the CLI in-process and re-raise crashes."""

from __future__ import annotations

from collections.abc import Sequence

from click.testing import Result
from typer.testing import CliRunner

from rapport_cost.cli.main import app

runner = CliRunner()


def invoke(args: Sequence[str], *, code: int | None = None) -> Result:
    """Run ``rapport-cost ARGS``; any exception other than SystemExit is re-raised.

    A crash must never pass as an exit code (sqlfluff's ``invoke_assert_code``).
    """
    result = runner.invoke(app, list(args), catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    if code is not None:
        assert result.exit_code == code, (
            f"exit {result.exit_code}, expected {code}\n--- stdout\n{result.stdout}"
            f"\n--- stderr\n{result.stderr}"
        )
    return result
