"""OpenSearch client factory and the versioned-index-behind-an-alias lifecycle."""

from __future__ import annotations

from opensearchpy import OpenSearch

from shared.search.mapping import index_mappings, index_settings
from shared.settings import Settings


def make_client(settings: Settings, *, timeout: float = 10.0) -> OpenSearch:
    return OpenSearch(hosts=[settings.opensearch_url], timeout=timeout, max_retries=0, retry_on_timeout=False)


def reindex_alias(alias: str) -> str:
    """While a reindex runs, this alias names the new index so live changes reach it too."""
    return f"{alias}-reindex"


def create_index(client: OpenSearch, name: str, settings: Settings) -> None:
    client.indices.create(
        index=name,
        body={
            "settings": index_settings(settings.index_shards, settings.index_replicas),
            "mappings": index_mappings(),
        },
    )


def ensure_index(client: OpenSearch, settings: Settings) -> str:
    """Create `<alias>_v1` behind the alias when the alias does not exist yet; return the index."""
    alias = settings.index_alias
    if client.indices.exists_alias(name=alias):
        return str(next(iter(client.indices.get_alias(name=alias))))
    name = f"{alias}_v1"
    if not client.indices.exists(index=name):
        create_index(client, name, settings)
    client.indices.put_alias(index=name, name=alias)
    return name


def write_indices(client: OpenSearch, alias: str) -> list[str]:
    """Every index a change must reach: the live one, and a reindex target if one is being built."""
    names: list[str] = []
    for name in (alias, reindex_alias(alias)):
        if client.indices.exists_alias(name=name):
            names.extend(sorted(client.indices.get_alias(name=name)))
    return sorted(set(names))
