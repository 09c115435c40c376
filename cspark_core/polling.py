"""Waiting for Spark jobs (compilation, export, import, log download): its own timeout and poll interval,
never the HTTP retry budget. A failed or timed-out job raises an error naming the job and its last status."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple, TypeVar

from .errors import JobFailedError, JobTimeoutError, SparkSdkError

__all__ = ["DEFAULT_POLL_INTERVAL", "DEFAULT_WAIT_TIMEOUT", "Job", "await_job", "check_wait", "wait_for"]

T = TypeVar("T")
DEFAULT_WAIT_TIMEOUT = 600.0  # seconds
DEFAULT_POLL_INTERVAL = 1.0


class Job(NamedTuple):
    """How to read one kind of job's status reply (pure functions over the reply)."""

    name: str  # e.g. "compilation 3a1b..." — used in error messages
    is_done: Callable[[Any], bool]
    failure: Callable[[Any], str | None]  # a reason when the job failed, else None
    describe: Callable[[Any], str]  # the status, in a few words, for errors and progress


def check_wait(timeout: float, interval: float) -> None:
    """Refuse a bad wait before a job is started."""
    if timeout <= 0:
        raise SparkSdkError(f"wait timeout must be positive, got {timeout!r}", cause=timeout)
    if interval < 0:
        raise SparkSdkError(f"poll interval must not be negative, got {interval!r}", cause=interval)


def _verdict(job: Job, reply: T, job_id: str | None) -> T | None:
    reason = job.failure(reply)
    if reason is not None:
        raise JobFailedError(f"{job.name} failed: {reason}", job_id=job_id, last_status=job.describe(reply))
    return reply if job.is_done(reply) else None


def _timeout(job: Job, reply: Any, job_id: str | None, timeout: float) -> JobTimeoutError:
    last = job.describe(reply) if reply is not None else "no status yet"
    return JobTimeoutError(
        f"{job.name} did not finish within {timeout:g} s (last status: {last})",
        job_id=job_id,
        last_status=last,
    )


def wait_for(
    poll: Callable[[], T],
    job: Job,
    *,
    job_id: str | None = None,
    timeout: float = DEFAULT_WAIT_TIMEOUT,
    interval: float = DEFAULT_POLL_INTERVAL,
    on_poll: Callable[[T], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    check_wait(timeout, interval)
    deadline = clock() + timeout
    reply: T | None = None
    while True:
        reply = poll()
        if on_poll:
            on_poll(reply)
        done = _verdict(job, reply, job_id)
        if done is not None:
            return done
        if clock() + interval > deadline:
            raise _timeout(job, reply, job_id, timeout)
        sleep(interval)


async def await_job(
    poll: Callable[[], Awaitable[T]],
    job: Job,
    *,
    job_id: str | None = None,
    timeout: float = DEFAULT_WAIT_TIMEOUT,
    interval: float = DEFAULT_POLL_INTERVAL,
    on_poll: Callable[[T], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    if sleep is None:
        import asyncio  # here, not at the top: sync callers never need asyncio (~20 ms at start-up)

        sleep = asyncio.sleep
    check_wait(timeout, interval)
    deadline = clock() + timeout
    while True:
        reply = await poll()
        if on_poll:
            on_poll(reply)
        done = _verdict(job, reply, job_id)
        if done is not None:
            return done
        if clock() + interval > deadline:
            raise _timeout(job, reply, job_id, timeout)
        await sleep(interval)
