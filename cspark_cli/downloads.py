"""Saving a download to disk, for every command that fetches a file (`services download`, `wasm download`,
`files download`, and any other group's).

```python
saved = save_download(cli.out, lambda to: client.wasm.download(loc, to=to), dest=out, force=force,
                      fallback="service.zip", what="WASM module")
render_saved(cli.out, saved)
```
`fetch(to)` must stream the body into the file `to` (the SDK's `to=`, which writes atomically). The body goes
to a hidden temporary file in the destination folder first; only then is the final name known (the server's,
from Content-Disposition, unless `--out` names a file), and the temporary file is renamed to it. An existing
file is never replaced without `--force`; on any error, nothing is left behind.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

import typer

from .exit_codes import CliError, ExitCode
from .output import Output

if TYPE_CHECKING:
    from cspark_core import SparkResponse

__all__ = ["DownloadUsageError", "OutPathOpt", "Saved", "render_saved", "save_download"]

OutPathOpt = Annotated[
    str | None,  # not Path: it would drop the trailing slash that says "a folder"
    typer.Option(
        "--out",
        metavar="PATH",
        help="File to write, or folder to write in (an existing folder, or a path ending in /, created when"
        " missing). Default: the server's file name in the current folder.",
        show_default=False,
    ),
]

Fetch = Callable[[Path], "SparkResponse"]


class DownloadUsageError(CliError):
    """A download the user asked for that cannot go ahead as given (exit 2)."""

    exit_code = ExitCode.USAGE


class Saved(NamedTuple):
    """Where a download went, its size, and the SDK's response (headers, request id)."""

    path: Path
    size: int
    response: Any

    def view(self) -> dict[str, Any]:
        return {"path": str(self.path), "size": self.size, "request_id": self.response.request_id}


def _refuse_existing(path: Path) -> DownloadUsageError:
    return DownloadUsageError(
        f"{path} already exists: pass --force to replace it, or --out to write elsewhere",
    )


def _split_dest(out: str | Path | None) -> tuple[Path, Path | None]:
    """(folder to write in, the file named by --out or None to use the server's name). `--out` is a folder
    when it exists as one or ends with a slash (`--out dl/`); a missing folder is created."""
    if out is None:
        return Path.cwd(), None
    dest = Path(out)
    if str(out).endswith(("/", os.sep)) or dest.is_dir():
        try:
            dest.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DownloadUsageError(f"--out {out}: cannot create the folder: {exc.strerror}") from None
        return dest, None
    folder = dest.parent if str(dest.parent) else Path.cwd()
    if not folder.is_dir():
        raise DownloadUsageError(f"--out {dest}: the folder {folder} does not exist")
    return folder, dest


def final_name(response: Any, fallback: str) -> str:
    """The server's file name (Content-Disposition) or `fallback`, made a safe base name (no folders, no
    leading dot, bounded length): never a path, never a dotfile."""
    from cspark_core.resources.files import file_name_from, safe_file_name

    return file_name_from(getattr(response, "headers", {}) or {}, safe_file_name(fallback, "download"))


def save_download(
    out: Output,
    fetch: Fetch,
    *,
    dest: str | Path | None,
    force: bool,
    fallback: str,
    what: str,
    doing: str | None = None,
) -> Saved:
    """Fetch into a temporary file beside the destination, then rename it to its final name. `doing` is the
    spinner's text when `fetch` does more than download (default: "Downloading <what>"); such a fetch runs
    a job first, so an existing file is refused before it starts: the one --out names, else `fallback`
    (the name Spark gives such files)."""
    folder, named = _split_dest(dest)
    expected = named if named is not None else folder / fallback if doing else None
    if expected is not None and expected.exists() and not force:
        raise _refuse_existing(expected)
    # A private folder beside the destination: the SDK writes the file there (atomically, with the
    # umask's mode), and it is renamed into place once its final name is known.
    import tempfile

    staging = Path(tempfile.mkdtemp(prefix=".cspark-", dir=folder))
    tmp = staging / "download"
    try:
        with out.spinner(doing or f"Downloading {what}"):
            response = fetch(tmp)
        target = named if named is not None else folder / final_name(response, fallback)
        if target.exists() and not force:
            raise _refuse_existing(target)
        size = tmp.stat().st_size
        os.replace(tmp, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Saved(target, size, response)


def render_saved(out: Output, saved: Saved) -> None:
    """The file's path on stdout (or its details as JSON), a line of success on stderr."""
    if out.bare:
        out.raw(str(saved.path))
    else:
        out.result(saved.view(), rows=[saved.view()])
    out.success(f"Saved {saved.size} bytes to {saved.path}")
