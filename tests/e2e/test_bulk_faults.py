"""Bulk runs through faults, against the real emulator: every fault kind at every step of a batch's life
(create, push, status, pull, close), every 3rd request, a seeded random share; SIGKILL at several points
and SIGTERM, then `--resume`. Each run must end with the very bytes of a fault-free run.

Kept small (60 records in chunks of 6) and quick: short poll intervals and retry waits.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cspark_core import Client
from tests.e2e.conftest import Run

SERVICE = "my-folder/my-service"
COUNT, CHUNK = 60, "6"
FAST = ("--poll-interval", "0.02", "--chunk-size", CHUNK)
STEPS = {  # how a fault finds each step of the life cycle (path substring, method)
    "create": ("api/v4/batch", "POST"),
    "push": ("/chunks", "POST"),
    "status": ("/status", "GET"),
    "pull": ("/chunkresults", "GET"),
    "close": ("api/v4/batch/", "PATCH"),
}
KINDS = ("429", "500", "503", "drop", "lose", "stall")


def expected_csv() -> str:
    """What a fault-free run writes for `value` 0..COUNT-1 (my-service doubles, squares and labels)."""
    rows = [f"{2 * i},Value is {i},{i * i},," for i in range(COUNT)]
    return "doubled,label,squared,errors,warnings\n" + "".join(row + "\n" for row in rows)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "in.csv"
    path.write_text("value\n" + "".join(f"{i}\n" for i in range(COUNT)), encoding="utf-8")
    return path


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short HTTP timeout (a stall becomes a lost reply) and short retry waits."""
    monkeypatch.setenv("CSPARK_TIMEOUT", "1500")
    monkeypatch.setenv("CSPARK_RETRY_INTERVAL", "0.01")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "in.csv")


def test_a_fault_free_run_writes_the_reference_file(run: Run, source: Path, sdk: Client) -> None:
    out = source.with_name("out.csv")
    result = run("batches", "run", SERVICE, "--file", str(source), "--out", str(out), *FAST)
    assert result.exit_code == 0, result.stderr
    assert out.read_text(encoding="utf-8") == expected_csv()
    assert leftovers(source.parent) == ["out.csv"]  # no journal, no partial file
    assert f"{COUNT} records, {COUNT} ok, 0 failed" in result.stderr


@pytest.mark.parametrize("step", list(STEPS))
@pytest.mark.parametrize("kind", KINDS)
def test_one_fault_at_each_step(
    run: Run, source: Path, emulator: Any, quick: None, step: str, kind: str
) -> None:
    path, method = STEPS[step]
    emulator.inject(kind, count=1, path=path, method=method, seconds=2.0, retry_after=0.01)
    out = source.with_name("out.csv")
    result = run("batches", "run", SERVICE, "--file", str(source), "--out", str(out), *FAST)
    assert result.exit_code == 0, result.stderr
    assert out.read_text(encoding="utf-8") == expected_csv()
    assert leftovers(source.parent) == ["out.csv"]


@pytest.mark.parametrize("kind", ["500", "drop", "lose"])
def test_every_third_batch_request_fails(
    run: Run, source: Path, emulator: Any, quick: None, kind: str
) -> None:
    emulator.inject(kind, every=3, path="api/v4/batch")
    out = source.with_name("out.csv")
    result = run("batches", "run", SERVICE, "--file", str(source), "--out", str(out), *FAST)
    assert result.exit_code == 0, result.stderr
    assert out.read_text(encoding="utf-8") == expected_csv()
    assert emulator.stats()["faults_injected"] >= 5


@pytest.mark.parametrize("seed", [1, 2])
def test_a_seeded_random_third_of_requests_fail(
    run: Run, source: Path, emulator: Any, quick: None, seed: int
) -> None:
    for offset, kind in enumerate(("503", "lose", "drop")):
        emulator.inject(kind, probability=0.1, seed=seed * 10 + offset, path="api/v4/batch")
    out = source.with_name("out.jsonl")
    result = run("batches", "run", SERVICE, "--file", str(source), "--out", str(out), *FAST)
    assert result.exit_code == 0, result.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [line.split('"doubled":')[1].split(",")[0] for line in lines] == [str(2 * i) for i in range(COUNT)]


