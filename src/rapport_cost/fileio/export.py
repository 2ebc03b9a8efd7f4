"""Write result tables: CSV, JSON, XLSX, Markdown, Parquet, with a manifest.

Writes are atomic: everything goes to a temporary file or folder beside the target and is
renamed into place at the end, so a failed run leaves nothing half-written; an existing
output is replaced only with ``force``. Text cells from the input that begin with ``=``,
``+``, ``-`` or ``@`` are neutralised in CSV and XLSX (formula injection).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rapport_cost.errors import ExportError, Problem, UsageError
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
    """The JSON output of DESIGN §5: the envelope with every table as a list of records."""
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


def _atomic_file(target: Path, write: Callable[[Path], None]) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        tmp.replace(target)
    except BaseException:
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


def _write_xlsx(tables: Mapping[str, pd.DataFrame], path: Path, about: Mapping[str, Any]) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, df in tables.items():
            neutralise(df).to_excel(writer, sheet_name=name[:31], index=False)
        pd.DataFrame({"key": list(about), "value": [str(v) for v in about.values()]}).to_excel(
            writer, sheet_name="about", index=False
        )


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_outputs(
    target: Path,
    fmt: str,
    *,
    envelope: Mapping[str, Any],
    tables: Mapping[str, pd.DataFrame],
    extra_files: Mapping[str, Callable[[Path], None]] | None = None,
    force: bool = False,
) -> list[Path]:
    """Write every table to ``target`` and return the files written.

    If ``target`` has the format's suffix (``out.json``), one file is written (a JSON
    envelope, an XLSX workbook with a sheet per table, a Markdown document, or the first
    table as CSV/Parquet). Otherwise ``target`` is a folder that receives every table,
    any ``extra_files`` (name → writer, e.g. plots) and ``manifest.json``.

    Raises
    ------
    ExportError
        If the target exists and ``force`` is false, or writing fails.
    """
    if fmt not in FORMATS:
        msg = f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}"
        raise UsageError(msg, [Problem(msg)])
    if target.exists() and not force:
        msg = f"{target} already exists; use --force to replace it"
        raise ExportError(msg, [Problem("already exists; use --force to replace it", str(target))])
    try:
        if target.suffix.lower() == f".{fmt}":
            target.parent.mkdir(parents=True, exist_ok=True)
            _atomic_file(target, lambda p: _write_single(p, fmt, envelope, tables))
            return [target]
        return _write_folder(target, fmt, envelope, tables, extra_files or {}, force=force)
    except OSError as exc:
        msg = f"cannot write {target}: {exc.strerror or exc}"
        raise ExportError(
            msg, [Problem(f"cannot write: {exc.strerror or exc}", str(target))]
        ) from None


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
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        names: list[str] = []
        if fmt in ("csv", "parquet"):
            for name, df in tables.items():
                _write_table(df, tmp / f"{name}.{fmt}", fmt)
                names.append(f"{name}.{fmt}")
        else:
            name = f"{envelope.get('command', 'tables')}.{fmt}"
            _write_single(tmp / name, fmt, envelope, tables)
            names.append(name)
        for name, writer in extra_files.items():
            writer(tmp / name)
            names.append(name)
        manifest = dict(envelope)
        if "args" in manifest:  # files named relative to the folder: it can move with them
            manifest["args"] = portable_args(manifest["args"], target)
        manifest["files"] = {n: file_sha256(tmp / n) for n in sorted(names)}
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        if target.exists() and force:
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            target.replace(old)
            tmp.replace(target)
            shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
        else:
            tmp.replace(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [target / n for n in [*names, "manifest.json"]]


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


def write_text(target: Path, text: str, *, force: bool = False) -> Path:
    """Write a text file atomically; an existing file is replaced only with ``force``.

    Raises
    ------
    ExportError
        If the target exists and ``force`` is false, or writing fails.
    """
    if target.exists() and not force:
        msg = f"{target} already exists; use --force to replace it"
        raise ExportError(msg, [Problem("already exists; use --force to replace it", str(target))])
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _atomic_file(target, lambda p: _write_utf8(p, text))
    except OSError as exc:
        msg = f"cannot write {target}: {exc.strerror or exc}"
        raise ExportError(
            msg, [Problem(f"cannot write: {exc.strerror or exc}", str(target))]
        ) from None
    return target
