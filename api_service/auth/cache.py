"""A per-process cache of principals that honours every revocation on the next request, in every
process.

Validity rests on one Redis key, the auth epoch: a random value replaced (never incremented, so a
Redis restart that loses it cannot bring an old value back) after the commit of any transaction
that changed a user, an API token or a web session, whatever code path made the change (the
listeners below watch every SQLAlchemy Session: unit-of-work flushes and ORM UPDATE/DELETE
statements alike). A cached principal is used only while the epoch it was read under is still the
current one, and the epoch is read on every request, *before* PostgreSQL on a miss:

- a change committed before a request's epoch read has replaced the epoch by then (the listener
  runs inside commit, before the changing request answers), so that request misses and reads the
  committed rows;
- a principal read from PostgreSQL just before a concurrent change commits is stored under the
  epoch read before that read, which the change then replaces: it is never served again.

When Redis cannot be read the cache is bypassed (every request reads PostgreSQL, as without the
cache) for BYPASS_SECONDS, without waiting on Redis each time. A web session also carries its
expiry: an expired one is never served from the cache. Entries live at most MAX_AGE_SECONDS, a
bound in case a replacement of the epoch was lost to a Redis failure after a commit.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from redis import Redis
from sqlalchemy import TextClause, event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from shared.models import ApiToken, User, WebSession

if TYPE_CHECKING:
    from api_service.auth.principal import Principal

log = logging.getLogger("api.auth.cache")
EPOCH_KEY = "contacts:auth:epoch"
# The epoch as the rate limiter read it with a request's count (api_service.ratelimit), in the
# request's state (scope["state"]); deps.request_credentials hands it on, so the cache needs no
# Redis read of its own for that request.
AUTH_EPOCH_STATE = "auth_epoch"
# Where the listener finds the Redis of the app that opened the session (deps.transaction sets it);
# sessions opened elsewhere (CLI, worker, tests) use the one of the settings.
REDIS_INFO = "auth_epoch_redis"
_CHANGED = "auth_changed"
_WATCHED = (User, ApiToken, WebSession)
_WATCHED_TABLES = frozenset(str(m.__tablename__) for m in _WATCHED)
_TEXT_CHANGE = re.compile(
    r"\b(update|delete\s+from|truncate)\s+(only\s+)?(" + "|".join(_WATCHED_TABLES) + r")\b", re.IGNORECASE
)
MAX_ENTRIES = 10_000
MAX_AGE_SECONDS = 60.0
BYPASS_SECONDS = 1.0


def new_epoch() -> bytes:
    return uuid.uuid4().hex.encode()


def bump_epoch(redis: Redis) -> None:
    redis.set(EPOCH_KEY, new_epoch())


def current_epoch(redis: Redis) -> bytes:
    value = redis.get(EPOCH_KEY)
    if value is None:  # first use, or Redis lost it: start a fresh epoch (whoever sets it first wins)
        redis.set(EPOCH_KEY, new_epoch(), nx=True)
        value = redis.get(EPOCH_KEY)
    if not isinstance(value, bytes):
        raise RuntimeError("no auth epoch in Redis")
    return value


@dataclass(frozen=True)
class Entry:
    epoch: bytes
    principal: Principal
    expires_at: datetime | None  # a web session's end
    stored: float


class PrincipalCache:
    """Principals keyed by (credential kind, secret hash), valid under one auth epoch."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[str, str], Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._bypass_until = 0.0
        self.hits = 0
        self.misses = 0

    def epoch(self, redis: Redis) -> bytes | None:
        """The current epoch, or None when Redis does not answer (then the cache is not used)."""
        if time.monotonic() < self._bypass_until:
            return None
        try:
            return current_epoch(redis)
        except Exception as exc:
            log.warning("auth cache bypassed: the auth epoch could not be read (%s)", exc)
            self._bypass_until = time.monotonic() + BYPASS_SECONDS
            with self._lock:
                self._entries.clear()
            return None

    def get(self, key: tuple[str, str], epoch: bytes) -> Principal | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                fresh = (
                    entry.epoch == epoch
                    and time.monotonic() - entry.stored < MAX_AGE_SECONDS
                    and (entry.expires_at is None or entry.expires_at > datetime.now(UTC))
                )
                if fresh:
                    self.hits += 1
                    return entry.principal
                del self._entries[key]
            self.misses += 1
            return None

    def put(
        self, key: tuple[str, str], epoch: bytes, principal: Principal, expires_at: datetime | None
    ) -> None:
        with self._lock:
            self._entries[key] = Entry(epoch, principal, expires_at, time.monotonic())
            self._entries.move_to_end(key)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)


@lru_cache(maxsize=4)
def _settings_redis(url: str) -> Redis:
    return Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)


def _redis_for(session: Session) -> Redis:
    redis = session.info.get(REDIS_INFO)
    if isinstance(redis, Redis):
        return redis
    from shared.settings import get_settings

    return _settings_redis(get_settings().redis_url)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context: UOWTransaction) -> None:
    # A new row cannot make a cached principal wrong; a changed or deleted one can.
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, _WATCHED) and (obj in session.deleted or session.is_modified(obj)):
            session.info[_CHANGED] = True
            return


@event.listens_for(Session, "do_orm_execute")
def _do_orm_execute(state: ORMExecuteState) -> None:
    statement: Any = state.statement
    if state.is_update or state.is_delete:
        changed = getattr(getattr(statement, "table", None), "name", None) in _WATCHED_TABLES
    else:  # SQL text: UPDATE / DELETE FROM one of the tables
        changed = isinstance(statement, TextClause) and _TEXT_CHANGE.search(statement.text) is not None
    if changed:
        state.session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if not session.info.pop(_CHANGED, False):
        return
    try:
        bump_epoch(_redis_for(session))
    except Exception as exc:  # readers that cannot reach Redis bypass their caches
        log.error(
            "auth epoch not replaced after a credential change (%s); caches expire in %ss",
            exc,
            MAX_AGE_SECONDS,
        )


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)
