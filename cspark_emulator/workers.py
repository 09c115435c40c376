"""Where workbook calculations run: in this process, or in a pool of worker processes (``--workers N``).

The server keeps all state (services, call history, batches) and hands calculations out: a request's records
are cut into a few slices per worker and queued; each worker process takes the next slice when it is free, so
requests never queue on a lock, and N processes calculate at once (one Python process calculates on one
core at a time). Workers hold compiled models by workbook content hash: the server sends a workbook's bytes
to a worker the first time that worker needs it.

A worker that dies (killed, out of memory) is replaced and the slice it held is queued again; a slice that
has killed ``MAX_ATTEMPTS`` workers fails its request instead of killing workers for ever. Worker processes
start from a ``forkserver`` (``spawn`` where there is none): the server runs threads, so plain ``fork`` is
not safe.
"""

from __future__ import annotations

import math
import multiprocessing
import queue
import signal
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, Protocol

MAX_ATTEMPTS = 3  # workers a slice may take down with it before its request fails
SLICES_PER_WORKER = 4  # a request is cut finer than one slice a worker: a worker held up by something else
# on the machine leaves its share to the others instead of making the whole request wait for it
MAX_MODELS = 64  # compiled models a worker keeps (least recently used go first)


class Calculator(Protocol):
    """Runs records through a compiled model; the executions come back in record order."""

    def run(
        self, model: Any, records: Sequence[dict[str, Any]], requested: list[str] | None
    ) -> list[Any]: ...

    def stats(self) -> dict[str, Any]: ...

    def stop(self) -> None: ...


class InProcess:
    """Calculations in the calling thread (``workers=0``): no start-up cost, one calculation per model at a
    time (the model's lock)."""

    def run(self, model: Any, records: Sequence[dict[str, Any]], requested: list[str] | None) -> list[Any]:
        return [model.execute(record, requested) for record in records]

    def stats(self) -> dict[str, Any]:
        return {"workers": 0, "worker_restarts": 0, "worker_pids": []}

    def stop(self) -> None:
        pass


class WorkerError(RuntimeError):
    """The calculation could not be done by the worker processes."""


@dataclass
class _Slice:
    key: str
    content: bytes
    filename: str
    records: Sequence[dict[str, Any]]
    requested: list[str] | None
    future: Future[list[Any]] = field(default_factory=Future)
    attempts: int = 0


class _Died(Exception):
    pass


class Pool:
    """``size`` worker processes, each fed by one thread of this process that owns its pipe."""

    def __init__(self, size: int, target: Callable[[Connection], None] | None = None) -> None:
        if size < 1:
            raise ValueError("a worker pool needs at least one worker")
        self.size = size
        self.target = target or worker_main  # a module-level function (tests pass one that dies)
        self.restarts = 0
        self._context = _context()
        self._queue: queue.SimpleQueue[_Slice | None] = queue.SimpleQueue()
        self._stopping = False
        self._workers = [_Worker(self, n) for n in range(size)]

    def run(self, model: Any, records: Sequence[dict[str, Any]], requested: list[str] | None) -> list[Any]:
        if not records:
            return []
        if self._stopping:
            raise WorkerError("the emulator is stopping")
        step = math.ceil(len(records) / min(self.size * SLICES_PER_WORKER, len(records)))
        slices = [
            _Slice(model.key, model.content, model.filename, records[i : i + step], requested)
            for i in range(0, len(records), step)
        ]
        for piece in slices:
            self._queue.put(piece)
        results: list[Any] = []
        for piece in slices:
            results.extend(piece.future.result())
        return results

    def stats(self) -> dict[str, Any]:
        return {"workers": self.size, "worker_restarts": self.restarts, "worker_pids": self.pids()}

    def pids(self) -> list[int | None]:
        """The worker processes' ids (None: not started yet); tests kill them."""
        return [w.pid for w in self._workers]

    def stop(self) -> None:
        self._stopping = True
        for _ in self._workers:
            self._queue.put(None)
        for worker in self._workers:
            worker.thread.join(timeout=5)
        while True:  # anything still queued fails rather than waiting for ever
            try:
                piece = self._queue.get_nowait()
            except queue.Empty:
                break
            if piece is not None and not piece.future.done():
                piece.future.set_exception(WorkerError("the emulator stopped"))


