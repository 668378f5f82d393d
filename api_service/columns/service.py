"""A user's contacts table columns ("Customize Columns"): display_name always, no unknowns, no repeats."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api_service.auth import Principal
from api_service.columns.schemas import ColumnChoice, ColumnsIn, ColumnsOut
from api_service.errors import ProblemError, invalid
from shared.columns import COLUMN_LABELS, CUSTOM_PREFIX, DEFAULT_COLUMNS, REQUIRED_COLUMN
from shared.custom_fields import field_definitions
from shared.models import User


def _available(session: Session, principal: Principal) -> dict[str, str]:
    labels = dict(COLUMN_LABELS)
    for key, definition in sorted(field_definitions(session, principal.workspace_id).items()):
        labels[f"{CUSTOM_PREFIX}{key}"] = definition.label
    return labels


def _user(session: Session, principal: Principal) -> User:
    user = session.get(User, principal.user_id)
    if user is None:  # authenticated in this very transaction, so only if deleted meanwhile
        raise ProblemError(401, "invalid or revoked token")
    return user


def get_columns(session: Session, principal: Principal) -> ColumnsOut:
    available = _available(session, principal)
    chosen = _user(session, principal).columns or list(DEFAULT_COLUMNS)
    # A custom field deleted since the choice was saved simply drops out of the table.
    return ColumnsOut(
        columns=[c for c in chosen if c in available],
        available=[ColumnChoice(key=k, label=v) for k, v in available.items()],
    )


def set_columns(session: Session, principal: Principal, body: ColumnsIn) -> ColumnsOut:
    available = _available(session, principal)
    seen: set[str] = set()
    for i, column in enumerate(body.columns):
        if column not in available:
            what = "custom field" if column.startswith(CUSTOM_PREFIX) else "column"
            raise invalid(["columns", i], f"unknown {what} '{column}'")
        if column in seen:
            raise invalid(["columns", i], f"'{column}' is listed twice")
        seen.add(column)
    if REQUIRED_COLUMN not in seen:
        raise invalid(["columns"], f"'{REQUIRED_COLUMN}' (the contact's name) is required")
    _user(session, principal).columns = list(body.columns)
    session.flush()
    return get_columns(session, principal)
