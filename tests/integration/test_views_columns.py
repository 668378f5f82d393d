"""Views (built-in and saved, visibility, editing rights, ANDed filters) and per-user columns."""

from __future__ import annotations

from typing import Any

from tests.factories import add_field, invite_user, new_contact
from tests.integration.search_support import search_ids


def new_view(client: Any, ws: Any, **body: Any) -> dict[str, Any]:
    body.setdefault("visibility", "private")
    body.setdefault("name", "My view")
    response = client.post("/v1/views", headers=ws.headers, json=body)
    assert response.status_code == 201, response.text
    view: dict[str, Any] = response.json()
    return view


def test_built_in_views_come_first_and_select_mine_and_unassigned(client, workspace, sync_index) -> None:
    manager = invite_user(client, workspace)
    mine = new_contact(client, workspace, first_name="Mine", assignee_id=workspace.owner_id)
    theirs = new_contact(client, workspace, first_name="Theirs", assignee_id=manager.id)
    nobody = new_contact(client, workspace, first_name="Nobody")
    saved = new_view(client, workspace, name="VIPs")
    sync_index()
    listed = client.get("/v1/views", headers=workspace.headers).json()["items"]
    assert [v["id"] for v in listed] == ["all", "mine", "unassigned", saved["id"]]
    assert search_ids(client, workspace, view_id="all") == {mine["id"], theirs["id"], nobody["id"]}
    assert search_ids(client, workspace, view_id="mine") == {mine["id"]}
    assert search_ids(client, manager, view_id="mine") == {theirs["id"]}
    assert search_ids(client, workspace, view_id="unassigned") == {nobody["id"]}
    listed = client.get("/v1/contacts", headers=workspace.headers, params={"view_id": "unassigned"}).json()
    assert [c["id"] for c in listed["items"]] == [nobody["id"]]


def test_a_views_filter_and_query_are_anded_with_the_request(client, workspace, sync_index) -> None:
    vip_my = new_contact(client, workspace, first_name="Ana", country="MY", tags=["VIP"])
    new_contact(client, workspace, first_name="Ana", country="SG", tags=["vip"])
    vip_my_bob = new_contact(client, workspace, first_name="Bob", country="MY", tags=["vip"])
    new_contact(client, workspace, first_name="Cid", country="MY")
    view = new_view(
        client,
        workspace,
        filter={"and": [{"field": "tags", "op": "has_any", "value": ["vip"]}]},
        sort=[{"field": "first_name", "order": "desc"}],
    )
    sync_index()
    mine = {"field": "country", "op": "eq", "value": "MY"}
    found = client.post(
        "/v1/contacts/search", headers=workspace.headers, json={"view_id": view["id"], "filter": mine}
    ).json()
    # The view's sort applies when the request gives none.
    assert [c["id"] for c in found["items"]] == [vip_my_bob["id"], vip_my["id"]]
    assert search_ids(client, workspace, view_id=view["id"], filter=mine, query="ana") == {vip_my["id"]}
    queried = new_view(client, workspace, name="Bobs", query="bob", visibility="workspace")
    assert search_ids(client, workspace, view_id=queried["id"], filter=mine) == {vip_my_bob["id"]}


def test_private_views_are_visible_only_to_their_owner(client, make_workspace) -> None:
    ws, other_ws = make_workspace(), make_workspace()
    manager = invite_user(client, ws)
    private = new_view(client, ws, name="Mine only", visibility="private")
    shared = new_view(client, ws, name="Team", visibility="workspace")
    seen = [v["id"] for v in client.get("/v1/views", headers=manager.headers).json()["items"]]
    assert shared["id"] in seen and private["id"] not in seen
    for who in (manager, other_ws):
        assert client.get(f"/v1/views/{private['id']}", headers=who.headers).status_code == 404
        response = client.post("/v1/contacts/search", headers=who.headers, json={"view_id": private["id"]})
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
    assert client.get(f"/v1/views/{shared['id']}", headers=other_ws.headers).status_code == 404
    assert client.get(f"/v1/views/{shared['id']}", headers=manager.headers).json()["name"] == "Team"
    assert client.post("/v1/contacts/search", headers=ws.headers, json={"view_id": "nope"}).status_code == 404


