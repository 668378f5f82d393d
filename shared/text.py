"""Text normalisation shared by the document builder, the query compiler and tests."""

from __future__ import annotations

import re
import unicodedata

# Letters that NFKD does not decompose into a base letter plus a mark.
_SPECIAL = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
    }
)
_NON_DIGIT = re.compile(r"\D+")


def fold(value: str) -> str:
    """Case- and accent-insensitive form: 'Zoë ÅSTRÖM' -> 'zoe astrom'."""
    if value.isascii():  # most values: nothing to decompose or translate, and casefold is lower
        return value.lower()
    decomposed = unicodedata.normalize("NFKD", value.translate(_SPECIAL))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


_WORD = re.compile(r"[^\W_]+")
GRAM = 3


def name_words(value: str) -> list[str]:
    """The folded letter-and-digit runs of a name: 'Jean-Pierre O'Neil' -> jean, pierre, o, neil."""
    return _WORD.findall(fold(value))


def trigrams(word: str) -> str:
    """A word's overlapping three-letter pieces in order, space-separated: 'astrom' ->
    'ast str tro rom'. Text inside a name is found as a phrase of these pieces."""
    return " ".join(word[i : i + GRAM] for i in range(len(word) - GRAM + 1))


def digits(value: str) -> str:
    return _NON_DIGIT.sub("", value)


def escape_wildcard(text: str) -> str:
    """Text inside a wildcard pattern is literal: the metacharacters and the escape itself are
    escaped."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")
