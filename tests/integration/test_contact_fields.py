"""Custom contact field definitions and the typed values contacts hold for them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from shared.models import ContactField, OutboxEntry


def create_field(client: Any, ws: Any, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/contact-fields", headers=ws.headers, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_fields_are_created_listed_and_relabelled(client, workspace) -> None:
    plan = create_field(client, workspace, key="plan", label="Plan", type="select", options=["free", "pro"])
    create_field(client, workspace, key="seats", label="Seats", type="number")
    listed = client.get("/v1/contact-fields", headers=workspace.headers).json()
    assert [f["key"] for f in listed["items"]] == ["plan", "seats"]
    assert listed["items"][0]["options"] == ["free", "pro"]
    assert plan["type"] == "select"
    first = client.get("/v1/contact-fields?page_size=1", headers=workspace.headers).json()
    rest = client.get(f"/v1/contact-fields?cursor={first['next_cursor']}", headers=workspace.headers).json()
    assert [f["key"] for f in first["items"] + rest["items"]] == ["plan", "seats"]
    assert rest["next_cursor"] is None
    assert client.get("/v1/contact-fields?page_size=0", headers=workspace.headers).status_code == 422
    patched = client.patch(
        "/v1/contact-fields/plan",
        headers=workspace.headers,
        json={"label": "Subscription", "options": ["free", "pro", "enterprise"]},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["label"] == "Subscription"
    assert patched.json()["options"] == ["free", "pro", "enterprise"]


def test_duplicate_key_is_a_conflict(client, workspace) -> None:
    create_field(client, workspace, key="plan", label="Plan", type="text")
    again = client.post(
        "/v1/contact-fields", headers=workspace.headers, json={"key": "plan", "label": "P2", "type": "number"}
    )
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"


def test_bad_definitions_are_refused_naming_the_field(client, workspace, session_factory) -> None:
    cases = [
        ({"key": "Plan", "label": "P", "type": "text"}, ["key"]),
        ({"key": "9lives", "label": "P", "type": "text"}, ["key"]),
        ({"key": "a" * 65, "label": "P", "type": "text"}, ["key"]),
        ({"key": "plan", "label": "", "type": "text"}, ["label"]),
        ({"key": "plan", "label": "P", "type": "money"}, ["type"]),
        ({"key": "plan", "label": "P", "type": "select"}, ["options"]),
        ({"key": "plan", "label": "P", "type": "select", "options": []}, ["options"]),
        ({"key": "plan", "label": "P", "type": "select", "options": ["a", "A"]}, ["options", 1]),
        ({"key": "plan", "label": "P", "type": "text", "options": ["a"]}, ["options"]),
        ({"key": "plan", "label": "P", "type": "text", "id": "x"}, ["id"]),
    ]
    for body, loc in cases:
        response = client.post("/v1/contact-fields", headers=workspace.headers, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["errors"][0]["loc"] == loc, body
    with session_factory() as session:
        count = session.scalar(
            select(func.count()).select_from(ContactField).where(ContactField.workspace_id == workspace.id)
        )
    assert count == 0


def test_type_is_immutable(client, workspace) -> None:
    create_field(client, workspace, key="seats", label="Seats", type="number")
    response = client.patch("/v1/contact-fields/seats", headers=workspace.headers, json={"type": "text"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["type"]
    assert client.get("/v1/contact-fields/seats", headers=workspace.headers).json()["type"] == "number"


def test_values_must_fit_the_field_type(client, workspace) -> None:
    create_field(client, workspace, key="seats", label="Seats", type="number")
    create_field(client, workspace, key="plan", label="Plan", type="select", options=["free", "pro"])
    create_field(client, workspace, key="renews", label="Renews", type="date")
    ok = client.post(
        "/v1/contacts",
        headers=workspace.headers,
        json={"first_name": "Ana", "custom_fields": {"seats": 5, "plan": "pro", "renews": "2026-01-31"}},
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["custom_fields"] == {"seats": 5, "plan": "pro", "renews": "2026-01-31"}
    for values, key in (
        ({"seats": "five"}, "seats"),
        ({"plan": "gold"}, "plan"),
        ({"renews": "31/01/2026"}, "renews"),
        ({"unknown": 1}, "unknown"),
    ):
        response = client.post(
            "/v1/contacts", headers=workspace.headers, json={"first_name": "Bo", "custom_fields": values}
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["loc"] == ["custom_fields", key]


def test_removing_an_option_in_use_is_refused_naming_it(client, workspace) -> None:
    create_field(
        client, workspace, key="plan", label="Plan", type="select", options=["free", "pro", "legacy"]
    )
    client.post(
        "/v1/contacts",
        headers=workspace.headers,
        json={"first_name": "Ana", "custom_fields": {"plan": "pro"}},
    )
    refused = client.patch("/v1/contact-fields/plan", headers=workspace.headers, json={"options": ["free"]})
    assert refused.status_code == 422
    assert "'pro' (1 contacts)" in refused.json()["detail"]
    assert refused.json()["errors"][0]["loc"] == ["options"]
    unused_removed = client.patch(
        "/v1/contact-fields/plan", headers=workspace.headers, json={"options": ["free", "pro"]}
    )
    assert unused_removed.status_code == 200
    assert unused_removed.json()["options"] == ["free", "pro"]


def test_deleting_a_field_removes_its_values_and_reindexes_those_contacts(
    client, workspace, session_factory, sync_index
) -> None:
    create_field(client, workspace, key="plan", label="Plan", type="text")
    create_field(client, workspace, key="seats", label="Seats", type="number")
    with_plan = client.post(
        "/v1/contacts",
        headers=workspace.headers,
        json={"first_name": "Ana", "custom_fields": {"plan": "zanzibar", "seats": 3}},
    ).json()
    without = client.post("/v1/contacts", headers=workspace.headers, json={"first_name": "Bo"}).json()
    sync_index()
    found = client.post("/v1/contacts/search", headers=workspace.headers, json={"query": "zanzibar"}).json()
    assert [c["id"] for c in found["items"]] == [with_plan["id"]]
    assert client.delete("/v1/contact-fields/plan", headers=workspace.headers).status_code == 204
    after = client.get(f"/v1/contacts/{with_plan['id']}", headers=workspace.headers).json()
    assert after["custom_fields"] == {"seats": 3}
    assert after["version"] == with_plan["version"] + 1
    untouched = client.get(f"/v1/contacts/{without['id']}", headers=workspace.headers).json()
    assert untouched["version"] == without["version"]
    with session_factory() as session:
        versions = session.scalars(
            select(OutboxEntry.version)
            .where(OutboxEntry.contact_id == with_plan["id"])
            .order_by(OutboxEntry.id)
        ).all()
    assert versions[-1] == after["version"]
    sync_index()
    found = client.post("/v1/contacts/search", headers=workspace.headers, json={"query": "zanzibar"}).json()
    assert found["items"] == []
    assert client.get("/v1/contact-fields/plan", headers=workspace.headers).status_code == 404
    assert client.delete("/v1/contact-fields/plan", headers=workspace.headers).status_code == 404


def test_a_new_field_sorts_by_its_own_values_even_in_a_deleted_fields_slot(
    client, workspace, session_factory, sync_index
) -> None:
    """Each field sorts from a numbered slot of its workspace; a field created after another was
    deleted takes over the freed slot, and sorting by it never sees the deleted field's values."""
    create_field(client, workspace, key="alpha", label="Alpha", type="number")
    create_field(client, workspace, key="keep", label="Keep", type="text")

    def contact(name: str, values: dict[str, Any]) -> str:
        body = {"first_name": name, "custom_fields": values}
        return str(client.post("/v1/contacts", headers=workspace.headers, json=body).json()["id"])

    high, low, none = contact("High", {"alpha": 100}), contact("Low", {"alpha": 1}), contact("None", {})
    assert client.delete("/v1/contact-fields/alpha", headers=workspace.headers).status_code == 204
    create_field(client, workspace, key="beta", label="Beta", type="number")
    with session_factory() as session:
        slots = dict(
            session.execute(
                select(ContactField.key, ContactField.sort_slot).where(
                    ContactField.workspace_id == workspace.id
                )
            ).all()
        )
    assert slots == {"beta": 0, "keep": 1}  # beta holds the slot alpha had
    for contact_id, beta in ((none, 5), (high, 1)):
        patch = {"custom_fields": {"beta": beta}}
        client.patch(f"/v1/contacts/{contact_id}", headers=workspace.headers, json=patch)
    sync_index()
    for order, expected in (("desc", [none, high, low]), ("asc", [high, none, low])):
        body = {"sort": [{"field": "custom.beta", "order": order}]}
        found = client.post("/v1/contacts/search", headers=workspace.headers, json=body).json()
        assert [c["id"] for c in found["items"]] == expected  # low has no beta: last both ways
