"""The benchmarks' emulator: `python -m cspark_emulator` in a child process on loopback (port 0, the sample
workbooks), so the measured process and the server never share one interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def emulator_child(*args: str, python: str = sys.executable) -> Iterator[dict[str, str]]:
    """Its start-up JSON line (`url`, `api_key`, ...) while it runs; `args` are extra emulator flags
    (`--workers 2`). Stopped on exit."""
    command = [python, "-u", "-m", "cspark_emulator", "--host", "127.0.0.1", "--port", "0", "--samples"]
    child = subprocess.Popen([*command, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert child.stdout is not None
        banner = json.loads(child.stdout.readline() or "{}")
        if "url" not in banner:
            raise SystemExit("the emulator did not start")
        yield banner
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
