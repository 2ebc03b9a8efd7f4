"""Start-up: the wall time of whole commands against ``python -c "import pandas"``.

Run: ``uv run python benchmarks/startup.py [--repeat 5] [--top 8] [--no-cache]``

A command's time on the bundled example is mostly start-up: importing Python packages.
In one run this script

* times, best of ``--repeat`` (interleaved, so that background load hits all alike),
  ``rapport-cost --help``, ``validate``, ``unit-costs`` and ``estimate`` on the bundled
  example (output to a null device), and the peer ``python -c "import pandas"``, and
  prints each ratio to the peer (targets: estimate <= 1.25x, the others <= 1.0x);
* records ``python -X importtime -m rapport_cost CMD --help`` for every command, and
  ``-X importtime`` of the real runs of ``estimate``, ``validate`` and ``unit-costs``, and
  prints for each the total import time, the import time by top-level package (the
  modules' own time, summed), and the heaviest imports by cumulative time with the
  chain of modules that imported each (``pandas <- rapport_cost.api.base <- ...``).

Every child runs with a bytecode cache (``PYTHONPYCACHEPREFIX`` set to a temporary folder
and warmed by one untimed run first), as a user's installed environment has one, even
where the environment sets ``PYTHONDONTWRITEBYTECODE``; ``--no-cache`` measures without
(every module compiled from source on every run). Nothing is written to the project or
the environment.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field

COMMANDS = (
    "bootstrap", "unit-costs", "estimate", "schema", "validate", "synth", "psa", "report",
    "reproduce", "dsa", "scenarios", "scale-up",
)  # fmt: skip
RUNS = {  # the real runs timed against the peer, on the bundled example
    "--help": ["--help"],
    "validate": ["validate"],
    "unit-costs": ["unit-costs"],
    "estimate": ["estimate"],
}
TARGETS = {"--help": 1.0, "validate": 1.0, "unit-costs": 1.0, "estimate": 1.25}
PEER = [sys.executable, "-c", "import pandas"]


def command(args: list[str]) -> list[str]:
    """``rapport-cost ARGS`` through the console script beside this Python, else ``-m``."""
    script = shutil.which("rapport-cost", path=os.path.dirname(sys.executable))
    return [script, *args] if script else [sys.executable, "-m", "rapport_cost", *args]


def run(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Wall seconds of one child process, and its standard error."""
    t0 = time.perf_counter()
    done = subprocess.run(
        argv, check=False, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    elapsed = time.perf_counter() - t0
    if done.returncode not in (0, 1):  # validate exits 1 on warnings-only configs
        msg = f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr.decode()[-2000:]}"
        raise SystemExit(msg)
    return elapsed, done.stderr.decode(errors="replace")


@dataclass
class Import:
    """One line of ``-X importtime``: a module, its own and cumulative microseconds."""

    name: str
    self_us: int
    cumulative_us: int
    depth: int
    parent: Import | None = None
    children: list[Import] = field(default_factory=list)


_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


def parse_importtime(stderr: str) -> list[Import]:
    """The import tree: ``-X importtime`` prints each module after its own imports."""
    found: list[Import] = []
    pending: dict[int, list[Import]] = defaultdict(list)  # depth -> modules awaiting a parent
    for line in stderr.splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        depth = len(m.group(3)) // 2
        imp = Import(m.group(4), int(m.group(1)), int(m.group(2)), depth)
        imp.children = pending.pop(depth + 1, [])
        for child in imp.children:
            child.parent = imp
        pending[depth].append(imp)
        found.append(imp)
    return found


def chain(imp: Import) -> str:
    """``module <- importer <- ...`` up to the first rapport_cost module (or the top).

    Long chains keep their two ends: ``pickle <- numpy._core._methods <- ... <- numpy <-
    rapport_cost.api.base``.
    """
    names = [imp.name]
    node = imp.parent
    while node is not None:
        names.append(node.name)
        if node.name.startswith("rapport_cost"):
            break
        node = node.parent
    if len(names) > 5:
        names = [*names[:2], "...", *names[-2:]]
    return " <- ".join(names)


def summarise(label: str, stderr: str, top: int) -> None:
    imports = parse_importtime(stderr)
    total = sum(i.cumulative_us for i in imports if i.depth == 0) / 1e6
    by_package: dict[str, int] = defaultdict(int)
    for i in imports:
        by_package[i.name.split(".")[0]] += i.self_us
    packages = sorted(by_package.items(), key=lambda kv: -kv[1])[:top]
    print(f"\n{label}: imports {total:.3f} s in total")
    print("  by package (own time): " + ", ".join(f"{k} {v / 1e6:.3f}" for k, v in packages))
    # the first import of each heavy third-party package, and the module that asked for it
    first: dict[str, Import] = {}
    for i in imports:
        root = i.name.split(".")[0]
        if root != "rapport_cost" and (root not in first or i.depth < first[root].depth):
            first[root] = i
    heavy = sorted(first.values(), key=lambda i: -i.cumulative_us)[:top]
    print("  heaviest third-party imports (cumulative s, imported by):")
    for i in heavy:
        print(f"    {i.cumulative_us / 1e6:6.3f}  {chain(i)}")
    ours = sorted(
        (i for i in imports if i.name.startswith("rapport_cost")), key=lambda i: -i.cumulative_us
    )[:top]
    print("  heaviest rapport_cost modules (cumulative s):")
    for i in ours:
        print(f"    {i.cumulative_us / 1e6:6.3f}  {i.name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--top", type=int, default=8)
    parser.add_argument("--no-cache", action="store_true", help="no bytecode cache")
    parser.add_argument("--commands", nargs="*", default=list(COMMANDS))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ)
        if args.no_cache:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            env.pop("PYTHONPYCACHEPREFIX", None)
        else:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = cache
        mode = "no bytecode cache" if args.no_cache else "bytecode cache in a temporary folder"
        print(
            f"python {sys.version.split()[0]}, {mode}; load average "
            f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; best of {args.repeat}"
        )
        jobs = {"import pandas": PEER, **{k: command(v) for k, v in RUNS.items()}}
        for argv in jobs.values():
            run(argv, env)  # warm: the bytecode cache and the page cache
        best = dict.fromkeys(jobs, float("inf"))
        for _ in range(args.repeat):
            for name, argv in jobs.items():
                best[name] = min(best[name], run(argv, env)[0])
        peer = best["import pandas"]
        print(f'\npython -c "import pandas" [peer]: {peer:.3f} s')
        for name in RUNS:
            ratio = best[name] / peer
            verdict = "met" if ratio <= TARGETS[name] else "NOT met"
            label = f"rapport-cost {name}" if name != "--help" else "rapport-cost --help"
            print(
                f"{label:26} {best[name]:.3f} s  {ratio:.2f}x the peer "
                f"(target <= {TARGETS[name]:.2f}x: {verdict})"
            )

        base = [sys.executable, "-X", "importtime", "-m", "rapport_cost"]
        for name, argv in [
            ("estimate (run)", [*base, "estimate"]),
            ("validate (run)", [*base, "validate"]),
            ("unit-costs (run)", [*base, "unit-costs"]),
            ("--help", [*base, "--help"]),
            *((f"{c} --help", [*base, c, "--help"]) for c in args.commands),
        ]:
            summarise(name, run(argv, env)[1], args.top)
        peer_imports = [sys.executable, "-X", "importtime", "-c", "import pandas"]
        summarise('python -c "import pandas"', run(peer_imports, env)[1], args.top)


if __name__ == "__main__":
    main()
