"""Import rules shared by the API (checks the upload and the mapping before a job exists, previews a
file) and the worker (parses every row): reading CSV, UTF-16 text and XLSX, encoding and delimiter
detection, the mapping, and typed cell parsing.

A row is checked cell by cell. With `on_invalid_cell="skip_cell"` (the default) a bad optional cell
(a phone "N/A", an unknown country) is left out and reported as a warning; the row fails only when
nothing in it identifies a contact. With `"fail_row"` any bad cell fails its row.
"""

from __future__ import annotations

import codecs
import csv
import re
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from nameparser import HumanName

from shared.columns import CUSTOM_PREFIX
from shared.contact_rules import (
    MAX_TAG_CHARS,
    MAX_TAGS,
    FieldError,
    normalize_email,
    normalize_language,
    normalize_phone,
    normalize_url,
)
from shared.countries import parse_country
from shared.csv_safety import restore
from shared.custom_fields import coerce_value
from shared.fields import BY_NAME, IDENTITY, IMPORTABLE, PLAIN_NAMES
from shared.import_layouts import (
    CONTACT_ID,
    FALLBACK_FIELDS,
    FULL_NAME,
    GOOGLE_SEPARATOR,
    LAYOUTS_BY_NAME,
    Layout,
)
from shared.models import ContactField
from shared.tags import unique_tags

# Standard contact fields an import may set; read-only ones (display_name, channels, ...) are not.
# (shared.fields: the registry's importable and identity flags).
IMPORTABLE_FIELDS = IMPORTABLE
IDENTITY_FIELDS = IDENTITY
# Import-only targets: a whole name (split into first and last name) and this product's contact id.
PSEUDO_FIELDS = (FULL_NAME, CONTACT_ID)
IDENTITY_TARGETS = frozenset({*IDENTITY_FIELDS, FULL_NAME, CONTACT_ID})
ON_INVALID_CELL = ("skip_cell", "fail_row")
BLANK_CELLS = ("keep", "clear")
DELIMITERS = ",;\t|"
SAMPLE_BYTES = 64 * 1024
MAX_MAPPING = 300
# The same limits as the contacts API.
MAX_NAME = BY_NAME["first_name"].max_length
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})
_INTEGER = re.compile(r"^[+-]?\d+$")
# One cell holding several e-mails or phones: Google's " ::: ", or ";" / "," between them.
_MULTI_VALUE = re.compile(r"\s*(?::::|;|,)\s*")
XLSX = "xlsx"
CSV = "csv"
ZIP_MAGIC = b"PK\x03\x04"
# csv's default cap is 128 KiB per cell; a longer cell is a broken file, reported as such.
csv.field_size_limit(1024 * 1024)


class UnreadableFile(ValueError):
    """The upload is not a file this importer can read; the message says why."""


class EncodingSniffer:
    """Fed the upload chunk by chunk: an XLSX workbook (a zip), UTF-16 text with its BOM (Excel's
    "Unicode Text"), UTF-8 (with or without BOM) if every byte decodes, else Windows-1252 (what
    spreadsheets on Windows write), else Latin-1, which decodes anything."""

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._cp1252 = codecs.getincrementaldecoder("cp1252")()
        self._utf16 = codecs.getincrementaldecoder("utf-16")()
        self.is_utf8 = True
        self.is_cp1252 = True
        self.is_utf16 = False
        self.is_zip = False
        self.has_bom = False
        # NUL bytes in 8-bit text mean a binary file (an image, an .xls), not CSV text.
        self.has_nul = False
        self._first = True

    def feed(self, chunk: bytes) -> None:
        if self._first:
            self.has_bom = chunk.startswith(codecs.BOM_UTF8)
            self.is_utf16 = chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
            self.is_zip = chunk.startswith(ZIP_MAGIC)
            self._first = False
        if self.is_zip:
            return
        if self.is_utf16:
            try:
                self._utf16.decode(chunk)
            except UnicodeDecodeError:
                self.is_utf16 = False
                self.has_nul = True
            return
        self.has_nul = self.has_nul or b"\x00" in chunk
        for name, decoder in (("is_utf8", self._utf8), ("is_cp1252", self._cp1252)):
            if getattr(self, name):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    setattr(self, name, False)

    @property
    def kind(self) -> str:
        return XLSX if self.is_zip else CSV

    def encoding(self) -> str:
        if self.is_utf16:
            try:
                self._utf16.decode(b"", final=True)
                return "utf-16"
            except UnicodeDecodeError:  # an odd number of bytes: not UTF-16 text after all
                self.is_utf16, self.has_nul = False, True
                return "latin-1"
        if self.is_utf8:
            try:
                self._utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                self.is_utf8 = False
        if self.is_utf8:
            return "utf-8-sig" if self.has_bom else "utf-8"
        return "cp1252" if self.is_cp1252 else "latin-1"


