"""Every plain registry field (shared.fields.PLAIN), against the real stack: a column of the migrated
table as long as its row says, a property of the create, update and response schemas, written and
read back through the API, a key of the index document that filters and sorts find, an export
column, an import target, and a merge choice that unmerge restores.

Those layers build their plain fields from the registry (tests/unit/test_field_registry.py shows
that one more row reaches all of them); this shows that what they build works for the rows there.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import text

from shared.fields import PLAIN, FieldSpec
from shared.text import fold
from tests.factories import new_contact
from tests.integration.csv_jobs_support import parse_csv, run
from tests.integration.search_support import search

PLAIN_IDS = [spec.name for spec in PLAIN]


def post(client: Any, ws: Any, path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    response = client.post(path, headers=ws.headers, json=body)
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def patch(client: Any, ws: Any, contact_id: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    response = client.patch(f"/v1/contacts/{contact_id}", headers=ws.headers, json=body)
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def test_the_registry_has_plain_fields() -> None:
    """The tests below run once per plain field: there are some to run them for."""
    assert {"first_name", "last_name"} <= set(PLAIN_IDS)


@pytest.mark.parametrize("spec", PLAIN, ids=PLAIN_IDS)
def test_a_plain_field_is_a_column_and_in_every_contact_schema(
    spec: FieldSpec, client, session_factory
) -> None:
    with session_factory() as session:
        column = session.execute(
            text(
                "SELECT data_type, character_maximum_length, is_nullable FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = 'contacts' AND column_name = :name"
            ),
            {"name": spec.name},
        ).one_or_none()
    assert column is not None, f"the migrations give contacts no {spec.name} column"
    assert tuple(column) == ("character varying", spec.max_length, "YES")
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("ContactCreate", "ContactUpdate"):
        assert {"type": "string", "maxLength": spec.max_length} in schemas[name]["properties"][spec.name][
            "anyOf"
        ]
    assert spec.name in schemas["ContactOut"]["properties"] and spec.name in schemas["ContactOut"]["required"]


@pytest.mark.parametrize("spec", PLAIN, ids=PLAIN_IDS)
def test_a_plain_field_is_written_read_filtered_and_sorted(
    spec: FieldSpec, client, workspace, search_client, settings, sync_index
) -> None:
    name = spec.name
    zeta = new_contact(client, workspace, email="zeta@example.com", **{name: "  Zeta Ærø  "})
    assert zeta[name] == "Zeta Ærø"  # trimmed, otherwise as given
    alpha = new_contact(client, workspace, email="alpha@example.com", **{name: "Beta"})
    nobody = new_contact(client, workspace, email="nobody@example.com")
    assert nobody[name] is None
    too_long = post(client, workspace, "/v1/contacts", {name: "x" * (spec.max_length + 1)}, 422)
    assert too_long["errors"][0]["loc"] == [name]
    assert patch(client, workspace, alpha["id"], {name: "Alpha"})[name] == "Alpha"
    assert patch(client, workspace, nobody["id"], {name: "Gone"})[name] == "Gone"
    assert patch(client, workspace, nobody["id"], {name: ""})[name] is None  # blank clears
    got = client.get(f"/v1/contacts/{zeta['id']}", headers=workspace.headers).json()
    assert got[name] == "Zeta Ærø"

    sync_index()
    document = search_client.get(index=settings.index_alias, id=zeta["id"], routing=workspace.id)
    assert document["_source"][name] == fold("Zeta Ærø")
    found = search(client, workspace, filter={"field": name, "op": "eq", "value": "alpha"})
    assert [c["id"] for c in found["items"]] == [alpha["id"]]
    found = search(client, workspace, filter={"field": name, "op": "contains", "value": "aer"})
    assert [c["id"] for c in found["items"]] == [zeta["id"]]
    assert found["items"][0][name] == "Zeta Ærø"  # the table's card, from the index
    empty = search(client, workspace, filter={"field": name, "op": "not_exists"})
    assert [c["id"] for c in empty["items"]] == [nobody["id"]]
    for order, expected in (("asc", [alpha, zeta, nobody]), ("desc", [zeta, alpha, nobody])):
        page = search(client, workspace, sort=[{"field": name, "order": order}])
        assert [c["id"] for c in page["items"]] == [c["id"] for c in expected], order


@pytest.mark.parametrize("spec", PLAIN, ids=PLAIN_IDS)
def test_a_plain_field_is_exported_and_imported(
    spec: FieldSpec, client, workspace, session_factory, search_client, settings
) -> None:
    jobs = (session_factory, search_client, settings)
    name = spec.name
    one = new_contact(client, workspace, email="one@example.com", **{name: "Export, me"})
    started = post(
        client, workspace, "/v1/exports", {"selection": {"ids": [one["id"]]}, "columns": ["id", name]}, 202
    )
    assert run(started["id"], *jobs) == "succeeded"
    status = client.get(f"/v1/exports/{started['id']}", headers=workspace.headers).json()
    rows = parse_csv(client.get(status["download_url"], headers=workspace.headers).content)
    assert rows == [["ID", spec.label], [one["id"], "Export, me"]]

    content = (
        f"Email,{spec.label}\nnew@example.com,  Imported  \nlong@example.com,{'x' * (spec.max_length + 1)}\n"
    )
    response = client.post(
        "/v1/imports",
        headers=workspace.headers,
        files={"file": ("contacts.csv", content.encode(), "text/csv")},
        data={"mapping": json.dumps({"Email": "email", spec.label: name}), "on_duplicate": "skip"},
    )
    assert response.status_code == 202, response.text
    assert run(response.json()["id"], *jobs) == "succeeded"
    result = client.get(f"/v1/imports/{response.json()['id']}", headers=workspace.headers).json()
    assert (result["created"], result["failed"]) == (2, 0)
    # The long cell is left out with a warning naming its column; its row still lands.
    assert [(w["row"], w["column"], w["message"]) for w in result["warnings"]] == [
        (3, spec.label, f"at most {spec.max_length} characters")
    ]
    with session_factory() as session:
        values = dict(
            session.execute(
                text(f"SELECT email, {name} FROM contacts WHERE workspace_id = :ws AND email <> :one"),
                {"ws": uuid.UUID(workspace.id), "one": "one@example.com"},
            ).all()
        )
    assert values == {"new@example.com": "Imported", "long@example.com": None}


@pytest.mark.parametrize("spec", PLAIN, ids=PLAIN_IDS)
def test_a_plain_field_is_a_merge_choice_that_unmerge_restores(spec: FieldSpec, client, workspace) -> None:
    name = spec.name
    primary = new_contact(client, workspace, email="p@example.com", **{name: "Mine"})
    secondary = new_contact(client, workspace, email="s@example.com", **{name: "Theirs"})
    preview = client.get(
        "/v1/contacts/merge-preview",
        headers=workspace.headers,
        params={"primary_id": primary["id"], "secondary_id": secondary["id"]},
    ).json()
    compared = {f["field"]: (f["primary"], f["secondary"]) for f in preview["fields"]}
    assert compared[name] == ("Mine", "Theirs")
    body = {"primary_id": primary["id"], "secondary_id": secondary["id"], "choose": {name: "secondary"}}
    merged = post(client, workspace, "/v1/contacts/merge", body)
    assert merged["contact"][name] == "Theirs"
    post(client, workspace, f"/v1/contacts/{primary['id']}/unmerge", {"merge_id": merged["merge_id"]})
    restored = client.get(f"/v1/contacts/{primary['id']}", headers=workspace.headers).json()
    assert restored[name] == "Mine"
