"""Adding a plain standard field is one registry row: a fresh interpreter whose shared/fields.py has
one extra row (`registry_probe`, a name no real field will take; nothing else changed) finds it in
every layer that derives from the registry, and in none of them is the field written by hand.

The row is added to the module's own source before anything imports it, so this fails as soon as a
layer stops deriving its plain fields from shared.fields.PLAIN (the model's columns, the API's
request and response models, the contact source, the card, the index document and mapping, the
service's and the importer's value rules, export, merge, filters, sort, GET /v1/fields). The
database half (the migration) is tests/integration/test_field_registry.py's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import shared.fields

# Runs in a child interpreter: registers the patched registry as shared.fields, then imports the
# layers and reports what each of them has of the new field.
PROBE = textwrap.dedent(
    """
    import json, sys, types, uuid
    from datetime import UTC, datetime
    import shared

    path = sys.argv[1]
    source = open(path, encoding="utf-8").read()
    anchor = "\\nBY_NAME: Mapping[str, FieldSpec]"
    assert source.count(anchor) == 1, "the registry's BY_NAME line moved: update this probe"
    row = '\\nFIELDS = (*FIELDS, _text("registry_probe", "Registry probe", plain=True, max_length=120))\\n'
    module = types.ModuleType("shared.fields")
    module.__file__ = path
    sys.modules["shared.fields"] = module
    shared.fields = module
    exec(compile(source.replace(anchor, row + anchor, 1), path, "exec"), module.__dict__)

    from api_service.contacts.schemas import ContactOut
    from api_service.contacts.service import validate_fields
    from api_service.main import create_app
    from api_service.merges.fields import STANDARD_FIELDS as MERGED
    from shared.columns import COLUMN_LABELS
    from shared.contact_card import contact_card
    from shared.contact_rules import FieldError
    from shared.contact_source import ContactSource
    from shared.csv_format import header_labels, validate_columns
    from shared.csv_sql import export_copy_sql
    from shared.csv_import import ImportPlan, parse_row, validate_mapping
    from shared.fields import BY_NAME, standard_field_spec
    from shared.import_layouts import suggest_mapping
    from shared.models import Contact
    from shared.search.filter_parser import parse_filter
    from shared.search.mapping import build_document, index_mappings
    from shared.search.query import compile_sort

    report = {}
    column = Contact.__table__.columns["registry_probe"]
    report["column"] = [str(column.type), column.nullable]
    schemas = create_app().openapi()["components"]["schemas"]
    report["schemas"] = {
        name: schemas[name]["properties"].get("registry_probe")
        for name in ("ContactCreate", "ContactUpdate", "ContactOut")
    }
    report["required_out"] = "registry_probe" in schemas["ContactOut"].get("required", [])
    report["order_out"] = list(schemas["ContactOut"]["properties"])[:5]
    report["service"] = validate_fields(None, uuid.uuid4(), {"registry_probe": "CTO"}, None)
    report["service_blank"] = validate_fields(None, uuid.uuid4(), {"registry_probe": ""}, None)
    now = datetime(2024, 5, 1, tzinfo=UTC)
    src = ContactSource(
        id=str(uuid.uuid4()), workspace_id=str(uuid.uuid4()), version=1, first_name="Ann",
        last_name=None, email=None, phone=None, country=None, language=None, assignee_id=None,
        tags=[], custom_fields={}, source="contacts_module", conversation_status="closed",
        conversation_opened_at=None, last_interaction_at=None, last_incoming_message_at=None,
        last_interacted_channel_id=None, created_at=now, updated_at=now, profile_pic_url=None,
        registry_probe="Chief Ëngineer",
    )
    card = contact_card(src)
    report["card"] = card.get("registry_probe")
    report["card_checks_out"] = ContactOut.model_validate(card).model_dump()["registry_probe"]
    report["document"] = build_document(src).get("registry_probe")
    report["mapping"] = index_mappings()["properties"].get("registry_probe")
    report["catalogue"] = standard_field_spec(BY_NAME["registry_probe"])
    report["filter"] = repr(parse_filter({"field": "registry_probe", "op": "contains", "value": "eng"}, {}))
    report["sort"] = compile_sort([("registry_probe", "asc")], {})[0]
    report["merge"] = "registry_probe" in MERGED
    report["export_header"] = header_labels(validate_columns(["id", "registry_probe"], {}), {})
    copy = export_copy_sql(["registry_probe"], [], uuid.uuid4(), staged=False).as_string(None)
    report["export_cell"] = '"c"."registry_probe"::text' in copy
    report["label"] = COLUMN_LABELS.get("registry_probe")
    header = ["Email", "Registry probe"]
    report["suggested"] = suggest_mapping(["Name", "ID", *header], {})
    mapping = validate_mapping({"Email": "email", "Registry probe": "registry_probe"}, header, set())
    plan = ImportPlan.build(header, mapping, {}, [])
    parsed = parse_row(2, ["ann@example.com", "  CTO "], plan)
    report["import"] = parsed.values.get("registry_probe")
    too_long = parse_row(2, ["ann@example.com", "x" * 121], plan)
    report["import_too_long"] = [e.message for e in too_long.warnings]
    print(json.dumps(report, default=str))
    """
)


def probe() -> dict[str, Any]:
    registry = Path(shared.fields.__file__)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(registry)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=registry.parent.parent,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_one_registry_row_is_a_whole_plain_field() -> None:
    report = probe()
    assert report["column"] == ["VARCHAR(120)", True]
    text_in = {"anyOf": [{"type": "string", "maxLength": 120}, {"type": "null"}], "title": "Registry Probe"}
    assert report["schemas"]["ContactCreate"] == text_in
    assert report["schemas"]["ContactUpdate"] == text_in
    text_out = {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Registry Probe"}
    assert report["schemas"]["ContactOut"] == text_out
    assert report["required_out"]
    # Plain fields come right after the id, in registry order (the new row is the last of them).
    assert report["order_out"] == ["id", "first_name", "last_name", "registry_probe", "email"]
    assert report["service"] == {"registry_probe": "CTO"} and report["service_blank"] == {
        "registry_probe": None
    }
    assert report["card"] == report["card_checks_out"] == "Chief Ëngineer"
    assert report["document"] == "chief engineer"  # folded like every standard text field
    assert report["mapping"] == {"type": "keyword"}
    assert report["catalogue"] == {
        "field": "registry_probe",
        "label": "Registry probe",
        "type": "text",
        "custom": False,
        "operators": ["eq", "neq", "contains", "not_contains", "starts_with", "exists", "not_exists"],
        "sortable": True,
        "facetable": False,
        "column": True,
        "importable": True,
    }
    assert "registry_probe" in report["filter"] and "contains" in report["filter"]
    assert "registry_probe" in json.dumps(report["sort"])
    assert report["merge"]
    assert report["export_header"] == ["ID", "Registry probe"] and report["export_cell"]
    assert report["label"] == "Registry probe"
    # This product's own export reads back: its "Registry probe" column maps to the field.
    assert report["suggested"][1].get("Registry probe") == "registry_probe"
    assert report["import"] == "CTO"
    assert report["import_too_long"] == ["at most 120 characters"]
