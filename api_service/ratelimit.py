"""Rate limits in Redis: a fixed window per credential, per client IP without one, and per IP for
failed authentications. Over a limit is a 429 problem with Retry-After (seconds to the next window).

Who is calling is decided without a database lookup: a request carrying a bearer token, a session
cookie (api_service.auth.SESSION_COOKIE) or an X-Admin-Key is counted under the SHA-256 of that
credential; a request carrying none is counted under its client IP (the address uvicorn reports,
which honours X-Forwarded-For only from the proxies it is told to trust). A made-up token gets a
bucket of its own, so every answer 401 also counts against the client IP: an IP spraying tokens
is refused once it has failed `rate_limit_auth_failures_per_ip` times in a window.

Defaults are far above what a person, an integration, the test suite or the benchmarks send
(thousands of requests per minute per token). Redis unreachable never fails a request: the limit
is skipped (fail open), logged at most once a minute, and Redis is not asked again for a few
seconds so a dead Redis adds no latency.

The counts go through an asyncio Redis client on the loop that serves the app (uvicorn's one loop
per process; the app's lifespan opens the client there and closes it): no thread hop. An asyncio
client belongs to the loop that opened it, so a request served on any other loop (a test client
without a lifespan opens a loop per request) is counted through a synchronous client from a worker
thread instead, as before.

The same pipeline reads the auth epoch (api_service.auth.cache) and leaves it in the request's
state (AUTH_EPOCH_STATE), so a request authenticated from the principal cache costs one Redis round
trip, not two. It is read after the request arrived and before any PostgreSQL read, which is all
the cache's revocation rule needs.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from typing import Any

from anyio import to_thread
from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.asyncio.client import Pipeline as AsyncPipeline
from redis.client import Pipeline
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api_service.auth import SESSION_COOKIE
from api_service.auth.cache import AUTH_EPOCH_STATE, EPOCH_KEY
from api_service.errors import problem
from shared.settings import Settings

log = logging.getLogger("api.ratelimit")
KEY_PREFIX = "ratelimit"
# After a Redis failure, requests go unlimited for this long before Redis is tried again.
FAIL_OPEN_SECONDS = 5.0
_LOG_EVERY_SECONDS = 60.0


def credential_key(scope: Scope, cookie_name: str) -> str | None:
    """A stable, non-reversible name for the credential a request carries, or None."""
    credential: bytes | None = None
    for name, value in scope["headers"]:
        if name == b"authorization" and value[:7].lower() == b"bearer " and value[7:].strip():
            credential = b"bearer:" + value[7:].strip()
            break
        if name == b"x-admin-key" and value:
            credential = b"admin:" + value
        elif name == b"cookie" and credential is None:
            try:
                cookies = SimpleCookie(value.decode("latin-1"))
            except CookieError:
                continue
            if cookie_name in cookies and cookies[cookie_name].value:
                credential = b"session:" + cookies[cookie_name].value.encode()
    if credential is None:
        return None
    return hashlib.sha256(credential).hexdigest()[:32]


def client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _queue_count(pipe: Pipeline | AsyncPipeline, bucket: str, failures_key: str, window: int) -> None:
    pipe.incr(bucket)
    pipe.expire(bucket, window + 1, nx=True)
    pipe.get(failures_key)
    pipe.get(EPOCH_KEY)


def _queue_failure(pipe: Pipeline | AsyncPipeline, failures_key: str, window: int) -> None:
    pipe.incr(failures_key)
    pipe.expire(failures_key, window + 1, nx=True)


class Limiter:
    """The Redis clients and fail-open state the middleware shares; opened and closed by the app's
    lifespan."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.settings, self.clock = settings, clock
        # Built here, not on first use: two requests arriving at once would each build one. It
        # connects on its first command.
        self._sync = Redis.from_url(settings.redis_url, socket_timeout=0.25, socket_connect_timeout=0.25)
        self._async: AsyncRedis | None = None
        self._home: asyncio.AbstractEventLoop | None = None
        self.skip_until = 0.0
        self.last_log = -math.inf

    def open(self) -> None:
        """Called on the loop that will serve the requests (the lifespan's)."""
        self._home = asyncio.get_running_loop()
        self._async = AsyncRedis.from_url(
            self.settings.redis_url, socket_timeout=0.25, socket_connect_timeout=0.25
        )

    def _async_client(self) -> AsyncRedis | None:
        return self._async if self._home is asyncio.get_running_loop() else None

    async def count(self, bucket: str, failures_key: str, window: int) -> tuple[int, int, bytes | None]:
        """Counts one request in `bucket`; returns it with the failed authentications so far and
        the auth epoch (None when Redis has none yet)."""
        client = self._async_client()
        if client is not None:
            pipe = client.pipeline(transaction=False)
            _queue_count(pipe, bucket, failures_key, window)
            used, _, failures, epoch = await pipe.execute()
        else:
            used, _, failures, epoch = await to_thread.run_sync(
                self._count_sync, bucket, failures_key, window
            )
        return int(used), int(failures or 0), epoch if isinstance(epoch, bytes) else None

    def _count_sync(self, bucket: str, failures_key: str, window: int) -> list[Any]:
        pipe = self._sync.pipeline(transaction=False)
        _queue_count(pipe, bucket, failures_key, window)
        return pipe.execute()

    async def count_failure(self, failures_key: str, window: int) -> None:
        client = self._async_client()
        if client is not None:
            pipe = client.pipeline(transaction=False)
            _queue_failure(pipe, failures_key, window)
            await pipe.execute()
        else:
            await to_thread.run_sync(self._failure_sync, failures_key, window)

    def _failure_sync(self, failures_key: str, window: int) -> None:
        pipe = self._sync.pipeline(transaction=False)
        _queue_failure(pipe, failures_key, window)
        pipe.execute()

    async def aclose(self) -> None:
        """On the loop `open` ran on."""
        client, self._async, self._home = self._async, None, None
        if client is not None:
            await client.aclose()
        self._sync.close()


