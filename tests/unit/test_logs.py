"""shared.logs: which request ids are kept, and what one formatted line holds."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from shared.logs import accepted_request_id, build_formatter, current_request_id, log_context


@pytest.mark.parametrize(
    "value",
    ["0f8fa7c2a3e54c5e9a4f1b3a2c6d7e8f", "6b1e2c3d-4f5a-6b7c-8d9e-0f1a2b3c4d5e", "svc:web.4_2-r", "x" * 128],
)
def test_a_sane_request_id_is_kept(value: str) -> None:
    assert accepted_request_id(value) == value


@pytest.mark.parametrize(
    "value", [None, "", "x" * 129, "two words", "naïve", "a;b", "a\r\nSet-Cookie: x", '"quoted"', "a/b"]
)
def test_anything_else_is_refused(value: str | None) -> None:
    assert accepted_request_id(value) is None


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("api.test", logging.WARNING, __file__, 1, message, args, None)
    made.__dict__.update(extra)
    return made


def test_a_json_line_has_the_bound_context_the_extras_and_the_formatted_message() -> None:
    formatter = build_formatter("json")
    with log_context(request_id="req-1", job_id=None):
        assert current_request_id() == "req-1"
        made = record("%d rows for %s", 3, "ws", rows=3, color_message="\x1b[1m")
        line = json.loads(formatter.format(made))
    assert current_request_id() is None
    assert list(line)[:5] == ["timestamp", "level", "logger", "message", "request_id"]
    assert (line["level"], line["logger"], line["message"], line["request_id"]) == (
        "warning",
        "api.test",
        "3 rows for ws",
        "req-1",
    )
    assert line["rows"] == 3
    assert "job_id" not in line and "color_message" not in line


def test_an_exception_is_one_json_field() -> None:
    try:
        raise ValueError("bad row")
    except ValueError:
        failed = record("failed")
        failed.exc_info = sys.exc_info()
    line = json.loads(build_formatter("json").format(failed))
    assert "ValueError: bad row" in line["exception"] and line["message"] == "failed"


def test_the_console_format_is_plain_text_with_the_same_fields() -> None:
    with log_context(request_id="req-2"):
        text = build_formatter("console").format(record("hello", rows=1))
    assert not text.startswith("{")
    assert "hello" in text and "request_id=req-2" in text and "rows=1" in text and "api.test" in text
