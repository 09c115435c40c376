"""Folders ("products" in Spark's v1 API)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..errors import SparkSdkError
from ..request import ApiRequest, FileField, segment
from ..response import SparkResponse
from ._base import AsyncResource, Resource

__all__ = ["AsyncFolders", "Folders"]

Cover = str | os.PathLike[str] | bytes


def _iso(value: str | datetime | None, default: datetime) -> str:
    if value is None:
        return default.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise SparkSdkError("folder name must not be blank", cause=name)
    return name.strip()


def _folder_id(folder_id: str) -> str:
    if not isinstance(folder_id, str) or not folder_id.strip():
        raise SparkSdkError("folder id must not be blank", cause=folder_id)
    return folder_id.strip()


def exists_request(name: str) -> ApiRequest:
    return ApiRequest(
        "POST", f"api/v1/product/isproductexists/{segment(_name(name))}", scope="host", content=b""
    )


def find_request(name: str | None, page: int, size: int, sort: str, filters: Mapping[str, Any]) -> ApiRequest:
    if page < 1 or size < 1:
        raise SparkSdkError("page and size must be positive", cause={"page": page, "size": size})
    fields = {"name": name, **filters}
    search = [
        {"field": key, "value": value} for key, value in fields.items() if value not in (None, "", False)
    ]
    body = {
        "search": search,
        "page": page,
        "pageSize": size,
        "sort": sort,
        "shouldFetchActiveServicesCount": True,
    }
    return ApiRequest("POST", "api/v1/product/list", scope="host", json=body)


def create_request(
    name: str, description: str | None, category: str | None, status: str | None,
    start_date: str | datetime | None, launch_date: str | datetime | None,
) -> ApiRequest:  # fmt: skip
    now = datetime.now(UTC)
    form = {
        "Name": _name(name),
        "Category": category or "Other",
        "Description": description or "Created by cspark",
        "Status": status or "Design",
        "StartDate": _iso(start_date, now),
        "LaunchDate": _iso(launch_date, now + timedelta(days=3652)),
    }
    return ApiRequest("POST", "api/v1/product/create", scope="host", form=form)


def cover_file(cover: Cover) -> FileField:
    """The `coverImage` part, read up front so that an unreadable file fails before anything is sent."""
    if isinstance(cover, bytes):
        return ("cover", cover, "application/octet-stream")
    path = Path(cover)
    try:
        return (path.name, path.read_bytes(), "application/octet-stream")
    except OSError as exc:
        raise SparkSdkError(
            f"cannot read cover image {str(path)!r}: {exc.strerror}", cause=str(path)
        ) from None


def cover_request(folder_id: str, file: FileField) -> ApiRequest:
    return ApiRequest(
        "POST",
        "api/v1/product/uploadcoverimage",
        scope="host",
        form={"id": _folder_id(folder_id)},
        files={"coverImage": file},
    )


def created_folder(res: SparkResponse) -> tuple[str, str]:
    """The new folder's id and its `get_product_url` from a create reply."""
    data = res.data.get("data") if isinstance(res.data, Mapping) else None
    if not isinstance(data, Mapping) or not data.get("folderId"):
        raise SparkSdkError("Spark's folder create reply has no folderId", cause=res.data)
    return str(data["folderId"]), str(data.get("get_product_url") or "")


def get_request(name: str, url: str | None = None) -> ApiRequest:
    if url:
        return ApiRequest("GET", url, scope="url")
    return ApiRequest("GET", f"api/v1/product/GetProduct/{segment(_name(name))}", scope="host")


def update_request(
    folder_id: str, description: str | None, category: str | None,
    start_date: str | datetime | None, launch_date: str | datetime | None,
) -> ApiRequest:  # fmt: skip
    body: dict[str, Any] = {"shouldTrackUserAction": True}
    for key, value in (("description", description), ("category", category)):
        if value is not None:
            body[key] = value
    for key, date in (("startDate", start_date), ("launchDate", launch_date)):
        if date is not None:
            body[key] = date.isoformat() if isinstance(date, datetime) else date
    path = f"api/v1/product/update/{segment(_folder_id(folder_id))}"
    return ApiRequest("POST", path, scope="host", json=body)


