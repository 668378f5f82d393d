"""Aggregations for dashboards: facets (how many contacts hold each value of a field) and date
histograms (how many contacts fall in each hour, day, week or month of a date field), over exactly
the contacts a search with the same query, filter and view selects.

The contacts are selected by the search compiler (shared.search.query.build_search_query, which
adds the workspace clause); this module only adds the `aggs` part of the request and reads the
answer. Requests are checked here, and a bad one raises AggregationError (a FieldError, so the API
answers 422) naming the node, e.g. ["facets", 2, "field"] or ["histograms", 0, "from"].

Counts are exact. Every search is routed by workspace, so only the shards of the workspace's
routing partition (one, or `index_routing_partition_size` of them) hold the contacts it counts;
each shard counts every value it holds (SHARD_SIZE, as long as a field has no more than SHARD_SIZE
distinct values in the workspace) before the top `size` by (count desc, value asc) are picked
from the summed counts, so spreading a workspace over several shards changes no count. Histograms read whole
buckets from the one holding `from` to the one holding `to` (hard and extended bounds), zero-count
buckets included; without bounds, from the first to the last contact holding a value (found by a
first, cheap min/max request, so the number of buckets is known before they are asked for).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from shared.contact_rules import FieldError
from shared.fields import BY_NAME, DATETIME, FACETABLE, FACETABLE_CUSTOM_TYPES
from shared.search.mapping import CUSTOM_SEP
from shared.text import fold

MAX_FACETS = 20
MAX_HISTOGRAMS = 8
MIN_FACET_SIZE, MAX_FACET_SIZE, DEFAULT_FACET_SIZE = 1, 100, 10
# One chart of more bars than this is unreadable, and it bounds the work of one request.
MAX_BUCKETS = 2000
SHARD_SIZE = 10_000
Interval = Literal["hour", "day", "week", "month"]
INTERVALS: tuple[Interval, ...] = ("hour", "day", "week", "month")
DATE_ONLY_INTERVALS: tuple[Interval, ...] = ("day", "week", "month")

# Facet field -> the document field counted; histogram field -> its date field. Both from the
# field registry (shared.fields): the facetable standard fields and the datetime ones.
STANDARD_FACETS: dict[str, str] = {name: BY_NAME[name].target for name in FACETABLE}
# Facets where contacts without a value are counted too, as the value null.
NULL_FACETS = frozenset({"assignee_id"})
CUSTOM_FACET_TYPES = tuple(sorted(FACETABLE_CUSTOM_TYPES))
HISTOGRAM_FIELDS: dict[str, str] = {name: BY_NAME[name].target for name in DATETIME}
CUSTOM_HISTOGRAM_TYPES = ("date", "datetime")


class AggregationError(FieldError):
    """An aggregation request that breaks the contract; `loc` names the node."""


@dataclass(frozen=True)
class Facet:
    field: str
    size: int
    # The custom field's key and type, for custom.<key>; None for a standard field.
    key: str | None = None
    custom_type: str | None = None


@dataclass(frozen=True)
class Histogram:
    field: str
    interval: Interval
    zone: ZoneInfo
    start: datetime | None
    end: datetime | None
    key: str | None = None
    # A custom `date` field: a calendar date is the same day everywhere, so no time zone applies.
    date_only: bool = False


@dataclass(frozen=True)
class Plan:
    facets: list[Facet]
    histograms: list[Histogram]


def _check_list(raw: Any, name: str, most: int) -> list[Any]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise AggregationError([name], "expected a list")
    if len(raw) > most:
        raise AggregationError([name], f"at most {most} {name} in one request")
    return raw


def _object(raw: Any, loc: list[str | int], allowed: set[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise AggregationError(loc, "expected an object")
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise AggregationError([*loc, unknown[0]], f"unknown key (expected {', '.join(sorted(allowed))})")
    field = raw.get("field")
    if not isinstance(field, str) or not field:
        raise AggregationError([*loc, "field"], "a field name is required")
    return raw


def _custom(name: str, field_types: Mapping[str, str], loc: list[str | int]) -> tuple[str, str] | None:
    if not name.startswith("custom."):
        return None
    key = name.removeprefix("custom.")
    if key not in field_types:
        raise AggregationError(loc, f"unknown custom field '{key[:64]}'")
    return key, field_types[key]


def parse_facets(raw: Any, field_types: Mapping[str, str]) -> list[Facet]:
    facets: list[Facet] = []
    seen: set[str] = set()
    for i, raw_item in enumerate(_check_list(raw, "facets", MAX_FACETS)):
        loc: list[str | int] = ["facets", i]
        item = _object(raw_item, loc, {"field", "size"})
        name, size = item["field"], item.get("size", DEFAULT_FACET_SIZE)
        if (
            isinstance(size, bool)
            or not isinstance(size, int)
            or not MIN_FACET_SIZE <= size <= MAX_FACET_SIZE
        ):
            raise AggregationError(
                [*loc, "size"], f"size is a whole number from {MIN_FACET_SIZE} to {MAX_FACET_SIZE}"
            )
        if name in seen:
            raise AggregationError([*loc, "field"], f"'{name[:64]}' is asked for twice")
        seen.add(name)
        custom = _custom(name, field_types, [*loc, "field"])
        if custom is not None:
            key, ftype = custom
            if ftype not in CUSTOM_FACET_TYPES:
                raise AggregationError(
                    [*loc, "field"],
                    f"cannot count values of '{name[:64]}' (a {ftype} field): "
                    f"facets take {', '.join(CUSTOM_FACET_TYPES)} fields",
                )
            facets.append(Facet(name, size, key, ftype))
        elif name in STANDARD_FACETS:
            facets.append(Facet(name, size))
        else:
            raise AggregationError(
                [*loc, "field"],
                f"'{name[:64]}' is not a facet field (one of {', '.join(STANDARD_FACETS)}, or custom.<key>)",
            )
    return facets


def _zone(raw: Any, loc: list[str | int]) -> ZoneInfo:
    if raw is None:
        return ZoneInfo("UTC")
    if not isinstance(raw, str) or raw not in _zone_names():
        shown = raw[:64] if isinstance(raw, str) else raw
        raise AggregationError(loc, f"'{shown}' is not an IANA time zone name (e.g. Asia/Kuala_Lumpur, UTC)")
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise AggregationError(loc, f"'{raw[:64]}' is not an IANA time zone name") from None


_ZONES: frozenset[str] | None = None


def _zone_names() -> frozenset[str]:
    global _ZONES  # noqa: PLW0603 - computed once, the tz database does not change while running
    if _ZONES is None:
        # Region names (and UTC) only: what both Python's and OpenSearch's tz databases know.
        _ZONES = frozenset(
            name
            for name in available_timezones()
            if name == "UTC" or ("/" in name and not name.startswith(("posix/", "right/")))
        )
    return _ZONES


def _bound(raw: Any, zone: ZoneInfo, loc: list[str | int]) -> datetime | None:
    """An ISO 8601 date-time with a UTC offset, or a plain date: midnight in the histogram's zone."""
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw or len(raw) > 64:
        raise AggregationError(loc, "expected an ISO 8601 date or date-time")
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), time(), zone)
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise AggregationError(loc, "expected an ISO 8601 date or a date-time with a UTC offset") from None
    if parsed.tzinfo is None:
        raise AggregationError(loc, "a date-time needs a UTC offset, e.g. 2024-05-01T09:00:00+08:00")
    return parsed


