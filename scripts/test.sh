#!/usr/bin/env bash
# Set up (a virtualenv with the project and its dev tools) and run every check: the README's test command.
# CSPARK_VENV picks the virtualenv folder (default .venv); it is created when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${CSPARK_VENV:-.venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[dev]'
export PATH="$PWD/$venv/bin:$PATH"

echo "== ruff (lint)" && ruff check .
echo "== ruff (format)" && ruff format --check .
echo "== mypy (strict on cspark_core and cspark_emulator)" && mypy
echo "== pytest" && python -m pytest "$@"
