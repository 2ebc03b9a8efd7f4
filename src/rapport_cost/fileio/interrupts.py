"""SIGINT and SIGTERM as an exception, so that every run removes what it started.

:func:`handle_signals` makes both signals raise :class:`Interrupted` in the main thread:
the ``except BaseException`` and ``finally`` blocks that remove temporary files run as
the exception unwinds, and the CLI exits 130 (SIGINT) or 143 (SIGTERM). A signal that
arrives inside :func:`critical` (the renames that put an output in place) waits until the
section ends, so an output is never left half-swapped. Once one signal has been raised,
further ones are ignored: they would interrupt the clean-up itself.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """The run was stopped by a signal; :attr:`exit_code` is ``128 + signal number``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """130 for SIGINT, 143 for SIGTERM (the shell's convention)."""
        return 128 + self.signum


class _State:
    depth = 0
    pending: int | None = None
    raised = False


def _handler(signum: int, frame: FrameType | None) -> None:
    if _State.raised:
        return  # already stopping: let the clean-up finish
    if _State.depth > 0:
        _State.pending = signum
        return
    _State.raised = True
    raise Interrupted(signum)


@contextmanager
def critical() -> Iterator[None]:
    """A section that a signal must not cut in two; a signal in it is raised at its end."""
    _State.depth += 1
    try:
        yield
    finally:
        _State.depth -= 1
        if _State.depth == 0 and _State.pending is not None and not _State.raised:
            signum, _State.pending = _State.pending, None
            _State.raised = True
            raise Interrupted(signum)


@contextmanager
def handle_signals() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Interrupted` while the block runs (main thread only).

    The handlers are installed even where SIGINT was ignored at start-up (a background
    job of a shell script), so that an interrupt always stops the run; the previous
    handlers are restored afterwards.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in SIGNALS}
    _State.depth, _State.pending, _State.raised = 0, None, False
    for s in SIGNALS:
        signal.signal(s, _handler)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def install_for_the_command_line() -> None:
    """Install the handlers at once when this process is ``rapport-cost`` itself.

    Called before the command line's imports (typer, rich: a few tenths of a second), so
    that a signal during them exits 130 or 143 too, not with a ``KeyboardInterrupt``
    traceback. A program that only imports the package (a test runner, a notebook)
    keeps its own handlers: the check is on the name the process was started as.
    """
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    if name in ("rapport-cost", "rapport-cost.exe", "__main__.py") and (
        threading.current_thread() is threading.main_thread()
    ):
        for s in SIGNALS:
            signal.signal(s, _handler)
