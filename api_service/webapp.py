"""The web app (web/, built by Vite into web/dist) served by the API process at `/`, same origin as /v1.

- `/assets/...`: Vite's content-hashed files, cached for a year (`immutable`); a missing one is a 404.
- another path naming a file of the build (e.g. `/favicon.svg`): that file, revalidated each time.
- any other GET: `index.html` (revalidated each time), so the app's own routes survive a reload.
  Each answer carries a fresh CSP nonce, in its Content-Security-Policy and in
  `<meta property="csp-nonce">`, where React Aria finds it for the one <style> element it adds.
- `/v1`, `/docs`, `/redoc`, `/openapi.json`, `/metrics`, `/healthz`, `/readyz` are never the app's:
  an unknown path there stays the API's problem+json 404 (or 405 for a wrong method).
- With no build (web/dist/index.html missing), `/` answers a short page saying how to build it.

The build is looked up on every request, so building the app while the API runs needs no restart.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.datastructures import URLPath
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from api_service.security_headers import app_csp

API_PREFIXES = ("/v1", "/docs", "/redoc", "/openapi.json", "/metrics", "/healthz", "/readyz")
DEFAULT_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
HASHED_CACHE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Contacts: web app not built</title></head>
<body><main><h1>The web app is not built</h1>
<p>The API is running (<a href="/docs">/docs</a>), but there is no build of the web app in
<code>{dist}</code>. <code>make run</code> builds it; by hand: <code>cd web &amp;&amp; npm ci &amp;&amp;
npm run build</code>.</p></main></body></html>
"""


def is_api_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in API_PREFIXES)


class WebAppRoute(BaseRoute):
    """Matches every GET/HEAD outside the API's paths; added after every API route, so those win."""

    def __init__(self, dist: Path) -> None:
        self.dist = dist
        self.files = StaticFiles(directory=dist, check_dir=False)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and not is_api_path(scope["path"]):
            return Match.FULL, {}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.respond(scope)
        await response(scope, receive, send)

    async def respond(self, scope: Scope) -> Response:
        index = self.dist / "index.html"
        if not index.is_file():
            if scope["path"].startswith("/assets/"):
                return Response(status_code=404, headers={"Cache-Control": REVALIDATE})
            return HTMLResponse(NOT_BUILT.format(dist=self.dist), headers={"Cache-Control": REVALIDATE})
        path: str = scope["path"]
        relative = path.lstrip("/")
        if relative and relative != "index.html":
            try:
                response = await self.files.get_response(relative, scope)
            except HTTPException as exc:
                if path.startswith("/assets/") or exc.status_code != 404:
                    return Response(status_code=exc.status_code, headers={"Cache-Control": REVALIDATE})
            else:
                if response.status_code in (200, 304):
                    hashed = path.startswith("/assets/")
                    response.headers["Cache-Control"] = HASHED_CACHE if hashed else REVALIDATE
                    return response
        return await self._index(scope)

    async def _index(self, scope: Scope) -> Response:
        nonce = secrets.token_urlsafe(16)
        page = (self.dist / "index.html").read_text(encoding="utf-8")
        meta = f'<meta property="csp-nonce" nonce="{nonce}">'
        page = page.replace("<head>", f"<head>\n    {meta}", 1) if "<head>" in page else meta + page
        headers = {"Cache-Control": REVALIDATE, "Content-Security-Policy": app_csp(nonce)}
        return HTMLResponse(page, headers=headers)


def serve_webapp(app: FastAPI, dist: Path | None = None) -> None:
    """Add the web app's route after every route `app` has now; call last in create_app."""
    app.router.routes.append(WebAppRoute(dist or DEFAULT_DIST))
