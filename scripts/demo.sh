#!/usr/bin/env bash
# The README's demo: set up a virtualenv with the CLI and the emulator, start the local emulator with the
# sample workbooks, execute services and run a file of records through a batch with `cspark`, show the
# outputs, and stop the emulator again.
# CSPARK_VENV picks the virtualenv folder (default .venv); it is created when missing. The install step is
# skipped when the virtualenv is current: this checkout installed (editable) with the same pyproject.toml,
# as recorded in a stamp file (CSPARK_DEMO_STAMP, default $venv/.cspark-demo-stamp).
# `scripts/demo.sh --needs-install` only says whether it would install (prints yes or no).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${CSPARK_VENV:-.venv}"
stamp="${CSPARK_DEMO_STAMP:-$venv/.cspark-demo-stamp}"
here="$(pwd -P)"
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1) $here"
needs_install() {
  [ -x "$venv/bin/python" ] || return 0
  [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ] || return 0
  # the packages still import, from this checkout (a reinstall elsewhere or a removed package shows here)
  ! "$venv/bin/python" -c 'import sys, cspark_cli, cspark_emulator, typer, formulas
sys.exit(not cspark_cli.__file__.startswith(sys.argv[1] + "/"))' "$here" 2>/dev/null
}
if [ "${1:-}" = "--needs-install" ]; then
  if needs_install; then echo yes; else echo no; fi
  exit 0
fi
if needs_install; then
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[cli,emulator]'
  echo "$wanted" >"$stamp"
fi
export PATH="$PWD/$venv/bin:$PATH"

workdir=$(mktemp -d)
python -m cspark_emulator --port 0 --samples >"$workdir/emulator.out" 2>"$workdir/emulator.err" &
emulator=$!
stop() { kill "$emulator" 2>/dev/null && wait "$emulator" 2>/dev/null; rm -rf "$workdir"; }
trap stop EXIT

for _ in $(seq 1 300); do  # the first stdout line is JSON with the URL and credentials
  [ -s "$workdir/emulator.out" ] && break
  kill -0 "$emulator" 2>/dev/null || { cat "$workdir/emulator.err" >&2; exit 1; }
  sleep 0.1
done
read_field() { python -c 'import json, sys; print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]])' "$workdir/emulator.out" "$1"; }
export CSPARK_BASE_URL; CSPARK_BASE_URL=$(read_field url)
export CSPARK_API_KEY; CSPARK_API_KEY=$(read_field api_key)
export CSPARK_CONFIG_DIR="$workdir/config"  # the demo leaves your own profiles alone
echo "Emulator running at $CSPARK_BASE_URL"

run() { printf '\n$ %s\n' "$*"; "$@"; }
run cspark services execute my-folder/my-service --inputs value=42
run cspark services execute pricing/quote age=45 sum_assured=250000 smoker=No plan=Premium term_years=15 start_date=2026-01-01
run cspark -o json services execute my-folder/my-service --inputs value=7
run cspark batches run my-folder/my-service --file examples/values.csv --out "$workdir/results.csv" --poll-interval 0.1
run cat "$workdir/results.csv"
printf '\nDone: the emulator is stopped.\n'