def detect_delimiter(sample: str) -> str:
    """csv.Sniffer among , ; tab |; when it cannot decide, the candidate most frequent in the header."""
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        delimiter = ""
    first_line = sample.splitlines()[0] if sample else ""
    if len(delimiter) != 1 or delimiter not in DELIMITERS or delimiter not in first_line:
        counts = {d: first_line.count(d) for d in DELIMITERS}
        delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    return delimiter


def errors_report_path(upload: Path) -> Path:
    """Where the import job writes every row error of this upload as CSV (served by the API)."""
    return upload.with_name(upload.stem + ".errors.csv")


def warnings_report_path(upload: Path) -> Path:
    """Where the import job writes the cells it left out (bad optional values)."""
    return upload.with_name(upload.stem + ".warnings.csv")


def open_rows(path: Path, encoding: str, delimiter: str) -> Iterator[list[str]]:
    """Records of a text file, lazily (the file is never read whole)."""
    with path.open(encoding=encoding, newline="") as handle:
        yield from csv.reader(handle, delimiter=delimiter, strict=False)


def xlsx_cell(value: Any) -> str:
    """A spreadsheet value as the text a CSV export of it would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def open_xlsx_rows(path: Path) -> Iterator[list[str]]:
    """Rows of the workbook's first sheet, streamed (openpyxl read-only mode: one row in memory)."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    with path.open("rb") as handle:  # a file object: openpyxl would judge a path by its extension
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, SyntaxError) as exc:
            # SyntaxError: xml.etree's ParseError, a workbook part that is not XML.
            raise UnreadableFile(f"this is not a readable XLSX workbook ({type(exc).__name__})") from None
        try:
            if not workbook.worksheets:
                return
            rows = workbook.worksheets[0].iter_rows(values_only=True)
            while True:
                try:
                    values = next(rows, None)
                except Exception as exc:  # a broken sheet inside a valid zip (bad XML, bad cell)
                    raise UnreadableFile(
                        f"the workbook's first sheet is not readable ({type(exc).__name__})"
                    ) from None
                if values is None:
                    return
                cells = [xlsx_cell(v) for v in values]
                while cells and cells[-1] == "":
                    cells.pop()
                yield cells
        finally:
            workbook.close()


@dataclass(frozen=True)
class FileShape:
    """How an upload is read: CSV text (with its encoding and delimiter) or an XLSX workbook."""

    kind: str
    encoding: str | None
    delimiter: str | None

    def records(self, path: Path) -> Iterator[list[str]]:
        if self.kind == XLSX:
            return open_xlsx_rows(path)
        assert self.encoding is not None and self.delimiter is not None
        return open_rows(path, self.encoding, self.delimiter)

    def params(self) -> dict[str, Any]:
        return {"file_kind": self.kind, "encoding": self.encoding, "delimiter": self.delimiter}

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> FileShape:
        return cls(params.get("file_kind", CSV), params.get("encoding"), params.get("delimiter"))


def clean_header(raw: list[str]) -> list[str]:
    return [restore(cell).strip() for cell in raw]


