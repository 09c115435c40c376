"""Self-contained docs (issue #11, item 11): nothing in the repository cites a file outside it (the team's
wire-protocol notes live elsewhere; facts from them are written out where they are used)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = (
    "cspark",
    "cspark_core",
    "cspark_cli",
    "cspark_emulator",
    "tests",
    "scripts",
    "bench",
    "docs",
    "examples",
)
OUTSIDE = ("spark-api.md", "§")  # the notes' file name, and their section numbers


def test_no_file_cites_notes_outside_the_repository() -> None:
    files = [
        *ROOT.glob("*.md"),
        *(p for folder in FOLDERS for p in (ROOT / folder).rglob("*") if p.is_file()),
    ]
    offenders = []
    for path in files:
        if path.suffix not in {".py", ".md", ".sh", ".toml", ".txt"} or path == Path(__file__):
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.relative_to(ROOT)}: {word}" for word in OUTSIDE if word in text]
    assert offenders == []


def test_the_emulator_readme_has_a_parity_table() -> None:
    readme = (ROOT / "cspark_emulator" / "README.md").read_text()
    assert "## Parity with Spark, per endpoint family" in readme
    for family in (
        "OAuth2 token",
        "Folders",
        "Execute v3",
        "Execute v4",
        "Batches",
        "ImpEx",
        "Hybrid Runner",
    ):
        assert f"| {family}" in readme
