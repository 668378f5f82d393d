"""Merge and unmerge.

A merge locks both contacts (NOWAIT: a merge racing another merge of the same contact gets 409),
copies the values the rules give the primary, unites the tags, moves the secondary's channels,
messages, events and comments, closes its open conversation without triggering workflows, and
hides the secondary (merged_into_id). The merge record keeps what unmerge needs: the secondary's
snapshot, the primary's values before the merge, the values the primary took, and the moved ids.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from psycopg.errors import LockNotAvailable
from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from api_service.contacts import repository
from api_service.errors import Conflict, NotFound, ProblemError, invalid
from api_service.merges import fields as mf
from api_service.merges.schemas import MergeRequest
from api_service.pagination import PageRequest, keyset_page
from shared.contact_rules import MAX_TAGS
from shared.custom_fields import field_definitions
from shared.events import EventType, add_event
from shared.fields import CUSTOM_PREFIX, IDENTITY
from shared.models import Comment, Contact, ContactChannel, Event, Merge, Message
from shared.outbox import record_change
from shared.tags import missing_tags, united_tags
from shared.text import fold

# What moves with a merge, by the key it has in the merge record.
MOVABLE: tuple[tuple[str, type[ContactChannel | Message | Event | Comment]], ...] = (
    ("channels", ContactChannel),
    ("messages", Message),
    ("events", Event),
    ("comments", Comment),
)


def lock_pair(
    session: Session, workspace_id: uuid.UUID, primary_id: uuid.UUID, secondary_id: uuid.UUID
) -> tuple[Contact, Contact]:
    """Both contacts, row-locked without waiting: a contact another merge holds is a 409."""
    try:
        rows = session.scalars(
            select(Contact)
            .where(Contact.workspace_id == workspace_id, Contact.id.in_([primary_id, secondary_id]))
            .order_by(Contact.id)
            .with_for_update(nowait=True)
        ).all()
    except OperationalError as exc:
        if isinstance(exc.orig, LockNotAvailable):
            raise Conflict("one of these contacts is being changed by another merge; try again") from None
        raise
    found = {c.id: c for c in rows}
    if primary_id not in found or secondary_id not in found:
        raise NotFound("contact")
    return found[primary_id], found[secondary_id]


def _check_mergeable(primary_id: uuid.UUID, secondary_id: uuid.UUID) -> None:
    if primary_id == secondary_id:
        raise invalid(["secondary_id"], "a contact cannot be merged with itself")


def _from_a_channel(session: Session, *contacts: Contact) -> bool:
    """Whether any of the contacts has a channel identity (which the merged contact then keeps):
    such a contact may have no name, e-mail or phone (API.md, Contacts)."""
    ids = [c.id for c in contacts]
    return bool(session.scalar(select(exists().where(ContactChannel.contact_id.in_(ids)))))


def _refuse_merged_away(primary: Contact, secondary: Contact) -> None:
    for loc, contact in (("primary_id", primary), ("secondary_id", secondary)):
        if contact.merged_into_id is not None:
            raise ProblemError(
                422,
                f"{loc}: this contact was already merged into another contact",
                errors=[{"loc": [loc], "msg": "already merged into another contact"}],
                extra={"merged_into": str(contact.merged_into_id)},
            )


def _choosable(session: Session, primary: Contact, secondary: Contact) -> list[str]:
    return mf.choosable_fields(primary, secondary, list(field_definitions(session, primary.workspace_id)))


def preview(
    session: Session, workspace_id: uuid.UUID, primary_id: uuid.UUID, secondary_id: uuid.UUID
) -> dict[str, Any]:
    _check_mergeable(primary_id, secondary_id)
    found = {
        c.id: c
        for c in session.scalars(
            select(Contact).where(
                Contact.workspace_id == workspace_id, Contact.id.in_([primary_id, secondary_id])
            )
        )
    }
    if primary_id not in found or secondary_id not in found:
        raise NotFound("contact")
    primary, secondary = found[primary_id], found[secondary_id]
    _refuse_merged_away(primary, secondary)
    rows = [
        {"field": f, "primary": mf.get_value(primary, f), "secondary": mf.get_value(secondary, f)}
        for f in _choosable(session, primary, secondary)
    ]
    return {
        "fields": rows,
        "tags": {
            "primary": list(primary.tags),
            "secondary": list(secondary.tags),
            "merged": united_tags(primary.tags, secondary.tags),
        },
    }


def _take_values(
    primary: Contact, secondary: Contact, fields: list[str], choose: dict[str, str]
) -> dict[str, Any]:
    """Apply the rules to the primary; returns {field: value} for values taken from the secondary.
    Chosen fields take the chosen side; others keep the primary's value unless it is empty."""
    taken: dict[str, Any] = {}
    for field in fields:
        ours, theirs = mf.get_value(primary, field), mf.get_value(secondary, field)
        choice = choose.get(field)
        use_theirs = choice == "secondary" or (
            choice is None and mf.is_empty(ours) and not mf.is_empty(theirs)
        )
        if use_theirs and theirs != ours:
            mf.set_value(primary, field, theirs)
            taken[field] = theirs
    added = missing_tags(primary.tags, secondary.tags)
    if added:
        primary.tags = [*primary.tags, *added]
        taken["tags"] = added
    # The merged contact shows the later interaction of the two.
    if secondary.last_interaction_at is not None and (
        primary.last_interaction_at is None or secondary.last_interaction_at > primary.last_interaction_at
    ):
        for field in ("last_interaction_at", "last_interacted_channel_id"):
            value = mf.get_value(secondary, field)
            if value != mf.get_value(primary, field):
                mf.set_value(primary, field, value)
                taken[field] = value
    if secondary.last_incoming_message_at is not None and (
        primary.last_incoming_message_at is None
        or secondary.last_incoming_message_at > primary.last_incoming_message_at
    ):
        value = mf.get_value(secondary, "last_incoming_message_at")
        mf.set_value(primary, "last_incoming_message_at", value)
        taken["last_incoming_message_at"] = value
    return taken


