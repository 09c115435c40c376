"""Folders (v1 "products") and categories."""

from __future__ import annotations

import httpx

from tests.emulator.emuhelp import publish, sample


def test_create_urlencoded_and_multipart_then_get_product(v1: httpx.Client) -> None:
    form = v1.post("/api/v1/product/create", data={"Name": "alpha", "Category": "Term", "Description": "d"})
    body = form.json()
    assert body["status"] == "Success" and body["errorCode"] is None
    assert body["data"]["get_product_url"].startswith(str(v1.base_url))
    multi = v1.post(
        "/api/v1/product/create",
        files={"Name": (None, "beta"), "StartDate": (None, "2025-02-03T10:11:12.345Z")},
    )
    assert multi.json()["status"] == "Success"
    product = v1.get(body["data"]["get_product_url"]).json()["data"]
    assert product["id"] == body["data"]["folderId"] and product["category"] == "Term"
    assert product["calculationEngines"]["next"] == "False" and product["calculationEngines"]["data"] == []


def test_duplicate_folder_is_a_200_with_product_already_exists(v1: httpx.Client) -> None:
    v1.post("/api/v1/product/create", data={"Name": "dup"})
    again = v1.post("/api/v1/product/create", data={"Name": "dup"})
    assert again.status_code == 200
    assert again.json()["status"] == "Error" and again.json()["errorCode"] == "PRODUCT_ALREADY_EXISTS"


def test_exists_and_case_insensitive_v1_paths(v1: httpx.Client) -> None:
    assert v1.post("/api/v1/product/isproductexists/pricing").json()["data"] is True
    assert v1.post("/api/v1/Product/IsProductExists/nope").json()["data"] is False
    assert v1.get("/api/v1/product/getproduct/pricing").status_code == 200


def test_list_filters_sorts_and_pages(v1: httpx.Client) -> None:
    for name in ("f-one", "f-two", "f-three", "other"):
        v1.post("/api/v1/product/create", data={"Name": name})
    search = [{"field": "name", "value": "F-"}]
    first = v1.post(
        "/api/v1/product/list", json={"search": search, "page": 1, "pageSize": 2, "sort": "name"}
    ).json()
    assert first["count"] == 3 and [f["name"] for f in first["data"]] == ["f-one", "f-three"]
    assert first["next"] == 2 and first["previous"] is None
    second = v1.post(
        "/api/v1/product/list", json={"search": search, "page": 2, "pageSize": 2, "sort": "name"}
    ).json()
    assert [f["name"] for f in second["data"]] == ["f-two"] and second["next"] is None
    everything = v1.post("/api/v1/product/list", json={}).json()
    assert everything["count"] == 6  # four new + the two sample folders
    assert any(f["name"] == "pricing" and f["totalServiceCount"] == 2 for f in everything["data"])


def test_update_cover_and_delete_cascades(v1: httpx.Client, api: httpx.Client) -> None:
    folder_id = v1.post("/api/v1/product/create", data={"Name": "gone"}).json()["data"]["folderId"]
    publish(api, "gone", "svc", sample("my-folder", "my-service"))
    update = v1.post(
        f"/api/v1/product/update/{folder_id}", json={"description": "new", "shouldTrackUserAction": True}
    )
    assert update.json() == {"status": "Success", "data": None, "message": None, "errorCode": None}
    cover = v1.post(
        "/api/v1/product/UploadCoverImage",
        data={"id": folder_id},
        files={"coverImage": ("c.png", b"\x89PNG", "application/octet-stream")},
    )
    assert cover.status_code == 200
    product = v1.get("/api/v1/product/GetProduct/gone").json()["data"]
    assert product["description"] == "new" and product["coverImagePath"]
    assert v1.get(product["coverImagePath"]).content == b"\x89PNG"
    assert v1.delete(f"/api/v1/product/delete/{folder_id}").status_code == 200
    assert api.post("api/v3/folders/gone/services/svc/execute", json={}).status_code == 404
    assert v1.get("/api/v1/product/GetProduct/gone").status_code == 404


def test_categories(v1: httpx.Client) -> None:
    values = [c["value"] for c in v1.get("/api/v1/lookup/getcategories").json()["data"]]
    assert "Other" in values and "Medical" in values
    saved = v1.post("/api/v1/lookup/savecategory", json={"value": "Pets", "key": "pets", "icon": "other.svg"})
    assert {"key": "pets", "value": "Pets", "icon": "other.svg"} in saved.json()["data"][
        "Metadata.ProductCategories"
    ]
    deleted = v1.delete("/api/v1/lookup/deletecategory/pets").json()["data"]["Metadata.ProductCategories"]
    assert all(c["key"] != "pets" for c in deleted)
    assert v1.delete("/api/v1/lookup/deletecategory/pets").status_code == 404
