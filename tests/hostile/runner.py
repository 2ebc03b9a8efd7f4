"""Run one hostile-input case: a folder of inputs, a command line and what must happen.

A case folder holds

* ``args.txt``: the command line, one argument a line (``{dir}`` is the case's working
  folder, which holds tests/cases/small with the case's files copied over it);
* ``expect.txt``: ``exit N`` on its first line, then optional ``creates PATH`` lines
  (outputs the run is meant to leave), then lines that must each be in stderr
  (``{dir}`` as above);
* optionally ``setup.txt``: one directive a line, run before the command:
  ``fifo NAME``, ``symlink NAME TARGET``, ``hardlink NAME TARGET``, ``mkdir NAME``,
  ``write NAME TEXT``, ``xlsx CSV``, ``lock NAME`` (hold NAME's output lock, as another
  run would), ``run ARGS...`` (a command run first, e.g. to write an output folder),
  ``delete NAME``, ``append NAME TEXT``, ``replace NAME OLD -> NEW``, ``json NAME
  KEY.PATH VALUE`` (set a value in a JSON file); and ``isolate``
  (run in a subprocess with limits, for the dangerous cases) or ``fsize BYTES`` (also
  isolated, with that file-size limit and SIGXFSZ ignored: a full disk);
* any other file: an input, copied into the working folder.

What every case asserts (:func:`check`): the exit code; each expected message; every
message located and naming no woman (tests/messages.py); no traceback; no file left
behind and every input byte-identical (every file of the working folder hashed before
and after); under :data:`MAX_SECONDS` of CPU time and :data:`MAX_BYTES` of memory (an
isolated run's peak resident set, or the growth of this process's while an in-process
run goes).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tests.helpers import invoke
from tests.messages import error_lines, unlocated, with_ids, woman_ids

HERE = Path(__file__).parent
BASE = HERE.parent / "cases" / "small"
CASES = sorted(p for p in (HERE / "cases").iterdir() if p.is_dir())
SPEC_FILES = {"args.txt", "expect.txt", "setup.txt"}
#: Every case must finish within this much CPU time (not wall time: the suite shares
#: its cores) and use at most this much memory; a run still going after HANG_SECONDS of
#: wall time is killed and fails (a named pipe would block for ever).
MAX_SECONDS = 10.0
MAX_BYTES = 2**30
HANG_SECONDS = 60.0
#: An isolated run's address space: a guard far above MAX_BYTES (a Python process with
#: NumPy, pandas and Arrow maps about 0.5 GB before it starts work).
ADDRESS_SPACE = 4 * 2**30


@dataclass
class Outcome:
    """What a run did: ``seconds`` of CPU time, ``peak_bytes`` of memory."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_bytes: int