def merge_contacts(
    session: Session, workspace_id: uuid.UUID, actor_id: uuid.UUID | None, body: MergeRequest
) -> tuple[Contact, Merge]:
    _check_mergeable(body.primary_id, body.secondary_id)
    primary, secondary = lock_pair(session, workspace_id, body.primary_id, body.secondary_id)
    _refuse_merged_away(primary, secondary)
    fields = _choosable(session, primary, secondary)
    for field in body.choose:
        if field not in fields:
            raise invalid(["choose", field], f"unknown field '{field}'")
    together = len(united_tags(primary.tags, secondary.tags))
    if together > MAX_TAGS:
        raise invalid(
            ["secondary_id"],
            f"the merged contact would have {together} tags, more than {MAX_TAGS}: remove some first",
        )
    custom = [f for f in fields if f.startswith(CUSTOM_PREFIX)]
    primary_before = mf.snapshot(primary, custom)
    secondary_snapshot = mf.snapshot(secondary, custom)
    taken = _take_values(primary, secondary, fields, dict(body.choose))
    if not any(getattr(primary, f) for f in IDENTITY) and not _from_a_channel(session, primary, secondary):
        raise invalid(["choose"], "the merged contact needs at least one of first_name, email or phone")
    moved: dict[str, list[str]] = {}
    for key, model in MOVABLE:
        ids = session.scalars(
            update(model)
            .where(model.contact_id == secondary.id)
            .values(contact_id=primary.id)
            .returning(model.id)
            .execution_options(synchronize_session=False)
        ).all()
        moved[key] = [str(i) for i in ids]
    merge = Merge(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        primary_id=primary.id,
        secondary_id=secondary.id,
        actor_id=actor_id,
        secondary_snapshot=secondary_snapshot,
        primary_before=primary_before,
        taken=taken,
        moved=moved,
        choices=dict(body.choose),
        created_at=datetime.now(UTC),
    )
    if secondary.conversation_status == "open":
        # Closed by the merge, which must not start a workflow. The event goes to the merged contact,
        # where the secondary's history now is.
        secondary.conversation_status = "closed"
        add_event(
            session,
            primary,
            EventType.CONVERSATION_CLOSED,
            actor_id,
            {"reason": "merge", "merge_id": str(merge.id), "contact_id": str(secondary.id)},
            triggers_workflows=False,
        )
    secondary.merged_into_id = primary.id
    primary.updated_at = func.now()  # the document changes (channels) even when no field did
    session.add(merge)
    session.flush()
    add_event(
        session,
        primary,
        EventType.MERGED,
        actor_id,
        {"merge_id": str(merge.id), "secondary_id": str(secondary.id), "taken": sorted(taken)},
    )
    record_change(session, workspace_id, primary.id, primary.version)
    record_change(session, workspace_id, secondary.id, secondary.version)
    return primary, merge


