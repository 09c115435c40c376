"""SDK throughput against a local emulator it starts itself (loopback only, bounded in size and time).

    python bench/sdk.py                      # 10,000 records over v4 + 1,000 sequential v3 calls
    python bench/sdk.py --records 2000 --chunk 250 --concurrency 4 --calls 200

1. v4: `AsyncClient.services.execute_many()` streams the records in chunks (at most `--concurrency`
   requests in flight) and hands the results back in input order; every output is checked.
2. v3: `--calls` sequential one-record `execute` calls with the sync `Client`.
Prints records/s and calls/s. Numbers depend on the machine and on whatever else it is running.

The emulator runs in a child process (`python -m cspark_emulator --port 0`, loopback), so the SDK and the
server do not share one GIL; `--in-process` uses the `Emulator` class in a thread of this process instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections.abc import Iterator
from typing import Any

from emuchild import emulator_child

from cspark_core import AsyncClient, Client
from cspark_emulator import Emulator

SERVICE = "my-folder/my-service"  # input `value` -> `doubled`, `squared`, `label`
MAX_RECORDS = 200_000
MAX_CALLS = 20_000
DEADLINE = 600.0  # seconds, per phase


def check(outputs: list[Any], values: list[int]) -> None:
    if len(outputs) != len(values):
        raise SystemExit(f"expected {len(values)} outputs, got {len(outputs)}")
    for value, out in zip(values, outputs, strict=True):
        if out.get("doubled") != value * 2:
            raise SystemExit(f"wrong output for value {value}: {out!r}")


async def run_v4(url: str, key: str, records: int, chunk: int, concurrency: int) -> float:
    values = range(records)
    async with AsyncClient(url, api_key=key, environ={}, logger=False, timeout=60_000) as spark:
        start = time.perf_counter()
        run = spark.services.execute_many(
            SERVICE, ({"value": v} for v in values), chunk_size=chunk, concurrency=concurrency
        )

        async def collect() -> list[Any]:
            return [result.outputs async for result in run]

        outputs = await asyncio.wait_for(collect(), DEADLINE)
        elapsed = time.perf_counter() - start
    check(outputs, list(values))
    return elapsed


def run_v3(url: str, key: str, calls: int) -> float:
    with Client(url, api_key=key, environ={}, logger=False) as spark:
        start = time.perf_counter()
        for value in range(calls):
            if spark.services.execute(SERVICE, inputs={"value": value}).outputs.get("doubled") != value * 2:
                raise SystemExit(f"wrong v3 output for value {value}")
            if time.perf_counter() - start > DEADLINE:
                raise SystemExit(f"v3 loop exceeded {DEADLINE:g} s after {value + 1} calls")
        return time.perf_counter() - start


@contextlib.contextmanager
def emulator(in_process: bool) -> Iterator[tuple[str, str]]:
    """(base URL, API key) of an emulator on 127.0.0.1 with the sample workbooks; stopped on exit."""
    if in_process:
        with Emulator(samples=True) as emu:
            yield emu.url, emu.api_key
        return
    with emulator_child() as banner:
        yield banner["url"], banner["api_key"]


def bounded(value: str, limit: int) -> int:
    number = int(value)
    if not 1 <= number <= limit:
        raise argparse.ArgumentTypeError(f"must be between 1 and {limit}")
    return number


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=lambda v: bounded(v, MAX_RECORDS), default=10_000)
    parser.add_argument("--chunk", type=lambda v: bounded(v, 5_000), default=250)
    parser.add_argument("--concurrency", type=lambda v: bounded(v, 32), default=6)
    parser.add_argument("--calls", type=lambda v: bounded(v, MAX_CALLS), default=1_000)
    parser.add_argument("--in-process", action="store_true", help="run the emulator in a thread here")
    args = parser.parse_args()
    with emulator(args.in_process) as (url, key):
        v4 = asyncio.run(run_v4(url, key, args.records, args.chunk, args.concurrency))
        requests = -(-args.records // args.chunk)
        print(
            f"v4 execute: {args.records} records in {requests} requests of {args.chunk} "
            f"(concurrency {args.concurrency}): {v4:.2f} s, {args.records / v4:,.0f} records/s"
        )
        v3 = run_v3(url, key, args.calls)
        print(f"v3 execute: {args.calls} sequential calls: {v3:.2f} s, {args.calls / v3:,.0f} calls/s")


if __name__ == "__main__":
    main()
