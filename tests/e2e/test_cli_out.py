"""`--out` (issue #11, item 3): a trailing slash or an existing folder means "inside this folder" (created
when missing), and a job-then-download command refuses an existing file before it starts the job."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import Run

FAST = ("--poll-interval", "0.05")


def test_a_trailing_slash_is_a_folder_created_when_missing(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("services", "download", "my-folder/my-service", "--out", "dl/")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "dl").is_dir()
    (saved,) = (tmp_path / "dl").iterdir()
    assert saved.suffix == ".xlsx" and result.stdout.strip() == str(Path("dl") / saved.name)
    export = run("impex", "export", "--folder", "my-folder", "--out", "newexp/", *FAST)
    assert export.exit_code == 0, export.stderr
    assert (tmp_path / "newexp" / "package.zip").is_file()


def test_an_existing_folder_without_a_slash_is_a_folder(run: Run, tmp_path: Path) -> None:
    result = run("services", "download", "my-folder/my-service", "--out", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert Path(result.stdout.strip()).parent == tmp_path


@pytest.mark.parametrize(
    "args",
    [
        ("impex", "export", "--folder", "my-folder"),
        ("logs", "download", "my-folder/my-service"),
    ],
)
def test_an_existing_file_is_refused_before_the_job_starts(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    monkeypatch.chdir(tmp_path)
    first = run(*args, *FAST)
    assert first.exit_code == 0, first.stderr
    saved = Path(first.stdout.strip())
    again = run(*args, *FAST, "--verbose")  # -v logs every HTTP request on stderr
    assert again.exit_code == 2
    assert f"{saved.name} already exists" in again.stderr and "--force" in again.stderr
    assert "POST" not in again.stderr and "GET" not in again.stderr  # the job never started
    assert run(*args, *FAST, "--force").exit_code == 0