def _lines(path: Path) -> list[str]:
    return [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def snapshot(folder: Path) -> dict[str, str]:
    """Every path under ``folder`` (hidden ones too) and a hash of each file's bytes."""
    out: dict[str, str] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            rel = str(path.relative_to(folder))
            if path.is_symlink():
                out[rel] = "link:" + os.readlink(path)
            elif path.is_dir():
                out[rel] = "folder"
            elif path.is_file():
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                out[rel] = "special"
    return out


def _xlsx(folder: Path, name: str) -> None:
    frame = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
    frame.to_excel(folder / Path(name).with_suffix(".xlsx"), index=False)


@contextlib.contextmanager
def prepared(case: Path, work: Path) -> Iterator[list[str]]:
    """The working folder made for ``case``; yields the command line. Locks held by
    ``lock`` directives are released at the end."""
    shutil.copytree(BASE, work)
    for f in case.iterdir():
        if f.name not in SPEC_FILES:
            shutil.copy(f, work / f.name)
    held = []
    setup = case / "setup.txt"
    for line in _lines(setup) if setup.exists() else []:
        op, *rest = line.replace("{dir}", str(work)).split(" ")
        if op == "fifo":
            os.mkfifo(work / rest[0])
        elif op == "symlink":
            os.symlink(rest[1], work / rest[0])
        elif op == "hardlink":
            os.link(work / rest[1], work / rest[0])
        elif op == "mkdir":
            (work / rest[0]).mkdir(parents=True)
        elif op == "write":
            (work / rest[0]).write_text(" ".join(rest[1:]) + "\n", encoding="utf-8")
        elif op == "append":
            with (work / rest[0]).open("ab") as fh:
                fh.write(" ".join(rest[1:]).encode())
        elif op == "delete":
            (work / rest[0]).unlink()
        elif op == "replace":  # replace NAME OLD -> NEW (OLD and NEW may hold spaces)
            path = work / rest[0]
            old, new = " ".join(rest[1:]).split(" -> ")
            text = path.read_text(encoding="utf-8")
            assert old in text, f"{case.name}: {old!r} not in {rest[0]}"
            path.write_text(text.replace(old, new, 1), encoding="utf-8")
        elif op == "json":  # json NAME DOTTED.KEY VALUE: set a value of a JSON file
            path = work / rest[0]
            doc = json.loads(path.read_text(encoding="utf-8"))
            *parents, last = rest[1].split(".")
            node = doc
            for key in parents:
                node = node[key]
            node[last] = json.loads(" ".join(rest[2:]))
            path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
        elif op == "xlsx":
            _xlsx(work, rest[0])
        elif op == "lock":
            fh = (work / f".{rest[0]}.lock").open("w")
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held.append(fh)
        elif op == "run":
            cwd = Path.cwd()
            os.chdir(work)
            try:
                invoke(rest, code=0)
            finally:
                os.chdir(cwd)
        elif op not in ("isolate", "fsize"):
            msg = f"{case.name}: unknown setup directive {op!r}"
            raise ValueError(msg)
    args = [a.replace("{dir}", str(work)) for a in _lines(case / "args.txt")]
    try:
        yield args
    finally:
        for fh in held:
            fh.close()
            (work / f".{Path(fh.name).name[1:-5]}.lock").unlink(missing_ok=True)


def _options(case: Path) -> dict[str, int]:
    setup = case / "setup.txt"
    found: dict[str, int] = {}
    for line in _lines(setup) if setup.exists() else []:
        op, *rest = line.split(" ")
        if op == "isolate":
            found["isolate"] = 1
        elif op == "fsize":
            found["isolate"] = 1
            found["fsize"] = int(rest[0])
    return found


def _resident() -> int:
    """This process's resident memory in bytes (``/proc/self/statm``)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


@contextlib.contextmanager
def _rss_growth() -> Iterator[list[int]]:
    """The most this process's resident memory grows while the block runs (sampled every
    5 ms by a thread; ``[bytes]`` once the block ends)."""
    start, peak, done = _resident(), [0], threading.Event()

    def sample() -> None:
        while not done.wait(0.005):
            peak[0] = max(peak[0], _resident() - start)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    found = [0]
    try:
        yield found
    finally:
        done.set()
        thread.join()
        found[0] = max(peak[0], _resident() - start)


def run_in_process(args: list[str], work: Path) -> Outcome:
    """``rapport-cost ARGS`` in this process (fast); memory is the growth of its resident
    set while the command runs."""
    cwd = Path.cwd()
    os.chdir(work)
    start = time.process_time()
    try:
        with _rss_growth() as grown:
            result = invoke(args)
        seconds = time.process_time() - start
    finally:
        os.chdir(cwd)
    return Outcome(result.exit_code, result.stdout, result.stderr, seconds, grown[0])


def run_isolated(args: list[str], work: Path, *, fsize: int | None = None) -> Outcome:
    """``rapport-cost ARGS`` in a subprocess with an address-space limit and a timeout;
    memory is the child's peak resident set (its ``VmHWM``)."""

    # A small launcher sets the limits and becomes rapport-cost (exec).
    launcher = (
        "import os, resource, signal, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({ADDRESS_SPACE}, {ADDRESS_SPACE}))\n"
        + (
            "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            f"resource.setrlimit(resource.RLIMIT_FSIZE, ({fsize}, {fsize}))\n"
            if fsize is not None
            else ""
        )
        + "os.execv(sys.executable, [sys.executable, '-m', 'rapport_cost', *sys.argv[1:]])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(HERE.parents[1] / "src")}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", launcher, *args],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    streams: dict[str, bytes] = {}
    readers = [
        threading.Thread(target=lambda k=k, f=f: streams.__setitem__(k, f.read()))
        for k, f in (("out", proc.stdout), ("err", proc.stderr))
    ]
    peak = [0]
    done = threading.Event()
    # The child's own high-water mark (VmHWM, of the program it execs: rusage would
    # count this process's pages, which the child shares until it execs), read every
    # 5 ms until it exits.
    watcher = threading.Thread(target=_watch, args=(proc.pid, peak, done))
    for t in (*readers, watcher):
        t.start()
    killer = threading.Timer(HANG_SECONDS, proc.kill)  # a hang fails, not blocks
    killer.start()
    for r in readers:
        r.join()  # the pipes close when the child exits (it is not yet reaped)
    done.set()
    watcher.join()
    _, status, usage = os.wait4(proc.pid, 0)
    killer.cancel()
    for f in (proc.stdout, proc.stderr):
        if f is not None:
            f.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = streams["err"].decode(errors="replace")
    if time.perf_counter() - start >= HANG_SECONDS:
        err += f"\n[killed after {HANG_SECONDS:.0f} s: it hung]"
    return Outcome(
        proc.returncode, streams["out"].decode(errors="replace"), err,
        usage.ru_utime + usage.ru_stime, peak[0],
    )  # fmt: skip


