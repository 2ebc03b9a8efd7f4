"""Benchmark: ``estimate`` on 1,000,000 synthetic contacts against ``pandas.read_csv``.

Run with ``uv run python benchmarks/estimate_scale.py [--contacts N]``. In one run it writes
synthetic logs of about N contacts (``rapport-cost synth``), then times, best of 3:

* the peer: ``pandas.read_csv`` of the same contacts file (just reading it),
* for context, ``pandas.read_csv`` of all four logs the estimate reads (contacts,
  attendance with about as many rows again, women, staff time), and
* ``rapport_cost.estimate`` on config + logs: reading all four logs, validating every row,
  building the usage matrix, pricing and every table,

and prints the times and ratios (target: at most 3x the contacts read), the time of each
phase of the estimate, and the peak memory (RSS).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd

from rapport_cost import api


def best_of(n: int, fn: object) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return min(times)


def _phases(config: Path) -> dict[str, float]:
    """Seconds spent reading, validating, building the usage matrix and making tables."""
    from rapport_cost.api.base import Built, prepare  # noqa: PLC0415
    from rapport_cost.core.logs import LogTable, validate_logs  # noqa: PLC0415
    from rapport_cost.core.usage import build_usage  # noqa: PLC0415
    from rapport_cost.fileio.logs import read_logs  # noqa: PLC0415

    out: dict[str, float] = {}
    t = time.perf_counter()
    prep = prepare(config)
    assert prep.config.logs is not None
    files = read_logs(prep.config.logs, prep.loaded.folder)
    out["read"] = time.perf_counter() - t
    t = time.perf_counter()
    logs = validate_logs(
        {f.table: LogTable(f.table, f.source, f.frame) for f in files}, prep.config
    )
    out["validate"] = time.perf_counter() - t
    t = time.perf_counter()
    usage = build_usage(logs, prep.config, prep.terms)
    out["usage matrix"] = time.perf_counter() - t
    t = time.perf_counter()
    api.estimate(Built(prep, logs, files, usage))
    out["prices and tables"] = time.perf_counter() - t
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "logs"
        t0 = time.perf_counter()
        api.synth(folder, n_contacts=args.contacts, seed=1)
        print(f"synth: {time.perf_counter() - t0:.1f} s")
        contacts = folder / "contacts.csv"
        n_rows = sum(1 for _ in contacts.open()) - 1
        size_mb = contacts.stat().st_size / 1e6
        print(f"contacts.csv: {n_rows:,} rows, {size_mb:.0f} MB")
        t_read = best_of(args.repeat, lambda: pd.read_csv(contacts))
        logs = [folder / f"{n}.csv" for n in ("contacts", "attendance", "women", "staff_time")]
        t_read_all = best_of(args.repeat, lambda: [pd.read_csv(f) for f in logs])
        t_est = best_of(args.repeat, lambda: api.estimate(folder / "config.yaml"))
        phases = _phases(folder / "config.yaml")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"pandas.read_csv(contacts.csv): {t_read:.2f} s (best of {args.repeat})")
    print(f"rapport_cost.estimate (4 logs, validation, engine, tables): {t_est:.2f} s")
    print(f"ratio estimate / read_csv: {t_est / t_read:.2f}x (target <= 3x)")
    print(
        f"pandas.read_csv of all four logs: {t_read_all:.2f} s; "
        f"estimate / that: {t_est / t_read_all:.2f}x"
    )
    print("phases of one estimate: " + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items()))
    print(f"peak memory (RSS): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
