"""Benchmark: ``estimate`` on 1,000,000 synthetic contacts against ``pandas.read_csv``.

Run with ``uv run python benchmarks/estimate_scale.py [--contacts N] [--rounds R]``. In one
run it writes synthetic logs of about N contacts (``rapport-cost synth``), then, in each of
R rounds, times one after the other:

* the peer: ``pandas.read_csv`` of the contacts file (just reading it);
* ``pandas.read_csv`` of all four logs the estimate reads (contacts, attendance with about
  as many rows again, women, staff time);
* a hand-written pandas costing, as an analyst might script it (:func:`pandas_costing`):
  staff time and group shares per woman, summarised per unit, without checking a row;
* the floor of any estimate: reading the four logs with the estimate's own reader (Arrow,
  typed columns), without checking a row; and
* ``rapport_cost.estimate`` on config + logs: reading, validating every row, building the
  usage matrix, pricing and every table.

Rounds interleave the timings so that drift in the machine's speed falls on all of them
alike. It prints the best time of each, the ratio estimate / peer of each round (target:
at most 3x), the best time of each phase of the estimate and the peak memory (RSS).

Then the reader alone (:func:`reader_section`), wall clock and CPU (all threads): the
four logs with the estimate's reader against ``pandas.read_csv`` of the same files; the
contacts file as UTF-8, UTF-8 with a BOM and Windows-1252 (one accented value), each
against ``pandas.read_csv`` with that encoding; and the same file with its last row one
field short, which the reader reports with its row number (pandas raises on it).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from rapport_cost import api
from rapport_cost.api.base import Built, prepare
from rapport_cost.config import Logs
from rapport_cost.core.inputs.logs import LogTable, validate_logs
from rapport_cost.core.usage.build import build_usage
from rapport_cost.errors import LogError
from rapport_cost.fileio.logs import read_log, read_logs

LOGS = ("contacts", "attendance", "women", "staff_time")


def seconds(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


#: Illustrative cost per hour of each role for :func:`pandas_costing` (GBP).
HOURLY = {"psw": 40.0, "coordinator": 55.0, "supervisor": 70.0, "volunteer": 0.0}


def pandas_costing(folder: Path) -> pd.DataFrame:
    """Cost per woman by unit as a short pandas script would work it out (no validation).

    Each contact costs its staff time (duration + preparation + travel) at the
    facilitators' hourly costs; a one-to-one goes to its woman; a shared session is split
    equally between its attendees and other attendees. Returns count, mean, sd and
    quartiles of cost per woman for each unit.
    """
    contacts = pd.read_csv(folder / "contacts.csv")
    attendance = pd.read_csv(folder / "attendance.csv")
    women = pd.read_csv(folder / "women.csv")
    team = contacts["facilitators"].astype("category")
    per_team = [sum(HOURLY[r] for r in t.split(";")) for t in team.cat.categories]
    rate = pd.Series(per_team)[team.cat.codes].to_numpy()
    hours = (contacts["duration_min"] + contacts["prep_min"] + contacts["travel_min"]) / 60
    contacts["cost"] = hours * rate
    n = attendance.groupby("contact_id").size().rename("n")
    shared = contacts.join(n, on="contact_id", how="inner")
    shared["share"] = shared["cost"] / (shared["n"] + shared["other_attendees"])
    group = attendance.merge(shared[["contact_id", "share"]], on="contact_id")
    cost = pd.concat(
        [
            contacts.loc[contacts["woman_id"].notna(), ["woman_id", "cost"]],
            group[["woman_id", "share"]].rename(columns={"share": "cost"}),
        ]
    )
    per_woman = women.join(cost.groupby("woman_id")["cost"].sum(), on="woman_id")
    per_woman["cost"] = per_woman["cost"].fillna(0.0)
    return per_woman.groupby("site")["cost"].describe()


def phases(config: Path) -> dict[str, float]:
    """Seconds spent reading, validating, building the usage matrix and making tables."""
    out: dict[str, float] = {}
    t = time.perf_counter()
    prep = prepare(config)
    assert prep.config.logs is not None
    files = read_logs(prep.config.logs, prep.loaded.folder)
    out["read"] = time.perf_counter() - t
    t = time.perf_counter()
    logs = validate_logs(
        {f.table: LogTable(f.table, f.source, f.frame, f.rows) for f in files}, prep.config
    )
    out["validate"] = time.perf_counter() - t
    t = time.perf_counter()
    usage = build_usage(logs, prep.config, prep.terms)
    out["usage matrix"] = time.perf_counter() - t
    t = time.perf_counter()
    api.estimate(Built(prep, logs, files, usage))
    out["prices and tables"] = time.perf_counter() - t
    return out


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU (all threads) seconds of one call."""
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def reader_section(folder: Path, logs_cfg: Logs, rounds: int) -> None:
    """The reader against pandas.read_csv: four logs, three encodings, a bad last row."""
    contacts = folder / "contacts.csv"
    raw = contacts.read_bytes()
    variants = {
        "utf-8": raw,
        "utf-8-sig": b"\xef\xbb\xbf" + raw,
        "cp1252": raw.replace(b"birmingham", "birmingh\u00e4m".encode("cp1252"), 1),
    }
    short = raw.rstrip(b"\n").rsplit(b",", 1)[0] + b"\n"  # the last row one field short
    files = {}
    for name, data in [*variants.items(), ("short", short)]:
        files[name] = folder / f"contacts_{name}.csv"
        files[name].write_bytes(data)
    row = raw.count(b"\n")  # header row 1: the last data row is row (lines)
    runs: dict[str, Callable[[], object]] = {
        "reader, four logs": lambda: [f.sha256 for f in read_logs(logs_cfg, folder)],
        "pandas, four logs": lambda: [pd.read_csv(folder / f"{n}.csv") for n in LOGS],
    }
    for name in variants:
        path = files[name]
        runs[f"reader, contacts {name}"] = lambda p=path: read_log(
            p, table="contacts", source=p.name, logs=logs_cfg
        )
        runs[f"pandas, contacts {name}"] = lambda p=path, e=name: pd.read_csv(p, encoding=e)

    reported: list[str] = []

    def reader_short() -> None:
        try:
            read_log(files["short"], table="contacts", source="short.csv", logs=logs_cfg)
        except LogError as exc:
            reported[:] = [str(p) for p in exc.problems]
        else:
            reported[:] = ["nothing reported"]

    def pandas_short() -> None:
        try:
            pd.read_csv(files["short"])
        except pd.errors.ParserError:
            return
        # pandas fills a short row with NaN without a word; this times its read

    runs["reader, bad last row (error)"] = reader_short
    runs["pandas, bad last row"] = pandas_short
    best = {k: (float("inf"), float("inf")) for k in runs}
    for _ in range(rounds):
        for name, fn in runs.items():
            wall, cpu = timed(fn)
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    print(f"reader (best of {rounds}, wall / CPU s):")
    for name, (wall, cpu) in best.items():
        print(f"  {name:32} {wall:6.3f} / {cpu:6.3f}")
    pairs = [("four logs", "four logs")] + [(f"contacts {n}", f"contacts {n}") for n in variants]
    print(
        "  reader / pandas (wall): "
        + ", ".join(
            f"{a} {best['reader, ' + a][0] / best['pandas, ' + b][0]:.2f}x" for a, b in pairs
        )
    )
    print(f"  the bad last row (row {row:,}) is reported as: {'; '.join(reported)[:300]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "logs"
        t0 = time.perf_counter()
        api.synth(folder, n_contacts=args.contacts, seed=1)
        print(f"synth: {time.perf_counter() - t0:.1f} s")
        config = folder / "config.yaml"
        contacts = folder / "contacts.csv"
        with contacts.open() as lines:
            n_rows = sum(1 for _ in lines) - 1
        print(f"contacts.csv: {n_rows:,} rows, {contacts.stat().st_size / 1e6:.0f} MB")
        prep = prepare(config)
        assert prep.config.logs is not None
        logs_cfg = prep.config.logs
        runs: dict[str, Callable[[], object]] = {
            "peer": lambda: pd.read_csv(contacts),
            "pandas all": lambda: [pd.read_csv(folder / f"{n}.csv") for n in LOGS],
            "pandas costing": lambda: pandas_costing(folder),
            "read floor": lambda: read_logs(logs_cfg, folder),
            "estimate": lambda: api.estimate(config),
        }
        times: dict[str, list[float]] = {k: [] for k in runs}
        phase_times: dict[str, list[float]] = {}
        api.estimate(config)  # warm: imports, caches, the files in the page cache
        for _ in range(args.rounds):
            for name, fn in runs.items():
                times[name].append(seconds(fn))
            for name, value in phases(config).items():
                phase_times.setdefault(name, []).append(value)
        reader_section(folder, logs_cfg, args.rounds)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    best = {k: min(v) for k, v in times.items()}
    ratios = [e / p for e, p in zip(times["estimate"], times["peer"], strict=True)]
    print(f"best of {args.rounds} rounds:")
    print(f"  pandas.read_csv(contacts.csv) [peer]: {best['peer']:.3f} s")
    print(f"  pandas.read_csv of all four logs:     {best['pandas all']:.3f} s")
    print(f"  a hand-written pandas costing:        {best['pandas costing']:.3f} s")
    print(f"  the estimate's reader, four logs:     {best['read floor']:.3f} s")
    print(f"  rapport_cost.estimate:                {best['estimate']:.3f} s")
    print(
        f"ratio estimate / peer: best {best['estimate'] / best['peer']:.2f}x, per round "
        f"median {statistics.median(ratios):.2f}x, range {min(ratios):.2f}-{max(ratios):.2f}x "
        "(target <= 3x)"
    )
    print(
        f"estimate / pandas reading all four logs: {best['estimate'] / best['pandas all']:.2f}x; "
        f"estimate / hand-written pandas costing: "
        f"{best['estimate'] / best['pandas costing']:.2f}x; "
        f"reading alone / peer: {best['read floor'] / best['peer']:.2f}x"
    )
    print(
        "phases of an estimate (best): "
        + ", ".join(f"{k} {min(v):.3f} s" for k, v in phase_times.items())
    )
    print(f"peak memory (RSS): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
