"""What the benchmarks measure and print the same way: the machine and its load, CPU
seconds (from /proc and getrusage), a command or a function in a fresh process, the median
of repeated runs, plain-text tables, and the ceiling of a parallel run.

The scripts run from the repository root as ``.venv/bin/python benchmarks/<name>.py``:
Python puts benchmarks/ first on the import path, so they import this module by name
(``from common import ...``), as they import each other (``scale``, ``speed``).

**The ceiling** (``parallel_ingest.py``, ``reprocess.py``): the speed-up over the
``1 worker`` run that a run's CPU seconds allow on otherwise idle cores,

    ceiling = serial CPU / max(run CPU / cores, longest chain)

- *serial CPU*: CPU seconds (user + system) of the ``1 worker`` run: its processes and
  the PostgreSQL server's (postmaster and every backend);
- *run CPU*: the same for this run (parent, workers, server); *cores*: the CPUs this
  process may run on;
- *longest chain*: the CPU seconds that cannot be spread over the cores: the parent's
  (it hands the work out and collects it) plus the busiest worker process's own plus
  its share of the server's (server CPU / workers: each statement waits for its own
  queries); so for ``1 worker`` the whole run's CPU (its ceiling is 1.00x). For threads
  of one process: the parent's plus that process's CPU (the GIL runs one thread's Python
  at a time, while the server's work overlaps with the other threads').

An upper bound: the denominator is the least wall time the run's CPU can take on idle
cores, and start-up, imbalance and waiting only add to it. Unlike wall-clock speed-ups on
a shared machine it does not measure the neighbours, though their load still moves it
(CPU seconds per unit of work grow by 10-20 % beside busy neighbours).
"""

from __future__ import annotations

import multiprocessing
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

TICK = os.sysconf("SC_CLK_TCK")
#: The CPUs this process may run on (the ceiling's cores).
CORES = len(os.sched_getaffinity(0))
#: What the ceiling column means, printed under the tables that have one.
CEILING_NOTE = (
    "ceiling = speed-up over 1 worker on idle cores = serial CPU / max(run CPU / "
    f"{CORES} cores, longest chain); chain = parent + busiest worker + server / workers "
    "(threads: parent + their process)"
)


# -- the machine and its load -------------------------------------------------------------


def load() -> str:
    """The load average over 1 and 5 minutes, as ``1.23 / 2.34``."""
    one, five, _ = os.getloadavg()
    return f"{one:.2f} / {five:.2f}"


def machine_line(note: str = "") -> str:
    """One line naming the machine, the interpreter and the load at start (and ``note``:
    what else ran)."""
    return (
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs ({CORES} usable), Python {platform.python_version()}; "
        f"load average (1 / 5 min) at start {load()}" + (f"; {note}" if note else "")
    )


def end_line(started: float) -> str:
    """One line for the end of a run begun at ``started`` (``time.perf_counter()``): how
    long it took and the load average then (a run of minutes may end under another load
    than :func:`machine_line` saw at its start)."""
    return (
        f"finished after {time.perf_counter() - started:.0f} s; "
        f"load average (1 / 5 min) at end {load()}"
    )


# -- CPU seconds --------------------------------------------------------------------------


def _stat(pid: int) -> tuple[int, float, float]:
    """(parent pid, own CPU seconds, CPU seconds of its reaped children) of ``pid``."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(x) / TICK for x in fields[11:15])
    return int(fields[1]), utime + stime, cutime + cstime


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) ``pid`` has used so far."""
    return _stat(pid)[1]


def own_cpu() -> float:
    """CPU seconds of this process."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def children_cpu() -> float:
    """CPU seconds of this process's children that have exited and been waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_busy() -> float:
    """CPU seconds every process on the machine has used since boot (/proc/stat: user,
    nice, system, irq, softirq, steal)."""
    with open("/proc/stat") as f:
        fields = f.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / TICK


def postmaster_pid(datadir: Path) -> int:
    """The pid of the PostgreSQL server whose data folder is ``datadir``."""
    return int((datadir / "postmaster.pid").read_text().split()[0])


def server_cpu(postmaster: int) -> float:
    """CPU seconds of the PostgreSQL server: the postmaster, its live children (backends,
    background workers) and the children it has reaped (backends that have exited)."""
    _, own, reaped = _stat(postmaster)
    total = own + reaped
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            parent, cpu, _ = _stat(int(entry))
        except (OSError, IndexError, ValueError):
            continue  # exited meanwhile
        if parent == postmaster:
            total += cpu
    return total


def _live_children() -> set[int]:
    """Pids of this process's live children (every thread's: a pool may spawn from any)."""
    found: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        try:
            found.update(int(pid) for pid in (task / "children").read_text().split())
        except OSError:
            continue  # the thread ended meanwhile
    return found


