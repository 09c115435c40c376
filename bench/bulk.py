"""Bulk runs: peak memory and records/s of `cspark batches run` and `cspark services execute --records`.

    python bench/bulk.py                          # 10k and 100k rows
    python bench/bulk.py --sizes 10000,100000,1000000

Each run is the installed `cspark` in a process of its own, against an emulator started by this script
(`python -m cspark_emulator --samples`, jobs in its default instant mode) with the trivial workbook
`my-folder/my-service`. Peak RSS is the child's own (`wait4`), so runs don't see each other. The baseline,
measured in the same run, is the same command on 1,000 rows: memory is flat when every size's peak stays
within a few MiB of it, whatever the size. Records/s is set by the emulator's workbook engine, not by cspark.
Nothing here is asserted in tests; the figures go in the README and the closing notes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from emuchild import emulator_child

CSPARK = shutil.which("cspark") or str(Path(sys.executable).with_name("cspark"))
SERVICE = "my-folder/my-service"


def write_input(folder: Path, rows: int) -> Path:
    path = folder / f"in-{rows}.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("value\n")
        for start in range(0, rows, 10_000):
            out.write("".join(f"{i % 1000}\n" for i in range(start, min(rows, start + 10_000))))
    return path


def measure(args: list[str], env: dict[str, str], stdout: int | None = None) -> tuple[float, float, int]:
    """(seconds, peak RSS in MiB, exit code) of one cspark process."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [CSPARK, *args], env=env, stdout=stdout or subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        assert proc.stderr is not None
        print(proc.stderr.read().decode()[-2000:], file=sys.stderr)
    return seconds, usage.ru_maxrss / 1024, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated row counts")
    parser.add_argument("--what", default="batches,execute", help="batches, execute or both")
    parser.add_argument("--chunk-size", type=int, default=1000)
    parser.add_argument(
        "--emulator-args", default="", help="extra flags for the emulator, e.g. '--workers 2'"
    )
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with emulator_child(*options.emulator_args.split()) as info:
            env = {k: v for k, v in os.environ.items() if not k.startswith("CSPARK_")}
            env.update(CSPARK_BASE_URL=info["url"], CSPARK_API_KEY=info["api_key"], CSPARK_CONFIG_DIR=tmp)
            for what in options.what.split(","):
                run_sizes(what, [1000, *sizes], folder, env, options.chunk_size)


def run_sizes(what: str, sizes: list[int], folder: Path, env: dict[str, str], chunk: int) -> None:
    print(f"\n{what} (chunks of {chunk}):")
    print(f"{'rows':>9} {'seconds':>9} {'records/s':>10} {'peak RSS MiB':>13} {'vs 1k rows':>11}")
    base = None
    peaks = {}
    for rows in sizes:
        source = write_input(folder, rows)
        out = folder / f"out-{rows}.csv"
        if what == "batches":
            args = ["batches", "run", SERVICE, "--file", str(source), "--out", str(out), "--force"]
            args += ["--chunk-size", str(chunk), "--timeout", "86400", "--poll-interval", "0.05"]
            seconds, peak, code = measure(args, env)
        else:
            args = ["-o", "csv", "services", "execute", SERVICE, "--records", str(source)]
            args += ["--chunk-size", str(chunk)]
            with out.open("wb") as sink:
                seconds, peak, code = measure(args, env, stdout=sink.fileno())
        lines = sum(1 for _ in out.open(encoding="utf-8")) - 1 if out.exists() else 0
        status = "" if code == 0 and lines == rows else f"  (exit {code}, {lines} rows written)"
        base = base or peak
        peaks[rows] = peak
        print(
            f"{rows:>9} {seconds:>9.1f} {rows / seconds:>10.0f} {peak:>13.1f} {peak / base:>10.2f}x{status}"
        )
        out.unlink(missing_ok=True)
        source.unlink()
    big = sorted(s for s in sizes if s >= 100_000)
    if len(big) >= 2:
        print(f"peak RSS {big[-1]:,} rows / {big[0]:,} rows: {peaks[big[-1]] / peaks[big[0]]:.3f}")


if __name__ == "__main__":
    main()