def sniff_file(path: Path, kind: str, encoding: str) -> tuple[FileShape, list[str]]:
    """How to read the file and its header row (cells un-neutralised and stripped)."""
    if kind == XLSX:
        shape = FileShape(XLSX, None, None)
    else:
        with path.open(encoding=encoding, newline="") as handle:
            try:
                sample = handle.read(SAMPLE_BYTES)
            except UnicodeDecodeError:
                raise UnreadableFile(f"the file is not valid {encoding} text") from None
        if not sample.strip():
            raise UnreadableFile("the file is empty")
        shape = FileShape(CSV, encoding, detect_delimiter(sample))
    try:
        header = clean_header(next(shape.records(path), []))
    except csv.Error as exc:
        raise UnreadableFile(f"the header row is not valid CSV: {exc}") from None
    if not any(header):
        raise UnreadableFile("the first row must hold the column headers")
    return shape, header


def validate_mapping(mapping: Any, header: list[str], custom_keys: set[str]) -> dict[str, str]:
    """{"CSV header": "field"}: every header must be in the file, every field importable, no field
    twice (except e-mail, phone and country, where the first valid column wins), and something that
    identifies a contact mapped (a name, e-mail, phone or this product's ID), else no row could land."""
    if not isinstance(mapping, dict) or not mapping:
        raise FieldError(["mapping"], 'expected a JSON object {"CSV header": "field"}')
    if len(mapping) > MAX_MAPPING:
        raise FieldError(["mapping"], f"at most {MAX_MAPPING} mapped columns")
    result: dict[str, str] = {}
    used: dict[str, str] = {}
    for raw_header, target in mapping.items():
        column = str(raw_header).strip()
        loc: list[str | int] = ["mapping", str(raw_header)]
        if not isinstance(target, str):
            raise FieldError(loc, "the field must be a string")
        if column not in header:
            raise FieldError(loc, f"the file has no column '{column}'")
        if header.count(column) > 1:
            raise FieldError(loc, f"the file has more than one column '{column}'")
        if target.startswith(CUSTOM_PREFIX):
            if target.removeprefix(CUSTOM_PREFIX) not in custom_keys:
                raise FieldError(loc, f"unknown custom field '{target}'")
        elif target not in IMPORTABLE_FIELDS and target not in PSEUDO_FIELDS:
            raise FieldError(loc, f"'{target}' is not a field an import can set")
        if target in used and target not in FALLBACK_FIELDS:
            raise FieldError(loc, f"'{target}' is already mapped from '{used[target]}'")
        used.setdefault(target, column)
        result[column] = target
    if not IDENTITY_TARGETS & set(used):
        raise FieldError(["mapping"], "map at least one of full_name, first_name, last_name, email or phone")
    return result


def split_tags(text: str, layout: Layout | None) -> list[str]:
    """Tags of one cell, split on the source tool's separator. Google joins labels with " ::: " and
    marks its own groups with "* " ("* myContacts"), which are dropped. ";"-separated cells are read as
    CSV fields, so a tag holding ";" (written quoted by this product's export) comes back whole."""
    separator = layout.tag_separator if layout else (GOOGLE_SEPARATOR if GOOGLE_SEPARATOR in text else ";")
    if separator == GOOGLE_SEPARATOR:
        parts = text.split(GOOGLE_SEPARATOR)
        drop_system = True
    else:
        parts = next(csv.reader([text], delimiter=separator, skipinitialspace=True, strict=False), [])
        drop_system = bool(layout and layout.drop_system_labels)
    tags = [part.strip() for part in parts]
    return [t for t in tags if t and not (drop_system and t.startswith("* "))]


def parse_tags(text: str) -> list[str]:
    return split_tags(text, None)


def parse_custom_text(field_type: str, text: str, loc: list[str | int]) -> Any:
    """A cell as the JSON value shared.custom_fields.coerce_value expects for this field type."""
    if field_type == "number":
        try:
            return int(text) if _INTEGER.match(text) else float(text)
        except ValueError:
            raise FieldError(loc, f"'{text}' is not a number") from None
    if field_type == "boolean":
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise FieldError(loc, f"'{text}' is not true or false")
    return text


