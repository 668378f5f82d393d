"""The README's "Try it" requests, run as written: a user copying them must get what they promise."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import ADMIN_KEY

README = Path(__file__).resolve().parents[2] / "README.md"


def _bodies() -> list[dict[str, object]]:
    """The JSON bodies of the README's curl examples (-d '...'), in order."""
    return [json.loads(raw) for raw in re.findall(r"-d '(\{.*?\})'", README.read_text())]


def test_the_readme_quick_start_works_as_written(client, sync_index) -> None:
    workspace_body, contact_body, search_body = _bodies()
    created = client.post("/v1/workspaces", headers={"X-Admin-Key": ADMIN_KEY}, json=workspace_body)
    assert created.status_code == 201, created.text
    headers = {"Authorization": f"Bearer {created.json()['token']}"}
    contact = client.post("/v1/contacts", headers=headers, json=contact_body)
    assert contact.status_code == 201, contact.text
    sync_index()
    found = client.post("/v1/contacts/search", headers=headers, json=search_body)
    assert found.status_code == 200, found.text
    assert [c["id"] for c in found.json()["items"]] == [contact.json()["id"]]