class WorkerCPU:
    """CPU seconds of each worker process spawned while this is open (a pool that is shut
    down before the caller could read its workers), read from /proc every ``tick`` seconds
    on a thread: a worker's last reading misses at most one tick of its CPU. Children that
    were already running, and any that is not a spawned multiprocessing worker (the
    resource tracker, a server), are left out."""

    def __init__(self, tick: float = 0.05) -> None:
        self._tick = tick
        self._seen: dict[int, float] = {}
        self._ignored: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> WorkerCPU:
        self._ignored = _live_children()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def per_worker(self) -> list[float]:
        """Each worker's CPU seconds, in the order they started."""
        return list(self._seen.values())

    def _sample(self) -> None:
        while not self._stop.wait(self._tick):
            for pid in _live_children() - self._ignored:
                try:
                    if pid not in self._seen:
                        command = Path(f"/proc/{pid}/cmdline").read_bytes()
                        if b"spawn_main" not in command:
                            self._ignored.add(pid)
                            continue
                    self._seen[pid] = process_cpu(pid)
                except (OSError, IndexError, ValueError):
                    continue  # exited meanwhile: its last reading stands


# -- the ceiling --------------------------------------------------------------------------


def longest_chain(
    parent: float, per_worker: Sequence[float], server: float, *, threads: bool = False
) -> float:
    """CPU seconds of a run that cannot be spread over the cores (see the module
    docstring): ``parent``'s plus the busiest of ``per_worker`` processes plus its share of
    ``server``; with ``threads``, ``per_worker`` is the one process the threads share, and
    the chain is ``parent``'s plus its CPU."""
    if threads:
        return parent + sum(per_worker)
    return parent + max(per_worker, default=0.0) + server / max(1, len(per_worker))


def ceiling(serial_cpu: float | None, run_cpu: float, chain: float) -> str:
    """The ceiling column's cell: ``serial_cpu / max(run_cpu / CORES, chain)`` as
    ``1.85x``, or ``-`` without a 1-worker run to compare with."""
    bound = max(run_cpu / CORES, chain)
    return f"{serial_cpu / bound:.2f}x" if serial_cpu and bound else "-"


# -- fresh processes ----------------------------------------------------------------------


def in_fresh_process(job: Callable[..., T], *args: object) -> T:
    """``job(*args)`` in a new spawned Python process (a module-level function, pickled by
    name); its CPU counts in :func:`children_cpu` once it returns."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        return pool.submit(job, *args).result()


@dataclass(frozen=True)
class CommandRun:
    """What one command in a new process cost."""

    wall: float
    cpu: float
    peak_mb: float
    stdout: str


def clausewatch(*arguments: str) -> list[str]:
    """The command line of the ``clausewatch`` installed beside this interpreter."""
    return [str(Path(sys.executable).with_name("clausewatch")), *arguments]


def run_command(command: Sequence[str], env: Mapping[str, str] | None = None) -> CommandRun:
    """Run ``command`` in a new process: wall seconds, CPU seconds (user + system), peak
    RSS and its output; raises SystemExit with its error output when it fails."""
    # Under /usr/bin/time, not os.wait4 on our own child: Linux keeps the larger peak RSS
    # across exec, so a child forked from this process (maybe holding the encoder) would
    # report this process's peak; /usr/bin/time's child starts from a small process.
    with tempfile.TemporaryDirectory(prefix="benchmark-time-") as folder:
        report = Path(folder) / "time"
        done = subprocess.run(
            ["/usr/bin/time", "-o", str(report), "-f", "%e %U %S %M", *command],
            capture_output=True,
            text=True,
            env=None if env is None else dict(env),
        )
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.strip()}")
        wall, user, system, peak_kb = report.read_text().split()[-4:]
    return CommandRun(float(wall), float(user) + float(system), int(peak_kb) / 1024, done.stdout)


def repeated_command(command: Sequence[str], runs: int) -> tuple[float, float]:
    """Median wall seconds and highest peak RSS (MB) of ``runs`` runs of ``command``."""
    done = [run_command(command) for _ in range(max(1, runs))]
    return statistics.median(r.wall for r in done), max(r.peak_mb for r in done)


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    """The median wall time of ``run`` in seconds over ``repeat`` runs, after one warm-up run."""
    run()
    times = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# -- tables -------------------------------------------------------------------------------


def width(cell: str) -> int:
    """Terminal columns ``cell`` takes (Hangul is two columns wide)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in cell)


def pad(cell: str, columns: int, left: bool) -> str:
    """``cell`` padded to ``columns`` terminal columns."""
    gap = " " * (columns - width(cell))
    return cell + gap if left else gap + cell


def print_table(header: list[str], rows: list[list[str]]) -> None:
    """Print a plain-text table: first column left-aligned, figures right-aligned."""
    widths = [max(width(h), *(width(r[i]) for r in rows)) for i, h in enumerate(header)]
    for n, row in enumerate([header, *rows]):
        print(
            "  ".join(pad(c, w, i == 0) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        )
        if n == 0:
            print("-" * (sum(widths) + 2 * (len(widths) - 1)))
    print()
