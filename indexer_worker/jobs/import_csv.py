"""The import job: stream the stored upload (CSV, UTF-16 text or XLSX), check every row with the
contact rules, and land valid rows in chunked transactions even when other rows fail.

Each chunk is one transaction holding its contacts, events, outbox rows and the job's checkpoint
(rows consumed, counters, length of the errors and warnings files), so a resumed run starts exactly
after the last committed chunk. Duplicates are found by this product's contact ID (the export's ID
column), then e-mail, then phone, among the workspace's contacts, which include the rows of this file
already landed. Imported contacts run no automations.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import uuid
from collections.abc import Generator, Iterator
from dataclasses import asdict, dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import String, any_, bindparam, or_, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from indexer_worker.jobs import JobContext, JobFailed, register
from indexer_worker.jobs.ahead import ProducerDied, produced_ahead
from shared.copy_rows import insert_rows
from shared.csv_import import (
    IMPORTABLE_FIELDS,
    FileShape,
    ImportPlan,
    ParsedRow,
    RowError,
    UnreadableFile,
    clean_header,
    errors_report_path,
    parse_row,
    warnings_report_path,
)
from shared.csv_safety import neutralize, restore
from shared.custom_fields import field_definitions
from shared.events import EventType, assignment_change, event_row
from shared.models import Contact, Event, User, Workspace
from shared.outbox import BULK, record_changes
from shared.tags import tag_change
from shared.visibility import visible_in

log = logging.getLogger("jobs.import")
CHUNK_ROWS = 500
LISTED_ERRORS = 1000  # errors listed in the job result; the errors file has them all
ERRORS_HEADER = ["Row", "Column", "Message"]


@dataclass
class Counters:
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    warning_count: int = 0


@dataclass
class ChunkOutcome:
    counters: Counters = field(default_factory=Counters)
    errors: list[RowError] = field(default_factory=list)
    # Cells left out of rows that landed (a skipped duplicate lands nothing, so warns of nothing).
    warnings: list[RowError] = field(default_factory=list)


def numbered_rows(path: Path, shape: FileShape) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, cells) of every non-blank data row; the header is row 1."""
    records = shape.records(path)
    next(records, None)
    for number, cells in enumerate(records, start=2):
        if any(cell.strip() for cell in cells):
            yield number, cells


def count_rows(path: Path, shape: FileShape) -> int:
    """The data rows of the file, read once before any lands: a file that is not readable to its end
    fails here, naming the last good row, with nothing of it imported."""
    total, last = 0, 1
    try:
        for number, _ in numbered_rows(path, shape):
            total, last = total + 1, number
    except csv.Error as exc:
        raise JobFailed(f"the file is not valid CSV after row {last}: {exc}; nothing was imported") from None
    except UnreadableFile as exc:
        raise JobFailed(f"{exc} after row {last}; nothing was imported") from None
    return total


# (rows of the file consumed, the rows that land, the problems of the rows that do not)
CheckedChunk = tuple[int, list[ParsedRow], list[RowError]]


def checked_chunks(
    path: Path, shape: FileShape, plan: ImportPlan, skip: int
) -> Generator[CheckedChunk, None, None]:
    """The file's rows after the first `skip`, CHUNK_ROWS at a time, checked with the contact rules;
    pure reading and checking, so it can run ahead in a process of its own (jobs.ahead)."""
    rows = islice(numbered_rows(path, shape), skip, None)
    while chunk := list(islice(rows, CHUNK_ROWS)):
        parsed: list[ParsedRow] = []
        errors: list[RowError] = []
        for number, cells in chunk:
            result = parse_row(number, cells, plan)
            if isinstance(result, ParsedRow):
                parsed.append(result)
            else:
                errors.extend(result)
        yield len(chunk), parsed, errors


