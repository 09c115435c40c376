"""Start-up time of the CLI: medians of `cspark --version`, `cspark --help` and `python -c pass`.

    python bench/startup.py [--runs 20]

Each command runs in a fresh subprocess; the figure is wall-clock time from spawn to exit.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

TARGET_VERSION_S = 0.12


def measure(command: list[str], runs: int) -> float:
    env = {**os.environ, "NO_COLOR": "1"}
    subprocess.run(command, capture_output=True, check=True, env=env)  # warm the file cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    cspark = shutil.which("cspark") or os.path.join(os.path.dirname(sys.executable), "cspark")
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "cspark --version": [cspark, "--version"],
        "cspark --help": [cspark, "--help"],
    }
    results = {name: measure(command, args.runs) for name, command in cases.items()}
    for name, seconds in results.items():
        print(f"{name:<18} {seconds * 1000:7.1f} ms  (median of {args.runs})")
    ok = results["cspark --version"] < TARGET_VERSION_S
    print(f"target: cspark --version < {TARGET_VERSION_S * 1000:.0f} ms: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