def test_lost_pull_replies_are_recovered_by_pushing_again(
    run: Run, source: Path, emulator: Any, quick: None
) -> None:
    emulator.inject("lose", count=1, path="/chunkresults")  # the first pull takes every result, then is lost
    out = source.with_name("out.csv")
    result = run("batches", "run", SERVICE, "--file", str(source), "--out", str(out), *FAST)
    assert result.exit_code == 0, result.stderr
    assert out.read_text(encoding="utf-8") == expected_csv()
    assert "10 chunks re-pushed" in result.stderr  # each chunk whose results were lost was pushed again


def test_a_pipeline_that_dies_is_replaced(
    run: Run, source: Path, emulator: Any, sdk: Client, quick: None
) -> None:
    """Cancel the pipeline under the run: a new one takes every chunk still without results."""
    emulator.inject("stall", count=1, path="/chunkresults", seconds=0.3)
    out = source.with_name("out.csv")
    import threading

    def cancel_first_batch() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            batches = sdk.batches.describe().data["in_progress_batches"]
            if batches:
                sdk.batches.of(batches[0]["id"]).cancel()
                return
            time.sleep(0.01)

    saboteur = threading.Thread(target=cancel_first_batch)
    saboteur.start()
    result = run("batches", "run", SERVICE, "--file", str(source), "--out", str(out), *FAST)
    saboteur.join()
    assert result.exit_code == 0, result.stderr
    assert out.read_text(encoding="utf-8") == expected_csv()
    assert result.stderr.count(" started") >= 1


def test_execute_records_is_exact_through_faults(run: Run, source: Path, emulator: Any, quick: None) -> None:
    clean = run("-o", "csv", "services", "execute", SERVICE, "--records", str(source), "--chunk-size", "7")
    assert clean.exit_code == 0, clean.stderr
    emulator.inject("lose", every=3, path="/execute")
    emulator.inject("500", every=4, path="/execute")
    emulator.inject("drop", probability=0.2, seed=3, path="/execute")
    faulty = run("-o", "csv", "services", "execute", SERVICE, "--records", str(source), "--chunk-size", "7")
    assert faulty.exit_code == 0, faulty.stderr
    assert faulty.stdout == clean.stdout
    assert len(clean.stdout.splitlines()) == COUNT + 1


def test_accuracy_decides_the_exit_code_and_the_file_is_complete(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"value": 5}\n{"value": "abc"}\n{"value": 7}\n', encoding="utf-8")
    out = tmp_path / "results.jsonl"
    strict = run("batches", "run", SERVICE, "--file", str(source), "--out", str(out), "--chunk-size", "2")
    assert strict.exit_code == 7, strict.stderr
    assert "1 of 3 records failed" in strict.stderr and "--accuracy 1" in strict.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3  # complete, errors in their rows
    out.unlink()
    lenient = run(
        "batches",
        "run",
        SERVICE,
        "--file",
        str(source),
        "--out",
        str(out),
        "--chunk-size",
        "2",
        "--accuracy",
        "0.5",
    )
    assert lenient.exit_code == 0, lenient.stderr
    assert "3 records, 2 ok, 1 failed" in lenient.stderr


# --- kills and resume -------------------------------------------------------------------------------------
CSPARK = shutil.which("cspark") or str(Path(sys.executable).with_name("cspark"))
needs_binary = pytest.mark.skipif(not Path(CSPARK).exists(), reason="the cspark executable is not installed")


@pytest.fixture
def slow_chunks(emulator: Any) -> Iterator[None]:
    """Each batch chunk takes about 0.25 s, so a run of 10 chunks lasts long enough to be killed."""
    emulator.rt.state.jobs.speed = "realistic"
    yield
    emulator.reset()


