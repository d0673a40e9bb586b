"""How long `veille --help` takes to start, and what it loads, in fresh processes.

Each run starts, one after the other (interleaved, so that the machine's load weighs on all
alike): a bare `python -c "import click"` (the floor: the interpreter and click alone), `veille
--help` of this tree and, with --baseline DIR, `veille --help` of another checkout (its crawler/
and monitors/ put first on the path), e.g. an older commit unpacked with
`git archive COMMIT crawler monitors seeds | tar -x -C DIR`. Prints the median wall time of
each, the ratio to the baseline, and the modules each loads.

    .venv/bin/python bench/cli_start.py [--runs 15] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("numpy", "sqlite_utils", "scrapy", "trafilatura", "courlan", "tabulate", "yaml", "babel")
COUNT = (
    "import runpy, sys, json\n"
    "sys.argv = ['veille', '--help']\n"
    "try:\n"
    "    runpy.run_module('monitors.cli', run_name='__main__')\n"
    "except SystemExit:\n"
    "    pass\n"
    "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
)


def _environment(tree: Path) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(tree))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(command: list[str], tree: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one start, run from `tree` itself (`python -m` and `-c` put the
    working folder first on the path). CPU time is what a loaded machine inflates least."""
    started, cpu = time.perf_counter(), _children_cpu()
    subprocess.run(command, env=_environment(tree), check=True, stdout=subprocess.DEVNULL, cwd=tree)
    return time.perf_counter() - started, _children_cpu() - cpu


def _modules(tree: Path) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", COUNT],
        env=_environment(tree),
        capture_output=True,
        text=True,
        check=True,
        cwd=tree,
    )
    return json.loads(result.stderr.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with")
    args = parser.parse_args()
    help_command = [sys.executable, "-m", "monitors.cli", "--help"]
    candidates = {
        "python + click": ([sys.executable, "-c", "import click"], ROOT),
        "veille --help": (help_command, ROOT),
    }
    if args.baseline:
        candidates["baseline --help"] = (help_command, args.baseline.resolve())
    times: dict[str, list[float]] = {name: [] for name in candidates}
    cpu: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(args.runs):
        for name, (command, tree) in candidates.items():
            wall, used = _timed(command, tree)
            times[name].append(wall)
            cpu[name].append(used)
    load = os.getloadavg()[0]
    print(f"{args.runs} runs each, interleaved; load average {load:.1f} at the end")
    for name, measured in times.items():
        print(
            f"{name:<16} wall median {statistics.median(measured):.3f} s "
            f"(min {min(measured):.3f}, max {max(measured):.3f})   "
            f"CPU median {statistics.median(cpu[name]):.3f} s"
        )
    trees = {"veille --help": ROOT} | ({"baseline --help": args.baseline} if args.baseline else {})
    for name, tree in trees.items():
        loaded = _modules(tree)
        heavy = sorted({m.split(".")[0] for m in loaded} & set(HEAVY))
        print(f"{name:<16} loads {len(loaded)} modules; heavy: {', '.join(heavy) or 'none'}")
    if args.baseline:
        wall = statistics.median(times["veille --help"]) / statistics.median(
            times["baseline --help"]
        )
        used = statistics.median(cpu["veille --help"]) / statistics.median(cpu["baseline --help"])
        print(f"veille --help / baseline: {wall:.2f}x the wall time, {used:.2f}x the CPU time")


if __name__ == "__main__":
    main()
