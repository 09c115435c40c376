"""Running the emulator: a uvicorn server on a socket we bind ourselves (so port 0 works), either in the
foreground (``python -m cspark_emulator``) or in a background thread (``Emulator``)."""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from .app import build_app
from .faults import fault_from
from .files import Files
from .jobs import INSTANT
from .runtime import Limits, Runtime
from .security import Credentials, TokenIssuer
from .state import MAX_CALL_LOG_RECORDS, MAX_CALL_LOGS, State
from .workers import make_calculator


@dataclass(frozen=True)
class Options:
    tenant: str = "local"
    host: str = "127.0.0.1"
    port: int = 0
    data: Path | None = None
    seed: Path | None = None
    samples: bool = False
    token_ttl: float = 3600.0
    api_key: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    speed: str = INSTANT
    max_call_logs: int = MAX_CALL_LOGS
    max_call_log_records: int = MAX_CALL_LOG_RECORDS
    admin_token: str | None = None
    max_body: int = Limits.max_body
    max_inflated: int = Limits.max_inflated
    max_json_depth: int = Limits.max_json_depth
    workers: int = 0  # calculation processes; 0 calculates in the request threads


def build_runtime(options: Options, origin: str) -> Runtime:
    credentials = Credentials.generate(
        options.api_key, options.client_id, options.client_secret, options.admin_token
    )
    issuer = f"{origin}/auth/realms/{options.tenant}"
    state = State(
        Files(),
        options.data,
        max_call_logs=options.max_call_logs,
        max_call_log_records=options.max_call_log_records,
        calculator=make_calculator(options.workers),
    )
    batches = state.batches
    rt = Runtime(
        tenant=options.tenant,
        credentials=credentials,
        tokens=TokenIssuer(options.tenant, issuer, options.token_ttl),
        state=state,
        files=state.files,
        batches=batches,
        seed=options.seed,
        samples=options.samples,
        speed=options.speed,
        limits=Limits(options.max_body, options.max_inflated, options.max_json_depth),
    )
    state.jobs.speed = options.speed
    rt.reseed(skip_existing=True)
    batches.start()
    return rt


def shutdown(rt: Runtime) -> None:
    """Stop what the runtime started: the batch thread, the calculation workers, the store."""
    rt.batches.stop()
    rt.state.calculator.stop()
    if rt.state.store:
        rt.state.store.close()


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto says TCP,
    # and without it every reply waits ~40 ms for a delayed ACK (headers and body are separate writes).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def origin_of(sock: socket.socket, host: str) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def make_server(rt: Runtime) -> uvicorn.Server:
    config = uvicorn.Config(
        build_app(rt),
        log_level="warning",
        access_log=False,
        lifespan="off",
        http="h11",
        loop="asyncio",
        timeout_graceful_shutdown=2,
    )
    return uvicorn.Server(config)


def banner(rt: Runtime, origin: str) -> dict[str, Any]:
    return {
        "url": f"{origin}/{rt.tenant}",
        "origin": origin,
        "tenant": rt.tenant,
        "api_key": rt.credentials.api_key,
        "client_id": rt.credentials.client_id,
        "client_secret": rt.credentials.client_secret,
        "admin_token": rt.credentials.admin_token,
    }


class Emulator:
    """An emulator in a background thread, for tests and scripts.

    >>> with Emulator(tenant="acme", samples=True) as emu:
    ...     httpx.get(f"{emu.origin}/health")
    """

    def __init__(
        self,
        tenant: str = "local",
        seed: str | Path | None = None,
        samples: bool = False,
        data: str | Path | None = None,
        **options: Any,
    ) -> None:
        if "workers" not in options:  # CSPARK_EMULATOR_WORKERS=N runs a test suite with worker processes
            options["workers"] = _env_workers()
        self.options = Options(
            tenant=tenant,
            seed=Path(seed) if seed else None,
            samples=samples,
            data=Path(data) if data else None,
            **options,
        )
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.rt: Runtime | None = None
        self.origin = ""

    def start(self) -> Emulator:
        sock = bind(self.options.host, self.options.port)
        self.origin = origin_of(sock, self.options.host)
        self.rt = build_runtime(self.options, self.origin)
        self._server = make_server(self.rt)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the emulator did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self.rt is not None:
            shutdown(self.rt)
        self._server = self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Clear all state, faults and job speed, then re-publish the start seed."""
        self._runtime().reset()

    def inject(
        self,
        kind: str,
        *,
        count: int | None = None,
        every: int | None = None,
        probability: float | None = None,
        seed: int | None = None,
        path: str | None = None,
        method: str | None = None,
        seconds: float | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Add a fault, as ``POST /_emulator/faults`` does (same rules; ``ValueError`` when one is broken).

        >>> emu.inject("lose", path="/chunkresults", method="GET", every=3)
        """
        body = {
            "kind": kind,
            "count": count,
            "every": every,
            "probability": probability,
            "seed": seed,
            "path": path,
            "method": method,
            "seconds": seconds,
            "retry_after": retry_after,
        }
        self._runtime().faults.add(fault_from(body))

    def clear_faults(self) -> None:
        """Remove every fault (``DELETE /_emulator/faults``); the injected count stays until reset."""
        self._runtime().faults.clear()

    def stats(self) -> dict[str, Any]:
        """What ``GET /_emulator/stats`` answers."""
        from .routes.admin import stats_of

        return stats_of(self._runtime())

    def _runtime(self) -> Runtime:
        if self.rt is None:
            raise RuntimeError("the emulator is not running")
        return self.rt

    @property
    def tenant(self) -> str:
        return self.options.tenant

    @property
    def url(self) -> str:
        return f"{self.origin}/{self.tenant}"

    @property
    def api_key(self) -> str:
        return self._runtime().credentials.api_key

    @property
    def client_id(self) -> str:
        return self._runtime().credentials.client_id

    @property
    def client_secret(self) -> str:
        return self._runtime().credentials.client_secret

    @property
    def admin_token(self) -> str:
        """The credential for ``/_emulator/`` over HTTP (``Authorization: Bearer <admin_token>``)."""
        return self._runtime().credentials.admin_token

    def info(self) -> dict[str, Any]:
        return banner(self._runtime(), self.origin)


def _env_workers() -> int:
    value = os.environ.get("CSPARK_EMULATOR_WORKERS", "").strip()
    if not value:
        return 0
    try:
        workers = int(value)
    except ValueError:
        raise ValueError(f"CSPARK_EMULATOR_WORKERS must be a whole number, not {value!r}") from None
    if workers < 0:
        raise ValueError("CSPARK_EMULATOR_WORKERS must be >= 0")
    return workers
