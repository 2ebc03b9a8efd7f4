"""Write result tables: CSV, JSON, XLSX, Markdown, Parquet, with a manifest.

Writes are atomic: everything goes to a temporary file or folder beside the target,
is flushed to disk (``fsync``) and renamed into place at the end, so a failed or
interrupted run leaves nothing half-written; an existing output is replaced only with
``force``, and never when it is an input of the run or a folder rapport-cost did not
write (:mod:`~rapport_cost.fileio.destination`). A lock file stops two runs writing one
output at once. Text cells from the input that begin with ``=``, ``+``, ``-`` or ``@``
are neutralised in CSV and XLSX (formula injection).

The same tables give the same bytes in every format: a workbook's timestamps (its
``docProps/core.xml`` and the dates of its zip entries) are fixed at :data:`XLSX_EPOCH`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rapport_cost.errors import ExportError, Problem, UsageError
from rapport_cost.fileio.destination import OutputLock, check_destination
from rapport_cost.fileio.interrupts import critical
from rapport_cost.fileio.published import portable_args

FORMATS = ("csv", "json", "xlsx", "md", "parquet")
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with ``'``."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(_DANGEROUS) else v
            )
    return out


def _json_value(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    return v


#: How a suppressed cell appears in text formats (CSV, Markdown, XLSX, terminal).
SUPPRESSED = "*"


def with_nulls(df: pd.DataFrame) -> pd.DataFrame:
    """Suppressed (``*``) cells as nulls and such columns typed again (JSON, Parquet).

    The envelope's ``disclosure_control.suppressed`` lists which nulls are suppressed.
    """
    out = df.copy()
    for col in out.columns:
        column = out[col]
        text = column.dtype == object or pd.api.types.is_string_dtype(column.dtype)
        if text and bool((column == SUPPRESSED).any()):
            values = out[col].where(out[col] != SUPPRESSED, None)
            numbers = pd.to_numeric(values, errors="coerce")
            out[col] = (
                numbers if int(numbers.notna().sum()) == int(values.notna().sum()) else values
            )
    return out


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NaN → null, NumPy scalars → Python)."""
    cols = [str(c) for c in df.columns]
    return [
        {c: _json_value(v) for c, v in zip(cols, row, strict=True)}
        for row in df.itertuples(index=False, name=None)
    ]


def envelope_json(envelope: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]) -> str:
    """The JSON output: the envelope with every table as a list of records."""
    doc = dict(envelope)
    doc["tables"] = {name: records(with_nulls(df)) for name, df in tables.items()}
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def markdown_table(df: pd.DataFrame, *, digits: int = 2) -> str:
    """A GitHub-flavoured Markdown table; floats rounded to ``digits`` for display."""

    def cell(v: Any) -> str:
        v = _json_value(v)
        if v is None:
            return ""
        if isinstance(v, float):
            return f"{v:,.{digits}f}"
        return str(v).replace("|", "\\|")

    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def markdown_document(title: str, caption: str, tables: Mapping[str, pd.DataFrame]) -> str:
    """Every table as a Markdown section under ``title``."""
    parts = [f"# {title}\n\n{caption}\n"]
    parts += [f"\n## {name}\n\n{markdown_table(df)}" for name, df in tables.items()]
    return "".join(parts)


@cache
def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish_mode(path: Path, *, folder: bool) -> None:
    """Give a finished temporary file or folder the mode a new one would have (umask)."""
    os.chmod(path, (0o777 if folder else 0o666) & ~_umask())


