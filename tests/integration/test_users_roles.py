"""Users, roles, manager restrictions and API tokens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from shared.models import ApiToken
from tests.factories import bearer, post_user


def add_user(client: Any, ws: Any, role: str, **extra: Any) -> dict[str, Any]:
    """A user whose address says its role (and how many extras it was given): `manager-1@...`."""
    return post_user(client, ws, role, email=f"{role}-{len(extra)}@Example.com", **extra)


def test_owner_adds_users_whose_tokens_work_and_are_stored_hashed(client, workspace, session_factory) -> None:
    created = add_user(client, workspace, "manager", restrictions=["export_contacts"])
    assert created["user"]["email"] == "manager-1@example.com"
    assert created["user"]["restrictions"] == ["export_contacts"]
    token = created["token"]
    assert client.get("/v1/channels", headers=bearer(token)).status_code == 200
    with session_factory() as session:
        hashes = session.scalars(
            select(ApiToken.token_hash).where(ApiToken.user_id == created["user"]["id"])
        ).all()
    assert len(hashes) == 1
    assert token not in hashes[0] and len(hashes[0]) == 64
    listed = client.get("/v1/users", headers=workspace.headers).json()
    assert {u["id"] for u in listed["items"]} == {workspace.owner_id, created["user"]["id"]}
    assert "token" not in listed["items"][0]


def test_duplicate_email_in_a_workspace_is_a_conflict(client, make_workspace) -> None:
    acme, other = make_workspace(), make_workspace()
    add_user(client, acme, "agent")
    again = client.post(
        "/v1/users",
        headers=acme.headers,
        json={"email": "AGENT-0@example.com", "name": "Again", "role": "manager"},
    )
    assert again.status_code == 409
    # Another workspace may have a user with the same address.
    add_user(client, other, "agent")


def test_bad_user_input_is_refused_naming_the_field(client, workspace) -> None:
    cases = [
        ({"email": "x@example.com", "name": "X", "role": "admin"}, ["role"]),
        (
            {"email": "x@example.com", "name": "X", "role": "manager", "restrictions": ["delete_all"]},
            ["restrictions", 0],
        ),
        (
            {"email": "x@example.com", "name": "X", "role": "owner", "restrictions": ["export_contacts"]},
            ["restrictions"],
        ),
        ({"email": "not-an-email", "name": "X", "role": "agent"}, ["email"]),
        ({"email": "x@example.com", "name": "", "role": "agent"}, ["name"]),
        ({"email": "x@example.com", "name": "X", "role": "agent", "workspace_id": "x"}, ["workspace_id"]),
    ]
    for body, loc in cases:
        response = client.post("/v1/users", headers=workspace.headers, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["errors"][0]["loc"] == loc, body
    assert len(client.get("/v1/users", headers=workspace.headers).json()["items"]) == 1


def test_role_change_takes_effect_on_the_next_request(client, workspace) -> None:
    agent = add_user(client, workspace, "agent")
    headers = bearer(agent["token"])
    assert client.post("/v1/contacts/search", headers=headers, json={}).status_code == 403
    promoted = client.patch(
        f"/v1/users/{agent['user']['id']}", headers=workspace.headers, json={"role": "manager"}
    )
    assert promoted.status_code == 200
    assert promoted.json()["role"] == "manager"
    assert client.post("/v1/contacts/search", headers=headers, json={}).status_code == 200


def test_restrictions_are_set_by_patch_and_dropped_when_leaving_the_manager_role(client, workspace) -> None:
    manager = add_user(client, workspace, "manager")
    uid = manager["user"]["id"]
    restricted = client.patch(
        f"/v1/users/{uid}", headers=workspace.headers, json={"restrictions": ["bulk_delete_contacts"]}
    )
    assert restricted.json()["restrictions"] == ["bulk_delete_contacts"]
    refused = client.post(
        "/v1/contacts/bulk-delete",
        headers=bearer(manager["token"]),
        json={"selection": {"ids": []}, "confirm": True},
    )
    assert refused.status_code == 403
    owner = client.patch(f"/v1/users/{uid}", headers=workspace.headers, json={"role": "owner"})
    assert owner.json()["role"] == "owner" and owner.json()["restrictions"] == []


def test_the_last_owner_cannot_be_demoted(client, workspace) -> None:
    response = client.patch(
        f"/v1/users/{workspace.owner_id}", headers=workspace.headers, json={"role": "manager"}
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    second = add_user(client, workspace, "owner")
    demoted = client.patch(
        f"/v1/users/{workspace.owner_id}", headers=workspace.headers, json={"role": "manager"}
    )
    assert demoted.status_code == 200
    # The former owner is a manager now and can no longer manage users.
    assert (
        client.post(
            "/v1/users",
            headers=workspace.headers,
            json={"email": "z@example.com", "name": "Z", "role": "agent"},
        ).status_code
        == 403
    )
    back = client.patch(
        f"/v1/users/{second['user']['id']}", headers=bearer(second["token"]), json={"role": "agent"}
    )
    assert back.status_code == 409


def test_owner_issues_and_revokes_tokens(client, workspace) -> None:
    manager = add_user(client, workspace, "manager")
    uid = manager["user"]["id"]
    issued = client.post(f"/v1/users/{uid}/tokens", headers=workspace.headers)
    assert issued.status_code == 201
    second_token = issued.json()["token"]
    assert second_token != manager["token"]
    for token in (manager["token"], second_token):
        assert client.get("/v1/channels", headers=bearer(token)).status_code == 200
    assert client.delete(f"/v1/users/{uid}/tokens", headers=workspace.headers).status_code == 204
    for token in (manager["token"], second_token):
        assert client.get("/v1/channels", headers=bearer(token)).status_code == 401


def test_an_agent_may_revoke_its_own_token_but_nothing_else(client, workspace) -> None:
    agent = add_user(client, workspace, "agent")
    headers = bearer(agent["token"])
    assert client.get("/v1/users", headers=headers).status_code == 403
    assert client.post(f"/v1/users/{agent['user']['id']}/tokens", headers=headers).status_code == 403
    assert client.delete("/v1/tokens/current", headers=headers).status_code == 204
    assert client.delete("/v1/tokens/current", headers=headers).status_code == 401
