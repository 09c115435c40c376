"""Emulator throughput on loopback, against the naive baseline measured in the same run.

- naive: one thread calling the `formulas` engine once per record in this process, the plain path with no
  compiled calculation and no HTTP (`Model.execute(..., compiled=False)`): what a simple emulator costs;
- the emulator over HTTP: v3 requests/s (one sequential client) and v4 records/s (one sequential client,
  requests of 100 records), with calculations in the server process (`--workers 0`), in 1 worker process
  and in N (default: the CPU count).

Records differ from one another (ages, values), so nothing can be answered from a cache of results.
Bounded in time: each cell runs for `--seconds`.

    python bench/emulator.py [--seconds 3] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from cspark_emulator import Emulator
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


def measure(call: Callable[[int], int], seconds: float) -> float:
    """Units per second of ``call(n)`` (it returns the units it did) over ``seconds``, after a warm-up."""
    call(0)
    done, n, started = 0, 1, time.perf_counter()
    while time.perf_counter() - started < seconds:
        done += call(n)
        n += 1
    return done / (time.perf_counter() - started)


def naive(uri: str, seconds: float) -> float:
    folder, service = uri.split("/")
    model = Model.load((SAMPLES / folder / f"{service}.xlsx").read_bytes())
    make = WORKBOOKS[uri]

    def one(n: int) -> int:
        model.execute(make(n), compiled=False)
        return 1

    return measure(one, seconds)


def over_http(workers: int, seconds: float) -> dict[str, tuple[float, float]]:
    """{uri: (v3 requests/s, v4 records/s)} for an emulator with this many workers."""
    figures = {}
    with Emulator(tenant="bench", samples=True, workers=workers) as emu:
        headers = {"x-synthetic-key": emu.api_key, "x-tenant-name": emu.tenant}
        with httpx.Client(base_url=emu.url, headers=headers, timeout=120) as client:
            for uri, make in WORKBOOKS.items():
                folder, service = uri.split("/")
                path = f"api/v3/folders/{folder}/services/{service}/execute"

                def v3(n: int, path: str = path, make: Any = make) -> int:
                    client.post(path, json={"request_data": {"inputs": make(n)}}).raise_for_status()
                    return 1

                def v4(n: int, uri: str = uri, make: Any = make) -> int:
                    first = n * RECORDS_PER_REQUEST
                    records = [make(first + i) for i in range(RECORDS_PER_REQUEST)]
                    client.post("api/v4/execute", json={"inputs": records, "service": uri}).raise_for_status()
                    return RECORDS_PER_REQUEST

                v4(0)  # every worker compiles the model before the clock starts
                figures[uri] = (measure(v3, seconds), measure(v4, seconds))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0, help="time budget per measurement")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="N (default: CPU count)")
    args = parser.parse_args()
    baseline = {uri: naive(uri, args.seconds) for uri in WORKBOOKS}
    runs = {f"workers {w}": over_http(w, args.seconds) for w in dict.fromkeys((0, 1, args.workers))}
    print(f"{os.cpu_count()} CPUs; v4 requests of {RECORDS_PER_REQUEST} records; one sequential client")
    print(f"{'workbook':22} {'run':11} {'v3 req/s':>9} {'v4 records/s':>13} {'x naive':>8}")
    for uri, base in baseline.items():
        print(f"{uri:22} {'naive loop':11} {'':>9} {base:13.0f} {1:8.2f}")
        for label, figures in runs.items():
            v3, v4 = figures[uri]
            print(f"{uri:22} {label:11} {v3:9.0f} {v4:13.0f} {v4 / base:8.2f}")


if __name__ == "__main__":
    main()
