#!/usr/bin/env bash
# The README's demo: set up a virtualenv with the CLI and the emulator, start the local emulator with the
# sample workbooks, execute services with `cspark`, show the outputs, and stop the emulator again.
# CSPARK_VENV picks the virtualenv folder (default .venv); it is created when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${CSPARK_VENV:-.venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[cli,emulator]'
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
printf '\nDone: the emulator is stopped.\n'
