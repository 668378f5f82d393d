"""PostgreSQL renders the export's cells (shared.csv_sql): every cell of every column must be what the
Python statement of the rules gives (display_name, render_tags, render_custom, isoformat of the UTC
time, neutralize), over random values with quotes, separators, newlines, accents and formula
triggers, through both paths of the job (the staged ids of a selection, and a whole workspace)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from sqlalchemy import select

from shared.columns import COLUMN_LABELS
from shared.contact_source import display_name
from shared.csv_format import LIST_SEPARATOR, render_custom, render_tags
from shared.csv_safety import neutralize
from shared.fields import DATETIME
from shared.models import Channel, Contact, ContactChannel, User
from tests.factories import add_channel_identity, add_field
from tests.integration.test_export import export_rows

TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12)
TRICKY = st.one_of(
    TEXT,
    st.sampled_from(
        ["", "-5", "-2.5e3", "+601234", "=1+1", "'=x", "''@a", "a;b", '"q', "x\ny", " lead ", "Zoë"]
    ),
)
MOMENT = st.one_of(
    st.none(),
    # A whole second has no fraction in ISO 8601; one microsecond has all six digits.
    st.sampled_from([datetime(2026, 1, 2, 10, 0, tzinfo=UTC), datetime(2026, 1, 2, 10, 0, 0, 1, tzinfo=UTC)]),
    st.datetimes(
        min_value=datetime(1990, 1, 1),
        max_value=datetime(2090, 1, 1),
        timezones=st.just(UTC),
    ),
)
CONTACT = st.fixed_dictionaries(
    {
        "first_name": st.one_of(st.none(), TRICKY),
        "last_name": st.one_of(st.none(), TRICKY),
        "email": st.one_of(st.none(), TRICKY),
        "phone": st.one_of(st.none(), TRICKY),
        "language": st.one_of(st.none(), st.sampled_from(["en", "ms", "", "-x"])),
        "tags": st.lists(TRICKY.filter(lambda t: len(t) <= 100), max_size=3),
        "note": st.one_of(st.none(), TRICKY),
        "seats": st.one_of(st.none(), st.integers(-1000, 10**12), st.sampled_from([2.5, -0.5, 10.0])),
        "active": st.one_of(st.none(), st.booleans()),
        "last_interaction_at": MOMENT,
        "channel_ids": st.lists(TRICKY.filter(bool), max_size=2),
        "assigned": st.booleans(),
    }
)
COLUMNS = ["id", *COLUMN_LABELS, "custom.note", "custom.seats", "custom.active"]


def expected_row(
    contact: Contact, channels: list[tuple[str, str]], users: dict[Any, str], names: dict[Any, str]
) -> list[str]:
    """The row as the Python rules write it, before the CSV quoting."""
    cells: dict[str, str] = {
        "id": str(contact.id),
        "display_name": display_name(
            contact.first_name, contact.last_name, contact.phone, contact.email, [e for _n, e in channels]
        ),
        "tags": render_tags(contact.tags),
        "channels": LIST_SEPARATOR.join(f"{name} ({external})" for name, external in channels),
        "assignee_id": users.get(contact.assignee_id, ""),
        "last_interacted_channel_id": names.get(contact.last_interacted_channel_id, ""),
    }
    for column in DATETIME:
        moment = getattr(contact, column)
        cells[column] = moment.astimezone(UTC).isoformat() if moment is not None else ""
    for key in ("note", "seats", "active"):
        cells[f"custom.{key}"] = render_custom(contact.custom_fields.get(key))
    row = []
    for column in COLUMNS:
        value = cells[column] if column in cells else (getattr(contact, column) or "")
        row.append(neutralize(value))
    return row


@hyp_settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(contacts=st.lists(CONTACT, min_size=1, max_size=6))
def test_every_cell_is_what_the_python_rules_write(
    client, make_workspace, session_factory, search_client, settings, contacts
) -> None:
    ws = make_workspace()
    add_field(session_factory, ws.id, "note", "text", label="Note")
    add_field(session_factory, ws.id, "seats", "number", label="Seats")
    add_field(session_factory, ws.id, "active", "boolean", label="Active")
    workspace_id = uuid.UUID(ws.id)
    ids: list[str] = []
    with session_factory() as session, session.begin():
        owner = session.scalars(select(User).where(User.workspace_id == workspace_id)).first()
        for spec in contacts:
            custom = {k: spec[k] for k in ("note", "seats", "active") if spec[k] is not None}
            contact = Contact(
                workspace_id=workspace_id,
                source="import",
                first_name=spec["first_name"],
                last_name=spec["last_name"],
                email=spec["email"],
                phone=spec["phone"],
                language=spec["language"],
                tags=spec["tags"],
                custom_fields=custom,
                last_interaction_at=spec["last_interaction_at"],
                assignee_id=owner.id if owner is not None and spec["assigned"] else None,
            )
            session.add(contact)
            session.flush()
            ids.append(str(contact.id))
    for contact_id, spec in zip(ids, contacts, strict=True):
        for k, external in enumerate(spec["channel_ids"]):
            channel = add_channel_identity(
                session_factory, ws, contact_id, f'Chan;{k}, "x"', "whatsapp", external
            )
            if k == 0:
                with session_factory() as session, session.begin():
                    found = session.get(Contact, uuid.UUID(contact_id))
                    assert found is not None
                    found.last_interacted_channel_id = uuid.UUID(channel)

    with session_factory() as session:
        users = {
            u.id: u.email for u in session.scalars(select(User).where(User.workspace_id == workspace_id))
        }
        names = {
            c.id: c.name for c in session.scalars(select(Channel).where(Channel.workspace_id == workspace_id))
        }
        links = session.execute(
            select(ContactChannel.contact_id, Channel.name, ContactChannel.external_id)
            .join(Channel, Channel.id == ContactChannel.channel_id)
            .where(ContactChannel.workspace_id == workspace_id)
            .order_by(ContactChannel.created_at, ContactChannel.id)
        ).all()
        by_id = {
            str(c.id): c for c in session.scalars(select(Contact).where(Contact.workspace_id == workspace_id))
        }
    channels: dict[str, list[tuple[str, str]]] = {}
    for contact_id, name, external in links:
        channels.setdefault(str(contact_id), []).append((name, external))
    expected = {i: expected_row(by_id[i], channels.get(i, []), users, names) for i in ids}

    picked = ids[::-1]  # explicit ids: rows in the order given
    rows = export_rows(
        client,
        ws,
        {"selection": {"ids": picked}, "columns": COLUMNS},
        session_factory,
        search_client,
        settings,
    )
    assert rows[1:] == [expected[i] for i in picked]
    # The whole workspace ("all matching" with nothing to match): every contact, in id order.
    rows = export_rows(
        client,
        ws,
        {"selection": {"all_matching": {}}, "columns": COLUMNS},
        session_factory,
        search_client,
        settings,
    )
    assert rows[1:] == [expected[i] for i in sorted(ids, key=uuid.UUID)]
    # Rendered in parts (three PostgreSQL sessions on one snapshot, a range of the rows each, the
    # files joined in order): the same rows, in the same order, with nothing left beside the file.
    in_parts = settings.model_copy(update={"export_parts": 3, "export_part_rows": 1})
    for selection, order in (({"ids": picked}, picked), ({"all_matching": {}}, sorted(ids, key=uuid.UUID))):
        body: dict[str, Any] = {"selection": selection, "columns": COLUMNS}
        rows = export_rows(client, ws, body, session_factory, search_client, in_parts)
        assert rows[1:] == [expected[i] for i in order]
    leftovers = [p.name for p in (settings.export_dir / ws.id).iterdir() if not p.name.endswith(".csv")]
    assert leftovers == []


def test_a_one_column_export_keeps_its_empty_cells(
    client, make_workspace, session_factory, search_client, settings
) -> None:
    ws = make_workspace()
    with session_factory() as session, session.begin():
        for email in ("a@example.com", None, "b@example.com"):
            session.add(Contact(workspace_id=uuid.UUID(ws.id), source="import", first_name="N", email=email))
    rows = export_rows(
        client,
        ws,
        {"selection": {"all_matching": {}}, "columns": ["email"]},
        session_factory,
        search_client,
        settings,
    )
    assert sorted(rows[1:]) == [[""], ["a@example.com"], ["b@example.com"]]
