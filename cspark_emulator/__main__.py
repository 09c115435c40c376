"""``python -m cspark_emulator``: run the emulator in the foreground; the first stdout line is JSON."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path

from .jobs import SPEEDS
from .runtime import Limits
from .server import Options, banner, bind, build_runtime, make_server, origin_of, shutdown
from .state import MAX_CALL_LOG_RECORDS, MAX_CALL_LOGS


def parse_args(argv: list[str] | None = None) -> Options:
    env = os.environ
    parser = argparse.ArgumentParser(
        prog="python -m cspark_emulator", description="Run a local Spark emulator."
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (0 picks a free one)")
    parser.add_argument("--tenant", default="local", help="tenant name served (default: local)")
    parser.add_argument("--data", type=Path, help="persist state in this directory (SQLite + workbooks)")
    parser.add_argument("--seed", type=Path, help="publish DIR/<folder>/<service>.xlsx at start and on reset")
    parser.add_argument("--samples", action="store_true", help="publish the bundled sample workbooks")
    parser.add_argument("--token-ttl", type=float, default=3600.0, help="bearer token lifetime in seconds")
    parser.add_argument("--speed", choices=SPEEDS, default="instant", help="job speed (default: instant)")
    parser.add_argument(
        "--max-call-logs",
        type=_positive,
        default=MAX_CALL_LOGS,
        help=f"calls kept in the call history, newest first (default {MAX_CALL_LOGS})",
    )
    parser.add_argument(
        "--max-call-log-records",
        type=_positive,
        default=MAX_CALL_LOG_RECORDS,
        help=f"records kept in the call history across all calls (default {MAX_CALL_LOG_RECORDS})",
    )
    parser.add_argument(
        "--workers",
        type=_not_negative,
        default=None,
        help="calculation processes (default: the CPU count, or CSPARK_EMULATOR_WORKERS); 0 calculates "
        "in the server process",
    )
    parser.add_argument("--api-key", default=env.get("CSPARK_EMULATOR_API_KEY"))
    parser.add_argument("--client-id", default=env.get("CSPARK_EMULATOR_CLIENT_ID"))
    parser.add_argument("--client-secret", default=env.get("CSPARK_EMULATOR_CLIENT_SECRET"))
    parser.add_argument(
        "--admin-token",
        default=env.get("CSPARK_EMULATOR_ADMIN_TOKEN"),
        help="credential for /_emulator/ controls (default: a new random one, in the start-up JSON line)",
    )
    parser.add_argument("--max-body", type=int, default=Limits.max_body, metavar="BYTES",
                        help="largest request body accepted (default 64 MiB)")  # fmt: skip
    parser.add_argument("--max-inflated", type=int, default=Limits.max_inflated, metavar="BYTES",
                        help="largest body once decompressed (default 64 MiB)")  # fmt: skip
    parser.add_argument("--max-json-depth", type=int, default=Limits.max_json_depth, metavar="LEVELS",
                        help="deepest JSON nesting accepted (default 256)")  # fmt: skip
    args = parser.parse_args(argv)
    for name in ("max_body", "max_inflated", "max_json_depth"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.seed is not None and not args.seed.is_dir():
        parser.error(f"--seed {args.seed} is not a directory")
    if args.workers is None:
        try:
            args.workers = _not_negative(env.get("CSPARK_EMULATOR_WORKERS") or str(os.cpu_count() or 1))
        except argparse.ArgumentTypeError as exc:
            parser.error(f"CSPARK_EMULATOR_WORKERS: {exc}")
    return Options(
        tenant=args.tenant,
        host=args.host,
        port=args.port,
        data=args.data,
        seed=args.seed,
        samples=args.samples,
        token_ttl=args.token_ttl,
        api_key=args.api_key,
        client_id=args.client_id,
        client_secret=args.client_secret,
        speed=args.speed,
        max_call_logs=args.max_call_logs,
        max_call_log_records=args.max_call_log_records,
        admin_token=args.admin_token,
        max_body=args.max_body,
        max_inflated=args.max_inflated,
        max_json_depth=args.max_json_depth,
        workers=args.workers,
    )


def _not_negative(value: str) -> int:
    return _positive(value, minimum=0)


def _positive(value: str, minimum: int = 1) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from exc
    if number < minimum:
        raise argparse.ArgumentTypeError(f"must be >= {minimum}")
    return number


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    sock = bind(options.host, options.port)
    origin = origin_of(sock, options.host)
    rt = build_runtime(options, origin)
    sys.stdout.write(json.dumps(banner(rt, origin)) + "\n")
    sys.stdout.flush()
    server = make_server(rt)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal to the handler it found
    # installed: make that a no-op so a requested stop exits with status 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    try:
        server.run(sockets=[sock])
    finally:
        shutdown(rt)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
