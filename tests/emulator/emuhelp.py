"""Helpers for the emulator tests: plain httpx calls, never cspark_core."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from cspark_emulator import Emulator

SAMPLES = Path(__file__).resolve().parents[2] / "cspark_emulator" / "samples"


def admin_headers(emu: Emulator) -> dict[str, str]:
    """The credential every HTTP call to ``/_emulator/`` needs (in-process calls such as ``emu.reset()``
    need none). The one place tests spell it."""
    return {"authorization": f"Bearer {emu.admin_token}"}


def admin_call(emu: Emulator, method: str, path: str, body: Any = None) -> httpx.Response:
    """``/_emulator/{path}`` over HTTP with the admin credential; a refused call fails the test."""
    reply = httpx.request(
        method, f"{emu.origin}/_emulator/{path}", json=body, headers=admin_headers(emu), timeout=10
    )
    reply.raise_for_status()
    return reply


def token_for(emu: Emulator) -> str:
    reply = httpx.post(
        f"{emu.origin}/auth/realms/{emu.tenant}/protocol/openid-connect/token",
        data={
            "grant_type": "client_credentials",
            "client_id": emu.client_id,
            "client_secret": emu.client_secret,
        },
    )
    assert reply.status_code == 200, reply.text
    return str(reply.json()["access_token"])


def sample(folder: str, service: str) -> bytes:
    return (SAMPLES / folder / f"{service}.xlsx").read_bytes()


def upload(
    api: httpx.Client, folder: str, service: str, content: bytes, **request_data: Any
) -> dict[str, Any]:
    entity = json.dumps({"request_data": {"version_difference": "minor", **request_data}})
    reply = api.post(
        f"api/v3/folders/{folder}/services/{service}/upload",
        data={"engineUploadRequestEntity": entity},
        files={"serviceFile": (f"{service}.xlsx", content, "application/octet-stream")},
    )
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def publish(api: httpx.Client, folder: str, service: str, content: bytes, **extra: Any) -> str:
    """upload -> one compilation poll -> publish; returns the new version id."""
    data = upload(api, folder, service, content)["response_data"]
    status = api.get(
        f"api/v3/folders/{folder}/services/{service}/getcompilationprogess/{data['nodegen_compilation_jobid']}"
    )
    assert status.json()["response_data"] == {
        "status": "Success",
        "last_error_message": "null",
        "progress": 100,
    }
    body = {
        "request_data": {
            "original_file_documentid": data["original_file_documentid"],
            "engine_file_documentid": data["engine_file_documentid"],
            "draft_service_name": service,
            **extra,
        }
    }
    reply = api.post(f"api/v3/folders/{folder}/services/{service}/publish", json=body)
    assert reply.status_code == 200, reply.text
    return str(reply.json()["response_data"]["version_id"])


def execute(api: httpx.Client, path: str, inputs: Any = None, **meta: Any) -> httpx.Response:
    return api.post(path, json={"request_data": {"inputs": inputs or {}}, "request_meta": meta})
