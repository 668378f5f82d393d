"""The files people bring: the export layouts of the tools they leave, recognised by their headers,
and a suggested mapping for any other file from header names and their common synonyms.

A layout names its exact headers (as the tool writes them) and the field each one fills. Several
columns may fill e-mail, phone or country: the first valid value, in mapping order, is the contact's
(Outlook's "E-mail Address" then "E-mail 2 Address"; Google's "Phone 1 - Value" then "Phone 2 - Value").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from shared.columns import COLUMN_LABELS, CUSTOM_PREFIX
from shared.countries import fold_name
from shared.fields import names

# Import-only targets: a whole name split by a name parser, and this product's contact id.
FULL_NAME = "full_name"
CONTACT_ID = "id"
ID_LABEL = "ID"
# Fields several columns may fill, the first valid value winning.
FALLBACK_FIELDS = frozenset({"email", "phone", "country"})

GOOGLE_SEPARATOR = ":::"


@dataclass(frozen=True)
class Layout:
    name: str
    # The layout is recognised when every header of one of these sets is in the file.
    signatures: tuple[frozenset[str], ...]
    # Exact header -> field, in priority order for the fallback fields.
    mapping: dict[str, str]
    tag_separator: str = ";"
    # Google marks its own groups ("* myContacts", "* starred"); they are not the user's tags.
    drop_system_labels: bool = False
    # Headers that, when present, make the layout not apply (their own export has them).
    excludes: frozenset[str] = field(default_factory=frozenset)


def _sig(*headers: str) -> frozenset[str]:
    return frozenset(headers)


GOOGLE_CONTACTS = Layout(
    "google_contacts",
    (
        # Google Contacts "Google CSV" since 2023.
        _sig("First Name", "Last Name", "Labels", "E-mail 1 - Value"),
        _sig("First Name", "Last Name", "Labels", "Phone 1 - Value"),
        # The earlier Google CSV (Gmail contacts).
        _sig("Given Name", "Family Name", "Group Membership", "E-mail 1 - Value"),
        _sig("Given Name", "Family Name", "Group Membership", "Phone 1 - Value"),
    ),
    {
        "First Name": "first_name",
        "Given Name": "first_name",
        "Last Name": "last_name",
        "Family Name": "last_name",
        "Name": FULL_NAME,
        "E-mail 1 - Value": "email",
        "E-mail 2 - Value": "email",
        "E-mail 3 - Value": "email",
        "Phone 1 - Value": "phone",
        "Phone 2 - Value": "phone",
        "Phone 3 - Value": "phone",
        "Address 1 - Country": "country",
        "Address 2 - Country": "country",
        "Labels": "tags",
        "Group Membership": "tags",
        "Photo": "profile_pic_url",
    },
    tag_separator=GOOGLE_SEPARATOR,
    drop_system_labels=True,
)

OUTLOOK = Layout(
    "outlook",
    (
        _sig("First Name", "Last Name", "E-mail Address", "Mobile Phone"),
        _sig("First Name", "Last Name", "E-mail Address", "Business Phone"),
    ),
    {
        "First Name": "first_name",
        "Last Name": "last_name",
        "E-mail Address": "email",
        "E-mail 2 Address": "email",
        "E-mail 3 Address": "email",
        "Mobile Phone": "phone",
        "Primary Phone": "phone",
        "Home Phone": "phone",
        "Business Phone": "phone",
        "Home Country/Region": "country",
        "Business Country/Region": "country",
        "Other Country/Region": "country",
        "Home Country": "country",
        "Business Country": "country",
        "Categories": "tags",
    },
)

HUBSPOT = Layout(
    "hubspot",
    (
        _sig("Record ID", "First Name", "Last Name", "Email"),
        _sig("Record ID", "First Name", "Last Name", "Phone Number"),
        _sig("Contact ID", "First Name", "Last Name", "Email", "Lifecycle Stage"),
    ),
    {
        "First Name": "first_name",
        "Last Name": "last_name",
        "Email": "email",
        "Mobile Phone Number": "phone",
        "Phone Number": "phone",
        "WhatsApp Phone Number": "phone",
        "Country/Region": "country",
        "Country/Region Code": "country",
        # Not a HubSpot default property: a multiple checkboxes property a team made, ";"-separated.
        "Tags": "tags",
    },
    excludes=frozenset({"E-mail Address", "Labels"}),
)

CHATWOOT = Layout(
    "chatwoot",
    (
        _sig("id", "name", "email", "phone_number"),
        _sig("name", "email", "phone_number", "identifier"),
    ),
    {
        "name": FULL_NAME,
        "email": "email",
        "phone_number": "phone",
        "country_code": "country",
    },
)

# This product's own export: its column labels (shared.columns) and the ID column (shared.csv_format).
_OWN_MARKERS = frozenset(
    {
        COLUMN_LABELS["channels"],
        COLUMN_LABELS["conversation_status"],
        COLUMN_LABELS["conversation_opened_at"],
        COLUMN_LABELS["last_interaction_at"],
        COLUMN_LABELS["last_incoming_message_at"],
        COLUMN_LABELS["last_interacted_channel_id"],
        COLUMN_LABELS["assignee_id"],
        ID_LABEL,
    }
)
# The registry's fields an export writes and an import reads back (shared.fields).
OWN_IMPORTABLE = names(importable=True, exportable=True)
CONTACTS_MODULE = Layout(
    "contacts_module",
    tuple(_sig(COLUMN_LABELS["display_name"], marker) for marker in sorted(_OWN_MARKERS)),
    {
        ID_LABEL: CONTACT_ID,
        **{COLUMN_LABELS[name]: name for name in OWN_IMPORTABLE},
    },
)

# Most specific first: HubSpot's and Outlook's "First Name"/"Last Name" are also Google's.
LAYOUTS: tuple[Layout, ...] = (CONTACTS_MODULE, GOOGLE_CONTACTS, HUBSPOT, OUTLOOK, CHATWOOT)
LAYOUTS_BY_NAME = {layout.name: layout for layout in LAYOUTS}

# Any other file: header synonyms, folded by shared.countries.fold_name
# ("E-mail Address" -> "e mail address").
SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": ("first name", "firstname", "first", "given name", "forename", "prenom", "vorname"),
    "last_name": ("last name", "lastname", "last", "surname", "family name", "nom", "nachname"),
    FULL_NAME: ("name", "full name", "fullname", "contact name", "contact", "display name", "customer name"),
    "email": (
        "email",
        "e mail",
        "email address",
        "e mail address",
        "mail",
        "email 1",
        "e mail 1 value",
        "primary email",
        "work email",
        "personal email",
        "email 2",
        "e mail 2 address",
    ),
    "phone": (
        "phone",
        "phone number",
        "mobile",
        "mobile phone",
        "mobile number",
        "mobile phone number",
        "cell",
        "cell phone",
        "cellphone",
        "telephone",
        "tel",
        "whatsapp",
        "whatsapp number",
        "msisdn",
        "phone 1 value",
        "primary phone",
        "business phone",
        "home phone",
        "work phone",
    ),
    "country": ("country", "country region", "country code", "nation", "address 1 country"),
    "language": ("language", "lang", "locale", "preferred language"),
    "tags": ("tags", "tag", "labels", "label", "categories", "category", "groups", "group membership"),
    "profile_pic_url": ("photo", "avatar", "avatar url", "picture", "profile picture", "profile pic url"),
    "assignee_id": ("assignee", "assignee email", "assigned to", "agent email"),
    # No synonym for CONTACT_ID: another tool's "Contact ID" is its own id, not this product's.
}
_QUALIFIED = re.compile(r"^.* \(custom\.([^()]+)\)$")
_SYNONYM_INDEX: dict[str, str] = {
    synonym: target for target, synonyms in SYNONYMS.items() for synonym in synonyms
}


def detect_layout(header: Iterable[str]) -> Layout | None:
    present = set(header)
    for layout in LAYOUTS:
        if present & layout.excludes:
            continue
        if any(signature <= present for signature in layout.signatures):
            return layout
    return None


def _unique_headers(header: list[str]) -> list[str]:
    """Headers that appear once and are not blank (a repeated header cannot be mapped)."""
    return [h for h in header if h and header.count(h) == 1]


def _add(mapping: dict[str, str], used: set[str], column: str, target: str) -> None:
    if column in mapping or (target in used and target not in FALLBACK_FIELDS):
        return
    mapping[column] = target
    used.add(target)


def _layout_mapping(layout: Layout, header: list[str]) -> dict[str, str]:
    columns = _unique_headers(header)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for column, target in layout.mapping.items():  # the layout's priority order
        if column in columns:
            _add(mapping, used, column, target)
    if layout is CONTACTS_MODULE and not used & {"first_name", "last_name"}:
        # An export without the first and last name columns still has the display name.
        mapping[COLUMN_LABELS["display_name"]] = FULL_NAME
    return mapping


def suggest_mapping(header: list[str], custom_labels: dict[str, str]) -> tuple[str, dict[str, str]]:
    """(format name, {"header": "field"}) for a file: a known layout's own mapping plus custom fields
    matched by label or key, or for any other file the header synonyms."""
    layout = detect_layout(header)
    columns = _unique_headers(header)
    mapping = _layout_mapping(layout, header) if layout else {}
    used = set(mapping.values())
    custom_index: dict[str, str] = {}
    for key, label in custom_labels.items():
        custom_index.setdefault(fold_name(label), key)
        custom_index.setdefault(fold_name(key), key)
    for column in columns:
        if column in mapping:
            continue
        folded = fold_name(column)
        qualified = _QUALIFIED.match(column)  # our export's "Email (custom.email)"
        if qualified and qualified.group(1) in custom_labels:
            _add(mapping, used, column, CUSTOM_PREFIX + qualified.group(1))
        elif folded in custom_index:
            _add(mapping, used, column, CUSTOM_PREFIX + custom_index[folded])
        elif layout is None and folded in _SYNONYM_INDEX:
            _add(mapping, used, column, _SYNONYM_INDEX[folded])
    return (layout.name if layout else "csv"), mapping