def parse_histograms(raw: Any, field_types: Mapping[str, str]) -> list[Histogram]:
    histograms: list[Histogram] = []
    seen: set[str] = set()
    for i, raw_item in enumerate(_check_list(raw, "histograms", MAX_HISTOGRAMS)):
        loc: list[str | int] = ["histograms", i]
        item = _object(raw_item, loc, {"field", "interval", "time_zone", "from", "to"})
        name = item["field"]
        if name in seen:
            raise AggregationError([*loc, "field"], f"'{name[:64]}' is asked for twice")
        seen.add(name)
        custom = _custom(name, field_types, [*loc, "field"])
        key, date_only = None, False
        if custom is not None:
            key, ftype = custom
            if ftype not in CUSTOM_HISTOGRAM_TYPES:
                raise AggregationError(
                    [*loc, "field"],
                    f"cannot make a histogram of '{name[:64]}' (a {ftype} field): "
                    "histograms take date or datetime fields",
                )
            date_only = ftype == "date"
        elif name not in HISTOGRAM_FIELDS:
            raise AggregationError(
                [*loc, "field"],
                f"'{name[:64]}' is not a histogram field "
                f"(one of {', '.join(HISTOGRAM_FIELDS)}, or custom.<key>)",
            )
        interval = item.get("interval")
        allowed = DATE_ONLY_INTERVALS if date_only else INTERVALS
        if interval not in allowed:
            raise AggregationError(
                [*loc, "interval"], f"interval must be one of {', '.join(allowed)} for '{name[:64]}'"
            )
        zone = _zone(item.get("time_zone"), [*loc, "time_zone"])
        bound_zone = ZoneInfo("UTC") if date_only else zone
        start = _bound(item.get("from"), bound_zone, [*loc, "from"])
        end = _bound(item.get("to"), bound_zone, [*loc, "to"])
        if start is not None and end is not None and start > end:
            raise AggregationError([*loc, "to"], "to must not be before from")
        histograms.append(Histogram(name, interval, bound_zone, start, end, key, date_only))
    return histograms


