"""The running emulator's parts, one per process: credentials, tokens, state, files, batches, faults,
limits and counters; ``reset`` puts them back as they were at start-up."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .faults import Faults
from .files import Files
from .jobs import INSTANT
from .security import Credentials, TokenIssuer
from .state import State
from .state.batches import Batches


@dataclass(frozen=True)
class Limits:
    """What a request may carry: body bytes as sent, bytes once decompressed, JSON nesting depth."""

    max_body: int = 64 << 20
    max_inflated: int = 64 << 20
    max_json_depth: int = 256


@dataclass
class Runtime:
    """Everything a handler may need; one per running emulator."""

    tenant: str
    credentials: Credentials
    tokens: TokenIssuer
    state: State
    files: Files
    batches: Batches
    seed: Path | None = None
    samples: bool = False
    speed: str = INSTANT  # the job speed the emulator was started with; reset goes back to it
    faults: Faults = field(default_factory=Faults)
    limits: Limits = field(default_factory=Limits)
    counts: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)

    def reseed(self, skip_existing: bool = False) -> list[str]:
        published = []
        if self.samples:
            published += self.state.seed(Path(__file__).parent / "samples", skip_existing)
        if self.seed:
            published += self.state.seed(self.seed, skip_existing)
        return published

    def reset(self) -> list[str]:
        """Clear state, faults and stats (issued tokens stay valid), then re-publish the start seed."""
        self.batches.reset()
        self.state.reset()
        self.state.jobs.speed = self.speed
        self.faults.clear()
        self.faults.injected = 0
        self.counts.clear()
        self.statuses.clear()
        self.tokens.count = 0
        return self.reseed()