def test_workspace_views_are_changed_by_their_owner_or_a_workspace_owner(client, workspace) -> None:
    manager, other_manager = invite_user(client, workspace), invite_user(client, workspace)
    view = new_view(client, manager, name="Team", visibility="workspace")
    url = f"/v1/views/{view['id']}"
    denied = client.patch(url, headers=other_manager.headers, json={"name": "Hijacked"})
    assert denied.status_code == 403
    assert client.delete(url, headers=other_manager.headers).status_code == 403
    renamed = client.patch(url, headers=manager.headers, json={"name": "Team A"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Team A"
    by_owner = client.patch(url, headers=workspace.headers, json={"query": "acme"})
    assert by_owner.json()["query"] == "acme" and by_owner.json()["name"] == "Team A"
    assert client.patch("/v1/views/mine", headers=workspace.headers, json={"name": "x"}).status_code == 403
    assert client.delete(url, headers=workspace.headers).status_code == 204
    assert client.get(url, headers=manager.headers).status_code == 404


def test_views_are_validated_when_saved(client, workspace) -> None:
    bad_filter = {"and": [{"field": "tags", "op": "has_any", "value": ["a"]}, {"or": [{"field": "nope"}]}]}
    response = client.post(
        "/v1/views",
        headers=workspace.headers,
        json={"name": "x", "visibility": "private", "filter": bad_filter},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["filter", "and", 1, "or", 0, "field"]
    bad_sort = {"name": "x", "visibility": "private", "sort": [{"field": "custom.nope", "order": "asc"}]}
    response = client.post("/v1/views", headers=workspace.headers, json=bad_sort)
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["sort"]
    extra = client.post(
        "/v1/views", headers=workspace.headers, json={"name": "x", "visibility": "private", "id": "1"}
    )
    assert extra.status_code == 422
    view = new_view(client, workspace)
    patched = client.patch(
        f"/v1/views/{view['id']}",
        headers=workspace.headers,
        json={"filter": {"or": [{"field": "country", "op": "gt"}]}},
    )
    assert patched.status_code == 422
    assert patched.json()["errors"][0]["loc"] == ["filter", "or", 0, "op"]
    assert client.get(f"/v1/views/{view['id']}", headers=workspace.headers).json()["filter"] is None


def test_columns_default_then_saved_per_user(client, workspace, session_factory) -> None:
    manager = invite_user(client, workspace)
    add_field(session_factory, workspace, "plan", "select", ["basic", "pro"])
    default = client.get("/v1/me/columns", headers=workspace.headers).json()
    assert default["columns"][0] == "display_name" and "email" in default["columns"]
    assert {"key": "custom.plan", "label": "Plan"} in default["available"]
    chosen = ["display_name", "custom.plan", "tags"]
    saved = client.put("/v1/me/columns", headers=workspace.headers, json={"columns": chosen})
    assert saved.status_code == 200 and saved.json()["columns"] == chosen
    assert client.get("/v1/me/columns", headers=workspace.headers).json()["columns"] == chosen
    assert client.get("/v1/me/columns", headers=manager.headers).json()["columns"] == default["columns"]


def test_column_rules(client, workspace) -> None:
    def put(columns: Any) -> Any:
        return client.put("/v1/me/columns", headers=workspace.headers, json={"columns": columns})

    missing_name = put(["email", "phone"])
    assert missing_name.status_code == 422 and missing_name.json()["errors"][0]["loc"] == ["columns"]
    unknown = put(["display_name", "shoe_size"])
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["loc"] == ["columns", 1]
    unknown_custom = put(["display_name", "custom.nope"])
    assert unknown_custom.status_code == 422 and "custom field" in unknown_custom.json()["detail"]
    twice = put(["display_name", "email", "email"])
    assert twice.status_code == 422 and twice.json()["errors"][0]["loc"] == ["columns", 2]
    assert put([]).status_code == 422
    extra = client.put(
        "/v1/me/columns", headers=workspace.headers, json={"columns": ["display_name"], "x": 1}
    )
    assert extra.status_code == 422
    assert client.get("/v1/me/columns", headers=workspace.headers).json()["columns"][1] == "email"
