"""Stream PSA draws to Parquet and CSV, one chunk at a time.

A PSA of 1,000,000 draws never holds its parameter draws in memory: each chunk is appended
to a Parquet file (one row group per chunk) and a CSV file as soon as it is costed. The
files grow in a private temporary folder beside the output folder; when the result is
written (:func:`~rapport_cost.fileio.export.write_outputs` with the writers of
:meth:`DrawsWriter.files` as ``extra_files``), they are linked (or copied) into it, so the
output stays all-or-nothing. The temporary folder is removed once every file has been
placed, at once if the PSA fails, and otherwise when the writer is garbage collected or the
interpreter exits.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from rapport_cost.errors import ExportError, Problem
from rapport_cost.fileio.interrupts import critical


def _export_error(target: Path, exc: OSError) -> ExportError:
    why = exc.strerror or str(exc)
    return ExportError(
        f"cannot write {target}: {why}", [Problem(f"cannot write: {why}", str(target))]
    )


class DrawsWriter:
    """Append blocks of draws to a Parquet and a CSV file.

    Parameters
    ----------
    near
        The output folder the files are meant for; the temporary folder is created
        beside it (same file system, so that the final link is instant).
    columns
        Column names: an integer id column first, then float columns.
    names
        File names of the Parquet and the CSV file, e.g. ``("psa_draws.parquet",
        "psa_draws.csv")``.

    Raises
    ------
    ExportError
        If the folder cannot be created.
    """

    def __init__(self, near: Path, columns: Sequence[str], names: tuple[str, str]) -> None:
        self.columns = list(columns)
        self.names = names
        self.near = near
        fields = [pa.field(self.columns[0], pa.int64())]
        fields += [pa.field(c, pa.float64()) for c in self.columns[1:]]
        self._schema = pa.schema(fields)
        with critical():  # the folder is made and its removal registered at once
            try:
                near.parent.mkdir(parents=True, exist_ok=True)
                self.folder = Path(
                    tempfile.mkdtemp(prefix=f".{near.name}.draws.", suffix=".tmp", dir=near.parent)
                )
            except OSError as exc:
                raise _export_error(near, exc) from None
            self._cleanup = weakref.finalize(self, shutil.rmtree, self.folder, ignore_errors=True)
        self._parquet: Any = None
        self._csv: Any = None
        self.rows = 0
        self.closed = False
        try:
            self._parquet = pq.ParquetWriter(self.folder / names[0], self._schema)
            self._csv = pa_csv.CSVWriter(
                str(self.folder / names[1]),
                self._schema,
                write_options=pa_csv.WriteOptions(quoting_style="needed"),
            )
        except OSError as exc:
            self.abort()
            raise _export_error(near, exc) from None

    def write(self, ids: npt.NDArray[np.int64], values: npt.NDArray[np.float64]) -> None:
        """Append rows.

        Parameters
        ----------
        ids : ndarray of shape (n,)
            The id column.
        values : ndarray of shape (n, len(columns) - 1)
            The float columns, in order.
        """
        arrays = [pa.array(ids, pa.int64())]
        arrays += [pa.array(np.ascontiguousarray(values[:, j])) for j in range(values.shape[1])]
        table = pa.Table.from_arrays(arrays, schema=self._schema)
        try:
            self._parquet.write_table(table)
            self._csv.write_table(table)
        except OSError as exc:
            self.abort()
            raise _export_error(self.near, exc) from None
        self.rows += len(ids)

    def close(self) -> None:
        """Finish both files (idempotent)."""
        if not self.closed:
            self.closed = True
            for w in (self._parquet, self._csv):
                if w is not None:
                    w.close()

    def abort(self) -> None:
        """Close and delete everything written."""
        try:
            self.close()
        finally:
            self._cleanup()

    def __enter__(self) -> DrawsWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def files(self) -> dict[str, Callable[[Path], None]]:
        """Writers (name → ``write(path)``) that put each finished file at ``path``.

        A writer hard-links the file when it can (instant, same file system) and copies it
        otherwise. Once every file has been placed, the temporary folder is removed, so
        each file can be placed once.

        Raises
        ------
        ExportError
            If the file was placed already, or the PSA that wrote it failed.
        """
        placed: set[str] = set()

        def place(name: str) -> Callable[[Path], None]:
            def write(path: Path) -> None:
                source = self.folder / name
                if not self.closed or name in placed or not source.exists():
                    msg = (
                        f"{name}: the draws are no longer available (each draws file can be "
                        "written once); run the PSA again"
                    )
                    raise ExportError(msg, [Problem(msg.split(": ", 1)[1], str(path))])
                try:
                    os.link(source, path)
                except OSError:
                    shutil.copyfile(source, path)
                placed.add(name)
                if placed == set(self.names):
                    self._cleanup()

            return write

        return {name: place(name) for name in self.names}
