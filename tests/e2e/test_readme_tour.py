"""The README's tour runs as written (issue #11, item 5): every `cspark` line of its first code block, with
the files in examples/, against the emulator, each exiting 0. `cspark emulator start &` is stood in for by
the session's emulator and the `local` profile that command would save."""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cspark_cli.main import app
from cspark_cli.profiles import Profile, ProfileStore, config_dir

ROOT = Path(__file__).resolve().parents[2]


def tour_lines() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## A two-minute tour", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None
    lines = [line.split("  #", 1)[0].strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line.startswith("cspark ")]


def test_the_tour_names_only_files_that_ship() -> None:
    named = {word for line in tour_lines() for word in shlex.split(line) if word.startswith("examples/")}
    assert named == {"examples/values.csv", "examples/model.xlsx", "examples/policies.csv"}
    assert all((ROOT / name).is_file() for name in named)


def test_every_tour_line_exits_0(emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = tour_lines()
    assert lines[0] == "cspark emulator start &"
    ProfileStore(config_dir(os.environ)).put(
        Profile("local", base_url=emulator.url, api_key=emulator.api_key)
    )
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    for line in lines[1:]:
        words = shlex.split(line)[1:]
        target = None
        if ">" in words:  # `... > results.csv`
            at = words.index(">")
            words, target = words[:at], words[at + 1]
        result = CliRunner().invoke(app, words)
        assert result.exit_code == 0, f"{line}\n{result.stderr}"
        if target:
            Path(target).write_text(result.stdout)
    results = Path("results.csv").read_text().splitlines()
    assert results[0] == "doubled,label,squared" and results[-1].startswith("84,")  # value=42, the last row
    assert len(Path("quotes.csv").read_text().splitlines()) == 4  # a header and the three policies
