"""Emulator throughput on loopback: v3 requests/second (one client, sequential) and v4 records/second
(chunks of 100), for the trivial and the realistic sample workbook. Bounded in count and time.

    python bench/emulator.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import httpx

from cspark_emulator import Emulator

WORKBOOKS = {
    "trivial (my-folder/my-service)": "my-folder/my-service",
    "realistic (pricing/quote)": "pricing/quote",
}
MAX_CALLS = 2000


def measure(call: Callable[[], int], seconds: float) -> tuple[int, float]:
    """Run ``call`` until ``seconds`` pass or MAX_CALLS is reached; returns (units done, elapsed)."""
    call()  # warm-up (engine cache, connection)
    done, calls, started = 0, 0, time.perf_counter()
    while time.perf_counter() - started < seconds and calls < MAX_CALLS:
        done += call()
        calls += 1
    return done, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0, help="time budget per measurement")
    args = parser.parse_args()
    with Emulator(tenant="bench", samples=True) as emu:
        headers = {"x-synthetic-key": emu.api_key, "x-tenant-name": emu.tenant}
        with httpx.Client(base_url=emu.url, headers=headers, timeout=60) as client:
            print(f"{'workbook':34} {'v3 req/s':>10} {'v4 records/s':>14}")
            for label, uri in WORKBOOKS.items():
                folder, service = uri.split("/")

                def v3(folder: str = folder, service: str = service) -> int:
                    path = f"api/v3/folders/{folder}/services/{service}/execute"
                    client.post(path, json={"request_data": {"inputs": {}}}).raise_for_status()
                    return 1

                def v4(uri: str = uri) -> int:
                    body = {"inputs": [{} for _ in range(100)], "service": uri}
                    client.post("api/v4/execute", json=body).raise_for_status()
                    return 100

                calls, v3_time = measure(v3, args.seconds)
                records, v4_time = measure(v4, args.seconds)
                print(f"{label:34} {calls / v3_time:10.0f} {records / v4_time:14.0f}")


if __name__ == "__main__":
    main()
