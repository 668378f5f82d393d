"""Import rules checked before any job exists: size cap, readable text, delimiter, the mapping."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from api_service.auth import Principal
from api_service.errors import ProblemError, invalid
from api_service.imports.schemas import ImportOut, RowErrorOut
from api_service.jobs.repository import get_job
from shared.csv_import import (
    EncodingSniffer,
    UnreadableFile,
    errors_report_path,
    sniff_file,
    validate_mapping,
)
from shared.custom_fields import field_definitions
from shared.jobs import create_job
from shared.models import Job
from shared.settings import Settings

COPY_CHUNK = 1024 * 1024
COUNTERS = ("created", "updated", "unchanged", "skipped", "failed")


def upload_path(settings: Settings, workspace_id: uuid.UUID) -> Path:
    """Where an upload waits for its job (the export cleanup removes leftovers after the TTL)."""
    return (settings.export_dir / "imports" / str(workspace_id) / f"{uuid.uuid4()}.csv").resolve()


def store_upload(source: BinaryIO, destination: Path, max_bytes: int) -> str:
    """Copy the upload to storage chunk by chunk, enforcing the size cap; returns its encoding."""
    sniffer = EncodingSniffer()
    size = 0
    destination.parent.mkdir(parents=True, exist_ok=True)
    with destination.open("wb") as out:
        while chunk := source.read(COPY_CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise ProblemError(
                    413, f"the file is larger than {max_bytes} bytes; split it into smaller files"
                )
            sniffer.feed(chunk)
            out.write(chunk)
    if size == 0:
        raise invalid(["file"], "the file is empty")
    if sniffer.has_nul:
        raise invalid(["file"], "this is not a CSV text file (save the spreadsheet as CSV first)")
    return sniffer.encoding()


def parse_mapping(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise invalid(["mapping"], 'not valid JSON; expected {"CSV header": "field"}') from None


def start_import(
    session: Session,
    principal: Principal,
    source: BinaryIO,
    filename: str | None,
    raw_mapping: str,
    on_duplicate: str,
    settings: Settings,
) -> Job:
    mapping = parse_mapping(raw_mapping)
    destination = upload_path(settings, principal.workspace_id)
    try:
        encoding = store_upload(source, destination, settings.import_max_bytes)
        try:
            delimiter, header = sniff_file(destination, encoding)
        except UnreadableFile as exc:
            raise invalid(["file"], str(exc)) from None
        definitions = field_definitions(session, principal.workspace_id)
        checked = validate_mapping(mapping, header, set(definitions))
        return create_job(
            session,
            principal.workspace_id,
            principal.user_id,
            "import",
            {
                "path": str(destination),
                "filename": (filename or "")[:255],
                "encoding": encoding,
                "delimiter": delimiter,
                "mapping": checked,
                "on_duplicate": on_duplicate,
            },
        )
    except BaseException:
        destination.unlink(missing_ok=True)
        raise


def get_import(session: Session, workspace_id: uuid.UUID, raw_id: str) -> Job:
    """The workspace's import job; another workspace's id answers exactly like a missing one."""
    return get_job(session, workspace_id, raw_id, "import")


def errors_file(job: Job) -> Path:
    return errors_report_path(Path(job.params["path"]))


def describe(job: Job) -> ImportOut:
    """Counters from the result once finished, from the last committed chunk while running."""
    numbers: dict[str, Any] = dict(job.result or (job.checkpoint or {}).get("counters") or {})
    finished = job.status in ("succeeded", "failed")
    has_errors_file = job.status == "succeeded" and errors_file(job).is_file()
    return ImportOut(
        id=job.id,
        status=job.status,
        on_duplicate=str(job.params.get("on_duplicate")),
        total_rows=numbers.get("total_rows", job.total),
        processed=job.processed,
        errors=[RowErrorOut(**e) for e in numbers.get("errors", [])] if finished else [],
        errors_url=f"/v1/imports/{job.id}/errors" if has_errors_file else None,
        error=job.error,
        created_at=job.created_at,
        finished_at=job.finished_at,
        **{name: int(numbers.get(name, 0)) for name in COUNTERS},
    )


def errors_download(job: Job) -> Path:
    path = errors_file(job)
    if job.status != "succeeded":
        raise ProblemError(409, "the import has not finished")
    if not path.is_file():
        raise ProblemError(410, "the error report has expired")
    return path
