"""CSV import rules shared by the API (checks the upload and the mapping before a job exists) and
the worker (parses every row): encoding and delimiter detection, the mapping, typed cell parsing."""

from __future__ import annotations

import codecs
import csv
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.columns import CUSTOM_PREFIX
from shared.contact_rules import (
    MAX_TAG_CHARS,
    MAX_TAGS,
    TAG_SEPARATOR,
    FieldError,
    normalize_country,
    normalize_email,
    normalize_language,
    normalize_phone,
)
from shared.csv_safety import restore
from shared.custom_fields import coerce_value
from shared.fields import IDENTITY, IMPORTABLE
from shared.models import ContactField
from shared.text import fold

# Standard contact fields an import may set; read-only ones (display_name, channels, ...) are not.
IMPORTABLE_FIELDS = IMPORTABLE
IDENTITY_FIELDS = IDENTITY
DELIMITERS = ",;\t|"
SAMPLE_BYTES = 64 * 1024
MAX_MAPPING = 300
# The same limits as the contacts API.
MAX_NAME = 200
MAX_URL = 2048
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})
_INTEGER = re.compile(r"^[+-]?\d+$")
# csv's default cap is 128 KiB per cell; a longer cell is a broken file, reported as such.
csv.field_size_limit(1024 * 1024)


class UnreadableFile(ValueError):
    """The upload is not a CSV this importer can read; the message says why."""


class EncodingSniffer:
    """Fed the upload chunk by chunk: UTF-8 (with or without BOM) if every byte decodes, else
    Windows-1252 (what spreadsheets on Windows write), else Latin-1, which decodes anything."""

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._cp1252 = codecs.getincrementaldecoder("cp1252")()
        self.is_utf8 = True
        self.is_cp1252 = True
        self.has_bom = False
        # NUL bytes mean a binary file (a spreadsheet's .xlsx, an image), not CSV text.
        self.has_nul = False
        self._first = True

    def feed(self, chunk: bytes) -> None:
        if self._first:
            self.has_bom = chunk.startswith(codecs.BOM_UTF8)
            self._first = False
        self.has_nul = self.has_nul or b"\x00" in chunk
        for name, decoder in (("is_utf8", self._utf8), ("is_cp1252", self._cp1252)):
            if getattr(self, name):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    setattr(self, name, False)

    def encoding(self) -> str:
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


def open_rows(path: Path, encoding: str, delimiter: str) -> Iterator[list[str]]:
    """Records of the file, lazily (the file is never read whole)."""
    with path.open(encoding=encoding, newline="") as handle:
        yield from csv.reader(handle, delimiter=delimiter, strict=False)


def sniff_file(path: Path, encoding: str) -> tuple[str, list[str]]:
    """The delimiter and the header row (cells un-neutralised and stripped)."""
    with path.open(encoding=encoding, newline="") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if not sample.strip():
        raise UnreadableFile("the file is empty")
    delimiter = detect_delimiter(sample)
    try:
        header = next(open_rows(path, encoding, delimiter), [])
    except csv.Error as exc:
        raise UnreadableFile(f"the header row is not valid CSV: {exc}") from None
    header = [restore(cell).strip() for cell in header]
    if not any(header):
        raise UnreadableFile("the first row must hold the column headers")
    return delimiter, header


def validate_mapping(mapping: Any, header: list[str], custom_keys: set[str]) -> dict[str, str]:
    """{"CSV header": "field"}: every header must be in the file, every field importable, no field
    twice, and one of first name, e-mail or phone mapped (else no row could ever be valid)."""
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
        elif target not in IMPORTABLE_FIELDS:
            raise FieldError(loc, f"'{target}' is not a field an import can set")
        if target in used:
            raise FieldError(loc, f"'{target}' is already mapped from '{used[target]}'")
        used[target] = column
        result[column] = target
    if not any(f in used for f in IDENTITY_FIELDS):
        raise FieldError(["mapping"], "map at least one of first_name, email or phone")
    return result