def split_full_name(text: str) -> tuple[str | None, str | None]:
    """(first name, last name) by nameparser: "van der Berg, Jan" -> ("Jan", "van der Berg");
    "Mary Ann O'Neil III" -> ("Mary Ann", "O'Neil III"); titles ("Dr.") are left out."""
    name = HumanName(text)
    first = " ".join(p for p in (name.first, name.middle) if p) or None
    last = " ".join(p for p in (name.last, name.suffix) if p) or None
    if first is None:  # only a last name, or only a title: the contact still needs a first name
        first, last = last or text, None
    return first, last


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ParsedRow:
    """A row that lands: normalised standard fields and typed custom values, only those the row
    gives (a blank cell given as None / [] when blank cells clear), and the cells it left out."""

    row: int
    values: dict[str, Any]
    custom: dict[str, Any]
    warnings: list[RowError] = field(default_factory=list)
    clear_custom: set[str] = field(default_factory=set)
    contact_id: uuid.UUID | None = None
    # The whole name the first and last name were split from (kept when it already reads the same).
    full_name: str | None = None

    @property
    def email(self) -> str | None:
        return self.values.get("email")

    @property
    def phone(self) -> str | None:
        return self.values.get("phone")

    @property
    def identified(self) -> bool:
        return any(self.values.get(f) for f in IDENTITY_FIELDS)


@dataclass
class ImportPlan:
    """What a row is read with: the file's column positions, field definitions, the users, the
    source layout, the workspace's default country and the import's options."""

    columns: list[tuple[int, str, str]]  # (position in the file, header, target field), mapping order
    definitions: dict[str, ContactField]
    users: dict[str, uuid.UUID] = field(default_factory=dict)  # lower-cased e-mail and id -> user id
    layout: Layout | None = None
    default_country: str | None = None
    on_invalid_cell: str = "skip_cell"
    blank_cells: str = "keep"

    @classmethod
    def build(
        cls,
        header: list[str],
        mapping: dict[str, str],
        definitions: dict[str, ContactField],
        users: list[tuple[uuid.UUID, str]],
        *,
        layout: str | None = None,
        default_country: str | None = None,
        on_invalid_cell: str = "skip_cell",
        blank_cells: str = "keep",
    ) -> ImportPlan:
        columns = [(header.index(h), h, target) for h, target in mapping.items() if h in header]
        lookup: dict[str, uuid.UUID] = {}
        for user_id, email in users:
            lookup[email.lower()] = user_id
            lookup[str(user_id)] = user_id
        return cls(
            columns,
            definitions,
            lookup,
            LAYOUTS_BY_NAME.get(layout or ""),
            default_country,
            on_invalid_cell,
            blank_cells,
        )


def _first_valid(
    cells: list[tuple[str, str]], normalize: Any, problems: list[RowError], row: int
) -> str | None:
    """The first value that passes, across the columns and the values inside each cell; when none
    does, the first problem is reported against its column."""
    first_problem: RowError | None = None
    for header, text in cells:
        for part in _MULTI_VALUE.split(text):
            if not part:
                continue
            try:
                value: str | None = normalize(part)
            except FieldError as exc:
                first_problem = first_problem or RowError(row, header, exc.msg)
                continue
            if value:
                return value
    if first_problem:
        problems.append(first_problem)
    return None


def _email_value(text: str) -> str | None:
    """An address, also written with its display name: "Ann Lee <ann@example.com>"."""
    address = parseaddr(text)[1] if "<" in text else text
    return normalize_email(address or text, ["email"])


def _single_value(target: str, text: str, plan: ImportPlan) -> Any:
    loc: list[str | int] = [target]
    if target in PLAIN_NAMES:  # kept as given, at most the registry's length
        limit = BY_NAME[target].max_length
        if len(text) > limit:
            raise FieldError(loc, f"at most {limit} characters")
        return text
    if target == "language":
        return normalize_language(text, loc)
    if target == "profile_pic_url":
        return normalize_url(text, loc)
    if target == "tags":
        tags = unique_tags(split_tags(text, plan.layout))
        if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG_CHARS for t in tags):
            raise FieldError(loc, f"at most {MAX_TAGS} tags of at most {MAX_TAG_CHARS} characters")
        return tags
    if target == "assignee_id":
        user_id = plan.users.get(text.lower())
        if user_id is None:
            raise FieldError(loc, f"'{text}' is not the e-mail or id of a user of this workspace")
        return user_id
    raise FieldError(loc, f"'{target}' cannot be imported")


