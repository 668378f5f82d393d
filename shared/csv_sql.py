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
The rows come either from the workspace's visible contacts in id order (all of them, or one range of
ids: a part of the export, id_ranges), or from the temporary table of a selection's ids
(STAGED_IDS: pos, id) in its order.
"""

from __future__ import annotations

import itertools
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


_TRIGGER_CODES = Q(", ").join(L(ord(c)) for c in sorted(FORMULA_TRIGGERS))


def safe(value: sql.Composable) -> sql.Composed:
    """neutralize() of a text expression, NULL staying NULL. The first character is read as a code
    (`ascii`, no string made), so a cell that starts with none of the triggers or the quote (nearly
    every cell) costs one comparison; the regular expressions run only on a "-" or a quote."""
    return Q(
        "CASE WHEN ascii({v}) IN ({triggers}) "
        "THEN CASE WHEN ascii({v}) = 45 AND {v} ~ {negative} THEN {v} ELSE {esc} || {v} END "
        "WHEN ascii({v}) = {esc_code} AND {v} ~ {quoted} THEN {esc} || {v} ELSE {v} END"
    ).format(
        v=value,
        triggers=_TRIGGER_CODES,
        negative=_PLAIN_NEGATIVE,
        esc=L(ESCAPE),
        esc_code=L(ord(ESCAPE)),
        quoted=_QUOTED_TRIGGER,
    )


def iso_utc(value: sql.Composable) -> sql.Composed:
    """datetime.isoformat() of the UTC time: microseconds only when non-zero."""
    return Q(
        "to_char({v} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
        "to_char({v} AT TIME ZONE 'UTC', 'US') = '000000' THEN '' "
        "ELSE to_char({v} AT TIME ZONE 'UTC', '.US') END || '+00:00'"
    ).format(v=value)


# Tags joined by "; " (array_to_string) when no tag holds ";" or a quote, which is nearly always;
# else each tag rendered on its own, a tag holding ";" or starting with a quote quoted.
TAGS = Q(
    "CASE WHEN position({sep} in array_to_string(c.tags, '')) = 0 "
    "AND position('\"' in array_to_string(c.tags, '')) = 0 THEN array_to_string(c.tags, {joiner}) "
    "ELSE (SELECT string_agg(CASE WHEN position({sep} in t) > 0 OR left(t, 1) = '\"' "
    "THEN '\"' || replace(t, '\"', '\"\"') || '\"' ELSE t END, {joiner} ORDER BY n) "
    "FROM unnest(c.tags) WITH ORDINALITY AS u(t, n)) END"
).format(sep=L(TAG_SEPARATOR), joiner=L(LIST_SEPARATOR))
_CHANNEL_CELLS = Q(
    "string_agg(ch.name || ' (' || cc.external_id || ')', {joiner} ORDER BY cc.created_at, cc.id) AS cells, "
    "(array_agg(cc.external_id ORDER BY cc.created_at, cc.id))[1] AS first_id "
    "FROM contact_channels cc JOIN channels ch ON ch.id = cc.channel_id"
).format(joiner=L(LIST_SEPARATOR))
# A selection's contacts look their channels up one by one; the whole workspace joins them grouped
# by contact in one pass (a hash join instead of an index probe per contact).
CHANNELS_JOIN = Q(
    "LEFT JOIN LATERAL (SELECT {cells} "
    "WHERE cc.contact_id = c.id AND cc.workspace_id = c.workspace_id) chan ON true"
).format(cells=_CHANNEL_CELLS)


def channels_grouped_join(workspace: sql.Composable, in_range: sql.Composable) -> sql.Composed:
    return Q(
        "LEFT JOIN (SELECT cc.contact_id, {cells} WHERE cc.workspace_id = {ws} {in_range} "
        "GROUP BY cc.contact_id) chan ON chan.contact_id = c.id"
    ).format(cells=_CHANNEL_CELLS, ws=workspace, in_range=in_range)


IdRange = tuple[uuid.UUID | None, uuid.UUID | None]
EVERY_ID: IdRange = (None, None)


def id_ranges(parts: int) -> list[IdRange]:
    """`parts` ranges of the uuid space, in order, together covering every id: (None, b1), (b1, b2),
    ..., (bn, None). Contact ids are random (uuid4), so each range holds about as many contacts."""
    bounds: list[uuid.UUID | None] = [None]
    bounds += [uuid.UUID(int=(k << 128) // parts) for k in range(1, parts)]
    bounds.append(None)
    return list(itertools.pairwise(bounds))


def range_condition(column: str, ids: IdRange) -> sql.Composed:
    """`AND lo <= column AND column < hi` for the bounds that are set (nothing for EVERY_ID)."""
    low, high = ids
    parts: list[sql.Composable] = [Q("")]
    if low is not None:
        parts.append(Q("AND {} >= {}::uuid").format(sql.Identifier(*column.split(".")), L(str(low))))
    if high is not None:
        parts.append(Q("AND {} < {}::uuid").format(sql.Identifier(*column.split(".")), L(str(high))))
    return Q(" ").join(parts)


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
NEVER_TRIGGERS = frozenset({"id", *DATETIME_COLUMNS})
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
    columns: Sequence[str],
    custom_keys: Collection[str],
    workspace_id: uuid.UUID,
    *,
    staged: bool,
    ids: IdRange = EVERY_ID,
) -> sql.Composed:
    """The COPY statement writing the data rows (columns already checked by validate_columns): of
    the staged ids, else of the workspace's contacts whose id is in `ids` (one part of an export)."""
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
    # An id or an ISO time starts with a digit or a hex digit: never a formula trigger or a quote.
    outer = Q(", ").join(
        Q("COALESCE({}, {})").format(name if column in NEVER_TRIGGERS else safe(name), empty)
        for column, name in zip(columns, names, strict=True)
    )
    ws = L(str(workspace_id))
    joins: list[sql.Composable] = []
    if "display_name" in columns or "channels" in columns:
        joins.append(
            CHANNELS_JOIN if staged else channels_grouped_join(ws, range_condition("cc.contact_id", ids))
        )
    if "assignee_id" in columns:
        joins.append(ASSIGNEE_JOIN)
    if "last_interacted_channel_id" in columns:
        joins.append(LAST_CHANNEL_JOIN)
    source: sql.Composable
    in_range: sql.Composable
    if staged:
        source = Q("{} e JOIN contacts c ON c.id = e.id").format(sql.Identifier(STAGED_IDS))
        order, in_range = Q("e.pos"), Q("")
    else:
        source, order, in_range = Q("contacts c"), Q("c.id"), range_condition("c.id", ids)
    # OFFSET 0 keeps the cells computed once per row (the CASE of safe() reads each several times);
    # the outer query only projects, so the rows keep the inner order.
    return Q(
        "COPY (SELECT {outer} FROM (SELECT {values} FROM {source} {joins} "
        "WHERE c.workspace_id = {ws} AND c.merged_into_id IS NULL {in_range} "
        "ORDER BY {order} OFFSET 0) cells) "
        "TO STDOUT WITH (FORMAT csv)"
    ).format(
        outer=outer,
        values=values,
        source=source,
        joins=Q(" ").join(joins),
        ws=ws,
        in_range=in_range,
        order=order,
    )
