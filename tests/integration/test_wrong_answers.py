"""Answers that were wrong: updating a nameless channel contact, one display name everywhere, the
tag cap of bulk tags, the total of an "all matching" job, unmerge after later merges with choices.
(The upload cap before the file is spooled: tests/contract/test_live_limits.py, over a socket.)"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.csv_jobs_support import parse_csv, run


def post(client: Any, ws: Any, path: str, body: dict[str, Any], status: int) -> dict[str, Any]:
    response = client.post(path, headers=ws.headers, json=body)
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
def channel(client: Any, workspace: Any) -> str:
    return post(client, workspace, "/v1/channels", {"name": "Messenger", "type": "messenger"}, 201)["id"]


def nameless(client: Any, ws: Any, channel: str, external_id: str) -> dict[str, Any]:
    """A contact created by an inbound message from someone who shares no name, phone or e-mail."""
    result = post(
        client, ws, f"/v1/channels/{channel}/inbound", {"external_id": external_id, "text": "hi"}, 200
    )
    response = client.get(f"/v1/contacts/{result['contact_id']}", headers=ws.headers)
    contact: dict[str, Any] = response.json()
    assert (contact["first_name"], contact["email"], contact["phone"]) == (None, None, None)
    return contact


def test_a_nameless_channel_contact_can_be_tagged_and_assigned(client, workspace, channel) -> None:
    contact = nameless(client, workspace, channel, "psid-2001")
    body = {"tags": ["vip"], "assignee_id": workspace.owner_id}
    response = client.patch(f"/v1/contacts/{contact['id']}", headers=workspace.headers, json=body)
    assert response.status_code == 200, response.text
    assert response.json()["tags"] == ["vip"] and response.json()["display_name"] == "psid-2001"


def test_a_contact_without_a_channel_keeps_the_at_least_one_rule(client, workspace) -> None:
    contact = post(client, workspace, "/v1/contacts", {"first_name": "Ana"}, 201)
    response = client.patch(
        f"/v1/contacts/{contact['id']}", headers=workspace.headers, json={"first_name": None}
    )
    assert response.status_code == 422
    assert "at least one of first_name, email or phone" in response.json()["detail"]


def test_the_export_and_the_merge_list_name_a_nameless_contact_like_the_api(
    client, workspace, channel, session_factory, search_client, settings
) -> None:
    contact = nameless(client, workspace, channel, "psid-3001")
    assert contact["display_name"] == "psid-3001"
    export = post(
        client,
        workspace,
        "/v1/exports",
        {"selection": {"ids": [contact["id"]]}, "columns": ["display_name"]},
        202,
    )
    assert run(export["id"], session_factory, search_client, settings) == "succeeded"
    status = client.get(f"/v1/exports/{export['id']}", headers=workspace.headers).json()
    rows = parse_csv(client.get(status["download_url"], headers=workspace.headers).content)
    assert rows == [["Name"], ["psid-3001"]]

    primary = post(client, workspace, "/v1/contacts", {"first_name": "Pat"}, 201)
    merge = {"primary_id": primary["id"], "secondary_id": contact["id"]}
    post(client, workspace, "/v1/contacts/merge", merge, 200)
    merges = client.get(f"/v1/contacts/{primary['id']}/merges", headers=workspace.headers).json()["items"]
    assert [m["secondary_display_name"] for m in merges] == ["psid-3001"]


def test_two_nameless_channel_contacts_can_be_merged(client, workspace, channel) -> None:
    a, b = (
        nameless(client, workspace, channel, "psid-4001"),
        nameless(client, workspace, channel, "psid-4002"),
    )
    merged = post(
        client, workspace, "/v1/contacts/merge", {"primary_id": a["id"], "secondary_id": b["id"]}, 200
    )
    assert merged["contact"]["display_name"] == "psid-4001"
    assert {c["external_id"] for c in merged["contact"]["channels"]} == {"psid-4001", "psid-4002"}


def test_bulk_tags_refuses_more_than_50_tags(client, workspace) -> None:
    contact = post(client, workspace, "/v1/contacts", {"first_name": "Tag"}, 201)
    body = {"selection": {"ids": [contact["id"]]}, "tags": [f"t{i}" for i in range(51)]}
    response = client.post("/v1/contacts/bulk-tags", headers=workspace.headers, json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["tags"]
    assert client.get(f"/v1/contacts/{contact['id']}", headers=workspace.headers).json()["tags"] == []


def test_an_all_matching_job_says_its_total_in_the_202(client, workspace, sync_index) -> None:
    for i in range(3):
        post(client, workspace, "/v1/contacts", {"first_name": "Quirinus", "last_name": f"Q{i}"}, 201)
    post(client, workspace, "/v1/contacts", {"first_name": "Other"}, 201)
    sync_index()
    selection = {"all_matching": {"query": "quirinus"}}
    job = post(client, workspace, "/v1/contacts/bulk-tags", {"selection": selection, "tags": ["q"]}, 202)
    assert job["total"] == 3
    export = post(client, workspace, "/v1/exports", {"selection": selection}, 202)
    assert client.get(f"/v1/exports/{export['id']}", headers=workspace.headers).json()["total"] == 3


@pytest.mark.parametrize(
    ("later_choice", "expected"),
    [
        # The later merge chose the primary's (then empty) value: undoing the earlier merge leaves it empty.
        ("primary", None),
        # The later merge chose its secondary's value: it stays.
        ("secondary", "cy@c.com"),
        # No choice: the default rule fills the empty value from the later secondary.
        (None, "cy@c.com"),
    ],
)
def test_unmerge_honours_the_choices_later_merges_made(client, workspace, later_choice, expected) -> None:
    primary = post(client, workspace, "/v1/contacts", {"first_name": "Pat"}, 201)
    b = post(client, workspace, "/v1/contacts", {"first_name": "Bea", "email": "bea@b.com"}, 201)
    c = post(client, workspace, "/v1/contacts", {"first_name": "Cy", "email": "cy@c.com"}, 201)
    first = post(
        client, workspace, "/v1/contacts/merge", {"primary_id": primary["id"], "secondary_id": b["id"]}, 200
    )
    assert first["contact"]["email"] == "bea@b.com"
    choose = {"email": later_choice} if later_choice else {}
    body = {"primary_id": primary["id"], "secondary_id": c["id"], "choose": choose}
    second = post(client, workspace, "/v1/contacts/merge", body, 200)
    assert second["contact"]["email"] == ("cy@c.com" if later_choice == "secondary" else "bea@b.com")
    undone = post(
        client, workspace, f"/v1/contacts/{primary['id']}/unmerge", {"merge_id": first["merge_id"]}, 200
    )
    assert undone["contact"]["email"] == expected
    # Undoing the second merge too ends where no merge happened.
    final = post(
        client, workspace, f"/v1/contacts/{primary['id']}/unmerge", {"merge_id": second["merge_id"]}, 200
    )
    assert final["contact"]["email"] is None