class ChunkWriter:
    """Lands one chunk of valid rows in the caller's transaction.

    New contacts are plain column dicts written with one executemany INSERT (no per-object ORM
    work); existing duplicates are updated through the ORM, which bumps their version."""

    def __init__(self, session: Session, ctx: JobContext, on_duplicate: str) -> None:
        self.session = session
        self.ctx = ctx
        self.on_duplicate = on_duplicate
        self.by_id: dict[uuid.UUID, Contact] = {}
        self.by_email: dict[str, Contact | dict[str, Any]] = {}
        self.by_phone: dict[str, Contact | dict[str, Any]] = {}
        self.created: list[dict[str, Any]] = []
        self.changed: dict[uuid.UUID, tuple[Contact, set[str], list[str], uuid.UUID | None]] = {}

    def _load_existing(self, rows: list[ParsedRow]) -> None:
        emails = sorted({r.email for r in rows if r.email})
        phones = sorted({r.phone for r in rows if r.phone})
        ids = sorted({r.contact_id for r in rows if r.contact_id})
        if not emails and not phones and not ids:
            return
        text_array = ARRAY(String())
        # Planned for these values, not as a cached generic plan: psycopg prepares a statement run
        # five times, and a generic plan made while the workspace's table was small (a new install's
        # first import, before autovacuum has analyzed it) scans every contact for the 1,500 values
        # (measured: 400 us a row at 20k contacts instead of 22). Only for this statement: forced
        # custom plans for the COPYs' foreign-key checks would cost as much again.
        self.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        existing = self.session.scalars(
            select(Contact)
            .where(
                visible_in(self.ctx.workspace_id),
                or_(
                    Contact.email == any_(bindparam("emails", emails, type_=text_array)),
                    Contact.phone == any_(bindparam("phones", phones, type_=text_array)),
                    Contact.id == any_(bindparam("ids", ids, type_=ARRAY(PG_UUID(as_uuid=True)))),
                ),
            )
            .order_by(Contact.created_at, Contact.id)
            .with_for_update()
        ).all()
        self.session.execute(text("SET LOCAL plan_cache_mode = DEFAULT"))
        for contact in existing:  # the oldest contact wins when several share a value
            self.by_id[contact.id] = contact
            self._remember(contact, contact.email, contact.phone)

    def _remember(self, contact: Contact | dict[str, Any], email: str | None, phone: str | None) -> None:
        if email:
            self.by_email.setdefault(email, contact)
        if phone:
            self.by_phone.setdefault(phone, contact)

    @staticmethod
    def _row_values(row: ParsedRow, first_name: str | None, last_name: str | None) -> dict[str, Any]:
        """The row's standard values; a name split from a whole name that already reads as the
        contact's name leaves the contact's own first/last split alone."""
        values = dict(row.values)
        if row.full_name and " ".join(p for p in (first_name, last_name) if p) == row.full_name:
            values.pop("first_name", None)
            values.pop("last_name", None)
        return values

    @staticmethod
    def _custom(current: dict[str, Any], row: ParsedRow) -> dict[str, Any]:
        merged = {**current, **row.custom}
        for key in row.clear_custom:
            merged.pop(key, None)
        return merged

    def _update_new(self, values: dict[str, Any], row: ParsedRow) -> bool:
        """A later row of the file repeating a contact this chunk creates: merged before insert."""
        before = dict(values)
        values.update(self._row_values(row, values.get("first_name"), values.get("last_name")))
        values["custom_fields"] = self._custom(values["custom_fields"], row)
        self._remember(values, values.get("email"), values.get("phone"))
        return values != before

    def _update(self, contact: Contact, row: ParsedRow) -> bool:
        own = self._row_values(row, contact.first_name, contact.last_name)
        changes = {k: v for k, v in own.items() if getattr(contact, k) != v}
        if row.custom or row.clear_custom:
            merged = self._custom(contact.custom_fields, row)
            if merged != contact.custom_fields:
                changes["custom_fields"] = merged
        if not changes:
            return False
        if contact.id not in self.changed:
            self.changed[contact.id] = (contact, set(), list(contact.tags), contact.assignee_id)
        for key, value in changes.items():
            setattr(contact, key, value)
        self.changed[contact.id][1].update(changes)
        self._remember(contact, contact.email, contact.phone)
        return True

    def land(self, rows: list[ParsedRow], outcome: ChunkOutcome) -> None:
        self._load_existing(rows)
        for row in rows:
            match: Contact | dict[str, Any] | None = (
                self.by_id.get(row.contact_id) if row.contact_id else None
            )
            if match is None and row.email:
                match = self.by_email.get(row.email)
            if match is None and row.phone:
                match = self.by_phone.get(row.phone)
            if match is None and not row.identified:
                # Only an ID identified the row, and it is no contact of this workspace.
                outcome.counters.failed += 1
                outcome.errors.append(
                    RowError(
                        row.row, "", f"no contact has the ID {row.contact_id}; nothing else identifies one"
                    )
                )
                continue
            if match is None or self.on_duplicate != "skip":
                outcome.warnings.extend(row.warnings)
            if match is None:
                values = {
                    **dict.fromkeys(IMPORTABLE_FIELDS),
                    "tags": [],
                    **row.values,
                    "id": uuid.uuid4(),
                    "workspace_id": self.ctx.workspace_id,
                    "source": "import",
                    "conversation_status": "closed",
                    "custom_fields": self._custom({}, row),
                    "version": 1,
                }
                self.created.append(values)
                self._remember(values, row.email, row.phone)
                outcome.counters.created += 1
            elif self.on_duplicate == "skip":
                outcome.counters.skipped += 1
            elif self._update_new(match, row) if isinstance(match, dict) else self._update(match, row):
                outcome.counters.updated += 1
            else:
                outcome.counters.unchanged += 1
        self.session.flush()  # the updates of existing contacts, then the new ones
        insert_rows(self.session, Contact, self.created)
        self._write_events()
        changes = [(c["id"], 1) for c in self.created]
        changes += [(c.id, c.version) for c, _, _, _ in self.changed.values()]
        record_changes(self.session, self.ctx.workspace_id, changes, priority=BULK)

    def _write_events(self) -> None:
        origin = {"import_id": str(self.ctx.job_id)}
        # No automation runs for imported contacts, so none of these events triggers a workflow.
        workspace_id, actor_id = self.ctx.workspace_id, self.ctx.user_id

        def event(contact_id: uuid.UUID, type_: EventType, data: dict[str, Any]) -> dict[str, Any]:
            return event_row(workspace_id, contact_id, type_, actor_id, data, triggers_workflows=False)

        events = [event(c["id"], EventType.CREATED, {"source": "import", **origin}) for c in self.created]
        for contact, fields, old_tags, old_assignee in self.changed.values():
            events.append(event(contact.id, EventType.UPDATED, {"fields": sorted(fields), **origin}))
            if "tags" in fields:
                events.append(event(contact.id, EventType.TAGGED, tag_change(old_tags, contact.tags)))
            if "assignee_id" in fields:
                events.append(
                    event(
                        contact.id, EventType.ASSIGNED, assignment_change(old_assignee, contact.assignee_id)
                    )
                )
        insert_rows(self.session, Event, events)


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _error_cells(errors: list[RowError]) -> list[list[str]]:
    return [[str(e.row), neutralize(e.column), neutralize(e.message)] for e in errors]


