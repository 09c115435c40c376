"""An example or two for each command's help, kept in one place (shown as the help's last paragraph, and in
docs/commands.md). Each line is a whole command line a person can copy; `tests/unit/cli/test_startup.py`
checks that every command has one and that each parses."""

from __future__ import annotations

__all__ = ["EXAMPLES", "epilog"]

S = "my-folder/my-service"
EXAMPLES: dict[str, tuple[str, ...]] = {
    "auth login": (
        "cspark auth login --name uat --base-url https://spark.uat.us.coherent.global/acme"
        " --api-key-stdin < key.txt",
        "cspark auth login --profile uat   # asks on a terminal",
    ),
    "auth status": ("cspark auth status", "cspark auth status -p uat -o json"),
    "auth token": ("TOKEN=$(cspark auth token -p uat)",),
    "auth logout": ("cspark auth logout uat",),
    "profiles list": ("cspark profiles list",),
    "profiles show": ("cspark profiles show uat",),
    "profiles use": ("cspark profiles use uat",),
    "profiles rm": ("cspark profiles rm old --yes",),
    "folders find": ("cspark folders find", "cspark folders find pricing --size 20 -o json"),
    "folders get": ("cspark folders get pricing",),
    "folders exists": ("cspark folders exists pricing",),
    "folders create": ("cspark folders create sandbox --description 'Try-outs'",),
    "folders update": ("cspark folders update sandbox --description 'Try-outs, kept'",),
    "folders delete": ("cspark folders delete sandbox --yes",),
    "services execute": (
        f"cspark services execute {S} value=42",
        f"cspark services execute {S} --records values.csv -o csv > results.csv",
    ),
    "services promote": (
        "cspark services promote 'pricing/quote[1.4.0]' --from uat --to prod --dry-run",
        "cspark services promote pricing/quote --from uat --to prod --verify cases.csv -o json",
    ),
    "services compare": (
        "cspark services compare 'pricing/quote[1.4.0]' pricing/quote --records cases.csv",
        "cspark services compare pricing/quote pricing/quote --profile-b prod --records cases.csv"
        " --tolerance 0.005 --out diff.csv",
    ),
    "services validate": (
        f"cspark services validate {S}",
        f"cspark services validate {S} value=42 --validation-type dynamic",
    ),
    "services transform": (f"cspark services transform {S} --inputs @body.json --using my-transform",),
    "services metadata": (f"cspark services metadata {S}",),
    "services versions": (f"cspark services versions {S}",),
    "services schema": (f"cspark services schema {S}", f"cspark services schema {S} -o json"),
    "services swagger": (f"cspark services swagger {S} > openapi.json",),
    "services search": ("cspark services search", "cspark services search quote --folder pricing"),
    "services exists": (f"cspark services exists {S}",),
    "services upload": ("cspark services upload sandbox/pricing --file model.xlsx",),
    "services create": ("cspark services create sandbox/pricing --file model.xlsx",),
    "services compile": ("cspark services compile sandbox/pricing --file model.xlsx",),
    "services publish": ("cspark services publish sandbox/pricing --file-id FILE_ID --engine-id ENGINE_ID",),
    "services compilation-status": ("cspark services compilation-status sandbox/pricing JOB_ID",),
    "services recompile": (f"cspark services recompile {S} --wait",),
    "services download": (f"cspark services download {S} --out dl/",),
    "services delete": ("cspark services delete sandbox/pricing --yes",),
    "health check": ("cspark health check",),
    "health ok": ("cspark health ok && echo up",),
    "config get": ("cspark config get -p uat",),
    "wasm download": (f"cspark wasm download {S} --out wasm/",),
    "files download": ("cspark files download URL --out dl/",),
    "emulator start": ("cspark emulator start &", "cspark emulator start --port 8400 --data ./emulator-data"),
    "batches describe": ("cspark batches describe",),
    "batches create": ("B=$(cspark batches create pricing/quote -q)",),
    "batches info": ("cspark batches info $B",),
    "batches status": ("cspark batches status $B",),
    "batches push": ("cspark batches push $B --file policies.csv",),
    "batches pull": ("cspark batches pull $B --out results.jsonl",),
    "batches dispose": ("cspark batches dispose $B",),
    "batches cancel": ("cspark batches cancel $B --yes",),
    "batches run": (
        "cspark batches run pricing/quote --file policies.csv --out quotes.csv",
        "cspark batches run pricing/quote --file policies.csv --out quotes.csv --resume   # after a stop",
    ),
    "logs get": ("cspark logs get CALL_ID", "cspark logs get CALL_ID -o json   # Spark's reply as sent"),
    "logs rehydrate": (f"cspark logs rehydrate {S} CALL_ID --out dl/",),
    "logs download": (f"cspark logs download {S} --start-date 2026-01-01 --type csv --out logs/",),
    "logs download-status": (f"cspark logs download-status {S} JOB_ID",),
    "impex export": ("cspark impex export --folder pricing --out exports/",),
    "impex export-status": ("cspark impex export-status JOB_ID",),
    "impex download-export": ("cspark impex download-export JOB_ID --out exports/",),
    "impex cancel-export": ("cspark impex cancel-export JOB_ID --yes",),
    "impex describe-exports": ("cspark impex describe-exports",),
    "impex import": ("cspark impex import package.zip --destination pricing=pricing-copy",),
    "impex import-status": ("cspark impex import-status JOB_ID",),
    "impex describe-imports": ("cspark impex describe-imports",),
}


def epilog(path: str) -> str | None:
    """The examples paragraph of `cspark PATH --help` (None when the command has none)."""
    lines = EXAMPLES.get(path)
    if not lines:
        return None
    return "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)
