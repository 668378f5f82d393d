"""Settings from the environment (prefix CONTACTS_). Built on demand by get_settings(), never at import."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_ADMIN_KEY = "dev-admin-key-change-me"
DEV_SECRET_KEY = "dev-secret-key-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONTACTS_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "postgresql+psycopg://contacts:contacts@127.0.0.1:55432/contacts"
    redis_url: str = "redis://127.0.0.1:56379/0"
    opensearch_url: str = "http://127.0.0.1:59200"
    # The alias every reader and writer uses; concrete indices are "<alias>_v<N>".
    index_alias: str = "contacts"
    # Shards and replicas of a new index (create, reindex); replicas also apply when a reindex ends.
    index_shards: int = Field(default=1, ge=1, le=64)
    index_replicas: int = Field(default=0, ge=0, le=5)
    # Documents are routed by workspace; with a partition size p > 1 each workspace spreads over p
    # of the shards (chosen by its id, then by the contact id), so one huge workspace is not held by
    # one shard while a search of a small one still reads only p shards. Must be below index_shards.
    # Fixed per index: a change applies to indices created afterwards (`contacts-index reindex`).
    index_routing_partition_size: int = Field(default=1, ge=1, le=64)
    admin_key: str = DEV_ADMIN_KEY
    # Signs pagination cursors so clients cannot forge them.
    secret_key: str = DEV_SECRET_KEY
    # Outbox relay: rows claimed per batch, sweep period, back-off cap and parking threshold.
    outbox_batch_size: int = Field(default=500, ge=1, le=10_000)
    # Batches of job-written (bulk) changes in flight at once, across every relay worker: fewer than
    # the relay's slots keeps one free for requests' changes while a job's backlog drains.
    relay_bulk_slots: int = Field(default=1, ge=1, le=64)
    outbox_sweep_seconds: float = Field(default=2.0, gt=0)
    outbox_max_backoff_seconds: float = Field(default=300.0, gt=0)
    outbox_max_attempts: int = Field(default=12, ge=1)
    # Changes ready to relay for longer than this mean indexing is stalled: /readyz and
    # /v1/ops/sync say so, and the worker's health check fails if its consumer is the reason.
    indexing_stall_seconds: float = Field(default=60.0, gt=0)
    # Jobs no worker is known to run are re-queued by a sweep every job_requeue_seconds: those still
    # queued that long after creation, and those running for longer than job_stale_seconds (a live
    # run holds the job's advisory lock, so the duplicate is turned away).
    job_requeue_seconds: float = Field(default=30.0, gt=0)
    job_stale_seconds: float = Field(default=60.0, gt=0)
    min_version_wait_seconds: float = Field(default=5.0, ge=0, le=30)
    export_dir: Path = Path("var/exports")
    export_ttl_hours: int = Field(default=24, ge=1)
    # Ids per page while an export resolves its selection through the index (a progress step each).
    export_batch_size: int = Field(default=2000, ge=1, le=10_000)
    max_concurrent_exports: int = Field(default=2, ge=1)
    # An export renders its rows in up to export_parts PostgreSQL sessions at once (one range of the
    # rows each, all on one snapshot), one part for every export_part_rows rows.
    export_parts: int = Field(default=2, ge=1, le=16)
    export_part_rows: int = Field(default=50_000, ge=1)
    # An import checks its rows (phones, e-mails, countries, custom types) in a second process, a chunk
    # ahead of the chunk being written (indexer_worker.jobs.ahead); off, one process does both in turn.
    import_check_ahead: bool = True
    import_max_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # The worker serves its Prometheus metrics here (on api_host); 0 turns the endpoint off.
    worker_metrics_port: int = Field(default=9108, ge=0, le=65535)
    log_level: str = "INFO"
    # Log lines as JSON objects (the services' default) or as plain text for local development.
    log_format: Literal["json", "console"] = "json"
    # Where people reach the web app; sign-in links point here. Default http://<api_host>:<api_port>.
    public_base_url: str | None = None
    sign_in_link_ttl_minutes: int = Field(default=15, ge=1, le=7 * 24 * 60)
    session_ttl_hours: int = Field(default=12, ge=1, le=30 * 24)
    # The built web app the API serves at /; default: web/dist of the source tree.
    web_dist_dir: Path | None = None

    @property
    def app_url(self) -> str:
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        # Listening on every interface is not an address a browser can open.
        host = "127.0.0.1" if self.api_host in ("0.0.0.0", "::", "") else self.api_host  # noqa: S104
        return f"http://{host}:{self.api_port}"

    # Request hardening (api_service.inputs, api_service.ratelimit, api_service.security_headers).
    # JSON (non-upload) request bodies over this are a 413, refused before they are read whole.
    json_body_max_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Fixed-window rate limits in Redis: requests per window per credential (bearer token, session
    # cookie or admin key, told apart by their hash) and per client IP for requests without one,
    # and answers 401 per client IP. Far above what a person, an integration, the tests or the
    # benchmarks send; Redis down means no limit (fail open), never a failed request.
    rate_limit_enabled: bool = True
    rate_limit_window_seconds: int = Field(default=10, ge=1, le=3600)
    rate_limit_per_token: int = Field(default=3000, ge=1)
    rate_limit_per_ip: int = Field(default=600, ge=1)
    rate_limit_auth_failures_per_ip: int = Field(default=300, ge=1)
    # Origins allowed to call the API from a browser (CORS), e.g. ["https://app.example.com"];
    # empty (the default): none, the web app is served by the API itself on the same origin.
    cors_allow_origins: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _routing_partition_below_shards(self) -> Settings:
        if self.index_routing_partition_size > 1 and self.index_routing_partition_size >= self.index_shards:
            raise ValueError(
                "CONTACTS_INDEX_ROUTING_PARTITION_SIZE must be 1 or less than CONTACTS_INDEX_SHARDS "
                f"(got {self.index_routing_partition_size} with {self.index_shards} shards)"
            )
        return self

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_production(self) -> Settings:
        if self.environment == "production":
            if self.admin_key == DEV_ADMIN_KEY or len(self.admin_key) < 16:
                raise ValueError("CONTACTS_ADMIN_KEY must be set to a strong value in production")
            if self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32:
                raise ValueError("CONTACTS_SECRET_KEY must be set to a strong value in production")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