def parse_tags(text: str) -> list[str]:
    return [tag.strip() for tag in text.split(TAG_SEPARATOR) if tag.strip()]


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


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ParsedRow:
    """A valid row: normalised standard fields and typed custom values, only those the row gives."""

    row: int
    values: dict[str, Any]
    custom: dict[str, Any]

    @property
    def email(self) -> str | None:
        return self.values.get("email")

    @property
    def phone(self) -> str | None:
        return self.values.get("phone")


@dataclass
class ImportPlan:
    """What a row is read with: the file's column positions, field definitions and the users."""

    columns: list[tuple[int, str, str]]  # (position in the file, header, target field)
    definitions: dict[str, ContactField]
    users: dict[str, uuid.UUID] = field(default_factory=dict)  # lower-cased e-mail and id -> user id

    @classmethod
    def build(
        cls,
        header: list[str],
        mapping: dict[str, str],
        definitions: dict[str, ContactField],
        users: list[tuple[uuid.UUID, str]],
    ) -> ImportPlan:
        columns = sorted((header.index(h), h, target) for h, target in mapping.items() if h in header)
        lookup: dict[str, uuid.UUID] = {}
        for user_id, email in users:
            lookup[email.lower()] = user_id
            lookup[str(user_id)] = user_id
        return cls(columns, definitions, lookup)


def unique_tags(tags: list[str]) -> list[str]:
    """Tags are unique per contact ignoring case and accents; the first spelling wins."""
    seen: set[str] = set()
    result: list[str] = []
    for tag in tags:
        if fold(tag) not in seen:
            seen.add(fold(tag))
            result.append(tag)
    return result


def _standard_value(target: str, text: str, country: str | None, plan: ImportPlan) -> Any:
    loc: list[str | int] = [target]
    if target in ("first_name", "last_name"):
        if len(text) > MAX_NAME:
            raise FieldError(loc, f"at most {MAX_NAME} characters")
        return text
    if target == "email":
        return normalize_email(text, loc)
    if target == "phone":
        return normalize_phone(text, country, loc)
    if target == "language":
        return normalize_language(text, loc)
    if target == "profile_pic_url":
        if len(text) > MAX_URL:
            raise FieldError(loc, f"at most {MAX_URL} characters")
        return text
    if target == "tags":
        tags = unique_tags(parse_tags(text))
        if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG_CHARS for t in tags):
            raise FieldError(loc, f"at most {MAX_TAGS} tags of at most {MAX_TAG_CHARS} characters")
        return tags
    if target == "assignee_id":
        user_id = plan.users.get(text.lower())
        if user_id is None:
            raise FieldError(loc, f"'{text}' is not the e-mail or id of a user of this workspace")
        return user_id
    raise FieldError(loc, f"'{target}' cannot be imported")


def parse_row(row: int, cells: list[str], plan: ImportPlan) -> ParsedRow | list[RowError]:
    """One CSV record checked with the contact rules. Blank cells are "not given": an import never
    clears a value. Cells are un-neutralised first, so a file this module exported reads back exactly."""
    given: dict[str, tuple[str, str]] = {}
    for position, header, target in plan.columns:
        text = restore(cells[position]).strip() if position < len(cells) else ""
        if text:
            given[target] = (header, text)
    errors: list[RowError] = []
    values: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    country = None
    if "country" in given:
        try:
            country = normalize_country(given["country"][1], ["country"])
            values["country"] = country
        except FieldError as exc:
            errors.append(RowError(row, given["country"][0], exc.msg))
    for target, (header, text) in given.items():
        try:
            if target.startswith(CUSTOM_PREFIX):
                key = target.removeprefix(CUSTOM_PREFIX)
                definition = plan.definitions[key]
                loc: list[str | int] = ["custom_fields", key]
                custom[key] = coerce_value(
                    definition, parse_custom_text(definition.type, text, loc), loc, country
                )
            elif target != "country":
                values[target] = _standard_value(target, text, country, plan)
        except FieldError as exc:
            errors.append(RowError(row, header, exc.msg))
    if errors:
        return errors
    if not any(values.get(f) for f in IDENTITY_FIELDS):
        headers = {t: h for _, h, t in plan.columns}
        column = next((headers[f] for f in IDENTITY_FIELDS if f in headers), "")
        return [RowError(row, column, "a first name, e-mail or phone is required")]
    return ParsedRow(row, values, custom)