class Report:
    """A CSV file of row problems (errors or warnings) appended chunk by chunk; the checkpoint keeps
    its length, so a resumed run drops what a dead run wrote after its last committed chunk."""

    def __init__(self, path: Path, checkpoint_bytes: int | None) -> None:
        self.path = path
        self.handle = path.open("ab")
        if checkpoint_bytes is not None:
            self.handle.truncate(checkpoint_bytes)
        else:
            self.handle.truncate(0)
            self.handle.write(codecs.BOM_UTF8 + _csv_bytes([ERRORS_HEADER]))

    def write(self, problems: list[RowError]) -> int:
        self.handle.write(_csv_bytes(_error_cells(sorted(problems, key=lambda e: e.row))))
        self.handle.flush()
        return self.handle.tell()

    def close(self) -> None:
        self.handle.close()


def _read_listed_errors(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        return [
            {"row": int(row), "column": restore(column), "message": restore(message)}
            for row, column, message in islice(reader, LISTED_ERRORS)
        ]


def _land(ctx: JobContext, session: Session, rows: list[ParsedRow], on_duplicate: str) -> ChunkOutcome:
    """All rows in the session's transaction; if the database refuses the chunk, each row again in
    a savepoint of its own, so one bad row cannot keep the others out."""
    outcome = ChunkOutcome()
    try:
        with session.begin_nested():
            ChunkWriter(session, ctx, on_duplicate).land(rows, outcome)
        return outcome
    except SQLAlchemyError:
        log.warning("import %s: a chunk was refused, landing its rows one by one", ctx.job_id, exc_info=True)
    outcome = ChunkOutcome()
    for row in rows:
        single = ChunkOutcome()
        try:
            with session.begin_nested():
                ChunkWriter(session, ctx, on_duplicate).land([row], single)
        except SQLAlchemyError as exc:
            single = ChunkOutcome(
                Counters(failed=1), [RowError(row.row, "", f"could not be saved ({type(exc).__name__})")]
            )
        _add(outcome.counters, single.counters)
        outcome.errors.extend(single.errors)
        outcome.warnings.extend(single.warnings)
    return outcome


def _add(total: Counters, part: Counters) -> None:
    for name, value in asdict(part).items():
        setattr(total, name, getattr(total, name) + value)


def _workspace_settings(ctx: JobContext) -> tuple[Any, list[tuple[uuid.UUID, str]], str | None]:
    with ctx.session_factory() as session:
        definitions = field_definitions(session, ctx.workspace_id)
        users = session.execute(
            select(User.id, User.email).where(User.workspace_id == ctx.workspace_id)
        ).all()
        default_country = session.scalar(
            select(Workspace.default_country).where(Workspace.id == ctx.workspace_id)
        )
    return definitions, [(u, e) for u, e in users], default_country


@register("import")
def run_import(ctx: JobContext) -> dict[str, Any]:
    params = ctx.params
    upload = Path(params["path"])
    shape = FileShape.from_params(params)
    on_duplicate = params["on_duplicate"]
    if not upload.is_file():
        raise JobFailed("the uploaded file is no longer available; upload it again")
    definitions, users, default_country = _workspace_settings(ctx)
    header = clean_header(next(shape.records(upload), []))
    plan = ImportPlan.build(
        header,
        params["mapping"],
        definitions,
        users,
        layout=params.get("layout"),
        default_country=default_country,
        on_invalid_cell=params.get("on_invalid_cell", "fail_row"),
        blank_cells=params.get("blank_cells", "keep"),
    )
    checkpoint = ctx.checkpoint or {}
    counters = Counters(**checkpoint.get("counters", {}))
    done = int(checkpoint.get("rows_done", 0))
    if not checkpoint:
        counters.total_rows = count_rows(upload, shape)
        ctx.progress(0, counters.total_rows)
    errors_report = Report(errors_report_path(upload), checkpoint.get("errors_bytes"))
    warnings_report = Report(warnings_report_path(upload), checkpoint.get("warnings_bytes"))
    checked = partial(checked_chunks, upload, shape, plan, done)
    chunks = produced_ahead(checked) if ctx.settings.import_check_ahead else checked()
    try:
        for size, parsed, errors in chunks:
            invalid_rows = len({e.row for e in errors})
            with ctx.session_factory() as session, session.begin():
                outcome = _land(ctx, session, parsed, on_duplicate)
                outcome.counters.failed += invalid_rows
                outcome.counters.warning_count += len(outcome.warnings)
                done += size
                _add(counters, outcome.counters)
                state = {
                    "rows_done": done,
                    "counters": asdict(counters),
                    "errors_bytes": errors_report.write(errors + outcome.errors),
                    "warnings_bytes": warnings_report.write(outcome.warnings),
                }
                ctx.record(session, done, state)
    except csv.Error as exc:
        raise JobFailed(f"the file is not valid CSV after row {done + 1}: {exc}") from None
    except UnreadableFile as exc:
        raise JobFailed(f"{exc} after row {done + 1}") from None
    except ProducerDied as exc:  # killed (out of memory, say): what landed stays, the job says so
        raise JobFailed(f"{exc}; the rows up to row {done + 1} were imported, the rest were not") from None
    finally:
        chunks.close()  # a cancel or a refused chunk: the process checking ahead stops too
        errors_report.close()
        warnings_report.close()
    summary = {
        **asdict(counters),
        "errors": _read_listed_errors(errors_report.path),
        "warnings": _read_listed_errors(warnings_report.path),
    }
    upload.unlink(missing_ok=True)
    warnings_report.path.unlink(missing_ok=True)
    return summary