def _fsync(path: Path) -> None:
    """Flush a file's (or a folder's entries') data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_file(target: Path, write: Callable[[Path], None]) -> None:
    tmp: Path | None = None
    try:
        with critical():  # made and named at once: a signal finds it to remove
            fd, tmp_name = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
            )
            os.close(fd)
            tmp = Path(tmp_name)
        write(tmp)
        _fsync(tmp)
        _publish_mode(tmp, folder=False)
        with critical():
            tmp.replace(target)
        with contextlib.suppress(OSError):
            _fsync(target.parent)
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise


def _write_table(df: pd.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "csv":
        neutralise(df).to_csv(path, index=False, lineterminator="\n")
    elif fmt == "parquet":
        with_nulls(df).to_parquet(path, index=False)
    else:  # pragma: no cover - guarded by callers
        msg = f"cannot write a single table as {fmt}"
        raise ValueError(msg)


#: The time a workbook records as created and modified, and its zip entries' date: fixed,
#: so that the same tables make the same bytes (the zip format's earliest date).
XLSX_EPOCH = (1980, 1, 1, 0, 0, 0)
_XLSX_TIME = "1980-01-01T00:00:00Z"
_CORE_TIMES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")
#: Characters a worksheet name cannot hold, and its longest length.
_SHEET_FORBIDDEN = re.compile(r"[:\\/?*\[\]]")
SHEET_CHARS = 31
ABOUT_SHEET = "about"


def sheet_names(tables: Iterable[str]) -> dict[str, str]:
    r"""A valid, distinct worksheet name for each table (Excel's rules).

    At most 31 characters, none of ``: \ / ? * [ ]``, not beginning or ending with ``'``,
    and no two equal ignoring case (nor equal to :data:`ABOUT_SHEET`): a name that would
    repeat another ends in ``~2``, ``~3``, ...
    """
    used = {ABOUT_SHEET}
    out: dict[str, str] = {}
    for table in tables:
        base = _SHEET_FORBIDDEN.sub("_", table).strip("'").strip() or "table"
        name, k = base[:SHEET_CHARS], 1
        while name.casefold() in used:
            k += 1
            name = f"{base[: SHEET_CHARS - len(str(k)) - 1]}~{k}"
        used.add(name.casefold())
        out[table] = name
    return out


def _fixed_times(path: Path) -> None:
    """Rewrite a workbook with :data:`XLSX_EPOCH` as every date in it (byte-identical)."""
    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w") as dst:
        for info, data in entries:
            body = data
            if info.filename == "docProps/core.xml":
                body = _CORE_TIMES.sub(rb"\g<1>" + _XLSX_TIME.encode() + rb"\g<2>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=XLSX_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, body)


def _write_xlsx(tables: Mapping[str, pd.DataFrame], path: Path, about: Mapping[str, Any]) -> None:
    sheets = sheet_names(tables)
    about = {**about, "sheets": json.dumps({sheets[t]: t for t in tables}, ensure_ascii=False)}
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, df in tables.items():
            neutralise(df).to_excel(writer, sheet_name=sheets[name], index=False)
        pd.DataFrame({"key": list(about), "value": [str(v) for v in about.values()]}).to_excel(
            writer, sheet_name=ABOUT_SHEET, index=False
        )
    _fixed_times(path)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _inputs(envelope: Mapping[str, Any]) -> list[str]:
    """The files an envelope names as the run's inputs."""
    items = envelope.get("inputs") or []
    return [str(i["path"]) for i in items if isinstance(i, Mapping) and i.get("path")]


def _already_exists(target: Path) -> ExportError:
    msg = f"{target} already exists; use --force to replace it"
    return ExportError(msg, [Problem("already exists; use --force to replace it", str(target))])


def _cannot_write(target: Path, exc: OSError) -> ExportError:
    why = exc.strerror or str(exc)
    msg = f"cannot write {target}: {why}"
    return ExportError(msg, [Problem(f"cannot write: {why}", str(target), code="write")])


def is_single_file(target: Path, fmt: str) -> bool:
    """Whether ``target`` is written as one file (it has the format's suffix), not a folder."""
    return target.suffix.lower() == f".{fmt}"


def write_outputs(
    target: Path,
    fmt: str,
    *,
    envelope: Mapping[str, Any],
    tables: Mapping[str, pd.DataFrame],
    extra_files: Mapping[str, Callable[[Path], None]] | None = None,
    force: bool = False,
    inputs: Iterable[str | Path] = (),
) -> list[Path]:
    """Write every table to ``target`` and return the files written.

    If ``target`` has the format's suffix (``out.json``), one file is written (a JSON
    envelope, an XLSX workbook with a sheet per table, a Markdown document, or the first
    table as CSV/Parquet). Otherwise ``target`` is a folder that receives every table,
    any ``extra_files`` (name → writer, e.g. plots) and ``manifest.json``.

    The run's inputs (the envelope's ``inputs`` and ``inputs``) are never written over:
    see :func:`~rapport_cost.fileio.destination.check_destination`.

    Raises
    ------
    UsageError
        If ``target`` is, is inside or holds an input, or is a folder rapport-cost did
        not write.
    ExportError
        If the target exists and ``force`` is false, another run is writing it, or
        writing fails.
    """
    if fmt not in FORMATS:
        msg = f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}"
        raise UsageError(msg, [Problem(msg)])
    single = is_single_file(target, fmt)
    check_destination(target, [*_inputs(envelope), *inputs], folder=not single)
    with OutputLock(target):
        if _exists(target) and not force:
            raise _already_exists(target)
        try:
            if single:
                target.parent.mkdir(parents=True, exist_ok=True)
                _atomic_file(target, lambda p: _write_single(p, fmt, envelope, tables))
                return [target]
            return _write_folder(target, fmt, envelope, tables, extra_files or {}, force=force)
        except OSError as exc:
            raise _cannot_write(target, exc) from None


