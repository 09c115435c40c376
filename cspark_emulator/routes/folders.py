"""Folders ("products") and categories: host-scoped v1 routes."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.datastructures import UploadFile
from starlette.responses import Response

from ..http import Ctx, Route, json_reply, v1_reply
from ..models import ApiError, Folder, Service, bad_request
from .common import int_field, search_items, service_summary


def folder_body(folder: Folder, services: list[Service] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": folder.id,
        "name": folder.name,
        "status": folder.status,
        "category": folder.category,
        "description": folder.description,
        "coverImagePath": f"/api/v1/product/coverimage/{folder.id}" if folder.cover_image else None,
        "createdAt": folder.created_at,
        "createdBy": folder.created_by,
        "lastModifiedDate": folder.updated_at,
        "isStarred": folder.is_starred,
        "kanbanStatus": "Test 01",
        "startDate": folder.start_date,
        "launchDate": folder.launch_date,
    }
    if services is not None:
        body["activeServiceCount"] = len(services)
        body["totalServiceCount"] = len(services)
    return body


async def exists(ctx: Ctx) -> Response:
    return v1_reply(ctx.state.find_folder(ctx.params["folder"]) is not None)


async def list_folders(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    search = search_items(body.get("search"))
    page, size = int_field(body.get("page"), 1, "page"), int_field(body.get("pageSize"), 100, "pageSize")
    folders, count = ctx.state.list_folders(search, page, size, str(body.get("sort") or "-updated"))
    data = [folder_body(f, ctx.state.folder_services(f.name)) for f in folders]
    last_page = size <= 0 or page * size >= count
    return v1_reply(
        data, count=count, next=None if last_page else page + 1, previous=page - 1 if page > 1 else None
    )


async def create(ctx: Ctx) -> Response:
    form = await ctx.form()
    fields = {k.lower(): v for k, v in form.items() if isinstance(v, str)}
    name = fields.get("name", "").strip()
    if not name:
        raise bad_request("Name is required")
    try:
        folder = ctx.state.create_folder(
            name,
            category=fields.get("category") or "Other",
            description=fields.get("description", ""),
            status=fields.get("status") or "Design",
            start=fields.get("startdate"),
            launch=fields.get("launchdate"),
        )
    except ApiError as exc:
        if exc.code != "PRODUCT_ALREADY_EXISTS":
            raise
        # Spark reports a duplicate inside a successful HTTP reply.
        return json_reply({"status": "Error", "message": exc.message, "errorCode": exc.code, "data": None})
    cover = form.get("CoverImage") or form.get("coverImage")
    if isinstance(cover, UploadFile):
        ctx.state.set_cover(folder.id, await cover.read())
    url = ctx.url(f"/api/v1/product/GetProduct/{quote(folder.name)}")
    return v1_reply({"folderId": folder.id, "get_product_url": url})


async def get_product(ctx: Ctx) -> Response:
    folder = ctx.state.folder(ctx.params["folder"])
    services = ctx.state.folder_services(folder.name)
    limit = ctx.query("noOfCalculationEngines")
    shown = services[: int(limit)] if limit and limit.isdigit() else services
    body = folder_body(folder, services)
    body["calculationEngines"] = {
        "count": len(services),
        "next": "False",
        "previous": None,
        "message": None,
        "data": [service_summary(s) for s in shown],
        "errorCode": None,
        "status": "Success",
    }
    body["sections"] = []
    return v1_reply(body)


async def upload_cover(ctx: Ctx) -> Response:
    form = await ctx.form()
    folder_id = form.get("id")
    image = form.get("coverImage") or form.get("CoverImage")
    if not isinstance(folder_id, str) or not isinstance(image, UploadFile):
        raise bad_request("multipart fields 'id' (folder id) and 'coverImage' (file) are required")
    ctx.state.set_cover(folder_id, await image.read())
    return v1_reply(None)


async def cover_image(ctx: Ctx) -> Response:
    folder = ctx.state.folder_by_id(ctx.params["folder_id"])
    if not folder.cover_image:
        raise ApiError(404, "the folder has no cover image", "NOT_FOUND")
    return Response(ctx.state.document(folder.cover_image), media_type="application/octet-stream")


async def update(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    ctx.state.update_folder(ctx.params["folder_id"], body)
    return v1_reply(None)


async def delete(ctx: Ctx) -> Response:
    ctx.state.delete_folder(ctx.params["folder_id"])
    return v1_reply(None)


async def categories(ctx: Ctx) -> Response:
    return v1_reply(list(ctx.state.categories.values()))


async def save_category(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    key, icon = body.get("key"), body.get("icon")
    if not isinstance(key, str | None) or not isinstance(icon, str | None):
        raise bad_request("key and icon must be strings")
    ctx.state.save_category(key, str(body.get("value") or "").strip(), icon)
    return v1_reply({"Metadata.ProductCategories": list(ctx.state.categories.values())})


async def delete_category(ctx: Ctx) -> Response:
    ctx.state.delete_category(ctx.params["key"])
    return v1_reply({"Metadata.ProductCategories": list(ctx.state.categories.values())})


def _v1(method: str, path: str, handler: Any) -> Route:
    return Route(method, f"/api/v1/{path}", handler, "v1", "v1")


ROUTES: list[Route] = [
    _v1("POST", "product/isproductexists/{folder}", exists),
    _v1("POST", "product/list", list_folders),
    _v1("POST", "product/create", create),
    _v1("GET", "product/GetProduct/{folder}", get_product),
    _v1("POST", "product/uploadcoverimage", upload_cover),
    _v1("GET", "product/coverimage/{folder_id}", cover_image),
    _v1("POST", "product/update/{folder_id}", update),
    _v1("DELETE", "product/delete/{folder_id}", delete),
    _v1("GET", "lookup/getcategories", categories),
    _v1("POST", "lookup/savecategory", save_category),
    _v1("DELETE", "lookup/deletecategory/{key}", delete_category),
]
