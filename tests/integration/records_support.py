"""A small populated workspace for endpoint-wide tests: users of every role, a channel, a contact,
a custom field, and the row counts that show whether a request wrote anything."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from shared.models import (
    ApiToken,
    Channel,
    Comment,
    Contact,
    ContactChannel,
    ContactField,
    Event,
    Job,
    Merge,
    Message,
    OutboxEntry,
    User,
    View,
)

ROLES = ("owner", "manager", "restricted", "agent", "none", "bad")


@dataclass
class World:
    workspace_id: str
    tokens: dict[str, str]
    user_ids: dict[str, str]
    contact_id: str
    channel_id: str
    field_key: str
    second_contact_id: str
    job_id: str | None = None
    # Ids made on demand by `ensure` (view, export, import, merge).
    extra: dict[str, str] = field(default_factory=dict)

    def headers(self, role: str = "owner") -> dict[str, str]:
        if role == "none":
            return {}
        if role == "bad":
            return {"Authorization": "Bearer ct_not-a-real-token"}
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def fill(self, template: str) -> str:
        return template.format(
            contact=self.contact_id,
            second=self.second_contact_id,
            channel=self.channel_id,
            field=self.field_key,
            job=self.job_id,
            owner=self.user_ids["owner"],
            agent=self.user_ids["agent"],
            manager=self.user_ids["manager"],
            unique=uuid.uuid4().hex[:10],
            **self.extra,
        )


def _ok(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


ON_DEMAND = ("job", "view", "export", "import", "merge")


def needed(*templates: Any) -> set[str]:
    """Which on-demand resources these path/body templates mention."""
    text = " ".join(str(t) for t in templates)
    return {name for name in ON_DEMAND if "{" + name + "}" in text}


def build_world(
    client: Any, make_workspace: Any, *, with_job: bool = False, needs: set[str] | None = None
) -> World:
    ws = make_workspace()
    owner = {"Authorization": f"Bearer {ws.token}"}
    tokens = {"owner": ws.token}
    user_ids = {"owner": ws.owner_id}
    for name, role, restrictions in (
        ("manager", "manager", []),
        ("restricted", "manager", ["export_contacts", "bulk_delete_contacts"]),
        ("agent", "agent", []),
    ):
        body = _ok(
            client.post(
                "/v1/users",
                headers=owner,
                json={
                    "email": f"{name}-{uuid.uuid4().hex[:8]}@example.com",
                    "name": name.title(),
                    "role": role,
                    "restrictions": restrictions,
                },
            ),
            201,
        )
        tokens[name] = body["token"]
        user_ids[name] = body["user"]["id"]
    channel = _ok(client.post("/v1/channels", headers=owner, json={"name": "WA", "type": "whatsapp"}), 201)
    _ok(
        client.post(
            "/v1/contact-fields", headers=owner, json={"key": "plan", "label": "Plan", "type": "text"}
        ),
        201,
    )
    contact = _ok(
        client.post(
            "/v1/contacts",
            headers=owner,
            json={"first_name": "Mei", "last_name": "Tan", "email": "mei@example.com", "tags": ["vip"]},
        ),
        201,
    )
    second = _ok(
        client.post("/v1/contacts", headers=owner, json={"first_name": "Mei", "phone": "+6591234567"}), 201
    )
    client.post(f"/v1/contacts/{contact['id']}/comments", headers=owner, json={"text": "note"})
    world = World(
        workspace_id=ws.id,
        tokens=tokens,
        user_ids=user_ids,
        contact_id=contact["id"],
        second_contact_id=second["id"],
        channel_id=channel["id"],
        field_key="plan",
    )
    wanted = set(needs or ())
    if with_job:
        wanted.add("job")
    for name in wanted:
        ensure(client, world, name)
    return world


IMPORT_CSV = b"First name,Email\nAna,ana@example.com\n"


def import_form() -> dict[str, Any]:
    return {
        "files": {"file": ("contacts.csv", IMPORT_CSV, "text/csv")},
        "data": {"mapping": json.dumps({"First name": "first_name", "Email": "email"})},
    }


def ensure(client: Any, world: World, name: str) -> str:
    """Create an on-demand resource as the owner and remember its id."""
    owner = world.headers("owner")
    if name == "job":
        body = {"selection": {"ids": [world.contact_id]}, "tags": ["matrix"]}
        world.job_id = _ok(client.post("/v1/contacts/bulk-tags", headers=owner, json=body), 202)["id"]
        return world.job_id
    if name == "view":
        body = {"name": "VIPs", "query": "mei", "visibility": "workspace"}
        created = _ok(client.post("/v1/views", headers=owner, json=body), 201)
    elif name == "export":
        body = {"selection": {"ids": [world.contact_id]}}
        created = _ok(client.post("/v1/exports", headers=owner, json=body), 202)
    elif name == "import":
        created = _ok(client.post("/v1/imports", headers=owner, **import_form()), 202)
    elif name == "merge":
        extra = _ok(client.post("/v1/contacts", headers=owner, json={"first_name": "Twin"}), 201)
        body = {"primary_id": world.contact_id, "secondary_id": extra["id"]}
        created = {"id": _ok(client.post("/v1/contacts/merge", headers=owner, json=body), 200)["merge_id"]}
    else:
        raise ValueError(name)
    world.extra[name] = str(created["id"])
    return world.extra[name]


COUNTED = (
    ApiToken,
    Channel,
    Comment,
    Contact,
    ContactChannel,
    ContactField,
    Event,
    Job,
    Merge,
    Message,
    OutboxEntry,
    User,
    View,
)


def snapshot(session_factory: Any, workspace_id: str) -> dict[str, Any]:
    """Row counts per table, contact versions and live tokens of one workspace."""
    result: dict[str, Any] = {}
    with session_factory() as session:
        for model in COUNTED:
            result[model.__tablename__] = session.scalar(
                select(func.count()).select_from(model).where(model.workspace_id == workspace_id)
            )
        result["versions"] = dict(
            session.execute(
                select(Contact.id, Contact.version).where(Contact.workspace_id == workspace_id)
            ).all()
        )
        result["live_tokens"] = session.scalar(
            select(func.count())
            .select_from(ApiToken)
            .where(ApiToken.workspace_id == workspace_id, ApiToken.revoked_at.is_(None))
        )
        result["users"] = sorted(
            (str(u.id), u.role, tuple(u.restrictions))
            for u in session.scalars(select(User).where(User.workspace_id == workspace_id))
        )
        result["views"] = sorted(
            (str(v.id), v.name, v.visibility)
            for v in session.scalars(select(View).where(View.workspace_id == workspace_id))
        )
        result["merges_undone"] = sorted(
            str(m.id)
            for m in session.scalars(
                select(Merge).where(Merge.workspace_id == workspace_id, Merge.undone_at.is_not(None))
            )
        )
        result["fields"] = sorted(
            (f.key, f.label, f.type, tuple(f.options))
            for f in session.scalars(select(ContactField).where(ContactField.workspace_id == workspace_id))
        )
    return result
