"""Log lines of both services, and the request id that ties them together.

One handler on the root logger, with structlog's ProcessorFormatter, writes every stdlib log record
(the services' own, uvicorn's, Celery's) as one JSON object per line, or as plain text for local
development (`CONTACTS_LOG_FORMAT=console`). Whatever is bound with `log_context` (the request id,
a job's id) is added to every line logged meanwhile: it lives in contextvars, so it follows the
request into the threads FastAPI runs sync dependencies and services in (they run in a copy of the
request's context), and a job's run in the worker.

A request id is made per request by the API (or taken from a sane `X-Request-ID`), written into the
outbox rows and jobs that request creates, and bound again by the worker while it runs the job; the
relay logs the request ids of the rows it indexed, so one change can be followed to the index.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Literal, TextIO

import structlog
from structlog.contextvars import bound_contextvars, get_contextvars, merge_contextvars
from structlog.typing import EventDict, Processor, WrappedLogger

LogFormat = Literal["json", "console"]
REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_MAX_LENGTH = 128
# Ids from callers are kept when they are short and made of characters that are safe in a header,
# a log line and a database column (UUIDs, hex, ULIDs, "svc:1234-abc"...); anything else is replaced.
_SANE_REQUEST_ID = re.compile(rf"[A-Za-z0-9._:-]{{1,{REQUEST_ID_MAX_LENGTH}}}")
# Set on the handler configure_logging installs, so configuring again replaces it.
_HANDLER_MARK = "contacts_log_handler"
# Libraries that log each HTTP request they send at INFO (the search client: every search, every
# bulk): only their warnings unless the level is DEBUG. The API's access line and the relay's
# "outbox rows relayed" line say what happened.
CHATTY_LOGGERS = ("opensearch", "httpx")


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(value: str | None) -> str | None:
    """The caller's request id when it is sane (at most 128 of A-Z a-z 0-9 . _ : -), else None."""
    if value is None or not _SANE_REQUEST_ID.fullmatch(value):
        return None
    return value


def current_request_id() -> str | None:
    """The request id bound in this context (a request of the API, a job run by the worker)."""
    value = get_contextvars().get("request_id")
    return value if isinstance(value, str) else None


@contextmanager
def log_context(**values: Any) -> Iterator[None]:
    """Bind `values` (None ones left out) to every log line of this context until the block ends."""
    with bound_contextvars(**{key: value for key, value in values.items() if value is not None}):
        yield


def _drop_color_message(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """uvicorn passes an ANSI-coloured copy of its message as an extra; the message is enough."""
    event_dict.pop("color_message", None)
    return event_dict


_LEADING_KEYS = ("timestamp", "level", "logger", "message", "request_id")


def _leading_keys_first(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """The same keys open every line, whatever else it carries, so the lines read well raw."""
    leading = {key: event_dict.pop(key) for key in _LEADING_KEYS if key in event_dict}
    return {**leading, **event_dict}


def _common_processors() -> list[Processor]:
    return [
        merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
    ]


def build_formatter(fmt: LogFormat) -> logging.Formatter:
    """The formatter of every line: records of stdlib loggers with their `extra` fields and the
    context's bound values, as JSON (`timestamp`, `level`, `logger`, `message`, then the rest) or
    as plain key=value text."""
    renderer: list[Processor]
    if fmt == "json":
        renderer = [
            structlog.processors.format_exc_info,
            structlog.processors.EventRenamer("message"),
            _leading_keys_first,
            structlog.processors.JSONRenderer(),
        ]
    else:
        renderer = [structlog.dev.ConsoleRenderer(colors=False)]
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_common_processors(), structlog.stdlib.ExtraAdder(), _drop_color_message],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
    )


def configure_logging(
    level: str | int = "INFO",
    fmt: LogFormat = "json",
    *,
    adopt: Iterable[str] = (),
    stream: TextIO | None = None,
) -> None:
    """Send every log record to one handler on the root logger (replacing the one an earlier call
    installed). `adopt`: loggers that come with handlers of their own (uvicorn's) lose them and
    propagate to the root instead, so their lines have the same format. Safe to call again."""
    # sys.__stderr__, not sys.stderr: Celery replaces sys.stderr with a proxy that logs what is
    # written to it, which would feed this handler's own output back into it.
    handler = logging.StreamHandler(stream or sys.__stderr__ or sys.stderr)
    handler.setFormatter(build_formatter(fmt))
    setattr(handler, _HANDLER_MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET if root.level <= logging.DEBUG else logging.WARNING)
    for name in adopt:
        adopted = logging.getLogger(name)
        adopted.handlers.clear()
        adopted.propagate = True
    structlog.configure(
        processors=[*_common_processors(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
