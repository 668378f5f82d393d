"""The FastAPI application factory. Clients are built by the lifespan, never at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from redis import Redis
from starlette.middleware.cors import CORSMiddleware

from api_service.bulk.router import router as bulk_router
from api_service.channels.router import router as channels_router
from api_service.columns.router import router as columns_router
from api_service.contacts.router import router as contacts_router
from api_service.errors import install_error_handlers
from api_service.exports.router import router as exports_router
from api_service.fields.router import router as fields_router
from api_service.imports.router import router as imports_router
from api_service.imports.upload_limit import UploadLimit
from api_service.inputs import BodyLimit, refuse_nul
from api_service.jobs.router import router as jobs_router
from api_service.merges.router import router as merges_router
from api_service.openapi import install_openapi
from api_service.ops.router import router as ops_router
from api_service.ratelimit import Limiter, RateLimit
from api_service.search.router import router as search_router
from api_service.security_headers import SecurityHeaders
from api_service.sessions.router import router as sessions_router
from api_service.state import AppState
from api_service.tracing import install_tracing
from api_service.users.router import router as users_router
from api_service.views.router import router as views_router
from api_service.webapp import serve_webapp
from api_service.workspaces.router import router as workspaces_router
from shared.db import make_engine, make_session_factory
from shared.queue import make_celery_client
from shared.search.index import LiveDocumentsVersion, ensure_index, make_client
from shared.settings import Settings, get_settings

log = logging.getLogger("api")


def build_state(settings: Settings) -> AppState:
    engine = make_engine(settings.database_url)
    search = make_client(settings)
    return AppState(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        search=search,
        index_version=LiveDocumentsVersion(search, settings.index_alias),
        redis=Redis.from_url(settings.redis_url, socket_timeout=1.0, socket_connect_timeout=1.0),
        celery=make_celery_client(settings),
    )


def install_middleware(app: FastAPI, settings: Settings) -> Limiter:
    """Request hardening, outermost first: security headers on every answer (even a 413 or a 429),
    CORS (deny unless allow-listed), rate limits, then body size/depth and upload caps. Returns the
    rate limiter, whose Redis client the lifespan closes."""
    limiter = Limiter(settings)
    # add_middleware puts each new one outside the previous ones: added innermost first.
    app.add_middleware(UploadLimit, max_bytes=lambda: settings.import_max_bytes)
    app.add_middleware(BodyLimit, max_bytes=lambda: settings.json_body_max_bytes)
    app.add_middleware(RateLimit, limiter=limiter)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_allow_origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "X-Admin-Key"],
        expose_headers=["Retry-After", "X-Request-ID"],
        max_age=600,
    )
    app.add_middleware(SecurityHeaders)
    return limiter


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    limiter: Limiter | None = None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = build_state(settings)
        try:
            ensure_index(state.search, settings)
        except Exception as exc:  # the API still starts; /readyz reports the outage
            log.warning("could not ensure the search index: %s", exc)
        app.state.contacts = state
        if limiter is not None:
            limiter.open()
        yield
        if limiter is not None:
            await limiter.aclose()
        state.engine.dispose()
        state.redis.close()
        state.celery.close()
        state.search.close()

    # refuse_nul runs for every route: no request string holds a NUL (api_service.inputs).
    app = FastAPI(title="Contacts API", version="1", lifespan=lifespan, dependencies=[Depends(refuse_nul)])
    install_error_handlers(app)
    limiter = install_middleware(app, settings)
    # Request ids, JSON logs, the access line and the request metrics; outermost, so every answer
    # (413s and 429s included) has its id and is counted.
    install_tracing(app, settings)
    install_openapi(app)
    app.include_router(ops_router)
    app.include_router(workspaces_router)
    app.include_router(jobs_router)
    app.include_router(exports_router)
    app.include_router(imports_router)
    # Static /v1/contacts/... paths are registered before /v1/contacts/{id}.
    app.include_router(search_router)
    app.include_router(views_router)
    app.include_router(columns_router)
    app.include_router(bulk_router)
    app.include_router(merges_router)
    app.include_router(users_router)
    app.include_router(channels_router)
    app.include_router(fields_router)
    app.include_router(contacts_router)
    app.include_router(sessions_router)
    serve_webapp(app, settings.web_dist_dir)  # last: every path the API does not answer
    return app
