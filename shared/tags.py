"""Tag rules: a contact's tags are unique ignoring case and accents (shared.text.fold), and the
first spelling a contact got is the one it keeps."""

from __future__ import annotations

from collections.abc import Iterable

from shared.text import fold


def unique_tags(tags: Iterable[str]) -> list[str]:
    """The tags without repeats (ignoring case and accents); the first spelling wins."""
    seen: set[str] = set()
    result: list[str] = []
    for tag in tags:
        key = fold(tag)
        if key not in seen:
            seen.add(key)
            result.append(tag)
    return result


def missing_tags(have: Iterable[str], wanted: Iterable[str]) -> list[str]:
    """The tags of `wanted` that `have` lacks (ignoring case and accents), in wanted's order."""
    present = {fold(t) for t in have}
    return [t for t in wanted if fold(t) not in present]


def united_tags(primary: list[str], secondary: Iterable[str]) -> list[str]:
    """The primary's tags, then those of the secondary it lacks (what a merge or a bulk add keeps)."""
    return [*primary, *missing_tags(primary, secondary)]


def tag_change(before: list[str], after: list[str]) -> dict[str, list[str]]:
    """The data of a "tagged" event: which tags a change added and which it removed."""
    return {"added": missing_tags(before, after), "removed": missing_tags(after, before)}