def _write_single(
    path: Path, fmt: str, envelope: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]
) -> None:
    if fmt == "json":
        path.write_text(envelope_json(envelope, tables), encoding="utf-8")
    elif fmt == "xlsx":
        _write_xlsx(tables, path, _about(envelope))
    elif fmt == "md":
        title = f"rapport-cost {envelope.get('command', '')}"
        path.write_text(markdown_document(title, caption(envelope), tables), encoding="utf-8")
    else:
        _write_table(next(iter(tables.values())), path, fmt)


def write_tables(
    folder: Path, fmt: str, envelope: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]
) -> list[str]:
    """Write the tables into ``folder`` as an output folder holds them; return the names.

    A file per table in CSV and Parquet (``per_unit.csv``), else one file named after the
    command (``estimate.json``, ``.xlsx``, ``.md``).
    """
    names: list[str] = []
    if fmt in ("csv", "parquet"):
        for name, df in tables.items():
            _write_table(df, folder / f"{name}.{fmt}", fmt)
            names.append(f"{name}.{fmt}")
    else:
        name = f"{envelope.get('command', 'tables')}.{fmt}"
        _write_single(folder / name, fmt, envelope, tables)
        names.append(name)
    return names


def _write_folder(
    target: Path,
    fmt: str,
    envelope: Mapping[str, Any],
    tables: Mapping[str, pd.DataFrame],
    extra_files: Mapping[str, Callable[[Path], None]],
    *,
    force: bool,
) -> list[Path]:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp: Path | None = None
    try:
        with critical():  # made and named at once: a signal finds it to remove
            tmp = Path(
                tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            )
        names = write_tables(tmp, fmt, envelope, tables)
        for name, writer in extra_files.items():
            writer(tmp / name)
            names.append(name)
        manifest = dict(envelope)
        if "args" in manifest:  # files named relative to the folder: it can move with them
            manifest["args"] = portable_args(manifest["args"], target)
        manifest["format"] = fmt
        manifest["files"] = {n: file_sha256(tmp / n) for n in sorted(names)}
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        for n in [*names, "manifest.json"]:
            _fsync(tmp / n)
            _publish_mode(tmp / n, folder=False)
        _fsync(tmp)
        _publish_mode(tmp, folder=True)
        _put_in_place(tmp, target, force=force)
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [target / n for n in [*names, "manifest.json"]]


