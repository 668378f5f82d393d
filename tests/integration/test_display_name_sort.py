"""The table sorts by the name the user sees, including the external-id fallback of channel contacts."""

from __future__ import annotations

from typing import Any


def test_a_nameless_channel_contact_sorts_by_its_external_id(
    client: Any, workspace: Any, sync_index: Any
) -> None:
    channel = client.post(
        "/v1/channels", headers=workspace.headers, json={"name": "Msgr", "type": "messenger"}
    )
    assert channel.status_code == 201, channel.text
    for name in ("Aaron", "Zed"):
        assert (
            client.post("/v1/contacts", headers=workspace.headers, json={"first_name": name}).status_code
            == 201
        )
    inbound = client.post(
        f"/v1/channels/{channel.json()['id']}/inbound",
        headers=workspace.headers,
        json={"external_id": "psid-4242", "profile": {}, "text": "hi"},
    )
    assert inbound.status_code == 200, inbound.text
    sync_index()
    for order, expected in (("asc", ["Aaron", "psid-4242", "Zed"]), ("desc", ["Zed", "psid-4242", "Aaron"])):
        page = client.post(
            "/v1/contacts/search",
            headers=workspace.headers,
            json={"sort": [{"field": "display_name", "order": order}]},
        )
        assert page.status_code == 200, page.text
        assert [c["display_name"] for c in page.json()["items"]] == expected
