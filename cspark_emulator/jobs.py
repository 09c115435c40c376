"""Scripted job life cycles (compilation, log downloads, export, import).

A job is created finished-in-waiting: its result is produced by a ``finish`` callback the first time a poll
sees it complete. In ``instant`` mode that is the first poll; in ``realistic`` mode progress climbs
0 -> 40 -> 80 -> 100 over ``REALISTIC_SECONDS`` of wall time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .models import ApiError, iso_ms, new_id, not_found

INSTANT = "instant"
REALISTIC = "realistic"
SPEEDS = (INSTANT, REALISTIC)
REALISTIC_SECONDS = 3.0
STEPS = (0, 40, 80, 100)

Finisher = Callable[["Job"], Any]


@dataclass
class Job:
    id: str
    kind: str
    speed: str
    started: float
    finish: Finisher | None = None
    context: dict[str, Any] = field(default_factory=dict)
    result: Any = None
    error: str | None = None
    polls: int = 0
    cancelled: bool = False
    done: bool = False
    created_iso: str = ""

    def progress(self, now: float) -> int:
        if self.done or self.speed == INSTANT:
            return 100
        fraction = (now - self.started) / REALISTIC_SECONDS
        step = min(len(STEPS) - 1, int(fraction * (len(STEPS) - 1)))
        return STEPS[step]


class Jobs:
    """Registry of jobs; callers hold the State lock around every method."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self.speed = INSTANT

    def clear(self) -> None:
        self._jobs.clear()

    def start(self, kind: str, finish: Finisher | None = None, **context: Any) -> Job:
        job = Job(new_id(), kind, self.speed, time.monotonic(), finish, dict(context), created_iso=iso_ms())
        self._jobs[job.id] = job
        return job

    def get(self, job_id: str, kind: str | None = None) -> Job:
        job = self._jobs.get(job_id.lower())
        if job is None or (kind is not None and job.kind != kind):
            raise not_found(f"job {job_id} was not found")
        return job

    def poll(self, job_id: str, kind: str | None = None) -> tuple[Job, int]:
        """Count a poll, and run the finisher once the job reaches 100."""
        job = self.get(job_id, kind)
        job.polls += 1
        progress = job.progress(time.monotonic())
        if progress == 100 and not job.done and not job.cancelled:
            self._complete(job)
        return job, progress

    def all(self, kind: str) -> list[Job]:
        return [job for job in self._jobs.values() if job.kind == kind]

    def running(self, kind: str) -> list[Job]:
        """Jobs of a kind still running. A job whose time is up finishes here even if nobody polled it, as
        a real Spark job runs on without its client."""
        now = time.monotonic()
        for job in self.all(kind):
            if not job.done and not job.cancelled and job.progress(now) == 100:
                self._complete(job)
        return [job for job in self.all(kind) if not job.done and not job.cancelled]

    @staticmethod
    def _complete(job: Job) -> None:
        job.done = True
        if job.finish is None:
            return
        try:
            job.result = job.finish(job)
        except ApiError as exc:
            job.error = exc.message
        except Exception as exc:  # a job fails; polling it must not turn into an internal error
            job.error = f"{type(exc).__name__}: {exc}"
