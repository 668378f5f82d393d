"""Secrets handed to clients (API tokens, sign-in codes, session ids) are stored only as hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SESSION_COOKIE = "contacts_session"
# Readable by the app's JavaScript (not HttpOnly) and echoed in CSRF_HEADER on every write.
CSRF_COOKIE = "contacts_csrf"
CSRF_HEADER = "X-CSRF-Token"


def hash_secret(secret: str) -> str:
    """sha256, hex: the secrets are 256 random bits, so a fast unsalted hash is enough."""
    return hashlib.sha256(secret.encode()).hexdigest()


hash_token = hash_secret


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def csrf_token(secret_key: str, session_secret: str) -> str:
    """The CSRF token of a session: bound to it (HMAC under the server key), so a cookie planted by
    another site or subdomain cannot be paired with a token of the attacker's choosing."""
    return hmac.new(secret_key.encode(), b"csrf:" + session_secret.encode(), hashlib.sha256).hexdigest()


def csrf_matches(secret_key: str, session_secret: str, presented: str | None) -> bool:
    if not presented:
        return False
    return hmac.compare_digest(presented.encode(), csrf_token(secret_key, session_secret).encode())