class _Worker:
    """One worker process and the thread that feeds it slices from the pool's queue."""

    def __init__(self, pool: Pool, number: int) -> None:
        self.pool = pool
        self.number = number
        self.process: Any = None
        self.conn: Connection | None = None
        self.known: set[str] = set()  # content hashes this process has compiled
        self.lock = threading.Lock()  # guards process/conn against pids() while restarting
        self.thread = threading.Thread(target=self._feed, name=f"emulator-calc-{number}", daemon=True)
        self.thread.start()

    @property
    def pid(self) -> int | None:
        with self.lock:
            return self.process.pid if self.process is not None else None

    def _feed(self) -> None:
        try:
            self._start()
        except Exception as exc:  # no process to feed: fail the work rather than leave it waiting
            self._refuse(f"a calculation worker could not start: {exc}")
            return
        try:
            while True:
                piece = self.pool._queue.get()
                if piece is None:
                    return
                self._do(piece)
        finally:
            self._close()

    def _refuse(self, message: str) -> None:
        while (piece := self.pool._queue.get()) is not None:
            piece.future.set_exception(WorkerError(message))

    def _do(self, piece: _Slice) -> None:
        try:
            status, value = self._send(piece)
        except _Died:
            self.pool.restarts += 1
            self._close()
            if not self.pool._stopping:
                try:
                    self._start()
                except Exception as exc:
                    piece.future.set_exception(WorkerError(f"a calculation worker could not restart: {exc}"))
                    self._refuse(f"a calculation worker could not restart: {exc}")
                    return
            piece.attempts += 1
            if piece.attempts >= MAX_ATTEMPTS:
                piece.future.set_exception(WorkerError(f"calculation workers died {piece.attempts} times"))
            else:
                self.pool._queue.put(piece)  # another (or this new) worker takes it
            return
        if status == "ok":
            piece.future.set_result(value)
        else:
            piece.future.set_exception(WorkerError(value))

    def _send(self, piece: _Slice) -> tuple[str, Any]:
        assert self.conn is not None
        with_content = piece.key not in self.known
        try:
            self.conn.send(
                (
                    piece.key,
                    piece.content if with_content else None,
                    piece.filename,
                    list(piece.records),
                    piece.requested,
                )
            )
            status, value = self._receive()
            if status == "missing":  # the worker dropped the model from its cache: send the workbook again
                self.known.discard(piece.key)
                return self._send(piece)
        except (OSError, EOFError) as exc:
            raise _Died from exc
        if with_content:
            self.known.add(piece.key)
        return status, value

    def _receive(self) -> tuple[str, Any]:
        assert self.conn is not None
        ready = wait([self.conn, self.process.sentinel])
        if self.conn not in ready:
            raise _Died
        reply: tuple[str, Any] = self.conn.recv()
        return reply

    def _start(self) -> None:
        parent, child = self.pool._context.Pipe()
        process = self.pool._context.Process(
            target=self.pool.target, args=(child,), name=f"cspark-emulator-worker-{self.number}", daemon=True
        )
        process.start()
        child.close()  # the worker holds the other end: its death shows as EOF here
        with self.lock:
            self.process, self.conn = process, parent
        self.known = set()

    def _close(self) -> None:
        with self.lock:
            process, conn = self.process, self.conn
        if conn is not None:
            try:
                conn.send(None)
            except OSError:
                pass
            conn.close()
        if process is not None:
            process.join(timeout=2)
            if process.is_alive():
                process.kill()
                process.join(timeout=2)


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        # Workers fork from a server that imported the engine already: a replacement starts in milliseconds.
        context.set_forkserver_preload(["cspark_emulator.workbook", "formulas"])
        return context
    return multiprocessing.get_context("spawn")


def worker_main(conn: Connection) -> None:
    """A worker process: compile models on demand (by content hash), run slices, until told to stop."""
    import os

    os.environ.setdefault("TQDM_DISABLE", "1")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which then stops us
    from .workbook import Model

    models: OrderedDict[str, Any] = OrderedDict()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the server went away
        if message is None:
            return
        key, content, filename, records, requested = message
        try:
            model = models.get(key)
            if model is None:
                if content is None:
                    conn.send(("missing", None))
                    continue
                model = models[key] = Model.load(content, filename)
                if len(models) > MAX_MODELS:
                    models.popitem(last=False)
            models.move_to_end(key)
            reply: tuple[str, Any] = ("ok", [model.execute(record, requested) for record in records])
        except Exception as exc:  # an engine failure, not a dead worker: the request fails, no retry
            reply = ("error", f"{type(exc).__name__}: {exc}")
        conn.send(reply)


def make_calculator(workers: int) -> Calculator:
    return Pool(workers) if workers > 0 else InProcess()
