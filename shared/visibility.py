"""Which contacts exist for lists, search, jobs and counts: those not merged away into another
contact (a merged-away contact is kept, hidden, so that unmerge can bring it back)."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, and_

from shared.models import Contact


def visible() -> ColumnElement[bool]:
    """The condition every contact read that users see applies: not merged away."""
    return Contact.merged_into_id.is_(None)


def visible_in(workspace_id: uuid.UUID) -> ColumnElement[bool]:
    """Visible contacts of one workspace."""
    return and_(Contact.workspace_id == workspace_id, visible())
