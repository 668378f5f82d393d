"""OpenSearch client factory and the versioned-index-behind-an-alias lifecycle.

Readers and writers only ever name aliases: `<alias>` (the live index) and, while a reindex runs,
`<alias>-reindex` (the index being built). Concrete indices are `<alias>_v<N>`; the cluster refuses
to auto-create indices, so a write to an alias that was just removed fails instead of creating one.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from opensearchpy import JSONSerializer, OpenSearch, Transport
from opensearchpy.exceptions import ConnectionError as SearchUnreachable
from opensearchpy.exceptions import NotFoundError, RequestError, SerializationError, TransportError
from pydantic_core import from_json

from shared.search.mapping import MAPPING_VERSION, index_mappings, index_settings
from shared.search.outage import is_search_outage
from shared.settings import Settings

log = logging.getLogger("search.index")


# Connections kept open to OpenSearch: as many as requests one process runs at once (anyio's
# default thread limit is 40). urllib3's default keeps one, so every concurrent search beyond the
# first opened and closed a TCP connection of its own.
POOL_MAXSIZE = 48


def opensearch_hosts(settings: Settings) -> list[str]:
    """The nodes of CONTACTS_OPENSEARCH_URL: one URL, or several comma-separated (a cluster)."""
    return [url.strip() for url in settings.opensearch_url.split(",") if url.strip()]


# A read that fails because a node or a shard copy just went away is sent again for this long.
READ_RETRY_SECONDS = 2.0
_READ_ENDPOINTS = frozenset({"_search", "_count", "_mget", "_msearch"})


def _endpoint(url: str) -> str:
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def _is_read(method: str, url: str) -> bool:
    return method in ("GET", "HEAD") or _endpoint(url) in _READ_ENDPOINTS


# Answers that report, in `_shards`, the shard copies they read: searches, counts, msearch's
# answers and a new point in time.
_SHARD_COUNTED = frozenset({"_search", "_count", "_msearch", "point_in_time"})


def _shard_headers(result: Any) -> Iterator[Mapping[str, Any]]:
    if not isinstance(result, Mapping):
        return
    if isinstance(result.get("_shards"), Mapping):
        yield result["_shards"]
    for answer in result.get("responses") or ():  # _msearch
        yield from _shard_headers(answer)


def refuse_partial_answer(method: str, url: str, result: Any) -> None:
    """Raise an outage when an answer was built from only some of the shards it should have read.

    OpenSearch answers 200 when a shard has no live copy (a node lost with its replicas, an index
    still being allocated) and counts only the shards it reached: a total, a facet count, an export
    or a bulk selection from such an answer would be silently short. A short answer is an outage
    instead (503 with Retry-After from the API, a job that resumes later), like a node that is down.
    """
    if _endpoint(url) not in _SHARD_COUNTED:
        return
    for shards in _shard_headers(result):
        total = int(shards.get("total") or 0)
        # A shard without any live copy is neither failed nor successful: it is only missing.
        short = total - int(shards.get("successful") or 0) - int(shards.get("skipped") or 0)
        if short > 0 or shards.get("failed"):
            failures = list(shards.get("failures") or ())
            kind = "unavailable_shards_exception"
            reason = f"{max(short, 1)} of {total} shards did not answer"
            error = {"type": kind, "reason": reason, "failed_shards": failures}
            raise TransportError(503, kind, {"error": error, "status": 503})


class ReadRetryTransport(Transport):
    """The client's transport, except that an answer read from only some of its shards is an
    outage (refuse_partial_answer), and that a read (search, count, mget; GET) that a node answers
    with an outage (shared.search.outage: a node lost mid-request, no shard copy available yet, a
    busy answer) is retried with a short back-off for at most READ_RETRY_SECONDS, while the cluster
    re-routes to the remaining copies. An unreachable node is not waited for here (the transport
    already sends the request to the next node; with none left the API answers 503 at once), and
    writes are not retried here: the outbox retries them."""

    def perform_request(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        timeout: int | float | None = None,
        ignore: Collection[int] = (),
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        deadline = time.monotonic() + READ_RETRY_SECONDS
        delay = 0.1
        while True:
            try:
                result = super().perform_request(
                    method, url, params=params, body=body, timeout=timeout, ignore=ignore, headers=headers
                )
                refuse_partial_answer(method, url, result)
                return result
            except TransportError as exc:
                answered = not isinstance(exc, SearchUnreachable)
                retry = answered and _is_read(method, url) and is_search_outage(exc)
                if not retry or time.monotonic() + delay > deadline:
                    raise
                log.warning("OpenSearch read %s %s failed (%s); retrying in %.1fs", method, url, exc, delay)
                time.sleep(delay)
                delay = min(delay * 2, 1.0)


class FastJSONSerializer(JSONSerializer):
    """Answers parsed by pydantic_core's JSON parser (Rust) instead of the json module: a search
    answer carries a page of cards, and parsing it was the largest single cost of the client.
    Requests are written as before (json.dumps, with the client's fallbacks for dates and UUIDs)."""

    def loads(self, s: str) -> Any:
        try:
            return from_json(s)
        except ValueError as exc:
            raise SerializationError(s, exc) from exc


def make_client(settings: Settings, *, timeout: float = 10.0) -> OpenSearch:
    """A client of every node given. Requests rotate over them; a node that refuses the connection
    is marked dead for a while and the request is sent to the next one (at most once per other node,
    never after a timeout: a slow cluster is not asked twice). Every write carries an external
    version, so a bulk resent to another node is harmless. A read failing because a node or shard
    copy went away is retried for a few seconds (ReadRetryTransport)."""
    hosts = opensearch_hosts(settings)
    return OpenSearch(
        hosts=hosts,
        transport_class=ReadRetryTransport,
        timeout=timeout,
        max_retries=len(hosts) - 1,
        retry_on_timeout=False,
        pool_maxsize=POOL_MAXSIZE,
        serializer=FastJSONSerializer(),
    )


def reindex_alias(alias: str) -> str:
    """While a reindex runs, this alias names the new index so live changes reach it too."""
    return f"{alias}-reindex"


def live_index_settings(settings: Settings) -> dict[str, Any]:
    """The settings of a new index: shards, replicas and routing partition from `settings`."""
    return index_settings(
        settings.index_shards, settings.index_replicas, settings.index_routing_partition_size
    )


def create_index(client: OpenSearch, name: str, settings: Settings, *, bulk_load: bool = False) -> None:
    """Create a concrete index. `bulk_load` turns refresh off for a fast initial copy; the caller
    turns it back on with `finish_bulk_load`."""
    body_settings = live_index_settings(settings)
    if bulk_load:
        body_settings = {**body_settings, "refresh_interval": "-1"}
    client.indices.create(index=name, body={"settings": body_settings, "mappings": index_mappings()})


def finish_bulk_load(client: OpenSearch, name: str, settings: Settings) -> None:
    live = live_index_settings(settings)
    client.indices.put_settings(index=name, body={"index": {"refresh_interval": live["refresh_interval"]}})
    client.indices.refresh(index=name)


def ensure_index(client: OpenSearch, settings: Settings) -> str:
    """Create `<alias>_v1` behind the alias when the alias does not exist yet, else bring the live
    index's mapping up to date; return the index."""
    alias = settings.index_alias
    if client.indices.exists_alias(name=alias):
        update_mapping(client, alias)
        return str(next(iter(client.indices.get_alias(name=alias))))
    name = f"{alias}_v1"
    if not client.indices.exists(index=name):
        create_index(client, name, settings)
    client.indices.put_alias(index=name, name=alias)
    return name


def update_mapping(client: OpenSearch, alias: str) -> None:
    """Apply additive mapping changes (a new field) to the indices behind the alias and, during a
    reindex, its target, so documents of this version are accepted. Existing documents gain the
    new fields when next written or on `contacts-index reindex`; until then the index keeps the
    older documents version (its `_meta`), which /v1/ops/sync reports. A change OpenSearch cannot
    apply in place (a field's type changed) is logged: it needs that reindex."""
    # _meta records the documents' version (only a reindex may raise it); _source and _routing
    # settings cannot change in place, and a new index gets them.
    body = {k: v for k, v in index_mappings().items() if k not in ("_meta", "_source", "_routing")}
    for name in write_indices(client, alias):
        try:
            client.indices.put_mapping(index=name, body=body)
        except RequestError as exc:
            log.warning("index %s needs `contacts-index reindex` for this mapping: %s", name, exc)
    version = documents_version(client, alias)
    if version < MAPPING_VERSION:
        log.warning(
            "%s holds documents of mapping version %s (this version expects %s): run "
            "`contacts-index reindex` (no downtime); until then filters on custom fields miss them",
            alias,
            version,
            MAPPING_VERSION,
        )


def documents_version(client: OpenSearch, alias: str) -> int:
    """The mapping version the live index's documents were built with (0 when unrecorded)."""
    mappings = client.indices.get_mapping(index=alias)
    versions = [int(m["mappings"].get("_meta", {}).get("mapping_version", 0)) for m in mappings.values()]
    return min(versions, default=0)


class LiveDocumentsVersion:
    """documents_version of the live index, read again at most every `ttl` seconds: searches ask
    on every request, and a reindex finishing elsewhere is noticed within the ttl."""

    def __init__(self, client: OpenSearch, alias: str, ttl: float = 30.0) -> None:
        self._client, self._alias, self._ttl = client, alias, ttl
        self._value = 0
        self._read_at: float | None = None

    def current(self) -> int:
        now = time.monotonic()
        if self._read_at is None or now - self._read_at >= self._ttl:
            self._value = documents_version(self._client, self._alias)
            self._read_at = now
        return self._value

    def forget(self) -> None:
        """Read it again on the next search."""
        self._read_at = None


def alias_targets(client: OpenSearch, alias: str) -> list[str]:
    """The concrete indices an alias points at (none when the alias does not exist)."""
    try:
        return sorted(client.indices.get_alias(name=alias))
    except NotFoundError:
        return []


def versioned_indices(client: OpenSearch, alias: str) -> dict[str, int]:
    """Concrete indices `<alias>_v<N>` -> N."""
    pattern = re.compile(rf"^{re.escape(alias)}_v(\d+)$")
    names: dict[str, Any] = client.indices.get(index=f"{alias}_v*", expand_wildcards="all")
    return {name: int(m.group(1)) for name in names if (m := pattern.match(name))}


def write_indices(client: OpenSearch, alias: str) -> list[str]:
    """Every alias a change must be written to: the live one, and the reindex target while one is
    being built. Writing through aliases (never concrete names) means a write racing an alias swap
    lands in whatever index the alias names at that moment."""
    return [name for name in (alias, reindex_alias(alias)) if client.indices.exists_alias(name=name)]