def _derived_name(text: str, cells: list[str], header: str, plan: ImportPlan) -> bool:
    """In this product's export, a display name found inside another cell of the row (the channel
    identity of a contact without name, e-mail or phone: "WhatsApp (60123456789)") is no name."""
    position = next(p for p, h, _ in plan.columns if h == header)
    return any(text in restore(cell) for p, cell in enumerate(cells) if p != position)


def _cleared(target: str) -> Any:
    return [] if target == "tags" else None


def parse_row(row: int, cells: list[str], plan: ImportPlan) -> ParsedRow | list[RowError]:
    """One record checked with the contact rules. Blank cells are "not given" (kept), or clear the
    value when the import says so. Cells are un-neutralised first, so a file this module exported
    reads back exactly. Returns the row's errors when it fails."""
    by_target: dict[str, list[tuple[str, str]]] = {}
    for position, header, target in plan.columns:
        text = restore(cells[position]).strip() if position < len(cells) else ""
        by_target.setdefault(target, []).append((header, text))
    given = {t: [(h, v) for h, v in pairs if v] for t, pairs in by_target.items()}
    problems: list[RowError] = []
    values: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    clear_custom: set[str] = set()

    country = _first_valid(given.get("country", []), lambda v: parse_country(v, ["country"]), problems, row)
    if country:
        values["country"] = country
    region = country or plan.default_country
    email = _first_valid(given.get("email", []), _email_value, problems, row)
    if email:
        values["email"] = email
    phone = _first_valid(
        given.get("phone", []), lambda v: normalize_phone(v, region, ["phone"]), problems, row
    )
    if phone:
        values["phone"] = phone

    contact_id = None
    for header, text in given.get(CONTACT_ID, []):
        try:
            contact_id = uuid.UUID(text)
        except ValueError:
            problems.append(RowError(row, header, f"'{text}' is not a contact ID of this product"))

    for target, pairs in given.items():
        if not pairs or target in FALLBACK_FIELDS or target in PSEUDO_FIELDS:
            continue
        header, text = pairs[0]
        try:
            if target.startswith(CUSTOM_PREFIX):
                key = target.removeprefix(CUSTOM_PREFIX)
                definition = plan.definitions[key]
                loc: list[str | int] = ["custom_fields", key]
                custom[key] = coerce_value(
                    definition, parse_custom_text(definition.type, text, loc), loc, region
                )
            else:
                values[target] = _single_value(target, text, plan)
        except FieldError as exc:
            problems.append(RowError(row, header, exc.msg))

    full_name = None
    for header, text in given.get(FULL_NAME, []):
        # A whole name fills in rows without first and last name; an export's display name that is
        # only the contact's phone or e-mail (no name) is not a name.
        raw_contacts = {v for t in ("email", "phone") for _, v in given.get(t, [])}
        if given.get("first_name") or given.get("last_name") or text in raw_contacts:
            continue
        if (
            plan.layout is not None
            and plan.layout.name == "contacts_module"
            and _derived_name(text, cells, header, plan)
        ):
            continue
        if len(text) > 2 * MAX_NAME:
            problems.append(RowError(row, header, f"at most {2 * MAX_NAME} characters"))
            continue
        first, last = split_full_name(text)
        values["first_name"], values["last_name"] = first, last
        full_name = text

    if plan.blank_cells == "clear":
        for target in by_target:
            if given.get(target) or target in PSEUDO_FIELDS:
                continue
            if target.startswith(CUSTOM_PREFIX):
                clear_custom.add(target.removeprefix(CUSTOM_PREFIX))
            elif not (target in ("first_name", "last_name") and full_name):
                values.setdefault(target, _cleared(target))

    if problems and plan.on_invalid_cell == "fail_row":
        return problems
    parsed = ParsedRow(row, values, custom, problems, clear_custom, contact_id, full_name)
    if not parsed.identified and contact_id is None:
        if problems:
            return problems
        headers = {t: h for _, h, t in plan.columns}
        column = next((headers[f] for f in (*IDENTITY_FIELDS, FULL_NAME) if f in headers), "")
        return [RowError(row, column, "a name, e-mail or phone is required")]
    return parsed
