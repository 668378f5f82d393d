"""Who is calling: credentials (a bearer token or a web session cookie), their hashes, and the one
lookup that turns them into a Principal. Services import the Principal from here, never from the
request-dependency module."""

from api_service.auth.cache import REDIS_INFO, PrincipalCache
from api_service.auth.principal import (
    MODULE_ROLES,
    Credentials,
    Principal,
    authenticate,
    credentials_from,
    issue_token,
    require_module_role,
    require_owner,
    require_unrestricted,
    revoke_credential,
)
from api_service.auth.tokens import (
    CSRF_COOKIE,
    CSRF_HEADER,
    SESSION_COOKIE,
    csrf_token,
    hash_secret,
    hash_token,
)

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "MODULE_ROLES",
    "REDIS_INFO",
    "SESSION_COOKIE",
    "Credentials",
    "Principal",
    "PrincipalCache",
    "authenticate",
    "credentials_from",
    "csrf_token",
    "hash_secret",
    "hash_token",
    "issue_token",
    "require_module_role",
    "require_owner",
    "require_unrestricted",
    "revoke_credential",
]
