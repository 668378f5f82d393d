"""An id of another workspace answers exactly like an id that does not exist (404), and the other
workspace is left unchanged."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.integration.records_support import build_world, needed, snapshot

# (method, path template, body): every endpoint that takes an id in its path.
ID_ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/v1/contacts/{contact}", None),
    ("PATCH", "/v1/contacts/{contact}", {"first_name": "Hijacked"}),
    ("DELETE", "/v1/contacts/{contact}", None),
    ("POST", "/v1/contacts/{contact}/messages", {"channel_id": "{own_channel}", "text": "hi"}),
    ("GET", "/v1/contacts/{contact}/messages", None),
    ("POST", "/v1/contacts/{contact}/conversation", {"status": "open"}),
    ("GET", "/v1/contacts/{contact}/events", None),
    ("POST", "/v1/contacts/{contact}/comments", {"text": "hi"}),
    ("GET", "/v1/contacts/{contact}/comments", None),
    ("GET", "/v1/channels/{channel}", None),
    ("POST", "/v1/channels/{channel}/inbound", {"external_id": "60123456789", "text": "hi"}),
    ("GET", "/v1/users/{user}", None),
    ("PATCH", "/v1/users/{user}", {"role": "agent"}),
    ("POST", "/v1/users/{user}/tokens", None),
    ("DELETE", "/v1/users/{user}/tokens", None),
    ("GET", "/v1/contact-fields/{field}", None),
    ("PATCH", "/v1/contact-fields/{field}", {"label": "Hijacked"}),
    ("DELETE", "/v1/contact-fields/{field}", None),
    ("GET", "/v1/jobs/{job}", None),
    ("GET", "/v1/views/{view}", None),
    ("PATCH", "/v1/views/{view}", {"name": "Hijacked"}),
    ("DELETE", "/v1/views/{view}", None),
    ("GET", "/v1/exports/{export}", None),
    ("GET", "/v1/imports/{import}", None),
    ("GET", "/v1/contacts/merge-preview?primary_id={own_contact}&secondary_id={contact}", None),
    ("POST", "/v1/contacts/merge", {"primary_id": "{own_contact}", "secondary_id": "{contact}"}),
    ("GET", "/v1/contacts/{contact}/merges", None),
    ("POST", "/v1/contacts/{contact}/unmerge", {"merge_id": "{merge}"}),
]


def fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize(
    ("method", "path", "body"), ID_ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in ID_ENDPOINTS]
)
def test_another_workspaces_id_is_not_found_and_untouched(
    client, make_workspace, session_factory, method: str, path: str, body: dict[str, Any] | None
) -> None:
    mine = build_world(client, make_workspace)
    theirs = build_world(client, make_workspace, needs=needed(path, body))
    # The field key exists in both workspaces ("plan"): the key must resolve inside the caller's
    # workspace, so for fields the victim gets a key only it has.
    client.post(
        "/v1/contact-fields",
        headers=theirs.headers(),
        json={"key": "secret_score", "label": "Score", "type": "number"},
    )
    foreign = {
        "contact": theirs.contact_id,
        "channel": theirs.channel_id,
        "user": theirs.user_ids["manager"],
        "field": "secret_score",
        "job": theirs.job_id or "",
        "own_channel": mine.channel_id,
        "own_contact": mine.contact_id,
        **theirs.extra,
    }
    missing = {
        "contact": str(uuid.uuid4()),
        "channel": str(uuid.uuid4()),
        "user": str(uuid.uuid4()),
        "field": "no_such_field",
        "job": str(uuid.uuid4()),
        "own_channel": mine.channel_id,
        "own_contact": mine.contact_id,
        **{name: str(uuid.uuid4()) for name in theirs.extra},
    }
    before = snapshot(session_factory, theirs.workspace_id)
    kwargs: dict[str, Any] = {"headers": mine.headers("owner")}
    if body is not None:
        kwargs["json"] = fill(body, foreign)
    response = client.request(method, fill(path, foreign), **kwargs)
    if body is not None:
        kwargs["json"] = fill(body, missing)
    absent = client.request(method, fill(path, missing), **kwargs)
    assert response.status_code == 404, response.text
    assert absent.status_code == 404, absent.text
    assert response.headers["content-type"] == absent.headers["content-type"] == "application/problem+json"
    assert response.json() == absent.json()
    assert snapshot(session_factory, theirs.workspace_id) == before


def test_a_malformed_id_is_just_not_found(client, workspace) -> None:
    for path in ("/v1/contacts/not-a-uuid", "/v1/channels/42", "/v1/users/x", "/v1/contacts/1/messages"):
        response = client.get(path, headers=workspace.headers)
        assert response.status_code == 404, path


def test_a_body_reference_to_another_workspace_is_refused(client, make_workspace) -> None:
    mine, theirs = build_world(client, make_workspace), build_world(client, make_workspace)
    assign = client.patch(
        f"/v1/contacts/{mine.contact_id}",
        headers=mine.headers(),
        json={"assignee_id": theirs.user_ids["manager"]},
    )
    assert assign.status_code == 422
    assert assign.json()["errors"][0]["loc"] == ["assignee_id"]
    send = client.post(
        f"/v1/contacts/{mine.contact_id}/messages",
        headers=mine.headers(),
        json={"channel_id": theirs.channel_id, "text": "hi"},
    )
    assert send.status_code == 422
    assert send.json()["errors"][0]["loc"] == ["channel_id"]


def test_lists_only_show_the_callers_workspace(client, make_workspace) -> None:
    mine, theirs = build_world(client, make_workspace), build_world(client, make_workspace)
    users = client.get("/v1/users", headers=mine.headers()).json()["items"]
    assert {u["id"] for u in users} == {mine.user_ids[r] for r in ("owner", "manager", "restricted", "agent")}
    channels = client.get("/v1/channels", headers=mine.headers()).json()["items"]
    assert [c["id"] for c in channels] == [mine.channel_id]
    assert theirs.channel_id not in {c["id"] for c in channels}