def parse_plan(facets: Any, histograms: Any, field_types: Mapping[str, str]) -> Plan:
    """The checked request, or AggregationError naming the node."""
    return Plan(parse_facets(facets, field_types), parse_histograms(histograms, field_types))


# --------------------------------------------------------------------------- buckets


def bucket_start(moment: datetime, interval: Interval, zone: ZoneInfo) -> datetime:
    """The start of the bucket holding `moment`: the hour, day, week (from Monday) or month in `zone`."""
    local = moment.astimezone(zone)
    if interval == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.date()
    if interval == "week":
        day -= timedelta(days=day.weekday())
    elif interval == "month":
        day = day.replace(day=1)
    return datetime.combine(day, time(), zone)


def next_bucket_start(moment: datetime, interval: Interval, zone: ZoneInfo) -> datetime:
    """The start of the bucket after the one holding `moment`."""
    start = bucket_start(moment, interval, zone)
    if interval == "hour":
        return bucket_start(start.astimezone(UTC) + timedelta(hours=1), interval, zone)
    day = start.date()
    if interval == "month":
        following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    else:
        following = day + timedelta(days=7 if interval == "week" else 1)
    return datetime.combine(following, time(), zone)


def bucket_count(start: datetime, end: datetime, interval: Interval, zone: ZoneInfo) -> int:
    """How many buckets run from the one holding `start` to the one holding `end`."""
    first, last = bucket_start(start, interval, zone), bucket_start(end, interval, zone)
    if interval == "hour":
        return int((last.astimezone(UTC) - first.astimezone(UTC)).total_seconds() // 3600) + 1
    if interval == "month":
        return (last.year * 12 + last.month) - (first.year * 12 + first.month) + 1
    days = (last.date() - first.date()).days
    return (days // 7 if interval == "week" else days) + 1


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _custom_nested(key: str, inner: dict[str, Any]) -> dict[str, Any]:
    """Aggregations over one custom field's nested values (one per contact that has it)."""
    return {
        "nested": {"path": "custom"},
        "aggs": {"key": {"filter": {"term": {"custom.key": key}}, "aggs": inner}},
    }


def _histogram_field(histogram: Histogram) -> str:
    return "custom.date" if histogram.key is not None else HISTOGRAM_FIELDS[histogram.field]


def range_aggs(plan: Plan) -> dict[str, Any]:
    """A first request's aggregations: the earliest and latest value of each histogram field
    that lacks a bound (an empty dict when every histogram has both)."""
    aggs: dict[str, Any] = {}
    for i, histogram in enumerate(plan.histograms):
        if histogram.start is not None and histogram.end is not None:
            continue
        field = _histogram_field(histogram)
        inner = {"min": {"min": {"field": field}}, "max": {"max": {"field": field}}}
        aggs[f"h{i}"] = (
            _custom_nested(histogram.key, inner)
            if histogram.key is not None
            else {"filter": {"match_all": {}}, "aggs": inner}
        )
    return aggs


Bounds = list[tuple[datetime, datetime] | None]


def resolve_bounds(plan: Plan, range_response: Mapping[str, Any] | None) -> Bounds:
    """Each histogram's (from, to): the request's, else the data's (None: no contact has a value).
    AggregationError when a range holds more than MAX_BUCKETS buckets."""
    found = (range_response or {}).get("aggregations", {})
    bounds: Bounds = []
    for i, histogram in enumerate(plan.histograms):
        start, end = histogram.start, histogram.end
        if start is None or end is None:
            agg = found.get(f"h{i}", {})
            agg = agg.get("key", agg)
            low, high = agg.get("min", {}).get("value"), agg.get("max", {}).get("value")
            if low is None or high is None:
                if start is None and end is None:
                    bounds.append(None)
                    continue
                low = high = _millis(start or end)  # type: ignore[arg-type]
            start = start or datetime.fromtimestamp(low / 1000, UTC)
            end = end or datetime.fromtimestamp(high / 1000, UTC)
            if start > end:  # a bound beyond every value: only that bound's bucket
                start, end = (start, start) if histogram.start is not None else (end, end)
        count = bucket_count(start, end, histogram.interval, histogram.zone)
        if count > MAX_BUCKETS:
            what = "the range" if histogram.start and histogram.end else "the contacts' values"
            raise AggregationError(
                ["histograms", i],
                f"{what} span {count} {histogram.interval} buckets, more than {MAX_BUCKETS}: "
                "narrow from/to or use a longer interval",
            )
        bounds.append((start, end))
    return bounds


def _custom_include(key: str) -> str:
    """A Lucene regular expression matching the flat terms of one custom key."""
    return re.sub(r"([^A-Za-z0-9_])", r"\\\1", key + CUSTOM_SEP) + ".*"


def compile_aggs(plan: Plan, bounds: Bounds) -> dict[str, Any]:
    """The `aggs` of the request for the plan (facet i is f<i>, histogram i is h<i>)."""
    aggs: dict[str, Any] = {}
    order = [{"_count": "desc"}, {"_key": "asc"}]
    for i, facet in enumerate(plan.facets):
        terms: dict[str, Any] = {"size": facet.size, "shard_size": SHARD_SIZE, "order": order}
        if facet.key is not None:
            terms |= {"field": "custom_kv", "include": _custom_include(facet.key)}
        else:
            terms["field"] = STANDARD_FACETS[facet.field]
        aggs[f"f{i}"] = {"terms": terms}
        if facet.field in NULL_FACETS:
            aggs[f"f{i}_null"] = {"missing": {"field": STANDARD_FACETS[facet.field]}}
    for i, (histogram, bound) in enumerate(zip(plan.histograms, bounds, strict=True)):
        if bound is None:
            continue
        low = _millis(bucket_start(bound[0], histogram.interval, histogram.zone))
        # hard_bounds' max is exclusive once rounded: the start of the bucket after the last.
        after = _millis(next_bucket_start(bound[1], histogram.interval, histogram.zone))
        inner = {
            "date_histogram": {
                "field": _histogram_field(histogram),
                "calendar_interval": histogram.interval,
                "time_zone": histogram.zone.key,
                "min_doc_count": 0,
                "extended_bounds": {"min": low, "max": _millis(bound[1])},
                "hard_bounds": {"min": low, "max": after},
            }
        }
        aggs[f"h{i}"] = _custom_nested(histogram.key, {"h": inner}) if histogram.key is not None else inner
    return aggs


# --------------------------------------------------------------------------- reading the answer

FacetValue = str | bool | None


def _facet_value(facet: Facet, term: str, options: Mapping[str, Sequence[str]]) -> FacetValue:
    if facet.key is None:
        return term
    value = term.split(CUSTOM_SEP, 1)[1]
    if facet.custom_type == "boolean":
        return value == "true"
    for option in options.get(facet.key, ()):
        if fold(option) == value:
            return option  # a select value as its option is spelled
    return value


def read_facets(
    plan: Plan, aggregations: Mapping[str, Any], options: Mapping[str, Sequence[str]]
) -> dict[str, list[dict[str, Any]]]:
    """field -> [{"value", "count"}] by count desc, then value. Text values come folded (lower
    case, no accents: what filters compare), select values as their option is spelled, booleans
    as true/false, and for assignee_id, null counts the contacts assigned to nobody."""
    result: dict[str, list[dict[str, Any]]] = {}
    for i, facet in enumerate(plan.facets):
        rows: list[tuple[int, int, str, FacetValue]] = [
            (b["doc_count"], 0, b["key"], _facet_value(facet, b["key"], options))
            for b in aggregations[f"f{i}"]["buckets"]
        ]
        missing = aggregations.get(f"f{i}_null", {}).get("doc_count", 0)
        if missing:
            rows.append((missing, 1, "", None))
        rows.sort(key=lambda r: (-r[0], r[1], r[2]))
        result[facet.field] = [{"value": value, "count": count} for count, _, _, value in rows[: facet.size]]
    return result


def _start(histogram: Histogram, key: int) -> str:
    moment = datetime.fromtimestamp(key / 1000, histogram.zone)
    return moment.date().isoformat() if histogram.date_only else moment.isoformat()


def read_histograms(plan: Plan, aggregations: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """field -> [{"start", "count"}] oldest first; `start` in the histogram's time zone (a date
    for a custom date field)."""
    result: dict[str, list[dict[str, Any]]] = {}
    for i, histogram in enumerate(plan.histograms):
        agg = aggregations.get(f"h{i}")
        if agg is None:
            result[histogram.field] = []
            continue
        if histogram.key is not None:
            agg = agg["key"]["h"]
        result[histogram.field] = [
            {"start": _start(histogram, b["key"]), "count": b["doc_count"]} for b in agg["buckets"]
        ]
    return result
