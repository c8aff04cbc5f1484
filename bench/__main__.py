import argparse
import subprocess
import sys

from . import classify_latency, intake_throughput, locate_1m, scheduler_scale  # noqa: F401  (each registers itself)
from .framework import BENCHMARKS, save


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--only", help=f"one of: {', '.join(sorted(BENCHMARKS))}")
    args = parser.parse_args()
    names = [args.only] if args.only else sorted(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark {unknown[0]!r}; known: {', '.join(sorted(BENCHMARKS))}", file=sys.stderr)
        return 2
    if len(names) > 1:
        # One process each: a benchmark sets Django up on its own database (intake_throughput on a
        # throw-away PostgreSQL one), which a process can do only once.
        failed = [n for n in names if subprocess.run([sys.executable, "-m", "bench", "--only", n]).returncode]
        return 1 if failed else 0
    for name in names:
        result = BENCHMARKS[name]()
        save(result)
        print(result.line(), flush=True)
    return 0


sys.exit(main())
