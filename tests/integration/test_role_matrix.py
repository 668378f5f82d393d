"""Every endpoint against owner, manager, restricted manager, agent, no token and a wrong token.

The contacts module is for owners and managers (agents get 403); user administration and the sync
status are for owners; a manager restricted from bulk delete gets 403 there; no or a wrong token is
always 401. Revoking one's own token is open to every signed-in user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from tests.integration.records_support import ROLES, build_world, import_form, needed


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    ok: int
    body: dict[str, Any] | None = None
    access: str = "module"  # module | owner | any
    restriction: str | None = None
    multipart: bool = False

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


ENDPOINTS = [
    Endpoint("GET", "/v1/contacts", 200),
    Endpoint("POST", "/v1/contacts", 201, {"first_name": "New"}),
    Endpoint("GET", "/v1/contacts/{contact}", 200),
    Endpoint("PATCH", "/v1/contacts/{contact}", 200, {"last_name": "Changed"}),
    Endpoint("DELETE", "/v1/contacts/{contact}", 204),
    Endpoint("POST", "/v1/contacts/search", 200, {"query": "mei"}),
    Endpoint("POST", "/v1/contacts/aggregate", 200, {"query": "mei", "facets": [{"field": "tags"}]}),
    Endpoint("POST", "/v1/contacts/bulk-tags", 202, {"selection": {"ids": ["{contact}"]}, "tags": ["x"]}),
    Endpoint(
        "POST",
        "/v1/contacts/bulk-delete",
        202,
        {"selection": {"ids": ["{contact}"]}, "confirm": True},
        restriction="bulk_delete_contacts",
    ),
    Endpoint("GET", "/v1/jobs", 200, access="owner"),
    Endpoint("GET", "/v1/jobs/{job}", 200),
    Endpoint("POST", "/v1/jobs/{job}/cancel", 200),
    Endpoint("POST", "/v1/channels", 201, {"name": "TG", "type": "telegram"}),
    Endpoint("GET", "/v1/channels", 200),
    Endpoint("GET", "/v1/channels/{channel}", 200),
    Endpoint("POST", "/v1/channels/{channel}/inbound", 200, {"external_id": "60123456789", "text": "hi"}),
    Endpoint("POST", "/v1/contacts/{contact}/messages", 201, {"channel_id": "{channel}", "text": "hi"}),
    Endpoint("GET", "/v1/contacts/{contact}/messages", 200),
    Endpoint("POST", "/v1/contacts/{contact}/conversation", 200, {"status": "open"}),
    Endpoint("GET", "/v1/contacts/{contact}/events", 200),
    Endpoint("POST", "/v1/contacts/{contact}/comments", 201, {"text": "a note"}),
    Endpoint("GET", "/v1/contacts/{contact}/comments", 200),
    Endpoint("GET", "/v1/contact-fields", 200),
    Endpoint("POST", "/v1/contact-fields", 201, {"key": "seats", "label": "Seats", "type": "number"}),
    Endpoint("GET", "/v1/contact-fields/{field}", 200),
    Endpoint("PATCH", "/v1/contact-fields/{field}", 200, {"label": "Plan name"}),
    Endpoint("DELETE", "/v1/contact-fields/{field}", 204),
    Endpoint("GET", "/v1/fields", 200),
    Endpoint("GET", "/v1/users", 200),
    Endpoint("GET", "/v1/users/{owner}", 200),
    Endpoint(
        "POST",
        "/v1/users",
        201,
        {"email": "new-{unique}@example.com", "name": "New", "role": "agent"},
        access="owner",
    ),
    Endpoint("PATCH", "/v1/users/{agent}", 200, {"role": "agent"}, access="owner"),
    Endpoint("POST", "/v1/users/{agent}/tokens", 201, access="owner"),
    Endpoint("DELETE", "/v1/users/{agent}/tokens", 204, access="owner"),
    Endpoint("GET", "/v1/views", 200),
    Endpoint("POST", "/v1/views", 201, {"name": "Mine", "visibility": "private"}),
    Endpoint("GET", "/v1/views/{view}", 200),
    # A saved view is changed only by its creator or a workspace owner; here the owner created it.
    Endpoint("PATCH", "/v1/views/{view}", 200, {"name": "Renamed"}, access="owner"),
    Endpoint("DELETE", "/v1/views/{view}", 204, access="owner"),
    Endpoint("GET", "/v1/me/columns", 200),
    Endpoint("PUT", "/v1/me/columns", 200, {"columns": ["display_name", "email"]}),
    Endpoint(
        "POST", "/v1/exports", 202, {"selection": {"ids": ["{contact}"]}}, restriction="export_contacts"
    ),
    Endpoint("GET", "/v1/exports/{export}", 200, restriction="export_contacts"),
    Endpoint("POST", "/v1/exports/{export}/cancel", 200, restriction="export_contacts"),
    Endpoint("POST", "/v1/imports", 202, multipart=True),
    Endpoint("GET", "/v1/imports/{import}", 200),
    Endpoint("POST", "/v1/imports/preview", 200, multipart=True),
    Endpoint("GET", "/v1/workspaces/current", 200, access="any"),
    Endpoint("PATCH", "/v1/workspaces/current", 200, {"default_country": "MY"}, access="owner"),
    Endpoint("POST", "/v1/imports/{import}/cancel", 200),
    Endpoint("GET", "/v1/contacts/merge-preview?primary_id={contact}&secondary_id={second}", 200),
    Endpoint("POST", "/v1/contacts/merge", 200, {"primary_id": "{contact}", "secondary_id": "{second}"}),
    Endpoint("GET", "/v1/contacts/{contact}/merges", 200),
    Endpoint("POST", "/v1/contacts/{contact}/unmerge", 200, {"merge_id": "{merge}"}),
    Endpoint("GET", "/v1/ops/sync", 200, access="owner"),
    Endpoint("GET", "/v1/ops/sync/parked", 200, access="owner"),
    Endpoint("POST", "/v1/ops/sync/parked/retry", 200, access="owner"),
    Endpoint("DELETE", "/v1/tokens/current", 204, access="any"),
    Endpoint("POST", "/v1/sign-in-links", 201, {"user_id": "{agent}"}, access="owner"),
    Endpoint("GET", "/v1/me", 200, access="any"),
    Endpoint("DELETE", "/v1/sessions/current", 204, access="any"),
]


def expected_status(endpoint: Endpoint, role: str) -> int:
    if role in ("none", "bad"):
        return 401
    if endpoint.access == "any":
        return endpoint.ok
    if endpoint.access == "owner":
        return endpoint.ok if role == "owner" else 403
    if role == "agent":
        return 403
    if role == "restricted" and endpoint.restriction is not None:
        return 403
    return endpoint.ok


def fill_body(value: Any, world: Any) -> Any:
    if isinstance(value, str):
        return world.fill(value)
    if isinstance(value, list):
        return [fill_body(v, world) for v in value]
    if isinstance(value, dict):
        return {k: fill_body(v, world) for k, v in value.items()}
    return value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_role_matrix(client, make_workspace, endpoint: Endpoint, role: str) -> None:
    world = build_world(client, make_workspace, needs=needed(endpoint.path, endpoint.body))
    kwargs: dict[str, Any] = {"headers": world.headers(role)}
    if endpoint.body is not None:
        kwargs["json"] = fill_body(endpoint.body, world)
    if endpoint.multipart:
        kwargs.update(import_form())
    response = client.request(endpoint.method, world.fill(endpoint.path), **kwargs)
    assert response.status_code == expected_status(endpoint, role), response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"


def test_every_api_route_is_in_the_matrix(app) -> None:
    """A new endpoint must declare who may call it here; the ops probes are public by design, and
    signing in (POST /v1/sessions) is what a caller without credentials does."""
    public = {"/healthz", "/readyz", "/metrics", "/v1/workspaces", "/v1/sessions"}
    # File downloads answer only once their job finished; their access rule is the parent's.
    downloads = {"/v1/exports/{export_id}/download", "/v1/imports/{import_id}/errors"}
    listed = {(e.method, normalise(e.path)) for e in ENDPOINTS}
    # From the OpenAPI document: this FastAPI nests included routers, so app.routes is not flat.
    paths = app.openapi()["paths"]
    routes = {
        (method.upper(), normalise(path))
        for path, operations in paths.items()
        if path.startswith(("/v1", "/healthz", "/readyz", "/metrics")) and path not in public | downloads
        for method in operations
    }
    assert len(routes) > 40  # the document really lists the API
    assert routes - listed == set()


def normalise(path: str) -> str:
    """'/v1/contacts/{contact}?x=1' and '/v1/contacts/{contact_id}' -> '/v1/contacts/{}'."""
    return re.sub(r"\{[^}]*\}", "{}", path.split("?", 1)[0])


def test_a_revoked_token_stops_working(client, make_workspace) -> None:
    world = build_world(client, make_workspace)
    headers = world.headers("manager")
    assert client.get("/v1/channels", headers=headers).status_code == 200
    assert client.delete("/v1/tokens/current", headers=headers).status_code == 204
    assert client.get("/v1/channels", headers=headers).status_code == 401
    # The owner's own token is unaffected.
    assert client.get("/v1/channels", headers=world.headers("owner")).status_code == 200
