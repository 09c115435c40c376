"""completions/ and docs/commands.md must match what the generators produce from the CLI today."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("script", ["gen_completions.py", "gen_docs.py"])
def test_generated_files_are_fresh(script: str) -> None:
    command = [sys.executable, str(ROOT / "scripts" / script), "--check"]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr


def test_completions_cover_every_registered_group() -> None:
    from cspark_cli.commands import COMMANDS

    for shell in ("bash", "zsh", "fish"):
        text = (ROOT / "completions" / f"cspark.{shell}").read_text()
        for name in COMMANDS:
            assert f" {name}" in text, (shell, name)


def test_bash_completion_completes_subcommands() -> None:
    script = f"""
source {ROOT / "completions" / "cspark.bash"}
COMP_WORDS=(cspark -q auth lo); COMP_CWORD=3; _cspark; echo "${{COMPREPLY[@]}}"
COMP_WORDS=(cspark -o ""); COMP_CWORD=2; _cspark; echo "${{COMPREPLY[@]}}"
"""
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    assert proc.stdout.splitlines() == ["login logout", "table json csv"]


def test_bash_completes_a_flags_values_per_command() -> None:
    """`--type` takes csv|json after `logs download`, original|configured after `services download`."""
    script = f"""
source {ROOT / "completions" / "cspark.bash"}
COMP_WORDS=(cspark logs download f/s --type ""); COMP_CWORD=5; _cspark; echo "${{COMPREPLY[@]}}"
COMP_WORDS=(cspark services download f/s --type ""); COMP_CWORD=5; _cspark; echo "${{COMPREPLY[@]}}"
COMP_WORDS=(cspark services promote f/s --if-present a); COMP_CWORD=5; _cspark; echo "${{COMPREPLY[@]}}"
"""
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    assert proc.stdout.splitlines() == ["csv json", "original configured", "abort add-version"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_parse_in_their_shell(shell: str) -> None:
    import shutil

    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed here")
    proc = subprocess.run(
        [shell, "-n", str(ROOT / "completions" / f"cspark.{shell}")], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def test_fish_completion_completes_subcommands() -> None:
    import shutil

    if shutil.which("fish") is None:
        pytest.skip("fish is not installed here")
    script = f'source {ROOT / "completions" / "cspark.fish"}; complete -C "cspark services ex"'
    proc = subprocess.run(["fish", "-c", script], capture_output=True, text=True, check=True)
    assert [line.split("\t")[0] for line in proc.stdout.splitlines()] == ["execute", "exists"]
