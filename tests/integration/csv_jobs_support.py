"""Helpers for the export and import tests: rows the public API does not create yet (users with
roles, channels, custom fields) are inserted directly, and jobs run by calling the runner."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from sqlalchemy import select

import indexer_worker.jobs.export
import indexer_worker.jobs.import_csv  # noqa: F401  (registers the handlers)
from indexer_worker.jobs import run_job
from shared.models import Job


def run(job_id: str, session_factory: Any, search_client: Any, settings: Any) -> str:
    return run_job(uuid.UUID(job_id), session_factory, search_client, settings)


def job_row(session_factory: Any, job_id: str) -> Job:
    with session_factory() as session:
        return session.scalars(select(Job).where(Job.id == uuid.UUID(job_id))).one()


def parse_csv(content: bytes) -> list[list[str]]:
    """The file as a spreadsheet would read it: UTF-8 with a BOM, standard CSV quoting."""
    assert content.startswith(b"\xef\xbb\xbf"), "export must start with a UTF-8 BOM"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
