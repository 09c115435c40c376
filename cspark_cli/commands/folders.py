"""`cspark folders`: find, get, create, update and delete folders ("products" in Spark's v1 API)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..context import AppContext
from ..options import YesOpt, check_iso
from ..output import Column

if TYPE_CHECKING:
    from cspark_core import SparkResponse

app = typer.Typer(
    help="Find, show, create, update and delete folders.", no_args_is_help=True, rich_markup_mode=None
)

NameArg = Annotated[str, typer.Argument(metavar="NAME", help="Folder name.", show_default=False)]
FolderArg = Annotated[
    str, typer.Argument(metavar="FOLDER", help="Folder name (or its id).", show_default=False)
]
DescriptionOpt = Annotated[str | None, typer.Option("--description", help="Description.")]
CategoryOpt = Annotated[str | None, typer.Option("--category", help="Category (default: Other).")]
CoverOpt = Annotated[
    Path | None, typer.Option("--cover", metavar="PATH", help="Cover image to upload.", show_default=False)
]
COLUMNS = [
    Column("Name", "name"),
    Column("Status", "status"),
    Column("Category", "category"),
    Column("Services", "totalServiceCount"),
    Column("Updated", "lastModifiedDate"),
    Column("Id", "id"),
]
SUMMARY = ("id", "name", "status", "category", "description", "totalServiceCount", "activeServiceCount",
           "createdAt", "createdBy", "lastModifiedDate", "startDate", "launchDate", "isStarred")  # fmt: skip


def _cover(path: Path | None) -> Path | None:
    if path is not None and not path.is_file():
        raise typer.BadParameter(f"{path} is not a file", param_hint="'--cover'")
    return path


def _folder(res: SparkResponse) -> dict[str, Any]:
    """The folder object of a GetProduct reply, summarised for a name/value view."""
    folder = res.body
    return {key: folder.get(key) for key in SUMMARY if key in folder}


def _is_id(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _folder_id(cli: AppContext, folder: str) -> str:
    """A folder's id: given as is, or looked up by name."""
    if _is_id(folder):
        return folder
    return str(_folder(cli.client().folders.get(folder)).get("id") or folder)


def _done(cli: AppContext, data: Any, message: str) -> None:
    """An action's reply: Spark's body with `-o json`, else a line on stderr."""
    if cli.out.format == "json":
        cli.out.json(data)
    cli.out.success(message)


@app.command("find")
def find(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(metavar="NAME", help="Part of a folder name (default: all).", show_default=False),
    ] = None,
    page: Annotated[int, typer.Option("--page", min=1, help="Page number.")] = 1,
    size: Annotated[int, typer.Option("--size", min=1, help="Folders per page.")] = 100,
    sort: Annotated[str, typer.Option("--sort", help="Sort key; '-' for descending.")] = "-updated",
    status: Annotated[str | None, typer.Option("--status", help="Only folders with this status.")] = None,
    category: Annotated[str | None, typer.Option("--category", help="Only this category.")] = None,
    favorite: Annotated[bool, typer.Option("--favorite", help="Only starred folders.")] = False,
) -> None:
    """Find folders by name, or list them all."""
    cli = AppContext.of(ctx)
    res = cli.client().folders.find(
        name, page=page, size=size, sort=sort, status=status, category=category, favorite=favorite or None
    )
    rows = res.items
    if not rows and cli.out.format == "table":
        cli.out.info("No folders found")
        return
    cli.out.result(res.data, rows=rows, columns=COLUMNS)


@app.command("get")
def get(ctx: typer.Context, name: NameArg) -> None:
    """Show one folder."""
    cli = AppContext.of(ctx)
    res = cli.client().folders.get(name)
    cli.out.kv(_folder(res), data=res.data)


@app.command("exists")
def exists(ctx: typer.Context, name: NameArg) -> None:
    """Print true when a folder of this name exists, else false (exit 0 either way)."""
    cli = AppContext.of(ctx)
    found = cli.client().folders.exists(name)
    cli.out.result(found)


@app.command("create")
def create(
    ctx: typer.Context,
    name: NameArg,
    description: DescriptionOpt = None,
    category: CategoryOpt = None,
    status: Annotated[str | None, typer.Option("--status", help="Status (default: Design).")] = None,
    start_date: Annotated[str | None, typer.Option("--start-date", help="ISO date (default: now).")] = None,
    launch_date: Annotated[
        str | None, typer.Option("--launch-date", help="ISO date (default: in 10 years).")
    ] = None,
    cover: CoverOpt = None,
) -> None:
    """Create a folder."""
    cli = AppContext.of(ctx)
    dates = check_iso("--start-date", start_date), check_iso("--launch-date", launch_date)
    res = cli.client().folders.create(
        name, description=description, category=category, status=status, start_date=dates[0],
        launch_date=dates[1], cover=_cover(cover),
    )  # fmt: skip
    cli.out.kv(_folder(res), data=res.data)
    cli.out.success(f"Created folder {name!r}")


@app.command("update")
def update(
    ctx: typer.Context,
    folder: FolderArg,
    description: DescriptionOpt = None,
    category: CategoryOpt = None,
    start_date: Annotated[str | None, typer.Option("--start-date", help="ISO date.")] = None,
    launch_date: Annotated[str | None, typer.Option("--launch-date", help="ISO date.")] = None,
    cover: CoverOpt = None,
) -> None:
    """Change a folder's description, category, dates or cover image."""
    cli = AppContext.of(ctx)
    dates = check_iso("--start-date", start_date), check_iso("--launch-date", launch_date)
    if description is None and category is None and cover is None and dates == (None, None):
        raise typer.BadParameter(
            "nothing to change: give --description, --category, --start-date, --launch-date or --cover",
            param_hint="'FOLDER'",
        )
    res = cli.client().folders.update(
        _folder_id(cli, folder), description=description, category=category, start_date=dates[0],
        launch_date=dates[1], cover=_cover(cover),
    )  # fmt: skip
    _done(cli, res.data, f"Updated folder {folder!r}")


@app.command("delete")
def delete(ctx: typer.Context, folder: FolderArg, yes: YesOpt = False) -> None:
    """Delete a folder and every service in it."""
    cli = AppContext.of(ctx)
    cli.confirm_or_require_yes(yes, f"Delete folder {folder!r} and all its services?")
    res = cli.client().folders.delete(_folder_id(cli, folder))
    _done(cli, res.data, f"Deleted folder {folder!r}")
