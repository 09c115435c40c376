"""Credentials are checked for real: API key + tenant, issued bearer tokens, OAuth client credentials."""

from __future__ import annotations

import time

import httpx
import pytest

from cspark_emulator import Emulator
from tests.emulator.emuhelp import token_for

EXEC = "/api/v3/folders/my-folder/services/my-service/execute"


def test_token_endpoint_issues_tokens_that_work(emu: Emulator, admin: httpx.Client) -> None:
    before = admin.get("stats").json()["tokens_issued"]
    token = token_for(emu)
    reply = httpx.post(emu.url + EXEC, json={}, headers={"authorization": f"Bearer {token}"})
    assert reply.status_code == 200
    assert admin.get("stats").json()["tokens_issued"] == before + 1


def test_token_reply_shape(emu: Emulator) -> None:
    reply = httpx.post(
        f"{emu.origin}/auth/realms/{emu.tenant}/protocol/openid-connect/token",
        data={
            "grant_type": "client_credentials",
            "client_id": emu.client_id,
            "client_secret": emu.client_secret,
        },
        headers={"authorization": "Bearer None"},  # the official SDKs send this; the endpoint ignores it
    )
    body = reply.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and "not-before-policy" in body


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"},
        {"grant_type": "client_credentials", "client_id": "", "client_secret": ""},
    ],
)
def test_bad_client_credentials_get_401(emu: Emulator, form: dict[str, str]) -> None:
    reply = httpx.post(f"{emu.origin}/auth/realms/{emu.tenant}/protocol/openid-connect/token", data=form)
    assert reply.status_code == 401 and reply.json()["error"] == "unauthorized_client"


def test_wrong_secret_and_wrong_realm_get_401(emu: Emulator) -> None:
    good = {"grant_type": "client_credentials", "client_id": emu.client_id}
    url = f"{emu.origin}/auth/realms/{{}}/protocol/openid-connect/token"
    assert httpx.post(url.format(emu.tenant), data={**good, "client_secret": "nope"}).status_code == 401
    other = httpx.post(url.format("other"), data={**good, "client_secret": emu.client_secret})
    assert other.status_code == 401


@pytest.mark.parametrize(
    "value", ["Bearer None", "Bearer undefined", "Bearer", "Bearer forged.token.here", "Basic abc", ""]
)
def test_unissued_bearer_tokens_get_401(emu: Emulator, value: str) -> None:
    reply = httpx.post(emu.url + EXEC, json={}, headers={"authorization": value, "x-tenant-name": emu.tenant})
    assert reply.status_code == 401
    assert reply.headers["www-authenticate"] == "Bearer"
    assert reply.json()["status"] == "Error"


def test_api_key_needs_the_right_key_and_tenant(emu: Emulator) -> None:
    good = {"x-synthetic-key": emu.api_key, "x-tenant-name": emu.tenant}
    assert httpx.post(emu.url + EXEC, json={}, headers=good).status_code == 200
    assert (
        httpx.post(emu.url + EXEC, json={}, headers={**good, "x-synthetic-key": "wrong"}).status_code == 401
    )
    assert httpx.post(emu.url + EXEC, json={}, headers={"x-synthetic-key": emu.api_key}).status_code == 401
    assert httpx.post(emu.url + EXEC, json={}, headers={**good, "x-tenant-name": "other"}).status_code == 401


def test_another_tenant_in_the_path_gets_401(emu: Emulator) -> None:
    headers = {"x-synthetic-key": emu.api_key, "x-tenant-name": emu.tenant}
    assert httpx.post(f"{emu.origin}/other{EXEC}", json={}, headers=headers).status_code == 401


def test_v1_routes_check_credentials_too(emu: Emulator) -> None:
    assert httpx.post(f"{emu.origin}/api/v1/product/list", json={}).status_code == 401
    reply = httpx.post(f"{emu.origin}/api/v1/product/list", json={}, headers={"authorization": "Bearer None"})
    assert reply.status_code == 401 and reply.json()["errorCode"] == "UNAUTHORIZED"


def test_platform_config_accepts_bearer_tokens_only(emu: Emulator) -> None:
    url = f"{emu.origin}/api/v1/config/GetSparkConfiguration"
    keyed = httpx.get(url, headers={"x-synthetic-key": emu.api_key, "x-tenant-name": emu.tenant})
    assert keyed.status_code == 401
    reply = httpx.get(url, headers={"authorization": f"Bearer {token_for(emu)}"})
    assert reply.status_code == 200 and reply.json()["data"]["ExportAPIJobLimit"] == "1"


def test_tokens_expire_after_the_ttl() -> None:
    with Emulator(tenant="short", token_ttl=1) as emu:
        token = token_for(emu)
        headers = {"authorization": f"Bearer {token}"}
        url = f"{emu.origin}/api/v1/product/list"
        assert httpx.post(url, json={}, headers=headers).status_code == 200
        time.sleep(1.2)
        assert httpx.post(url, json={}, headers=headers).status_code == 401


def test_health_needs_no_credentials(emu: Emulator) -> None:
    for path in ("/health", "/actuator/health"):
        reply = httpx.get(emu.origin + path)
        assert reply.status_code == 200 and reply.json() == {"status": "UP"}
