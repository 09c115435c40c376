"""Folders ("products") and their categories."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..models import (
    ApiError,
    Folder,
    bad_request,
    iso_ms,
    new_id,
    not_found,
    optional_date,
    parse_date,
    truthy,
    utcnow,
)
from .core import Core, key, page_of, sorted_by

DEFAULT_CATEGORIES = (
    ("Medical", "medical.svg"),
    ("Critical Illness", "critical-illness.svg"),
    ("Lifelong Participation", "lifelong.svg"),
    ("Universal Life", "universal-life.svg"),
    ("Investment Linked", "investment.svg"),
    ("Annuity", "annuity.svg"),
    ("Term", "term.svg"),
    ("VHIS", "vhis.svg"),
    ("VHIS + Medical", "vhis.svg"),
    ("Property & Casualty", "property.svg"),
    ("Other", "other.svg"),
)
FOLDER_SORT_KEYS: dict[str, Callable[[Folder], Any]] = {
    "updated": lambda f: f.updated_at,
    "created": lambda f: f.created_at,
    "name": lambda f: f.name.casefold(),
    "productname": lambda f: f.name.casefold(),
}


class FoldersBackend:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.folders: dict[str, Folder] = {}  # by key(name)
        self.categories: dict[str, dict[str, str]] = {}
        self._reset_categories()

    def load(self) -> None:
        for row in self.core.load("folder"):
            folder = Folder.from_dict(row)
            self.folders[key(folder.name)] = folder

    def load_categories(self) -> None:
        for row in self.core.load("category"):
            self.categories[row["key"]] = row

    def reset(self) -> None:
        self.folders.clear()
        self._reset_categories()

    def _reset_categories(self) -> None:
        self.categories.clear()
        self.categories.update(
            {name: {"key": name, "value": name, "icon": icon} for name, icon in DEFAULT_CATEGORIES}
        )

    # ------------------------------------------------------------------ folders

    def find(self, name: str) -> Folder | None:
        with self.core.lock:
            return self.folders.get(key(name))

    def get(self, name: str) -> Folder:
        folder = self.find(name)
        if folder is None:
            raise not_found(f"folder {name!r} was not found")
        return folder

    def by_id(self, folder_id: str) -> Folder:
        with self.core.lock:
            for folder in self.folders.values():
                if folder.id == folder_id.lower():
                    return folder
        raise not_found(f"folder {folder_id} was not found")

    def create(
        self,
        name: str,
        *,
        category: str = "Other",
        description: str = "",
        status: str = "Design",
        start: Any = None,
        launch: Any = None,
    ) -> Folder:
        name = name.strip()
        if not name or "/" in name:
            raise bad_request("folder Name is required and cannot contain '/'")
        start_at = optional_date(start, "StartDate", utcnow())
        launch_at = optional_date(launch, "LaunchDate", start_at.replace(year=start_at.year + 10))
        with self.core.lock:
            if key(name) in self.folders:
                raise ApiError(409, f"a folder named {name!r} already exists", "PRODUCT_ALREADY_EXISTS")
            now = iso_ms()
            folder = Folder(
                id=new_id(),
                name=name,
                category=category or "Other",
                description=description,
                status=status or "Design",
                start_date=iso_ms(start_at),
                launch_date=iso_ms(launch_at),
                created_at=now,
                updated_at=now,
                created_by=self.core.user,
            )
            self.folders[key(name)] = folder
            self.save(folder)
            return folder

    def update(self, folder_id: str, changes: Mapping[str, Any]) -> Folder:
        with self.core.lock:
            folder = self.by_id(folder_id)
            if changes.get("description") is not None:
                folder.description = str(changes["description"])
            if changes.get("category") is not None:
                folder.category = str(changes["category"])
            if changes.get("startDate") is not None:
                folder.start_date = iso_ms(parse_date(changes["startDate"], "startDate"))
            if changes.get("launchDate") is not None:
                folder.launch_date = iso_ms(parse_date(changes["launchDate"], "launchDate"))
            if changes.get("isStarred") is not None:
                folder.is_starred = bool(changes["isStarred"])
            folder.updated_at = iso_ms()
            self.save(folder)
            return folder

    def set_cover(self, folder_id: str, content: bytes) -> None:
        with self.core.lock:
            folder = self.by_id(folder_id)
            folder.cover_image = self.core.put_document(content)
            self.core.persist_document(folder.cover_image)
            folder.updated_at = iso_ms()
            self.save(folder)

    def remove(self, folder: Folder) -> None:
        """Forget the folder record (its services are the caller's business); callers hold the lock."""
        del self.folders[key(folder.name)]
        self.core.drop("folder", folder.id)

    def save(self, folder: Folder) -> None:
        self.core.save("folder", folder.id, folder.to_dict())

    def search(
        self, search: Iterable[Mapping[str, Any]], page: int, size: int, sort: str
    ) -> tuple[list[Folder], int]:
        with self.core.lock:
            folders = [f for f in self.folders.values() if _folder_matches(f, search)]
        folders = sorted_by(folders, sort, FOLDER_SORT_KEYS, default="-updated")
        return page_of(folders, page, size), len(folders)

    # ------------------------------------------------------------------ categories

    def save_category(self, key: str | None, value: str, icon: str | None) -> None:
        if not value:
            raise bad_request("category value is required")
        with self.core.lock:
            entry = {"key": key or new_id(), "value": value, "icon": icon or "other.svg"}
            self.categories[entry["key"]] = entry
            self.core.save("category", entry["key"], entry)

    def delete_category(self, key: str) -> None:
        with self.core.lock:
            if key not in self.categories:
                raise not_found(f"category {key!r} was not found")
            del self.categories[key]
            self.core.drop("category", key)


def _folder_matches(folder: Folder, search: Iterable[Mapping[str, Any]]) -> bool:
    """``name``: case-insensitive contains; other fields: case-insensitive equality (Spark's is unknown)."""
    values = {
        "name": folder.name,
        "category": folder.category,
        "status": folder.status,
        "id": folder.id,
        "isstarred": folder.is_starred,
        "description": folder.description,
    }
    for item in search:
        field_name, wanted = str(item.get("field", "")).casefold(), item.get("value")
        if wanted in (None, "") or field_name not in values:
            continue
        actual = values[field_name]
        if field_name == "name":
            if str(wanted).casefold() not in folder.name.casefold():
                return False
        elif isinstance(actual, bool):
            if actual != truthy(wanted):
                return False
        elif str(actual).casefold() != str(wanted).casefold():
            return False
    return True
