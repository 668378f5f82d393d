"""Reconcile: find every (id, version) difference between PostgreSQL and the index, and repair it."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete

from indexer_worker import cli
from indexer_worker.reconcile import reconcile
from shared.models import OutboxEntry


def make_contacts(client: Any, ws: Any, n: int) -> list[dict[str, Any]]:
    return [
        client.post("/v1/contacts", headers=ws.headers, json={"first_name": f"Yorick{i}"}).json()
        for i in range(n)
    ]


def test_reconcile_finds_missing_stale_and_extra_documents_and_repairs_them(
    client, make_workspace, sync_index, session_factory, search_client, settings, capsys
) -> None:
    ws, bystander = make_workspace(), make_workspace()
    contacts = make_contacts(client, ws, 5)
    make_contacts(client, bystander, 1)
    sync_index()

    # Drift of every kind, as lost outbox rows would leave it:
    def lose_outbox_rows(contact_id: str) -> None:
        with session_factory() as session, session.begin():
            session.execute(delete(OutboxEntry).where(OutboxEntry.contact_id == uuid.UUID(contact_id)))

    missing = client.post("/v1/contacts", headers=ws.headers, json={"first_name": "Yorick9"}).json()["id"]
    lose_outbox_rows(missing)
    stale = contacts[1]["id"]
    patched = client.patch(f"/v1/contacts/{stale}", headers=ws.headers, json={"first_name": "Zelda"})
    assert patched.json()["version"] == 2
    lose_outbox_rows(stale)
    extra = contacts[2]["id"]
    assert client.delete(f"/v1/contacts/{extra}", headers=ws.headers).status_code == 204
    lose_outbox_rows(extra)
    sync_index()

    report = reconcile(session_factory, search_client, settings, workspace_id=uuid.UUID(ws.id))
    assert [str(i) for i in report.missing] == [missing]
    assert [str(i) for i in report.stale] == [stale]
    assert [str(i) for i in report.extra] == [extra]
    assert (report.db_contacts, report.index_contacts) == (5, 5)
    assert report.requeued == 2 and report.deleted == 1

    sync_index()
    code = cli.main(["reconcile", "--workspace-id", ws.id, "--dry-run"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "missing from index: 0" in printed and "extra in index:     0" in printed
    found = client.post("/v1/contacts/search", headers=ws.headers, json={"query": "zelda"}).json()
    assert [c["id"] for c in found["items"]] == [stale]
    status = client.get("/v1/ops/sync", headers=ws.headers).json()
    assert status["db_contacts"] == status["index_contacts"] == 5


def test_reconcile_dry_run_reports_without_repairing_and_stays_in_its_workspace(
    client, make_workspace, sync_index, session_factory, search_client, settings, capsys
) -> None:
    ws, other = make_workspace(), make_workspace()
    (gone,) = make_contacts(client, ws, 1)
    (elsewhere,) = make_contacts(client, other, 1)
    sync_index()
    for contact, owner in ((gone, ws), (elsewhere, other)):
        search_client.delete(index=settings.index_alias, id=contact["id"], routing=owner.id, refresh=True)

    assert cli.main(["reconcile", "--workspace-id", ws.id, "--dry-run"]) == 1
    printed = capsys.readouterr().out
    assert f"missing {gone['id']}" in printed
    assert elsewhere["id"] not in printed
    sync_index()
    report = reconcile(session_factory, search_client, settings, workspace_id=uuid.UUID(ws.id), repair=False)
    assert [str(i) for i in report.missing] == [gone["id"]]  # the dry run repaired nothing
