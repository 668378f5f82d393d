"""The visibility watcher of bench.indexing, in a module of its own so a spawned process can import it."""

from __future__ import annotations

import time
from typing import Any


def watch(opensearch_url: str, alias: str, routing: str, inbox: Any, results: Any, stop: Any) -> None:
    """In its own process (so the writers' GIL cannot delay it): search for every committed contact
    until it is visible, and report the commit-to-visible times."""
    from opensearchpy import OpenSearch

    client = OpenSearch(hosts=[opensearch_url], timeout=30)
    committed: dict[str, float] = {}
    lags: dict[str, float] = {}
    grace = None
    while True:
        while not inbox.empty():
            contact_id, at = inbox.get()
            committed[contact_id] = at
        waiting = [cid for cid in committed if cid not in lags]
        if waiting:
            body = {"query": {"ids": {"values": waiting}}, "_source": False, "size": len(waiting)}
            hits = client.search(index=alias, routing=routing, body=body)["hits"]["hits"]
            now = time.time()
            for hit in hits:
                lags[hit["_id"]] = now - committed[hit["_id"]]
        if stop.is_set() and inbox.empty():
            grace = grace or time.monotonic() + 30
            if len(lags) == len(committed) or time.monotonic() > grace:
                break
        time.sleep(0.02)
    results.put(list(lags.values()))
