"""Bulk delete and bulk tags: the API creates a job, the worker's job function does the work."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, select

from indexer_worker.jobs import bulk as bulk_jobs
from indexer_worker.jobs import run_job
from shared.models import Comment, Contact, Event, Message, OutboxEntry
from tests.factories import add_user, new_contact


def run(client: Any, ws: Any, job: dict[str, Any], session_factory: Any, search_client: Any, settings: Any):
    assert run_job(uuid.UUID(job["id"]), session_factory, search_client, settings) == "succeeded"
    response = client.get(f"/v1/jobs/{job['id']}", headers=ws.headers)
    assert response.status_code == 200, response.text
    return response.json()


def get(client: Any, ws: Any, contact_id: str) -> Any:
    return client.get(f"/v1/contacts/{contact_id}", headers=ws.headers)


def search_ids(client: Any, ws: Any, query: str) -> set[str]:
    response = client.post("/v1/contacts/search", headers=ws.headers, json={"query": query, "page_size": 200})
    assert response.status_code == 200, response.text
    return {c["id"] for c in response.json()["items"]}


def test_bulk_tags_add_missing_tags_once_keeping_existing_spelling(
    client, workspace, session_factory, search_client, settings, sync_index
) -> None:
    has_vip = new_contact(client, workspace, first_name="Vera", tags=["VIP"])
    plain = new_contact(client, workspace, first_name="Paul")
    complete = new_contact(client, workspace, first_name="Cleo", tags=["vip", "Lead"])
    response = client.post(
        "/v1/contacts/bulk-tags",
        headers=workspace.headers,
        json={
            "selection": {"ids": [has_vip["id"], plain["id"], complete["id"]]},
            "tags": ["vip", "lead", "VIP"],
        },
    )
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["kind"] == "bulk_tags" and job["status"] == "queued" and job["total"] == 3
    done = run(client, workspace, job, session_factory, search_client, settings)
    assert done["status"] == "succeeded" and done["processed"] == 3 and done["total"] == 3
    assert done["result"] == {"tagged": 2, "unchanged": 1, "over_tag_limit": 0, "skipped": 0}
    vera = get(client, workspace, has_vip["id"]).json()
    assert vera["tags"] == ["VIP", "lead"] and vera["version"] == has_vip["version"] + 1
    assert get(client, workspace, plain["id"]).json()["tags"] == ["vip", "lead"]
    untouched = get(client, workspace, complete["id"]).json()
    assert untouched["tags"] == ["vip", "Lead"] and untouched["version"] == complete["version"]
    with session_factory() as session:
        tagged = session.execute(
            select(Event.contact_id, Event.data).where(
                Event.type == "tagged",
                Event.contact_id.in_([uuid.UUID(has_vip["id"]), uuid.UUID(complete["id"])]),
            )
        ).all()
    assert [(str(cid), data["added"]) for cid, data in tagged] == [(has_vip["id"], ["lead"])]
    sync_index()
    assert search_ids(client, workspace, "lead") == {has_vip["id"], plain["id"], complete["id"]}


def test_bulk_tags_never_take_a_contact_past_the_tag_limit(
    client, workspace, session_factory, search_client, settings
) -> None:
    nearly_full = new_contact(client, workspace, first_name="Nell", tags=[f"t{i}" for i in range(49)])
    full = new_contact(client, workspace, first_name="Fay", tags=[f"t{i}" for i in range(50)])
    roomy = new_contact(client, workspace, first_name="Rae", tags=["t1"])
    response = client.post(
        "/v1/contacts/bulk-tags",
        headers=workspace.headers,
        json={"selection": {"ids": [nearly_full["id"], full["id"], roomy["id"]]}, "tags": ["x", "y"]},
    )
    assert response.status_code == 202, response.text
    done = run(client, workspace, response.json(), session_factory, search_client, settings)
    assert done["result"] == {"tagged": 1, "unchanged": 0, "over_tag_limit": 2, "skipped": 0}
    # All of the tags or none: the contact with room for one more got neither.
    assert get(client, workspace, nearly_full["id"]).json()["tags"] == nearly_full["tags"]
    assert get(client, workspace, full["id"]).json()["version"] == full["version"]
    assert get(client, workspace, roomy["id"]).json()["tags"] == ["t1", "x", "y"]


def test_bulk_tags_all_matching_touch_only_matching_contacts_of_the_workspace(
    client, make_workspace, session_factory, search_client, settings, sync_index, monkeypatch
) -> None:
    acme, other = make_workspace(), make_workspace()
    monkeypatch.setattr(bulk_jobs, "CHUNK_SIZE", 3)  # several point-in-time pages and chunks
    matching = [new_contact(client, acme, first_name="Zebulon", last_name=f"N{i}")["id"] for i in range(7)]
    outsider = new_contact(client, acme, first_name="Yolanda")["id"]
    foreign = new_contact(client, other, first_name="Zebulon")["id"]
    sync_index()
    response = client.post(
        "/v1/contacts/bulk-tags",
        headers=acme.headers,
        json={"selection": {"all_matching": {"query": "zebulon"}}, "tags": ["wave-1"]},
    )
    assert response.status_code == 202, response.text
    assert response.json()["total"] == 7  # counted when the job is accepted
    done = run(client, acme, response.json(), session_factory, search_client, settings)
    assert done["result"] == {"tagged": 7, "unchanged": 0, "over_tag_limit": 0, "skipped": 0}
    assert done["processed"] == 7 and done["total"] == 7
    for contact_id in matching:
        assert get(client, acme, contact_id).json()["tags"] == ["wave-1"]
    assert get(client, acme, outsider).json()["tags"] == []
    assert get(client, other, foreign).json()["tags"] == []


def test_all_matching_rechecks_postgres_so_deleted_contacts_are_skipped(
    client, workspace, session_factory, search_client, settings, sync_index
) -> None:
    kept = new_contact(client, workspace, first_name="Quillon")["id"]
    gone = new_contact(client, workspace, first_name="Quillon")["id"]
    sync_index()
    # Deleted after indexing and before the job runs: the index still lists it.
    with session_factory() as session, session.begin():
        session.execute(delete(Contact).where(Contact.id == uuid.UUID(gone)))
    response = client.post(
        "/v1/contacts/bulk-tags",
        headers=workspace.headers,
        json={"selection": {"all_matching": {"query": "quillon", "view_id": "all"}}, "tags": ["x"]},
    )
    assert response.status_code == 202, response.text
    done = run(client, workspace, response.json(), session_factory, search_client, settings)
    assert done["result"] == {"tagged": 1, "unchanged": 0, "over_tag_limit": 0, "skipped": 1}
    assert get(client, workspace, kept).json()["tags"] == ["x"]
    with session_factory() as session:
        assert session.get(Contact, uuid.UUID(gone)) is None


def test_bulk_delete_removes_contacts_dependents_and_documents_of_this_workspace_only(
    client, make_workspace, session_factory, search_client, settings, sync_index
) -> None:
    acme, other = make_workspace(), make_workspace()
    doomed = [new_contact(client, acme, first_name="Doomed", last_name=str(i)) for i in range(3)]
    survivor = new_contact(client, acme, first_name="Survivor")
    foreign = new_contact(client, other, first_name="Doomed")
    with session_factory() as session, session.begin():
        target = uuid.UUID(doomed[0]["id"])
        session.add(
            Message(
                workspace_id=uuid.UUID(acme.id),
                contact_id=target,
                direction="in",
                text="hi",
                sent_at=func.now(),
            )
        )
        session.add(Comment(workspace_id=uuid.UUID(acme.id), contact_id=target, text="note"))
    sync_index()
    ids = [c["id"] for c in doomed] + [foreign["id"], str(uuid.uuid4())]
    response = client.post(
        "/v1/contacts/bulk-delete", headers=acme.headers, json={"selection": {"ids": ids}, "confirm": True}
    )
    assert response.status_code == 202, response.text
    assert response.json()["kind"] == "bulk_delete" and response.json()["total"] == 5
    done = run(client, acme, response.json(), session_factory, search_client, settings)
    assert done["result"] == {"deleted": 3, "skipped": 2}
    for contact in doomed:
        assert get(client, acme, contact["id"]).status_code == 404
    assert get(client, acme, survivor["id"]).status_code == 200
    assert get(client, other, foreign["id"]).status_code == 200
    with session_factory() as session:
        for model in (Message, Comment, Event):
            assert (
                session.scalar(select(func.count()).select_from(model).where(model.contact_id == target)) == 0
            )
        tombstones = session.execute(
            select(OutboxEntry.contact_id, OutboxEntry.version).where(OutboxEntry.contact_id == target)
        ).all()
    assert tombstones == [(target, doomed[0]["version"] + 1)]  # the index document goes with it
    sync_index()
    assert search_ids(client, acme, "doomed") == set()
    assert search_ids(client, other, "doomed") == {foreign["id"]}


def test_bulk_delete_needs_confirm_true(client, workspace) -> None:
    contact = new_contact(client, workspace, first_name="Keep")
    for body in ({}, {"confirm": False}, {"confirm": "yes"}, {"confirm": 1}):
        response = client.post(
            "/v1/contacts/bulk-delete",
            headers=workspace.headers,
            json={"selection": {"ids": [contact["id"]]}, **body},
        )
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["loc"] == ["confirm"]
    assert get(client, workspace, contact["id"]).status_code == 200


def test_bulk_delete_is_forbidden_to_restricted_managers_and_agents(
    client, workspace, session_factory
) -> None:
    contact = new_contact(client, workspace, first_name="Guarded")
    body = {"selection": {"ids": [contact["id"]]}, "confirm": True}
    restricted = add_user(session_factory, workspace, "manager", ["bulk_delete_contacts"]).headers
    agent = add_user(session_factory, workspace, "agent", []).headers
    manager = add_user(session_factory, workspace, "manager", ["export_contacts"]).headers
    assert client.post("/v1/contacts/bulk-delete", headers=restricted, json=body).status_code == 403
    assert client.post("/v1/contacts/bulk-delete", headers=agent, json=body).status_code == 403
    tags = {"selection": {"ids": [contact["id"]]}, "tags": ["a"]}
    assert client.post("/v1/contacts/bulk-tags", headers=restricted, json=tags).status_code == 202
    assert client.post("/v1/contacts/bulk-tags", headers=agent, json=tags).status_code == 403
    assert client.post("/v1/contacts/bulk-delete", headers=manager, json=body).status_code == 202


def test_bad_selections_are_refused_before_any_job_exists(client, workspace, session_factory) -> None:
    one = str(uuid.uuid4())
    cases = [
        ({"ids": []}, 422),
        ({"ids": [str(uuid.uuid4()) for _ in range(1001)]}, 422),
        ({"ids": ["not-a-uuid"]}, 422),
        ({"ids": [one], "all_matching": {"query": "x"}}, 422),
        ({}, 422),
        ({"ids": [one], "everything": True}, 422),
        ({"all_matching": {"query": "x", "sql": "drop"}}, 422),
        ({"all_matching": {"query": "x" * 257}}, 422),
        ({"all_matching": {"filter": {"field": "no_such_field", "op": "eq", "value": "x"}}}, 422),
        ({"all_matching": {"view_id": str(uuid.uuid4())}}, 404),
    ]
    for selection, status in cases:
        response = client.post(
            "/v1/contacts/bulk-tags", headers=workspace.headers, json={"selection": selection, "tags": ["t"]}
        )
        assert response.status_code == status, (selection, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    for tags in ([], [""], ["x" * 101]):
        response = client.post(
            "/v1/contacts/bulk-tags",
            headers=workspace.headers,
            json={"selection": {"ids": [one]}, "tags": tags},
        )
        assert response.status_code == 422, (tags, response.text)
    with session_factory() as session:
        from shared.models import Job

        assert (
            session.scalar(
                select(func.count()).select_from(Job).where(Job.workspace_id == uuid.UUID(workspace.id))
            )
            == 0
        )


def test_all_matching_applies_filter_and_view_and_names_a_bad_filter_node(
    client, workspace, session_factory, search_client, settings, sync_index
) -> None:
    lead_free = new_contact(client, workspace, first_name="Lia", tags=["lead"])["id"]
    lead_mine = new_contact(
        client, workspace, first_name="Lou", tags=["Lead"], assignee_id=workspace.owner_id
    )["id"]
    not_lead = new_contact(client, workspace, first_name="Lex")["id"]
    sync_index()
    selection = {
        "all_matching": {
            "filter": {"field": "tags", "op": "has_any", "value": ["LEAD"]},
            "view_id": "unassigned",
        }
    }
    response = client.post(
        "/v1/contacts/bulk-tags",
        headers=workspace.headers,
        json={"selection": selection, "tags": ["follow-up"]},
    )
    assert response.status_code == 202, response.text
    done = run(client, workspace, response.json(), session_factory, search_client, settings)
    assert done["result"]["tagged"] == 1
    assert get(client, workspace, lead_free).json()["tags"] == ["lead", "follow-up"]
    assert get(client, workspace, lead_mine).json()["tags"] == ["Lead"]
    assert get(client, workspace, not_lead).json()["tags"] == []
    bad = {"all_matching": {"filter": {"and": [{"field": "country", "op": "has_all", "value": ["MY"]}]}}}
    response = client.post(
        "/v1/contacts/bulk-delete", headers=workspace.headers, json={"selection": bad, "confirm": True}
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"][:3] == ["selection", "all_matching", "filter"]
