"""The export's CSV rendered by PostgreSQL: one `COPY (SELECT ...) TO STDOUT` whose every cell is
what shared.csv_format's rules and shared.csv_safety.neutralize make of it, written in SQL.

- Text columns as stored; an empty value is an empty cell.
- The name: first and last name, else the phone, else the e-mail, else the id on the contact's first
  channel (shared.contact_source.display_name).
- Tags joined by "; ", a tag holding ";" or starting with a quote quoted as a CSV field of its own
  (csv_format.render_tags); channels as "Name (external id)" joined by "; " in the order linked.
- The assignee as the user's e-mail, the last interacted channel by its name (of this workspace).
- Times in ISO 8601, UTC, with microseconds only when there are any ("2026-01-02T10:00:00+00:00").
- Custom values as their JSON text (`->>`: strings as they are, true/false, numbers as stored).
- Every cell formula-safe: a leading = + - @ tab CR or LF gets a quote, except a plain negative
  number; a quote already before a trigger gets one more, so the import's restore() is exact.
The rows come either from the workspace's visible contacts in id order, or from the temporary table
of a selection's ids (STAGED_IDS: pos, id) in its order.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from psycopg import sql

from shared.columns import CUSTOM_PREFIX
from shared.contact_rules import TAG_SEPARATOR
from shared.csv_format import DATETIME_COLUMNS, LIST_SEPARATOR
from shared.csv_safety import ESCAPE, FORMULA_TRIGGERS

STAGED_IDS = "export_ids"

Q = sql.SQL
L = sql.Literal
_TRIGGERS = Q(", ").join(L(c) for c in sorted(FORMULA_TRIGGERS))
# shared.csv_safety's _NEGATIVE_NUMBER and _quoted_trigger, as PostgreSQL regular expressions.
_PLAIN_NEGATIVE = L(r"^-[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$")
_QUOTED_TRIGGER = L("^" + ESCAPE + "+[-" + "".join(sorted(FORMULA_TRIGGERS - {"-"})) + "]")


def safe(value: sql.Composable) -> sql.Composed:
    """neutralize() of a text expression, NULL staying NULL."""
    return Q(
        "CASE WHEN left({v}, 1) IN ({triggers}) "
        "THEN CASE WHEN {v} ~ {negative} THEN {v} ELSE {esc} || {v} END "
        "WHEN left({v}, 1) = {esc} AND {v} ~ {quoted} THEN {esc} || {v} ELSE {v} END"
    ).format(v=value, triggers=_TRIGGERS, negative=_PLAIN_NEGATIVE, esc=L(ESCAPE), quoted=_QUOTED_TRIGGER)


def iso_utc(value: sql.Composable) -> sql.Composed:
    """datetime.isoformat() of the UTC time: microseconds only when non-zero."""
    return Q(
        "to_char({v} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
        "to_char({v} AT TIME ZONE 'UTC', 'US') = '000000' THEN '' "
        "ELSE to_char({v} AT TIME ZONE 'UTC', '.US') END || '+00:00'"
    ).format(v=value)


TAGS = Q(
    "(SELECT string_agg(CASE WHEN position({sep} in t) > 0 OR left(t, 1) = '\"' "
    "THEN '\"' || replace(t, '\"', '\"\"') || '\"' ELSE t END, {joiner} ORDER BY n) "
    "FROM unnest(c.tags) WITH ORDINALITY AS u(t, n))"
).format(sep=L(TAG_SEPARATOR), joiner=L(LIST_SEPARATOR))
CHANNELS_JOIN = Q(
    "LEFT JOIN LATERAL (SELECT "
    "string_agg(ch.name || ' (' || cc.external_id || ')', {joiner} ORDER BY cc.created_at, cc.id) AS cells, "
    "(array_agg(cc.external_id ORDER BY cc.created_at, cc.id))[1] AS first_id "
    "FROM contact_channels cc JOIN channels ch ON ch.id = cc.channel_id "
    "WHERE cc.contact_id = c.id AND cc.workspace_id = c.workspace_id) chan ON true"
).format(joiner=L(LIST_SEPARATOR))
ASSIGNEE_JOIN = Q(
    "LEFT JOIN users assignee ON assignee.id = c.assignee_id AND assignee.workspace_id = c.workspace_id"
)
LAST_CHANNEL_JOIN = Q(
    "LEFT JOIN channels last_channel ON last_channel.id = c.last_interacted_channel_id "
    "AND last_channel.workspace_id = c.workspace_id"
)
DISPLAY_NAME = Q(
    "COALESCE(NULLIF(concat_ws(' ', NULLIF(c.first_name, ''), NULLIF(c.last_name, '')), ''), "
    "NULLIF(c.phone, ''), NULLIF(c.email, ''), chan.first_id)"
)
SPECIAL: dict[str, sql.Composable] = {
    "display_name": DISPLAY_NAME,
    "id": Q("c.id::text"),
    "tags": TAGS,
    "channels": Q("chan.cells"),
    "assignee_id": Q("assignee.email"),
    "last_interacted_channel_id": Q("last_channel.name"),
}


def cell(column: str) -> sql.Composable:
    """The text of one column for contact `c` (NULL or '' for an empty cell)."""
    if column.startswith(CUSTOM_PREFIX):
        return Q("(c.custom_fields ->> {key})").format(key=L(column.removeprefix(CUSTOM_PREFIX)))
    if column in SPECIAL:
        return SPECIAL[column]
    if column in DATETIME_COLUMNS:
        return iso_utc(sql.Identifier("c", column))
    return Q("{}::text").format(sql.Identifier("c", column))


def export_copy_sql(
    columns: Sequence[str], custom_keys: Collection[str], workspace_id: uuid.UUID, *, staged: bool
) -> sql.Composed:
    """The COPY statement writing the data rows (columns already checked by validate_columns)."""
    for column in columns:
        if column.startswith(CUSTOM_PREFIX) and column.removeprefix(CUSTOM_PREFIX) not in custom_keys:
            raise ValueError(f"unknown custom field {column!r}")
    names = [sql.Identifier(f"v{k}") for k in range(len(columns))]
    # An empty cell is NULL (written unquoted, as Python's csv writes it), except in a one-column
    # file, where an unquoted empty cell would be an empty line that readers skip: there it is "".
    empty = Q("''") if len(columns) == 1 else Q("NULL")
    values = Q(", ").join(
        Q("NULLIF({}, '') AS {}").format(cell(column), name)
        for column, name in zip(columns, names, strict=True)
    )
    outer = Q(", ").join(Q("COALESCE({}, {})").format(safe(name), empty) for name in names)
    joins: list[sql.Composable] = []
    if "display_name" in columns or "channels" in columns:
        joins.append(CHANNELS_JOIN)
    if "assignee_id" in columns:
        joins.append(ASSIGNEE_JOIN)
    if "last_interacted_channel_id" in columns:
        joins.append(LAST_CHANNEL_JOIN)
    source: sql.Composable
    if staged:
        source = Q("{} e JOIN contacts c ON c.id = e.id").format(sql.Identifier(STAGED_IDS))
        order = Q("e.pos")
    else:
        source, order = Q("contacts c"), Q("c.id")
    # OFFSET 0 keeps the cells computed once per row (the CASE of safe() reads each several times);
    # the outer query only projects, so the rows keep the inner order.
    return Q(
        "COPY (SELECT {outer} FROM (SELECT {values} FROM {source} {joins} "
        "WHERE c.workspace_id = {ws} AND c.merged_into_id IS NULL ORDER BY {order} OFFSET 0) cells) "
        "TO STDOUT WITH (FORMAT csv)"
    ).format(
        outer=outer,
        values=values,
        source=source,
        joins=Q(" ").join(joins),
        ws=L(str(workspace_id)),
        order=order,
    )
