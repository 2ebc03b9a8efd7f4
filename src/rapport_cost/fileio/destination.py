"""Where an output may go: never onto an input, never into another run's output.

:func:`check_destination` refuses, whatever ``--force`` says, an output path that is an
input of the run (the config, a log, a costs, scenarios or admissions file), lies inside
one, or is a folder that holds one (replacing the folder would delete it); also the
working folder or a folder above it, a device, pipe or socket (``-o /dev/null --force``
would have replaced the device with a folder), a file to be replaced by a folder, and
an existing folder that rapport-cost did not write. Paths are compared after symbolic
links are followed, and a hard link to an input is caught by its inode.

:class:`OutputLock` is a lock file beside the output (``.NAME.lock``, locked with
``flock``): a second run writing to the same path stops at once with a clear message
instead of interleaving with the first. The lock goes with the process that holds it
(even one killed with SIGKILL), and its file is removed when the run ends, with any
folder made for it that the run left empty.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from rapport_cost.errors import ExportError, Problem, UsageError
from rapport_cost.fileio.interrupts import Interrupted, critical


def real(path: str | Path) -> Path:
    """``path`` absolute with symbolic links followed (a loop stays as it is, no error)."""
    return Path(os.path.realpath(os.path.abspath(path)))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _refuse(out: Path, message: str) -> UsageError:
    return UsageError(f"{out}: {message}", [Problem(message, str(out), code="output_path")])


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def is_output_folder(folder: Path) -> bool:
    """Whether ``folder`` is empty or holds a ``manifest.json`` that rapport-cost wrote."""
    try:
        if not any(folder.iterdir()):
            return True
        text = (folder / "manifest.json").read_text(encoding="utf-8")
        return bool(json.loads(text).get("tool") == "rapport-cost")
    except (OSError, ValueError, AttributeError):
        return False


def check_destination(out: Path, inputs: Iterable[str | Path], *, folder: bool) -> None:
    """Refuse an output path that would destroy an input or a folder it did not write.

    Parameters
    ----------
    out
        The output file or folder, as the user gave it.
    inputs
        Every input file (and folder) of the run.
    folder
        Whether ``out`` is written as a folder (every table and a manifest).

    Raises
    ------
    UsageError
        If ``out`` is, is inside or contains an input; is the working folder or holds
        it; is a device, pipe or socket; is a file to be replaced by a folder; or is an
        existing folder that is not an output of rapport-cost (exit 2).
    """
    target = real(out)
    for item in inputs:
        source = real(item)
        what = f"an input of this run ({item})"
        if target == source or _same_file(target, source):
            raise _refuse(out, f"is {what}; an output never replaces an input, even with --force")
        if _inside(target, source):
            raise _refuse(out, f"is inside {what}; choose another output")
        if _inside(source, target):
            raise _refuse(
                out,
                f"holds {what}; writing the output there would replace it (even with "
                "--force): choose another folder",
            )
    here = real(Path.cwd())
    if _inside(here, target):
        raise _refuse(out, "is the working folder (or holds it); give the output its own name")
    if target.exists() and not (target.is_dir() or target.is_file()):
        raise _refuse(
            out, "is a device, a named pipe or a socket: an output is a new file or folder"
        )
    if folder and target.is_file():
        raise _refuse(
            out,
            "is a file; an output folder never replaces a file (to write one file, give a "
            "name with the format's suffix, e.g. out.csv)",
        )
    if target.is_dir() and (not folder or not is_output_folder(target)):
        why = (
            "is a folder that rapport-cost did not write (it has files and no manifest.json); "
            "it is never replaced, even with --force: choose a new folder"
            if folder
            else "is a folder; give a file name"
        )
        raise _refuse(out, why)


def _lock(fd: int) -> None:
    """Lock an open file exclusively, at once or ``OSError`` (``flock``; Windows: ``msvcrt``)."""
    if sys.platform == "win32":  # pragma: no cover - tested on POSIX
        import msvcrt  # noqa: PLC0415

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl  # noqa: PLC0415

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


#: Lock files held by this process (a second lock of the same output is the same run).
_HELD: dict[Path, int] = {}


class OutputLock:
    """An exclusive lock on writing ``target`` (a context manager, re-entrant per process).

    Raises
    ------
    ExportError
        On entry, if another process holds the lock (exit 4), or the lock file cannot be
        made.
    """

    def __init__(self, target: Path) -> None:
        out = real(target)
        self.path = out.with_name(f".{out.name}.lock")
        self.target = target
        self._fd: int | None = None
        self._made: list[Path] = []
        self._entered = False

    def __enter__(self) -> OutputLock:
        try:
            with critical():  # the lock file is made and registered at once, or not at all
                return self._enter()
        except Interrupted:  # a signal came while locking: unlock, then stop
            if self._entered:
                self._exit()
            raise

    def _enter(self) -> OutputLock:
        if self.path in _HELD:
            _HELD[self.path] += 1
            self._entered = True
            return self
        missing = [d for d in (self.path.parent, *self.path.parent.parents) if not d.exists()]
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        while True:  # the file may be removed by its last holder between open and lock
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._made = missing  # removed again at the end if the run left them empty
                fd = os.open(self.path, flags, 0o644)
            except OSError as exc:
                why = f"cannot write: {exc.strerror or exc}"
                msg = f"{self.target}: {why}"
                raise ExportError(msg, [Problem(why, str(self.target), code="write")]) from None
            try:
                _lock(fd)
            except OSError as exc:
                if not isinstance(exc, BlockingIOError | PermissionError):
                    break  # no locks on this file system (ENOLCK): write unlocked
                os.close(fd)
                msg = (
                    "another rapport-cost run is writing this output now (lock "
                    f"{self.path.name}); wait for it to finish, or choose another output"
                )
                problem = Problem(msg, str(self.target), code="locked")
                msg = f"{self.target}: {msg}"
                raise ExportError(msg, [problem]) from None
            with contextlib.suppress(OSError):
                if os.fstat(fd).st_ino == os.stat(self.path).st_ino:
                    break
            os.close(fd)  # locked a file that was just removed: lock the new one
        self._fd = fd
        _HELD[self.path] = 1
        self._entered = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with critical():  # a signal waits until the lock file is gone
            self._exit()

    def _exit(self) -> None:
        self._entered = False
        if self._fd is None:
            _HELD[self.path] -= 1
            return
        _HELD[self.path] -= 1
        if _HELD[self.path] > 0:
            return
        del _HELD[self.path]
        with contextlib.suppress(OSError):
            self.path.unlink()  # while still locked: the next run locks a new file
        os.close(self._fd)
        self._fd = None
        for folder in self._made:  # deepest first; one the output went into is not empty
            try:
                folder.rmdir()
            except OSError:
                break
