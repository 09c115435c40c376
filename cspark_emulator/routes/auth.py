"""The OAuth2 client-credentials token endpoint."""

from __future__ import annotations

import hmac

from starlette.responses import Response

from ..http import Ctx, Route, json_reply


async def token(ctx: Ctx) -> Response:
    form = await ctx.form()
    grant = form.get("grant_type")
    if grant != "client_credentials":
        return json_reply(
            {"error": "unsupported_grant_type", "error_description": "use client_credentials"}, 400
        )
    client_id, secret = str(form.get("client_id") or ""), str(form.get("client_secret") or "")
    expected = ctx.rt.credentials
    good_id = hmac.compare_digest(client_id.encode(), expected.client_id.encode())
    good_secret = hmac.compare_digest(secret.encode(), expected.client_secret.encode())
    if not (good_id and good_secret):
        return json_reply(
            {
                "error": "unauthorized_client",
                "error_description": "Invalid client or Invalid client credentials",
            },
            401,
        )
    access = ctx.rt.tokens.issue(client_id)
    return json_reply(
        {
            "access_token": access,
            "expires_in": int(ctx.rt.tokens.ttl),
            "refresh_expires_in": 0,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "scope": "profile email",
        }
    )


ROUTES: list[Route] = [
    Route("POST", "/auth/realms/{tenant}/protocol/openid-connect/token", token, "public", "plain"),
]
