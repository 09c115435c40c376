"""Start-up cost of the CLI, measured side by side: CPU seconds of whole child processes, as ratios.

    python bench/startup.py [--rounds 15] [--official PATH]

Two targets (issue #13), each a ratio of medians over rounds that run the compared commands back to back
(so a busy machine slows both sides of a ratio alike):

1. `cspark services execute my-folder/my-service --inputs value=42` against a local emulator this script
   starts (loopback, port 0), at most 2.5x the *floor*: a Python script that sends the same execute with
   the standard library's `http.client` and prints the reply.
2. `cspark services execute --help` at most 0.45x the official Spark CLI's `cspark services execute --help`
   (PyPI's `cspark[cli]`, which must live in its own virtualenv because it has the same distribution
   name). Without `--official` the script looks for `.venv-official/bin/cspark`; make it with
       python -m venv .venv-official && .venv-official/bin/pip install 'cspark[cli]==0.3.3'
   When it is missing, that ratio is reported as not measured (exit 1).

The figure is CPU time (user + system) of each child, from `getrusage(RUSAGE_CHILDREN)`, which a shared
machine disturbs much less than wall-clock time; wall-clock medians are printed beside it. Bytecode is
compiled first, and the children run without PYTHONDONTWRITEBYTECODE, so a `.pyc`-less environment does
not read ~15 % high.
Each round's ratio is computed too: the output gives the median ratio and the range over the rounds.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from emuchild import emulator_child

ROOT = Path(__file__).resolve().parent.parent
SERVICE = "my-folder/my-service"
EXECUTE_TARGET = 2.5  # x the http.client floor
HELP_TARGET = 0.45  # x the official CLI's `services execute --help`

FLOOR = textwrap.dedent(
    """\
    import http.client, json, os, sys
    from urllib.parse import urlsplit

    url = urlsplit(os.environ["CSPARK_BASE_URL"])
    body = json.dumps({"request_data": {"inputs": {"value": 42}},
                       "request_meta": {"call_purpose": "bench", "source_system": "bench"}})
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.request("POST", url.path + "/api/v3/folders/my-folder/services/my-service/execute", body,
                 {"Content-Type": "application/json", "x-synthetic-key": os.environ["CSPARK_API_KEY"],
                  "x-tenant-name": url.path.strip("/").split("/")[-1]})
    reply = conn.getresponse()
    data = reply.read()
    if reply.status != 200:
        sys.exit(f"HTTP {reply.status}: {data[:200]!r}")
    print(json.dumps(json.loads(data)["response_data"]["outputs"], indent=2))
    """
)


def cpu_and_wall(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of `command`; fails loudly on a non-zero exit."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=60)
    wall = time.perf_counter() - start
    # communicate() already reaped the child; its rusage is in the children's total
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {proc.returncode}:\n{err.decode(errors='replace')}")
    del out
    return _last_child_cpu(), wall


_children_cpu = 0.0


def _last_child_cpu() -> float:
    """CPU time of the child reaped last: the growth of this process's children total since the previous
    call (children run one at a time). getrusage() counts in microseconds; os.times() in 10 ms ticks."""
    global _children_cpu
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = usage.ru_utime + usage.ru_stime
    spent, _children_cpu = total - _children_cpu, total
    return spent


@contextmanager
def emulator(python: str) -> Iterator[dict[str, str]]:
    """A loopback emulator in a child process (see `emuchild`), stopped on exit."""
    with emulator_child("--api-key", "bench-key", python=python) as banner:
        yield {"CSPARK_BASE_URL": banner["url"], "CSPARK_API_KEY": banner["api_key"]}
    _last_child_cpu()  # do not count the emulator's CPU in the next measurement


def compile_bytecode(*pythons: str) -> None:
    """Compile this checkout and every interpreter's site-packages, quietly (fast when already done)."""
    for package in ("cspark", "cspark_core", "cspark_cli"):
        compileall.compile_dir(ROOT / package, quiet=1)
    for python in pythons:
        subprocess.run(
            [
                python,
                "-c",
                "import compileall, site, sys; "
                "[compileall.compile_dir(p, quiet=1, workers=0) for p in site.getsitepackages()]",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )


Samples = list[tuple[float, float]]  # (CPU seconds, wall seconds) per round


def measure(cases: dict[str, list[str]], env: dict[str, str], rounds: int) -> dict[str, Samples]:
    for command in cases.values():  # warm the file cache, write any missing bytecode
        cpu_and_wall(command, env)
    results: dict[str, Samples] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, command in cases.items():
            results[name].append(cpu_and_wall(command, env))
    return results


def ratio_line(label: str, num: Samples, den: Samples, target: float) -> bool:
    per_round = [n[0] / d[0] for n, d in zip(num, den, strict=True)]
    ratio = statistics.median(c for c, _ in num) / statistics.median(c for c, _ in den)
    ok = ratio <= target
    print(
        f"{label:<44} {ratio:5.2f}x  (per round: median {statistics.median(per_round):.2f}x, "
        f"range {min(per_round):.2f}-{max(per_round):.2f}x; target <= {target}x: {'met' if ok else 'MISSED'})"
    )
    return ok


def show(name: str, samples: Samples) -> None:
    cpu = [c * 1000 for c, _ in samples]
    wall = [w * 1000 for _, w in samples]
    print(
        f"  {name:<44} cpu {statistics.median(cpu):6.0f} ms ({min(cpu):.0f}-{max(cpu):.0f})"
        f"   wall {statistics.median(wall):6.0f} ms ({min(wall):.0f}-{max(wall):.0f})"
    )


def main(argv: list[str] | None = None) -> int:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--official", help="the official CLI's `cspark` (default: .venv-official/bin/cspark)")
    args = parser.parse_args(argv)

    python = sys.executable
    cspark = shutil.which("cspark", path=os.path.dirname(python)) or shutil.which("cspark")
    if cspark is None:
        raise SystemExit("no cspark command next to this Python: run it with the project's .venv")
    official = args.official or str(ROOT / ".venv-official" / "bin" / "cspark")
    have_official = os.access(official, os.X_OK)
    official_python = str(Path(official).parent / "python")

    env = {k: v for k, v in os.environ.items() if not k.startswith("CSPARK_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(NO_COLOR="1", COLUMNS="100", CSPARK_CONFIG_DIR=tempfile.mkdtemp(prefix="cspark-bench-"))
    compile_bytecode(python, *([official_python] if have_official else []))

    with tempfile.TemporaryDirectory() as tmp:
        floor = Path(tmp) / "floor.py"
        floor.write_text(FLOOR)
        compileall.compile_file(floor, quiet=1)
        cases = {
            "python -c pass": [python, "-c", "pass"],
            "floor: http.client execute": [python, str(floor)],
            "cspark services execute": [cspark, "services", "execute", SERVICE, "--inputs", "value=42"],
            "cspark services execute --help": [cspark, "services", "execute", "--help"],
            "cspark --version": [cspark, "--version"],
            "cspark --help": [cspark, "--help"],
        }
        if have_official:
            cases["official: services execute --help"] = [official, "services", "execute", "--help"]
            cases["official: --help"] = [official, "--help"]
        with emulator(python) as emu_env:
            results = measure(cases, {**env, **emu_env}, args.rounds)

    print(f"CPU seconds per command, {args.rounds} rounds, side by side (median and range):")
    for name, samples in results.items():
        show(name, samples)
    ok = ratio_line(
        "services execute / http.client floor",
        results["cspark services execute"],
        results["floor: http.client execute"],
        EXECUTE_TARGET,
    )
    if have_official:
        ok &= ratio_line(
            "services execute --help / official's",
            results["cspark services execute --help"],
            results["official: services execute --help"],
            HELP_TARGET,
        )
        cspark_help, official_help = results["cspark --help"], results["official: --help"]
        ratio_line("--help / official's (no target)", cspark_help, official_help, float("inf"))
    else:
        ok = False
        print(f"services execute --help / official's: not measured, {official} is missing (see --help)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
