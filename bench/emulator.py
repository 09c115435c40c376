"""Emulator throughput on loopback, against the naive baseline measured in the same run.

- naive: one thread calling the `formulas` engine once per record in this process, the plain path with no
  compiled calculation and no HTTP (`Model.execute(..., compiled=False)`): what a simple emulator costs;
- the emulator (`python -m cspark_emulator`, a process of its own) over HTTP, one sequential client: v3
  requests/s and v4 records/s (requests of 100 records), with calculations in the server process
  (`--workers 0`), in 1 worker process and in N (default: the CPU count).

Records differ from one another (ages, plans, values), so nothing can be answered from a cache of results.
The cells are measured in interleaved rounds (naive, then each emulator, again and again) and the medians
reported, ratios taken within a round: on a shared machine the load drifts, and this keeps the comparison
fair. Bounded in time: rounds x cells x seconds.

CPU milliseconds per record are measured too (Linux: /proc), for the naive loop, the emulator's server
process and its workers: they do not depend on what else runs on the machine, and give the records/s C idle
cores would reach, min(C / (server + workers), 1 / server): the server's share is the part that does not
spread over cores.

    python bench/emulator.py [--seconds 1.5] [--rounds 3] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from cspark_emulator.workbook import Model

SAMPLES = Path(__file__).resolve().parents[1] / "cspark_emulator" / "samples"
PLANS = ("Basic", "Standard", "Premium")
WORKBOOKS: dict[str, Callable[[int], dict[str, Any]]] = {
    "my-folder/my-service": lambda n: {"value": n % 1000},
    "pricing/quote": lambda n: {
        "age": 18 + n % 45,
        "plan": PLANS[n % 3],
        "smoker": "Yes" if n % 4 == 0 else "No",
        "sum_assured": 50000 + 1000 * (n % 50),
    },
}
RECORDS_PER_REQUEST = 100


@dataclass
class Cell:
    call: Callable[[int], int]
    pids: Callable[[], tuple[list[int], list[int]]]  # (server, workers) processes whose CPU time counts
    rates: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)
    worker_ms: list[float] = field(default_factory=list)

    def measure(self, seconds: float) -> float:
        """Units per second of ``call(n)`` (it returns the units it did) over ``seconds``, with CPU time."""
        server, workers = self.pids()
        cpu_before = cpu_seconds(server), cpu_seconds(workers)
        done, n, started = 0, 1, time.perf_counter()
        while time.perf_counter() - started < seconds:
            done += self.call(n)
            n += 1
        self.rates.append(done / (time.perf_counter() - started))
        self.server_ms.append((cpu_seconds(server) - cpu_before[0]) * 1000 / done)
        self.worker_ms.append((cpu_seconds(workers) - cpu_before[1]) * 1000 / done)
        return self.rates[-1]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes (Linux /proc; 0 elsewhere)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def naive_call(uri: str) -> Callable[[int], int]:
    folder, service = uri.split("/")
    model = Model.load((SAMPLES / folder / f"{service}.xlsx").read_bytes())
    make = WORKBOOKS[uri]

    def one(n: int) -> int:
        model.execute(make(n), compiled=False)
        return 1

    return one


@contextmanager
def emulator(workers: int) -> Iterator[tuple[httpx.Client, Callable[[], tuple[list[int], list[int]]]]]:
    """``python -m cspark_emulator --samples --workers N``, a client for it and its processes' ids."""
    command = [sys.executable, "-m", "cspark_emulator", "--port", "0", "--samples", "--workers", str(workers)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        headers = {"x-synthetic-key": info["api_key"], "x-tenant-name": info["tenant"]}
        with httpx.Client(base_url=info["url"], headers=headers, timeout=120) as client:

            def pids() -> tuple[list[int], list[int]]:
                admin = {"authorization": f"Bearer {info['admin_token']}"}
                stats = httpx.get(f"{info['origin']}/_emulator/stats", headers=admin).json()
                return [proc.pid], [p for p in stats["worker_pids"] if p]

            yield client, pids
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def http_calls(client: httpx.Client, uri: str) -> tuple[Callable[[int], int], Callable[[int], int]]:
    folder, service = uri.split("/")
    path = f"api/v3/folders/{folder}/services/{service}/execute"
    make = WORKBOOKS[uri]

    def v3(n: int) -> int:
        client.post(path, json={"request_data": {"inputs": make(n)}}).raise_for_status()
        return 1

    def v4(n: int) -> int:
        first = n * RECORDS_PER_REQUEST
        records = [make(first + i) for i in range(RECORDS_PER_REQUEST)]
        client.post("api/v4/execute", json={"inputs": records, "service": uri}).raise_for_status()
        return RECORDS_PER_REQUEST

    v4(0)  # every worker compiles the model before the clock starts
    return v3, v4


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=1.5, help="time per cell and round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (medians are reported)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="N (default: CPU count)")
    args = parser.parse_args()
    configs = list(dict.fromkeys((0, 1, args.workers)))
    this = ([os.getpid()], [])
    cells: dict[tuple[str, str], Cell] = {}
    with ExitStack() as stack:
        emulators = {w: stack.enter_context(emulator(w)) for w in configs}
        for uri in WORKBOOKS:
            cells[(uri, "naive")] = Cell(naive_call(uri), lambda: this)
            cells[(uri, "naive")].call(0)
            for w in configs:
                client, pids = emulators[w]
                v3, v4 = http_calls(client, uri)
                cells[(uri, f"v3 w{w}")], cells[(uri, f"v4 w{w}")] = Cell(v3, pids), Cell(v4, pids)
        for _ in range(args.rounds):
            for cell in cells.values():
                cell.measure(args.seconds)
    report(cells, configs, args)


def report(cells: dict[tuple[str, str], Cell], configs: list[int], args: argparse.Namespace) -> None:
    med = statistics.median
    print(
        f"{os.cpu_count()} CPUs; medians of {args.rounds} interleaved rounds of {args.seconds:g} s; "
        f"v4 requests of {RECORDS_PER_REQUEST} records; one sequential client"
    )
    print(
        f"{'workbook':22} {'run':12} {'v3 req/s':>9} {'v4 rec/s':>9} {'x naive':>8} | CPU ms/record: "
        f"{'server':>7} {'workers':>8} | rec/s on idle cores: {'2':>6} {'8':>6} {'32':>6}"
    )
    for uri in WORKBOOKS:
        naive = cells[(uri, "naive")]
        naive_ms = med(naive.server_ms)
        alone = 1000 / max(naive_ms, 1e-9)  # one thread: more cores do not help
        print(
            f"{uri:22} {'naive loop':12} {'':>9} {med(naive.rates):9.0f} {1:8.2f} | {'':14} {naive_ms:7.2f} "
            f"{'':>8} | {'':20} {alone:6.0f} {alone:6.0f} {alone:6.0f}"
        )
        for w in configs:
            v3, v4 = cells[(uri, f"v3 w{w}")], cells[(uri, f"v4 w{w}")]
            ratio = med([a / b for a, b in zip(v4.rates, naive.rates, strict=True)])
            server_ms, worker_ms = med(v4.server_ms), med(v4.worker_ms)
            two, eight, many = (projection(cores, w, server_ms, worker_ms) for cores in (2, 8, 32))
            print(
                f"{uri:22} {f'--workers {w}':12} {med(v3.rates):9.0f} {med(v4.rates):9.0f} {ratio:8.2f} | "
                f"{'':14} {server_ms:7.2f} {worker_ms:8.2f} | {'':20} {two:6.0f} {eight:6.0f} {many:6.0f}"
            )


def projection(cores: int, workers: int, server_ms: float, worker_ms: float) -> float:
    """Records/s on ``cores`` idle cores with ``--workers cores`` (0: everything on the server's one core)."""
    if workers == 0 or server_ms + worker_ms <= 0:
        return 1000 / max(server_ms, 1e-9)
    return min(cores * 1000 / (server_ms + worker_ms), 1000 / max(server_ms, 1e-9))


if __name__ == "__main__":
    main()
