"""What every request goes through: NUL refused everywhere, JSON bodies capped in size and depth,
security headers, CORS, 405 with the full Allow, and the OpenAPI document's error statuses."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

from api_service.inputs import MAX_JSON_DEPTH, json_depth, refuse_nul
from api_service.openapi import api_routes
from tests.conftest import ADMIN_KEY

PROBLEM = "application/problem+json"
NUL = "\u0000"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def new_contact(client: Any, ws: Any) -> str:
    response = client.post("/v1/contacts", headers=ws.headers, json={"first_name": "Nul"})
    assert response.status_code == 201, response.text
    contact_id: str = response.json()["id"]
    return contact_id


# --------------------------------------------------------------------------- NUL


def test_every_route_runs_the_nul_guard(app: Any) -> None:
    """The guard is app-wide: a route added later cannot forget it."""
    routes = api_routes(app)
    assert len(routes) > 40
    for route in routes:
        calls = [d.call for d in route.dependant.dependencies]
        assert refuse_nul in calls, f"{route.methods} {route.path_format} skips refuse_nul"


def test_nul_in_any_body_string_is_a_422_naming_it(client, workspace) -> None:
    contact = new_contact(client, workspace)
    view = client.post("/v1/views", headers=workspace.headers, json={"name": "v", "visibility": "private"})
    assert view.status_code == 201
    ids = {"ids": [contact]}
    cases: list[tuple[str, str, dict[str, Any], list[Any]]] = [
        ("POST", "/v1/contacts/bulk-tags", {"selection": ids, "tags": [f"v{NUL}ip"]}, ["tags", 0]),
        ("POST", "/v1/views", {"name": f"a{NUL}", "visibility": "private"}, ["name"]),
        ("POST", "/v1/views", {"name": "a", "query": NUL, "visibility": "private"}, ["query"]),
        (
            "POST",
            "/v1/views",
            {
                "name": "a",
                "visibility": "private",
                "filter": {"and": [{"field": "first_name", "op": "eq", "value": NUL}]},
            },
            ["filter", "and", 0, "value"],
        ),
        ("PATCH", f"/v1/views/{view.json()['id']}", {"name": f"b{NUL}"}, ["name"]),
        (
            "POST",
            "/v1/exports",
            {"selection": {"all_matching": {"query": f"x{NUL}"}}},
            ["selection", "all_matching", "query"],
        ),
        (
            "POST",
            "/v1/contacts/bulk-delete",
            {"selection": {"all_matching": {"query": NUL}}, "confirm": True},
            ["selection", "all_matching", "query"],
        ),
        (
            "PATCH",
            f"/v1/contacts/{contact}",
            {"custom_fields": {f"k{NUL}": 1}},
            ["custom_fields", "k\\u0000"],
        ),
        ("POST", "/v1/contacts/search", {"query": f"{NUL}"}, ["query"]),
    ]
    for method, path, body, loc in cases:
        problem = assert_problem(client.request(method, path, headers=workspace.headers, json=body), 422)
        assert problem["errors"][0]["loc"] == loc, (path, problem)
        assert "NUL" in problem["detail"]
    # Nothing was written: the contact still has no tags, the view kept its name.
    assert client.get(f"/v1/contacts/{contact}", headers=workspace.headers).json()["tags"] == []
    assert client.get(f"/v1/views/{view.json()['id']}", headers=workspace.headers).json()["name"] == "v"


def test_nul_in_a_workspace_name_is_a_422(client) -> None:
    body = {"name": f"Acme{NUL}", "owner": {"email": "nul@example.com", "name": "N"}}
    problem = assert_problem(
        client.post("/v1/workspaces", headers={"X-Admin-Key": ADMIN_KEY}, json=body), 422
    )
    assert problem["errors"][0]["loc"] == ["name"]


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_nul_in_a_path_parameter_is_a_422(client, workspace, method) -> None:
    body = {"label": "x"} if method == "PATCH" else None
    response = client.request(method, "/v1/contact-fields/a%00b", headers=workspace.headers, json=body)
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["path", "key"]


def test_nul_in_a_query_parameter_is_a_422(client, workspace) -> None:
    response = client.get("/v1/contacts?q=a%00b", headers=workspace.headers)
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["query", "q"]
    response = client.get("/v1/contacts?x%00=1", headers=workspace.headers)
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["query", "x\\u0000"]


def test_nul_in_an_import_form_field_is_a_422(client, workspace) -> None:
    response = client.post(
        "/v1/imports",
        headers=workspace.headers,
        files={"file": ("c.csv", b"Name\nAna\n", "text/csv")},
        data={"mapping": '{"Name": "first' + NUL + 'name"}'},  # a raw NUL in the form field
    )
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["mapping"]


# --------------------------------------------------------------------------- size and depth


def test_a_json_body_over_1_mib_is_a_413(client, workspace) -> None:
    big = json.dumps({"first_name": "x" * (1024 * 1024)})
    response = client.post(
        "/v1/contacts", headers={**workspace.headers, "Content-Type": "application/json"}, content=big
    )
    assert "1048576 bytes" in assert_problem(response, 413)["detail"]


def test_a_streamed_body_over_1_mib_is_a_413(client, workspace) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"first_name": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}'

    response = client.post(
        "/v1/contacts", headers={**workspace.headers, "Content-Type": "application/json"}, content=chunks()
    )
    assert_problem(response, 413)


def test_a_body_just_under_the_cap_is_read(client, workspace) -> None:
    # 1 MiB minus a little: the cap lets it through and the field's own limit answers.
    body = json.dumps({"first_name": "x" * (1024 * 1024 - 100)})
    response = client.post(
        "/v1/contacts", headers={**workspace.headers, "Content-Type": "application/json"}, content=body
    )
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["first_name"]


def nested_filter(depth: int) -> str:
    """{"filter": {"and": [{"and": [... a condition ...]}]}} as JSON text (too deep for json.dumps)."""
    condition = '{"field": "first_name", "op": "eq", "value": "a"}'
    return '{"filter": ' + '{"and": [' * depth + condition + "]}" * depth + "}"


def test_a_filter_nested_1000_deep_is_a_422_naming_the_depth(client, workspace) -> None:
    headers = {**workspace.headers, "Content-Type": "application/json"}
    response = client.post("/v1/contacts/search", headers=headers, content=nested_filter(1000))
    problem = assert_problem(response, 422)
    # 1 (body) + 2 per group + 1 (the condition)
    assert "2002 levels deep" in problem["detail"] and f"at most {MAX_JSON_DEPTH}" in problem["detail"]
    # Within the JSON depth but past the filter's own limit: the filter parser names the node.
    response = client.post("/v1/contacts/search", headers=headers, content=nested_filter(6))
    assert "nest at most 5 deep" in assert_problem(response, 422)["detail"]


def test_json_depth_skips_brackets_inside_strings() -> None:
    assert json_depth(b'{"a": "[[[[{{{{", "b": [1, [2]]}') == 3
    assert json_depth(b'"\\"[[["') == 0
    assert json_depth(b"[]") == 1


# --------------------------------------------------------------------------- headers, CORS, 405


def test_api_answers_carry_security_headers(client, workspace) -> None:
    for response in (
        client.get("/healthz"),
        client.get("/v1/contacts", headers=workspace.headers),
        client.get("/v1/contacts/nope", headers=workspace.headers),
        client.post("/v1/contacts", headers={"Content-Type": "application/json"}, content="x" * (2 << 20)),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"


def test_web_pages_get_a_content_security_policy_and_frame_protection(settings) -> None:
    from api_service.main import create_app

    app = create_app(settings)

    @app.get("/page", response_class=HTMLResponse, include_in_schema=False)
    def page() -> str:
        return "<html></html>"

    with TestClient(app) as local:
        response = local.get("/page")
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert response.headers["x-frame-options"] == "DENY"
        docs = local.get("/docs")
        assert docs.status_code == 200
        assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]


def test_cors_is_denied_by_default_and_allowed_for_listed_origins(client, settings) -> None:
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    response = client.options("/v1/contacts", headers=preflight)
    assert "access-control-allow-origin" not in response.headers
    assert (
        "access-control-allow-origin"
        not in client.get("/healthz", headers={"Origin": "https://evil.example"}).headers
    )

    from api_service.main import create_app

    allowed = settings.model_copy(update={"cors_allow_origins": ["https://app.example.com"]})
    with TestClient(create_app(allowed)) as local:
        ok = local.options(
            "/v1/contacts",
            headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"},
        )
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == "https://app.example.com"
        refused = local.options("/v1/contacts", headers=preflight)
        assert "access-control-allow-origin" not in refused.headers


def test_405_lists_every_method_of_the_path(client, workspace) -> None:
    response = client.put("/v1/contacts", headers=workspace.headers)
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET, POST"
    response = client.post(f"/v1/views/{uuid.uuid4()}", headers=workspace.headers)
    assert response.headers["allow"] == "DELETE, GET, PATCH"
    response = client.delete("/v1/me/columns", headers=workspace.headers)
    assert response.headers["allow"] == "GET, PUT"
    # A static path is its own resource, not an id of the templated path beside it.
    response = client.put("/v1/contacts/search", headers=workspace.headers)
    assert response.headers["allow"] == "POST"


# --------------------------------------------------------------------------- OpenAPI


def test_openapi_documents_every_error_status_as_problem_json(client) -> None:
    doc = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in json.dumps(doc)
    assert doc["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status", "detail"]
    operations = [(path, method, op) for path, item in doc["paths"].items() for method, op in item.items()]
    assert len(operations) > 40
    for path, method, op in operations:
        responses = op["responses"]
        errors = {code for code in responses if code[0] in "45"}
        assert {"422", "429"} <= errors, (method, path)
        for code in errors:
            assert responses[code]["content"] == {
                PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}
            }
        if "{" in path:
            assert "404" in errors, (method, path)
        if (method, path) == ("post", "/v1/sessions"):  # signing in needs no credential, may refuse one
            assert "401" in errors and "security" not in op
        elif path not in ("/healthz", "/readyz", "/metrics"):
            assert "401" in errors and "security" in op, (method, path)
        if "requestBody" in op:
            assert {"400", "413"} <= errors, (method, path)
            content = op["requestBody"]["content"]
            if "application/json" in content:
                schema = content["application/json"]["schema"]
                name = schema["$ref"].rsplit("/", 1)[1]
                assert doc["components"]["schemas"][name].get("examples"), f"{method} {path}: no example"
    assert (
        "text/csv" in doc["paths"]["/v1/exports/{export_id}/download"]["get"]["responses"]["200"]["content"]
    )
    created = doc["paths"]["/v1/contacts"]["post"]["responses"]["201"]["links"]
    assert created["get_contact_v1_contacts__contact_id__get"]["parameters"] == {
        "contact_id": "$response.body#/id"
    }
    search = doc["paths"]["/v1/contacts/search"]["post"]
    assert search["security"] == [{"bearerToken": []}]
    assert all(p["name"].lower() != "authorization" for p in search.get("parameters", []))