def start(emulator: Any, source: Path, out: Path) -> subprocess.Popen[str]:
    """`cspark batches run` in a process of its own, once it has started its journal."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSPARK_")}
    env.update(CSPARK_BASE_URL=emulator.url, CSPARK_API_KEY=emulator.api_key, CSPARK_RETRY_INTERVAL="0.01")
    args = ["batches", "run", SERVICE, "--file", str(source), "--out", str(out), *FAST]
    proc = subprocess.Popen(
        [CSPARK, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 20
    while not out.with_name("out.csv.journal").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return proc


@needs_binary
@pytest.mark.parametrize("after", [0.0, 0.7, 1.6])
def test_sigkill_then_resume_ends_with_the_same_file(
    run: Run, source: Path, emulator: Any, slow_chunks: None, after: float
) -> None:
    out = source.with_name("out.csv")
    proc = start(emulator, source, out)
    time.sleep(after)
    proc.kill()
    proc.wait(timeout=10)
    if proc.returncode == 0:  # it finished before the kill: nothing to resume
        assert out.read_text(encoding="utf-8") == expected_csv()
        return
    assert not out.exists() and "out.csv.journal" in leftovers(source.parent)
    emulator.rt.state.jobs.speed = "instant"
    resumed = run("batches", "run", SERVICE, "--file", str(source), "--out", str(out), *FAST, "--resume")
    assert resumed.exit_code == 0, resumed.stderr
    assert out.read_text(encoding="utf-8") == expected_csv()
    assert leftovers(source.parent) == ["out.csv"]  # the journal went with the success


@needs_binary
def test_sigterm_keeps_the_journal_and_says_how_to_resume(
    run: Run, source: Path, emulator: Any, slow_chunks: None
) -> None:
    out = source.with_name("out.csv")
    proc = start(emulator, source, out)
    time.sleep(0.8)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 130, stderr
    assert (
        "batch " in stderr.splitlines()[0] and "started" in stderr.splitlines()[0]
    )  # the id, off a terminal
    assert "--resume" in stderr and "is left open" in stderr
    assert not out.exists() and "out.csv.journal" in leftovers(source.parent)
    resumed = run("batches", "run", SERVICE, "--file", str(source), "--out", str(out), *FAST, "--resume")
    assert resumed.exit_code == 0, resumed.stderr
    assert out.read_text(encoding="utf-8") == expected_csv()


def test_resume_refuses_a_missing_or_foreign_journal(run: Run, source: Path, emulator: Any) -> None:
    out = source.with_name("out.csv")
    nothing = run("batches", "run", SERVICE, "--file", str(source), "--out", str(out), "--resume")
    assert nothing.exit_code == 2 and "--resume" in nothing.stderr
    from cspark_core import Journal

    Journal(source.with_name("out.csv.journal"), {"service": "other/service"}).close()
    foreign = run("batches", "run", SERVICE, "--file", str(source), "--out", str(out), *FAST, "--resume")
    assert foreign.exit_code == 2, foreign.stderr
    assert "made for another run" in foreign.stderr
    fresh = run("batches", "run", SERVICE, "--file", str(source), "--out", str(out), *FAST)
    assert fresh.exit_code == 2 and "--resume" in fresh.stderr and "--force" in fresh.stderr
    forced = run("batches", "run", SERVICE, "--file", str(source), "--out", str(out), *FAST, "--force")
    assert forced.exit_code == 0, forced.stderr
    assert out.read_text(encoding="utf-8") == expected_csv()


def test_the_sdk_resumes_from_its_journal_sync_and_async(emulator: Any, tmp_path: Path) -> None:
    """Stop reading after the first results (the journal keeps the run), then resume: every record once."""
    import asyncio

    from cspark_core import AsyncClient

    records = [{"value": i} for i in range(30)]
    options = {"api_key": emulator.api_key, "environ": {}, "logger": False, "retry_interval": 0.01}
    journal = tmp_path / "sdk.journal"

    with Client(emulator.url, **options) as spark:  # type: ignore[arg-type]
        first = spark.batches.run(SERVICE, records, chunk_size=5, journal=journal, poll_interval=0.01)
        taken = iter(first)
        seen = [next(taken) for _ in range(7)]
        first.checkpoint({"kept": 5})  # what the caller stored for good: 7 records
        del taken  # abandoned: the pipeline stays open for the resume

    async def resume() -> list[Any]:
        async with AsyncClient(emulator.url, **options) as spark:  # type: ignore[arg-type]
            run = spark.batches.run(
                SERVICE, records, chunk_size=5, journal=journal, resume=True, poll_interval=0.01
            )
            assert run.resumed_cursor == {"kept": 5}
            results = [result async for result in run]
            run.finish()
            return results

    rest = asyncio.run(resume())
    assert [r.index for r in seen + rest] == list(range(30))
    assert [r.outputs["doubled"] for r in seen + rest] == [2 * i for i in range(30)]
    assert not journal.exists()