def _put_in_place(tmp: Path, target: Path, *, force: bool) -> None:
    """Rename the finished folder ``tmp`` to ``target``, replacing it with ``force``.

    The old output is moved aside and removed only once the new one is in place; the
    renames are one critical section (a signal waits for its end), so ``target`` is
    always either the old output or the new one.
    """
    old: Path | None = None
    with critical():
        if _exists(target) and force:
            old = Path(
                tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent)
            )
            target.replace(old / "output")
        try:
            tmp.replace(target)
        except BaseException:
            if old is not None:  # put the previous output back
                (old / "output").replace(target)
            raise
    with contextlib.suppress(OSError):
        _fsync(target.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def for_display(df: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """The table as shown on screen or in the report, and whether it is transposed.

    A few wide rows (more than 8 columns, at most 6 rows: the per-unit table, the
    unit-cost build-up with a column per role) read better as columns, one per row.
    """
    if not (len(df.columns) > 8 and len(df) <= 6):
        return df, False
    key = str(df.columns[0])
    body = df.set_index(key).T
    body.columns = [str(c) for c in body.columns]
    return body.reset_index(names=key).astype(object), True


def caption(envelope: Mapping[str, Any]) -> str:
    """``GBP, 2023/24 prices, perspective: nhs_pss`` for table captions."""
    if not envelope.get("price_year"):
        return ""
    parts = [str(envelope.get("currency", "")), f"{envelope['price_year']} prices"]
    if envelope.get("perspective"):
        parts.append(f"perspective: {envelope['perspective']}")
    sdc = envelope.get("disclosure_control") or {}
    if sdc.get("policy") and sdc["policy"] != "none":
        parts.append(f"disclosure control: {sdc['policy']} (* = suppressed)")
    elif sdc.get("policy") == "none":
        parts.append("NOT disclosure-controlled: internal use only")
    return ", ".join(p for p in parts if p.strip())


def _about(envelope: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("tool", "version", "command", "currency", "price_year", "perspective")
    about = {k: envelope.get(k) for k in keys}
    about["settings"] = json.dumps(envelope.get("settings", {}))
    about["warnings"] = "; ".join(envelope.get("warnings", []))
    about["disclosure_control"] = json.dumps(envelope.get("disclosure_control"))
    return about


def csv_text(df: pd.DataFrame) -> str:
    """A table as CSV text (for stdout)."""
    buf = io.StringIO()
    neutralise(df).to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def _write_utf8(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def write_text(
    target: Path, text: str, *, force: bool = False, inputs: Iterable[str | Path] = ()
) -> Path:
    """Write a text file atomically; an existing file is replaced only with ``force``.

    ``inputs`` are the run's input files, never written over (as :func:`write_outputs`).

    Raises
    ------
    UsageError
        If ``target`` is, is inside or holds an input, or is a folder.
    ExportError
        If the target exists and ``force`` is false, or writing fails.
    """
    check_destination(target, inputs, folder=False)
    with OutputLock(target):
        if _exists(target) and not force:
            raise _already_exists(target)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            _atomic_file(target, lambda p: _write_utf8(p, text))
        except OSError as exc:
            raise _cannot_write(target, exc) from None
    return target


@contextlib.contextmanager
def reserved(
    target: Path, *, force: bool, single: bool, inputs: Iterable[str | Path]
) -> Iterator[None]:
    """Check ``target`` and hold its lock while a command runs (the CLI's first step).

    So that a long run fails at once, not at its end, when its output would be refused
    or exists, and a second run into the same output waits for no one.

    Raises
    ------
    UsageError, ExportError
        As :func:`write_outputs` would.
    """
    check_destination(target, inputs, folder=not single)
    with OutputLock(target):
        if _exists(target) and not force:
            raise _already_exists(target)
        yield
