"""Import rules checked before any job exists: size cap, readable text or workbook, delimiter, the
mapping; and the preview of a file (its layout, suggested mapping, sample rows and their problems)."""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from api_service.auth import Principal
from api_service.errors import ProblemError, invalid
from api_service.imports.schemas import ImportOut, ImportPreview, RowErrorOut
from api_service.jobs.repository import get_job
from shared.csv_import import (
    XLSX,
    EncodingSniffer,
    FileShape,
    ImportPlan,
    ParsedRow,
    RowError,
    UnreadableFile,
    clean_header,
    errors_report_path,
    parse_row,
    sniff_file,
    validate_mapping,
)
from shared.custom_fields import field_definitions
from shared.import_layouts import suggest_mapping
from shared.jobs import create_job
from shared.models import Job, User, Workspace
from shared.settings import Settings

COPY_CHUNK = 1024 * 1024
COUNTERS = ("created", "updated", "unchanged", "skipped", "failed", "warning_count")
PREVIEW_ROWS = 20


def upload_path(settings: Settings, workspace_id: uuid.UUID) -> Path:
    """Where an upload waits for its job (the export cleanup removes leftovers after the TTL)."""
    return (settings.export_dir / "imports" / str(workspace_id) / f"{uuid.uuid4()}.csv").resolve()


def store_upload(source: BinaryIO, destination: Path, max_bytes: int) -> EncodingSniffer:
    """Copy the upload to storage chunk by chunk, enforcing the size cap; returns what it is."""
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
        raise invalid(["file"], "this is neither CSV text nor an XLSX workbook (save it as CSV or XLSX)")
    return sniffer


def inspect_upload(source: BinaryIO, destination: Path, max_bytes: int) -> tuple[FileShape, list[str]]:
    """Store the upload and find how to read it and its header row; a 422 when it cannot be read."""
    sniffer = store_upload(source, destination, max_bytes)
    try:
        return sniff_file(destination, sniffer.kind, sniffer.encoding())
    except UnreadableFile as exc:
        raise invalid(["file"], str(exc)) from None


def _plan_inputs(session: Session, workspace_id: uuid.UUID) -> tuple[Any, list[tuple[uuid.UUID, str]], Any]:
    definitions = field_definitions(session, workspace_id)
    users = session.execute(select(User.id, User.email).where(User.workspace_id == workspace_id)).all()
    default_country = session.scalar(select(Workspace.default_country).where(Workspace.id == workspace_id))
    return definitions, [(u, e) for u, e in users], default_country


def parse_mapping(raw: str) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: brackets nested thousands deep
        raise invalid(["mapping"], 'not valid JSON; expected {"CSV header": "field"}') from None


def start_import(
    session: Session,
    principal: Principal,
    source: BinaryIO,
    filename: str | None,
    raw_mapping: str | None,
    options: Mapping[str, str],
    settings: Settings,
) -> Job:
    """options: on_duplicate, on_invalid_cell, blank_cells (checked by the router). Without a
    mapping, the suggested one (what the preview showed) is used."""
    mapping = parse_mapping(raw_mapping) if raw_mapping is not None and raw_mapping.strip() else None
    destination = upload_path(settings, principal.workspace_id)
    try:
        shape, header = inspect_upload(source, destination, settings.import_max_bytes)
        definitions = field_definitions(session, principal.workspace_id)
        layout, suggested = suggest_mapping(header, {k: f.label for k, f in definitions.items()})
        if mapping is None:
            if not suggested:
                raise invalid(
                    ["mapping"], "no column of this file could be matched to a field; give a mapping"
                )
            mapping = suggested
        checked = validate_mapping(mapping, header, set(definitions))
        return create_job(
            session,
            principal.workspace_id,
            principal.user_id,
            "import",
            {
                "path": str(destination),
                "filename": (filename or "")[:255],
                **shape.params(),
                "layout": layout,
                "mapping": checked,
                **options,
            },
        )
    except BaseException:
        destination.unlink(missing_ok=True)
        raise


def preview(session: Session, principal: Principal, source: BinaryIO, settings: Settings) -> ImportPreview:
    """What a mapping screen needs, before any job: the recognised layout, how the file is read,
    its headers, the suggested mapping and the first rows with the problems that mapping finds."""
    destination = upload_path(settings, principal.workspace_id)
    try:
        shape, header = inspect_upload(source, destination, settings.import_max_bytes)
        definitions, users, default_country = _plan_inputs(session, principal.workspace_id)
        layout, suggested = suggest_mapping(header, {k: f.label for k, f in definitions.items()})
        problems: list[RowError] = [
            RowError(1, column, "this header appears more than once; such a column cannot be mapped")
            for column in sorted({h for h in header if h and header.count(h) > 1})
        ]
        if not suggested:
            problems.append(RowError(1, "", "no column could be matched to a field; choose the mapping"))
        plan = ImportPlan.build(
            header, suggested, definitions, users, layout=layout, default_country=default_country
        )
        samples: list[list[str]] = []
        records = shape.records(destination)
        next(records, None)
        try:
            for number, cells in enumerate(records, start=2):
                if len(samples) >= PREVIEW_ROWS:
                    break
                if not any(cell.strip() for cell in cells):
                    continue
                samples.append(clean_header(cells))
                if suggested:
                    result = parse_row(number, cells, plan)
                    problems.extend(result.warnings if isinstance(result, ParsedRow) else result)
        except csv.Error as exc:
            problems.append(RowError(len(samples) + 2, "", f"not valid CSV: {exc}"))
        except UnreadableFile as exc:
            raise invalid(["file"], str(exc)) from None
        finally:
            close = getattr(records, "close", None)
            if close is not None:
                close()
        generic = "xlsx" if shape.kind == XLSX else "csv"
        return ImportPreview(
            format=layout if layout != "csv" else generic,
            encoding=shape.encoding,
            delimiter=shape.delimiter,
            headers=header,
            suggested_mapping=suggested,
            sample_rows=samples,
            problems=[RowErrorOut(row=p.row, column=p.column, message=p.message) for p in problems],
        )
    finally:
        destination.unlink(missing_ok=True)


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
        warnings=[RowErrorOut(**e) for e in numbers.get("warnings", [])] if finished else [],
        on_invalid_cell=str(job.params.get("on_invalid_cell", "fail_row")),
        blank_cells=str(job.params.get("blank_cells", "keep")),
        format=job.params.get("layout"),
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
