"""Request-scoped dependencies: one transaction per request, token auth, role and restriction checks."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api_service.errors import Forbidden, ProblemError
from api_service.state import AppState
from shared.jobs import JOBS_TO_QUEUE
from shared.models import ApiToken, User
from shared.outbox import OUTBOX_WRITTEN
from shared.queue import RELAY_OUTBOX, RUN_JOB
from shared.settings import Settings

log = logging.getLogger("api.deps")
MODULE_ROLES = frozenset({"owner", "manager"})
# A nudge is sent at most this often; the beat sweep guarantees delivery regardless.
NUDGE_DEBOUNCE_MS = 100


# Dependencies that do no I/O are `async def`: FastAPI runs them on the event loop instead of
# handing each one to a worker thread (a hop per dependency, on every request).


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.contacts
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def nudge_relay(state: AppState) -> None:
    """Ask the worker to drain the outbox now. Best effort: failure only delays indexing until
    the next beat sweep, it never loses a change."""
    try:
        if state.redis.set("outbox:nudge", b"1", nx=True, px=NUDGE_DEBOUNCE_MS):
            state.celery.send_task(RELAY_OUTBOX, retry=False)
    except Exception as exc:  # broker down: the sweeper will pick the rows up
        log.warning("outbox nudge failed (%s); the periodic sweep will deliver", exc)


def queue_jobs(state: AppState, job_ids: list[uuid.UUID]) -> None:
    """Hand committed jobs to the worker. Best effort: the beat sweep re-queues jobs left queued."""
    for job_id in job_ids:
        try:
            state.celery.send_task(RUN_JOB, args=[str(job_id)], retry=False)
        except Exception as exc:
            log.warning("could not queue job %s (%s); the sweep will", job_id, exc)


@contextmanager
def transaction(state: AppState) -> Iterator[Session]:
    """One transaction per request: commit on success, roll back on error, nudge after commit."""
    session = state.session_factory()
    try:
        yield session
        session.commit()
        if session.info.pop(OUTBOX_WRITTEN, False):
            nudge_relay(state)
        queue_jobs(state, session.info.pop(JOBS_TO_QUEUE, []))
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_session(state: StateDep) -> Iterator[Session]:
    with transaction(state) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def get_settings_dep(state: StateDep) -> Settings:
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token decides the workspace and the user. Read with one light query on
    every request (no ORM objects), so a revoked token or a changed role counts immediately."""

    user_id: uuid.UUID
    workspace_id: uuid.UUID
    role: str
    restrictions: tuple[str, ...]
    token_id: uuid.UUID


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_UNAUTHORIZED = {"WWW-Authenticate": "Bearer"}


# Built once: constructing the statement costs more than running it, on every request.
_PRINCIPAL_BY_TOKEN = (
    select(User.id, User.workspace_id, User.role, User.restrictions, ApiToken.id)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)


async def bearer_token(authorization: Annotated[str | None, Header()] = None) -> str:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ProblemError(401, "missing bearer token", headers=_UNAUTHORIZED)
    return authorization[7:].strip()


BearerToken = Annotated[str, Depends(bearer_token)]


def authenticate(session: SessionDep, token: BearerToken) -> Principal:
    return principal_for(session, token)


def principal_for(session: Session, token: str) -> Principal:
    row = session.execute(_PRINCIPAL_BY_TOKEN, {"token_hash": hash_token(token)}).first()
    if row is None:
        raise ProblemError(401, "invalid or revoked token", headers=_UNAUTHORIZED)
    user_id, workspace_id, role, restrictions, token_id = row
    return Principal(user_id, workspace_id, role, tuple(restrictions), token_id)


AnyUser = Annotated[Principal, Depends(authenticate)]


def require_module_role(principal: Principal) -> Principal:
    """The contacts module is for owners and managers only."""
    if principal.role not in MODULE_ROLES:
        raise Forbidden("the contacts module is for owners and managers")
    return principal


async def module_user(principal: AnyUser) -> Principal:
    return require_module_role(principal)


T = TypeVar("T")


async def as_module_user(state: AppState, token: str, work: Callable[[Session, Principal], T]) -> T:
    """Authenticate a module user and run `work` in one transaction, all on one worker thread:
    ModuleUser + SessionDep + a sync route in one thread hop instead of four, for the contacts
    table (measured 0.4-0.6 ms less per search at p50 on the 2-core bench box). Unlike the
    dependency form, a request body that fails validation is answered 422 before the token is
    checked (a missing bearer header is still 401 first)."""

    def run() -> T:
        with transaction(state) as session:
            return work(session, require_module_role(principal_for(session, token)))

    return await run_in_threadpool(run)


ModuleUser = Annotated[Principal, Depends(module_user)]


async def owner_user(principal: AnyUser) -> Principal:
    if principal.role != "owner":
        raise Forbidden("only an owner may do this")
    return principal


OwnerUser = Annotated[Principal, Depends(owner_user)]


def unrestricted(restriction: str) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """A manager carrying `restriction` is refused; owners are never restricted."""

    async def check(principal: ModuleUser) -> Principal:
        if principal.role != "owner" and restriction in principal.restrictions:
            raise Forbidden(f"your role is restricted from this action ({restriction})")
        return principal

    return check
