"""Read an input only if it is a regular file, never blocking and never without a bound.

A path given as an input may name a named pipe (``open`` would wait for a writer for
ever), a device (``/dev/zero`` never ends), a folder or a socket. Each is refused with a
message that says what it is. The file is opened with ``O_NONBLOCK`` and checked with
``fstat`` on the open descriptor, so nothing can swap it between the check and the read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from rapport_cost.errors import InputError, Problem

#: What a path that is not a regular file is, by ``stat`` type.
_KINDS = (
    (stat.S_ISDIR, "is a folder, not a file"),
    (stat.S_ISFIFO, "is a named pipe (FIFO), not a file"),
    (stat.S_ISCHR, "is a device, not a file"),
    (stat.S_ISBLK, "is a device, not a file"),
    (stat.S_ISSOCK, "is a socket, not a file"),
)


def _fail(error: type[InputError], message: str, source: str, code: str) -> InputError:
    return error(f"{source}: {message}", [Problem(message, source, code=code)])


def _size(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB" if n >= 2**20 else f"{n:,} bytes"


def read_regular(
    path: Path,
    *,
    source: str,
    error: type[InputError] = InputError,
    limit: int | None = None,
    what: str = "file",
) -> bytes:
    """The bytes of ``path``, if it is a regular file of at most ``limit`` bytes.

    Parameters
    ----------
    path
        The file.
    source
        The path as messages show it.
    error
        The error class raised (e.g. :class:`~rapport_cost.errors.ConfigError`).
    limit
        Most bytes accepted (``None``: no limit).
    what
        What the file is, for messages (``costs file`` not found; a ``YAML file`` may be
        at most ...).

    Raises
    ------
    InputError
        Of class ``error``: the file is missing, unreadable, not a regular file, or larger
        than ``limit``; one located problem.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise _fail(error, f"{what} not found", source, "not_found") from None
    except IsADirectoryError:  # pragma: no cover - Linux opens folders read-only
        raise _fail(error, "is a folder, not a file", source, "not_a_file") from None
    except OSError as exc:
        raise _fail(error, f"cannot read: {exc.strerror or exc}", source, "unreadable") from None
    try:
        info = os.fstat(fd)
        kind = next((m for test, m in _KINDS if test(info.st_mode)), None)
    except OSError:  # pragma: no cover - fstat of an open descriptor
        kind = "cannot be read"
    if kind is not None:
        os.close(fd)
        raise _fail(error, kind, source, "not_a_file")
    with os.fdopen(fd, "rb", buffering=0) as fh:
        if limit is not None and info.st_size > limit:
            message = f"is {_size(info.st_size)}; a {what} may be at most {_size(limit)}"
            raise _fail(error, message, source, "too_large")
        try:
            os.set_blocking(fd, True)  # a regular file: ordinary reads from here on
            raw = fh.read() if limit is None else fh.read(limit + 1)
        except OSError as exc:
            why = f"cannot read: {exc.strerror or exc}"
            raise _fail(error, why, source, "unreadable") from None
    if limit is not None and len(raw) > limit:  # it grew while being read
        message = f"is more than {_size(limit)}; a {what} may be at most {_size(limit)}"
        raise _fail(error, message, source, "too_large")
    return bytes(raw)