def _merge_of(session: Session, workspace_id: uuid.UUID, primary_id: uuid.UUID, merge_id: uuid.UUID) -> Merge:
    merge = session.scalars(
        select(Merge)
        .where(Merge.id == merge_id, Merge.workspace_id == workspace_id, Merge.primary_id == primary_id)
        .with_for_update()
    ).one_or_none()
    if merge is None:
        raise NotFound("merge")
    if merge.undone_at is not None:
        raise Conflict("this merge was already undone")
    return merge


def _later_active_merges(session: Session, merge: Merge) -> list[Merge]:
    """Merges into the same primary made after this one and not undone, oldest first."""
    return list(
        session.scalars(
            select(Merge)
            .where(
                Merge.primary_id == merge.primary_id,
                Merge.id != merge.id,
                Merge.undone_at.is_(None),
                Merge.created_at >= merge.created_at,
            )
            .order_by(Merge.created_at, Merge.id)
            .with_for_update()
        )
    )


def _tags_added_since(session: Session, contact_id: uuid.UUID, since: datetime) -> set[str]:
    """Folded tags that someone added to the contact after `since` (tagged events)."""
    added: set[str] = set()
    for data in session.scalars(
        select(Event.data).where(Event.contact_id == contact_id, Event.type == "tagged", Event.at > since)
    ):
        added.update(fold(str(t)) for t in data.get("added", []))
    return added


def _refill(field: str, before: Any, later: list[Merge]) -> Any:
    """The value a profile field returns to: what the later merges would have left, had the one
    being undone never happened. Where the primary's own value is empty, each later merge, in order,
    did what its user chose: "secondary" takes that merge's secondary's value, "primary" keeps the
    empty value, no choice fills it from the secondary when it has one (the default rule). The
    merge that fills it records the value as taken, so undoing that merge reverts it too."""
    if not mf.is_profile_field(field) or not mf.is_empty(before):
        return before
    for other in later:
        theirs = other.secondary_snapshot.get(field)
        choice = other.choices.get(field)
        fills = choice == "secondary" or (choice is None and mf.is_empty(other.primary_before.get(field)))
        if fills and not mf.is_empty(theirs):
            other.taken = {**other.taken, field: theirs}
            return theirs
    return before


def _revert_primary(session: Session, primary: Contact, merge: Merge, later: list[Merge]) -> list[str]:
    """Give back the primary's own values where it still holds what it took from the secondary.
    Later merges that recorded one of those values as "the primary's before" now record the value
    from before this merge, so undoing merges in any order ends where no merge happened."""
    reverted: list[str] = []
    for field, value in merge.taken.items():
        if field == "tags":
            continue
        before = merge.primary_before.get(field)
        for other in later:
            if field in other.primary_before and other.primary_before[field] == value:
                other.primary_before = {**other.primary_before, field: before}
        if mf.get_value(primary, field) == value:
            mf.set_value(primary, field, _refill(field, before, later))
            reverted.append(field)
    taken_tags = {fold(t) for t in merge.taken.get("tags", [])}
    if taken_tags:
        # Keep a tag someone added since, or that a later merge's secondary also brought.
        keep = _tags_added_since(session, primary.id, merge.created_at)
        for other in later:
            # Had this merge not happened, the later one would have brought the tag: it is now
            # that merge's to take back.
            brought = [t for t in other.secondary_snapshot.get("tags", []) if fold(t) in taken_tags - keep]
            if brought:
                other.taken = {**other.taken, "tags": [*other.taken.get("tags", []), *brought]}
                keep.update(fold(t) for t in brought)
        remove = taken_tags - keep
        if any(fold(t) in remove for t in primary.tags):
            primary.tags = [t for t in primary.tags if fold(t) not in remove]
            reverted.append("tags")
    return reverted