def delete_request(folder_id: str) -> ApiRequest:
    return ApiRequest("DELETE", f"api/v1/product/delete/{segment(_folder_id(folder_id))}", scope="host")


def folder_exists(res: SparkResponse) -> bool:
    return res.status == 200 and isinstance(res.data, Mapping) and res.data.get("data") is True


class Folders(Resource):
    def exists(self, name: str) -> bool:
        return folder_exists(self._send(exists_request(name)))

    def find(
        self, name: str | None = None, *, page: int = 1, size: int = 100, sort: str = "-updated",
        status: str | None = None, category: str | None = None, favorite: bool | None = None,
    ) -> SparkResponse:  # fmt: skip
        filters = {"status": status, "category": category, "isstarred": favorite}
        return self._send(find_request(name, page, size, sort, filters))

    def get(self, name: str) -> SparkResponse:
        return self._send(get_request(name))

    def create(
        self, name: str, *, description: str | None = None, category: str | None = None,
        status: str | None = None, start_date: str | datetime | None = None,
        launch_date: str | datetime | None = None, cover: Cover | None = None,
    ) -> SparkResponse:  # fmt: skip
        """Create a folder (and upload its cover image), then return the folder as Spark stores it."""
        req = create_request(name, description, category, status, start_date, launch_date)
        file = cover_file(cover) if cover is not None else None
        folder_id, url = created_folder(self._send(req))
        if file is not None:
            self._send(cover_request(folder_id, file))
        return self._send(get_request(name, url))

    def update(
        self, id: str, *, description: str | None = None, category: str | None = None,
        start_date: str | datetime | None = None, launch_date: str | datetime | None = None,
        cover: Cover | None = None,
    ) -> SparkResponse:  # fmt: skip
        req = update_request(id, description, category, start_date, launch_date)
        if cover is not None:
            self._send(cover_request(id, cover_file(cover)))
        return self._send(req)

    def delete(self, id: str) -> SparkResponse:
        return self._send(delete_request(id))


class AsyncFolders(AsyncResource):
    async def exists(self, name: str) -> bool:
        return folder_exists(await self._send(exists_request(name)))

    async def find(
        self, name: str | None = None, *, page: int = 1, size: int = 100, sort: str = "-updated",
        status: str | None = None, category: str | None = None, favorite: bool | None = None,
    ) -> SparkResponse:  # fmt: skip
        filters = {"status": status, "category": category, "isstarred": favorite}
        return await self._send(find_request(name, page, size, sort, filters))

    async def get(self, name: str) -> SparkResponse:
        return await self._send(get_request(name))

    async def create(
        self, name: str, *, description: str | None = None, category: str | None = None,
        status: str | None = None, start_date: str | datetime | None = None,
        launch_date: str | datetime | None = None, cover: Cover | None = None,
    ) -> SparkResponse:  # fmt: skip
        req = create_request(name, description, category, status, start_date, launch_date)
        file = cover_file(cover) if cover is not None else None
        folder_id, url = created_folder(await self._send(req))
        if file is not None:
            await self._send(cover_request(folder_id, file))
        return await self._send(get_request(name, url))

    async def update(
        self, id: str, *, description: str | None = None, category: str | None = None,
        start_date: str | datetime | None = None, launch_date: str | datetime | None = None,
        cover: Cover | None = None,
    ) -> SparkResponse:  # fmt: skip
        req = update_request(id, description, category, start_date, launch_date)
        if cover is not None:
            await self._send(cover_request(id, cover_file(cover)))
        return await self._send(req)

    async def delete(self, id: str) -> SparkResponse:
        return await self._send(delete_request(id))
