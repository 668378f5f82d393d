"""Security headers on every answer.

- Every answer: `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer`.
- API answers (JSON, problem+json, CSV downloads, metrics: anything not an HTML page and not a
  static asset of the web app): `Cache-Control: no-store`, unless the route set its own.
- HTML pages (the web app served at /, and the interactive docs): a Content-Security-Policy that
  allows scripts, styles, images, fonts and API calls from the app's own origin only, forbids
  framing (`frame-ancestors 'none'`, plus `X-Frame-Options: DENY` for old browsers), plugins and
  foreign form targets. The interactive docs (/docs, /redoc) load Swagger UI / ReDoc from their
  CDN with an inline bootstrap script, so their pages get a policy allowing exactly that.
CORS is `starlette.middleware.cors` with the `cors_allow_origins` allow-list (empty: no
cross-origin access at all), installed by api_service.main.install_middleware.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Receive, Scope, Send

from api_service.asgi import on_response_start

APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def app_csp(style_nonce: str) -> str:
    """The web app page's policy with one nonce for the <style> elements its scripts add (React
    Aria adds one, reading the nonce from `<meta property="csp-nonce">`); nothing else inline."""
    return APP_CSP.replace("style-src 'self'", f"style-src 'self' 'nonce-{style_nonce}'")


DOCS_CDN = "https://cdn.jsdelivr.net"
DOCS_CSP = (
    f"default-src 'self'; script-src 'self' 'unsafe-inline' {DOCS_CDN}; "
    f"style-src 'self' 'unsafe-inline' {DOCS_CDN} https://fonts.googleapis.com; "
    "img-src 'self' data: https:; font-src 'self' https://fonts.gstatic.com; connect-src 'self'; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
# What the web app's static files are served under; they may be cached by the browser.
STATIC_PREFIXES = ("/assets/", "/static/")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        def add_headers(_status: int, headers: MutableHeaders) -> None:
            headers.setdefault("X-Content-Type-Options", "nosniff")
            headers.setdefault("Referrer-Policy", "no-referrer")
            content_type = headers.get("content-type", "")
            if content_type.startswith("text/html"):
                headers.setdefault("Content-Security-Policy", DOCS_CSP if path in DOCS_PATHS else APP_CSP)
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Cache-Control", "no-cache")
            elif not path.startswith(STATIC_PREFIXES):
                headers.setdefault("Cache-Control", "no-store")

        await self.app(scope, receive, on_response_start(send, add_headers))