def _restore_secondary(secondary: Contact, snap: dict[str, Any]) -> None:
    for field in (*mf.STANDARD_FIELDS, *mf.ACTIVITY_FIELDS, *mf.CONVERSATION_FIELDS):
        mf.set_value(secondary, field, snap.get(field))
    secondary.tags = list(snap.get("tags", []))
    secondary.custom_fields = dict(snap.get("custom_fields", {}))
    secondary.merged_into_id = None


def unmerge(
    session: Session,
    workspace_id: uuid.UUID,
    actor_id: uuid.UUID | None,
    primary_id: uuid.UUID,
    merge_id: uuid.UUID,
) -> tuple[Contact, Contact]:
    """The secondary comes back with its own profile, tags, channels and its pre-merge messages,
    events and comments; what arrived after the merge stays with the primary."""
    repository.get_contact(session, workspace_id, primary_id)  # 404, naming merged_into when hidden
    merge = _merge_of(session, workspace_id, primary_id, merge_id)
    primary, secondary = lock_pair(session, workspace_id, merge.primary_id, merge.secondary_id)
    if secondary.merged_into_id != primary.id or primary.merged_into_id is not None:
        raise Conflict("the contacts changed since this merge; undo the later merges first")
    later = _later_active_merges(session, merge)
    snap = merge.secondary_snapshot
    _restore_secondary(secondary, snap)
    for key, model in MOVABLE:
        ids = [uuid.UUID(i) for i in merge.moved.get(key, [])]
        for start in range(0, len(ids), 5000):
            session.execute(
                update(model)
                .where(model.id.in_(ids[start : start + 5000]), model.contact_id == primary.id)
                .values(contact_id=secondary.id)
                .execution_options(synchronize_session=False)
            )
    reverted = _revert_primary(session, primary, merge, later)
    merge.undone_at = datetime.now(UTC)
    primary.updated_at = func.now()
    secondary.updated_at = func.now()
    session.flush()
    data = {"merge_id": str(merge.id), "secondary_id": str(secondary.id), "reverted": sorted(reverted)}
    add_event(session, primary, EventType.UNMERGED, actor_id, data)
    add_event(session, secondary, EventType.UNMERGED, actor_id, {**data, "primary_id": str(primary.id)})
    if snap.get("conversation_status") == "open":
        # The merge closed this conversation without triggering workflows; undoing it reopens it
        # the same way.
        add_event(
            session,
            secondary,
            EventType.CONVERSATION_OPENED,
            actor_id,
            {"reason": "unmerge", "merge_id": str(merge.id)},
            triggers_workflows=False,
        )
    record_change(session, workspace_id, primary.id, primary.version)
    record_change(session, workspace_id, secondary.id, secondary.version)
    return primary, secondary


def list_merges(
    session: Session,
    workspace_id: uuid.UUID,
    contact_id: uuid.UUID,
    page: PageRequest,
) -> tuple[list[tuple[Merge, Contact]], str | None]:
    """Merges into this contact with the contact each merged away, newest first."""
    repository.get_contact(session, workspace_id, contact_id)
    return keyset_page(
        session,
        select(Merge, Contact)
        .join(Contact, Contact.id == Merge.secondary_id)
        .where(Merge.workspace_id == workspace_id, Merge.primary_id == contact_id),
        Merge.created_at,
        Merge.id,
        page,
        scope=f"merges:{contact_id}",
    )


def moved_channel_ids(
    session: Session, workspace_id: uuid.UUID, merges: list[Merge]
) -> dict[uuid.UUID, list[str]]:
    """merge id -> external ids of the channel identities it moved from the secondary, in the order
    they were linked: what a nameless channel contact is shown by (shared.contact_source.display_name)."""
    owner = {uuid.UUID(i): m.id for m in merges for i in m.moved.get("channels", [])}
    found: dict[uuid.UUID, list[str]] = {m.id: [] for m in merges}
    if owner:
        rows = session.execute(
            select(ContactChannel.id, ContactChannel.external_id)
            .where(ContactChannel.workspace_id == workspace_id, ContactChannel.id.in_(list(owner)))
            .order_by(ContactChannel.created_at, ContactChannel.id)
        )
        for channel_identity_id, external_id in rows:
            found[owner[channel_identity_id]].append(external_id)
    return found
