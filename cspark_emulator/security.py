"""Credentials the emulator was started with, and the bearer tokens it issues.

Tokens are JWT-shaped (HS256, signed with a per-start secret) carrying the claims of,
so clients that decode tokens find ``iss`` and ``realm``. Only tokens this process issued and that have not
expired are accepted; ``None``, ``undefined`` and anything else get 401.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field


@dataclass(frozen=True, repr=False)
class Credentials:
    api_key: str
    client_id: str
    client_secret: str
    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))  # for /_emulator/

    @classmethod
    def generate(
        cls,
        api_key: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        admin_token: str | None = None,
    ) -> Credentials:
        return cls(
            api_key=api_key or secrets.token_hex(16),
            client_id=client_id or f"emulator-{secrets.token_hex(4)}",
            client_secret=client_secret or secrets.token_urlsafe(24),
            admin_token=admin_token or secrets.token_urlsafe(24),
        )

    def __repr__(self) -> str:
        return f"Credentials(client_id={self.client_id!r})"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class TokenIssuer:
    tenant: str
    issuer: str
    ttl: float
    _secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    _issued: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    count: int = 0

    def issue(self, subject: str) -> str:
        now = time.time()
        claims = {
            "iss": self.issuer,
            "realm": self.tenant,
            "aud": ["product-factory", "account"],
            "azp": subject,
            "sub": subject,
            "groups": ["user:pf", "supervisor:pf"],
            "iat": int(now),
            "exp": int(now + self.ttl),
            "jti": secrets.token_hex(8),
        }
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = _b64(hmac.new(self._secret, f"{header}.{body}".encode(), hashlib.sha256).digest())
        token = f"{header}.{body}.{signature}"
        with self._lock:
            self._issued[token] = now + self.ttl
            self.count += 1
        return token

    def valid(self, token: str) -> bool:
        with self._lock:
            expires = self._issued.get(token)
            if expires is None:
                return False
            if expires <= time.time():
                del self._issued[token]
                return False
            return True

    def forget_all(self) -> None:
        with self._lock:
            self._issued.clear()