def _watch(pid: int, peak: list[int], done: threading.Event) -> None:
    status = Path(f"/proc/{pid}/status")
    while True:
        with contextlib.suppress(OSError, ValueError):
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak[0] = max(peak[0], int(line.split()[1]) * 1024)
        if done.wait(0.005):
            return


def run_case(case: Path, work: Path) -> tuple[Outcome, dict[str, str], dict[str, str]]:
    """Run a case; return what happened and the working folder before and after."""
    opts = _options(case)
    with prepared(case, work) as args:
        before = snapshot(work)
        if opts.get("isolate"):
            outcome = run_isolated(args, work, fsize=opts.get("fsize"))
        else:
            outcome = run_in_process(args, work)
        after = snapshot(work)
    return outcome, before, after


def expectations(case: Path, work: Path) -> tuple[int, list[str], list[str]]:
    """The exit code, the outputs the run may leave and the expected messages."""
    lines = [ln.replace("{dir}", str(work)) for ln in _lines(case / "expect.txt")]
    code = int(lines[0].removeprefix("exit "))
    creates = [ln.removeprefix("creates ") for ln in lines[1:] if ln.startswith("creates ")]
    messages = [ln for ln in lines[1:] if not ln.startswith("creates ")]
    return code, creates, messages


def check(case: Path, work: Path) -> Outcome:
    """Run ``case`` and assert everything it must (see the module docstring)."""
    outcome, before, after = run_case(case, work)
    code, creates, messages = expectations(case, work)
    shown = f"--- stdout\n{outcome.stdout}\n--- stderr\n{outcome.stderr}"
    assert outcome.code == code, f"exit {outcome.code}, expected {code}\n{shown}"
    err = " ".join(outcome.stderr.split())
    for text in messages:
        assert " ".join(text.split()) in err, f"missing {text!r}\n{shown}"
    assert "Traceback" not in outcome.stderr + outcome.stdout, shown
    found = error_lines(outcome.stderr)
    if outcome.code not in (0, 1):  # a failure says where, in every message
        assert found, shown
        assert not unlocated(found), f"not located: {unlocated(found)}"
    named = with_ids(found, woman_ids(work) | woman_ids(BASE))
    assert not named, f"a woman's id in a message: {named}"
    changed = {p for p in before if after.get(p) != before[p]}
    assert not changed, f"inputs changed or removed: {sorted(changed)}"
    left = {p for p in after if p not in before and not any(
        p == c or p.startswith(c + os.sep) for c in creates
    )}  # fmt: skip
    assert not left, f"left behind: {sorted(left)}"
    for c in creates:
        assert c in after, f"{c} was not written\n{shown}"
    assert outcome.seconds < MAX_SECONDS, f"took {outcome.seconds:.1f} s of CPU time"
    assert outcome.peak_bytes < MAX_BYTES, f"used {outcome.peak_bytes / 2**20:,.0f} MiB"
    return outcome
