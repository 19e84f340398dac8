"""Print `export` lines for a throw-away JWT secret and a token signed with it, for the image form
(docker/migtest.yml: app.env JWT_SECRET_KEY, app.auth.bearer). Standard library only: the host
needs no release installed.

The one token must satisfy every release: 0.5.0 and 0.6.0 decode it with no audience (PyJWT then
refuses a token that has `aud`), 0.7.0 and later check the issuer (`iss`, default "mcpgateway")
and the audience unless JWT_AUDIENCE_VERIFICATION=false, which docker/migtest.yml sets. So: `sub`
and `username` (the platform admin), `iss`, `iat`, `exp`, and no `aud`.
    eval "$(python3 scripts/make-token.py)"
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

ADMIN = "admin@example.com"  # PLATFORM_ADMIN_EMAIL's default: 0.7.0 and later create this user on start
LIFETIME = 4 * 3600  # seconds: longer than a run that builds every image


def _part(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(secret: str, now: int) -> str:
    header = _part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"sub": ADMIN, "username": ADMIN, "iss": "mcpgateway", "iat": now, "exp": now + LIFETIME}
    body = _part(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_part(signature)}"


if __name__ == "__main__":
    secret = secrets.token_hex(32)
    print(f"export CONTEXTFORGE_JWT_SECRET={secret}")
    print(f"export CONTEXTFORGE_TOKEN={token(secret, int(time.time()))}")
