"""Job waiting: its own timeout and interval, and errors naming the job and its last status."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from cspark_core import JobFailedError, JobTimeoutError, SparkSdkError
from cspark_core.polling import Job, await_job, wait_for

JOB = Job(
    name="compilation c0de",
    is_done=lambda r: r["progress"] == 100,
    failure=lambda r: r.get("error"),
    describe=lambda r: f"{r['progress']}%",
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def replies(*items: dict[str, Any]) -> Any:
    it = iter(items)
    return lambda: next(it)


def test_polls_until_done() -> None:
    clock = Clock()
    seen: list[Any] = []
    poll = replies({"progress": 0}, {"progress": 50}, {"progress": 100})
    result = wait_for(poll, JOB, timeout=10, interval=2, sleep=clock.sleep, clock=clock, on_poll=seen.append)
    assert result == {"progress": 100}
    assert clock.sleeps == [2, 2]
    assert len(seen) == 3


def test_times_out_with_the_last_status() -> None:
    clock = Clock()
    with pytest.raises(JobTimeoutError) as info:
        wait_for(
            lambda: {"progress": 40},
            JOB,
            job_id="c0de",
            timeout=5,
            interval=2,
            sleep=clock.sleep,
            clock=clock,
        )
    assert "compilation c0de did not finish within 5 s (last status: 40%)" in str(info.value)
    assert info.value.job_id == "c0de"
    assert info.value.last_status == "40%"


def test_failure_names_the_job() -> None:
    with pytest.raises(JobFailedError, match="compilation c0de failed: bad formula"):
        wait_for(lambda: {"progress": 100, "error": "bad formula"}, JOB, timeout=5, interval=0)


def test_bad_wait_settings() -> None:
    with pytest.raises(SparkSdkError, match="timeout must be positive"):
        wait_for(lambda: {"progress": 0}, JOB, timeout=0)


def test_async_twin() -> None:
    clock = Clock()
    it = iter([{"progress": 10}, {"progress": 100}])

    async def poll() -> dict[str, Any]:
        return next(it)

    async def sleep(seconds: float) -> None:
        clock.sleep(seconds)

    result = asyncio.run(await_job(poll, JOB, timeout=10, interval=1, sleep=sleep, clock=clock))
    assert result == {"progress": 100}
