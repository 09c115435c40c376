"""Injected faults (test controls): which requests they hit and what they do.

A fault matches requests whose path contains ``path`` (and whose method is ``method``, when given) and fires:
- on the next ``count`` matching requests (the default, ``count`` 1), then it is gone;
- on every ``every``-th matching request, until cleared;
- on each matching request with probability ``probability`` (a ``random.Random(seed)`` draw per matching
  request, so a seeded run repeats exactly), until cleared.

Faults are checked in the order they were added; the first one that fires answers the request, and faults
after it do not see that request. ``fault_from`` is the one validation, shared by ``POST /_emulator/faults``
and ``Emulator.inject``.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FAULT_KINDS = ("429", "500", "503", "stall", "drop", "lose")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


@dataclass
class Fault:
    kind: str
    count: int | None = 1
    path: str | None = None
    seconds: float = 5.0
    retry_after: float | None = None
    method: str | None = None
    every: int | None = None
    probability: float | None = None
    seed: int | None = None
    seen: int = 0
    _random: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def matches(self, method: str, path: str) -> bool:
        return (self.path is None or self.path in path) and (self.method is None or self.method == method)

    def fires(self) -> bool:
        """Called once per matching request (under the Faults lock)."""
        self.seen += 1
        if self.every is not None:
            return self.seen % self.every == 0
        if self.probability is not None:
            return self._random.random() < self.probability
        return True

    @property
    def used_up(self) -> bool:
        return self.count is not None and self.seen >= self.count


def fault_from(body: Mapping[str, Any]) -> Fault:
    """A fault from the control body; ``ValueError`` with a message naming the field when it is wrong."""
    kind = str(body.get("kind", ""))
    if kind not in FAULT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}")
    rates = [name for name in ("count", "every", "probability") if body.get(name) is not None]
    if len(rates) > 1:
        raise ValueError(f"give one of count, every and probability, not {' and '.join(rates)}")
    count = _number(body, "count", int)
    every = _number(body, "every", int)
    probability = _number(body, "probability", float)
    seed = _number(body, "seed", int)
    seconds = _number(body, "seconds", float)
    retry_after = _number(body, "retry_after", float)
    if count is not None and count < 1:
        raise ValueError("count must be >= 1")
    if every is not None and every < 1:
        raise ValueError("every must be >= 1")
    if probability is not None and not 0 < probability <= 1:
        raise ValueError("probability must be > 0 and <= 1")
    if seed is not None and probability is None:
        raise ValueError("seed only goes with probability")
    if seconds is not None and seconds < 0:
        raise ValueError("seconds must be >= 0")
    method = str(body["method"]).upper() if body.get("method") else None
    if method is not None and method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    return Fault(
        kind,
        count=None if every or probability else (count or 1),
        path=str(body["path"]) if body.get("path") else None,
        seconds=5.0 if seconds is None else seconds,
        retry_after=retry_after,
        method=method,
        every=every,
        probability=probability,
        seed=seed,
    )


def _number(body: Mapping[str, Any], name: str, kind: type[int] | type[float]) -> Any:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number")
    try:
        number = kind(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a number") from exc
    if kind is int and number != float(value):
        raise ValueError(f"{name} must be a whole number")
    return number


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.injected = 0

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._faults)

    def take(self, method: str, path: str) -> Fault | None:
        """The fault this request meets, if any (and count it)."""
        with self._lock:
            for fault in self._faults:
                if not fault.matches(method, path) or not fault.fires():
                    continue
                if fault.used_up:
                    self._faults.remove(fault)
                self.injected += 1
                return fault
        return None
