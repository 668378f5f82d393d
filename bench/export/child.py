"""Runs one job in a process of its own, as a worker would, and prints its memory as JSON.

    python -m bench.export.child <job_id>

The peak is VmHWM (this process's own high-water mark). Not ru_maxrss: on Linux that survives
fork+exec, so it would report the parent's size (e.g. after seeding a million rows). The RSS right
after the imports is printed too: the difference is what the job itself needed.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import uuid


def status_mb(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return 0.0


def rss_mb() -> float:
    return status_mb("VmRSS")


def main() -> None:
    import indexer_worker.jobs.export
    import indexer_worker.jobs.import_csv  # noqa: F401  (registers the handlers)
    from indexer_worker.jobs import run_job
    from shared.db import make_engine, make_session_factory
    from shared.search.index import make_client
    from shared.settings import get_settings

    settings = get_settings()
    session_factory = make_session_factory(make_engine(settings.database_url, pool_size=2))
    search = make_client(settings, timeout=60)
    before = rss_mb()
    started = time.perf_counter()
    status = run_job(uuid.UUID(sys.argv[1]), session_factory, search, settings)
    seconds = time.perf_counter() - started
    peak = status_mb("VmHWM")
    # A process the job forked (an import checking its rows ahead): its high-water mark, which counts
    # the pages it shares with this one at the fork too, so it is an upper bound.
    helper = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report = {"status": status, "seconds": seconds, "rss_before_mb": before, "peak_rss_mb": peak}
    print(json.dumps({**report, "helper_peak_rss_mb": helper}))


if __name__ == "__main__":
    main()