class RateLimit:
    """ASGI middleware; `limiter.settings` is read per request."""

    def __init__(self, app: ASGIApp, limiter: Limiter) -> None:
        self.app, self.limiter = app, limiter
        self.settings, self.clock = limiter.settings, limiter.clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        s = self.settings
        if scope["type"] != "http" or not s.rate_limit_enabled:
            await self.app(scope, receive, send)
            return
        now = self.clock()
        window = s.rate_limit_window_seconds
        slot = int(now // window)
        retry_after = max(1, math.ceil((slot + 1) * window - now))
        ip = client_ip(scope)
        credential = credential_key(scope, SESSION_COOKIE)
        if credential is not None:
            bucket, limit = f"{KEY_PREFIX}:cred:{credential}:{slot}", s.rate_limit_per_token
        else:
            bucket, limit = f"{KEY_PREFIX}:ip:{ip}:{slot}", s.rate_limit_per_ip
        failures_key = f"{KEY_PREFIX}:authfail:{ip}:{slot}"
        counts = await self._count(bucket, failures_key, window, now)
        if counts is not None:
            used, failures, epoch = counts
            if epoch is not None:
                scope.setdefault("state", {})[AUTH_EPOCH_STATE] = epoch
            if failures >= s.rate_limit_auth_failures_per_ip:
                what = "failed authentications from this address"
                await self._refuse(scope, receive, send, retry_after, what)
                return
            if used > limit:
                who = "this token" if credential is not None else "this address"
                await self._refuse(scope, receive, send, retry_after, f"requests for {who}")
                return

        async def send_counting_failures(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 401:
                await self._count_failure(failures_key, window, now)
            await send(message)

        await self.app(scope, receive, send_counting_failures)

    async def _count(
        self, bucket: str, failures_key: str, window: int, now: float
    ) -> tuple[int, int, bytes | None] | None:
        if now < self.limiter.skip_until:
            return None
        try:
            return await self.limiter.count(bucket, failures_key, window)
        except (RedisError, OSError) as exc:
            self._fail_open(exc, now)
            return None

    async def _count_failure(self, failures_key: str, window: int, now: float) -> None:
        if now < self.limiter.skip_until:
            return
        try:
            await self.limiter.count_failure(failures_key, window)
        except (RedisError, OSError) as exc:
            self._fail_open(exc, now)

    def _fail_open(self, exc: Exception, now: float) -> None:
        self.limiter.skip_until = now + FAIL_OPEN_SECONDS
        if now - self.limiter.last_log >= _LOG_EVERY_SECONDS:
            self.limiter.last_log = now
            log.warning("rate limits off: Redis unavailable (%s); retry in %ss", exc, FAIL_OPEN_SECONDS)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, retry_after: int, what: str) -> None:
        limit_window = self.settings.rate_limit_window_seconds
        response = problem(
            429, f"too many {what} in {limit_window} s; retry in {retry_after} s", retry_after=retry_after
        )
        response.headers["Retry-After"] = str(retry_after)
        await response(scope, receive, send)
