"""The filter tree: parsed once into typed models (shared.search.filter_parser), then compiled into
one OpenSearch bool query (shared.search.filter_compiler). This module keeps the names importable
from one place."""

from __future__ import annotations

from shared.search.filter_compiler import (
    compile_condition,
    compile_filter,
    months_before,
    relative_bound,
)
from shared.search.filter_parser import (
    CONVERSATION_STATUSES,
    ID_FIELDS,
    MAX_AMOUNT,
    MAX_CONDITIONS,
    MAX_DEPTH,
    MAX_LIST_VALUES,
    MAX_STRING_CHARS,
    NEGATIVE_OPS,
    STANDARD_FIELDS,
    Condition,
    FilterError,
    FilterNode,
    Group,
    RelativeTime,
    TimeUnit,
    and_nodes,
    parse_filter,
)

__all__ = [
    "CONVERSATION_STATUSES",
    "ID_FIELDS",
    "MAX_AMOUNT",
    "MAX_CONDITIONS",
    "MAX_DEPTH",
    "MAX_LIST_VALUES",
    "MAX_STRING_CHARS",
    "NEGATIVE_OPS",
    "STANDARD_FIELDS",
    "Condition",
    "FilterError",
    "FilterNode",
    "Group",
    "RelativeTime",
    "TimeUnit",
    "and_nodes",
    "compile_condition",
    "compile_filter",
    "months_before",
    "parse_filter",
    "relative_bound",
]
