"""Contact value rules shared by the API and the worker (imports): phone (E.164), e-mail, country,
language and typed custom field values. Violations raise FieldError naming the field."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import phonenumbers
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email


class FieldError(ValueError):
    """A value that breaks a contact rule; `loc` names the field (e.g. ["custom_fields", "plan"])."""

    def __init__(self, loc: list[str | int], msg: str) -> None:
        super().__init__(msg)
        self.loc = loc
        self.msg = msg


def invalid(loc: list[str | int], msg: str) -> FieldError:
    return FieldError(loc, msg)


_COUNTRIES = frozenset(phonenumbers.SUPPORTED_REGIONS) | frozenset({"AQ", "BV", "GS", "HM", "PN", "TF", "UM"})
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def normalize_country(value: str | None, loc: list[str | int]) -> str | None:
    if value is None or value == "":
        return None
    code = value.strip().upper()
    if code not in _COUNTRIES:
        raise invalid(loc, f"'{value}' is not an ISO 3166-1 alpha-2 country code")
    return code


def normalize_language(value: str | None, loc: list[str | int]) -> str | None:
    if value is None or value == "":
        return None
    if not _LANGUAGE.match(value) or len(value) > 35:
        raise invalid(loc, f"'{value}' is not a BCP 47 language tag")
    return value


# The everyday address (ASCII dot-atom, a plain domain with a letters-only top-level domain): the
# only shape normalize_email answers without email_validator, a test checks they agree on it.
_PLAIN_EMAIL = re.compile(
    r"[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})"
)


def plain_email(text: str) -> str | None:
    """The normalized form of an everyday address, or None for any other (email_validator decides)."""
    if not text.isascii():
        return None
    lowered = text.lower()
    match = _PLAIN_EMAIL.fullmatch(lowered)
    if match is None or len(lowered) > 254 or lowered.index("@") > 64:
        return None
    domain = match.group(1)
    if "--" in domain or len(domain) > 253:  # punycode and other rare labels: the full check
        return None
    if any(domain == name or domain.endswith("." + name) for name in SPECIAL_USE_DOMAIN_NAMES):
        return None
    return lowered


def normalize_email(value: str | None, loc: list[str | int]) -> str | None:
    if value is None or value.strip() == "":
        return None
    plain = plain_email(value.strip())
    if plain is not None:
        return plain
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise invalid(loc, f"invalid e-mail address: {exc}") from None
    return result.normalized.lower()


def normalize_phone(value: str | None, region: str | None, loc: list[str | int]) -> str | None:
    """Any common national or international format -> E.164, with the country as region hint."""
    if value is None or value.strip() == "":
        return None
    text = value.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, region if not text.startswith("+") else None)
    except phonenumbers.NumberParseException:
        hint = "" if region or text.startswith("+") else " (give the country, or use +<country code>)"
        raise invalid(loc, f"'{value}' is not a valid phone number{hint}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise invalid(loc, f"'{value}' is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


MAX_URL_CHARS = 2048
# A contact carries at most MAX_TAGS tags of at most MAX_TAG_CHARS characters, however they arrive
# (API, import, bulk tagging, merge).
MAX_TAGS = 50
MAX_TAG_CHARS = 100
# Tags are listed in one CSV cell separated by ";" (export and import); a tag that holds ";" is
# written quoted, as a CSV field of its own (shared.csv_format.render_tags), and read back whole.
TAG_SEPARATOR = ";"


def normalize_url(value: str | None, loc: list[str | int]) -> str | None:
    """An absolute http(s) URL (a profile picture is shown in the browser, so no other schemes)."""
    if value is None or value.strip() == "":
        return None
    text = value.strip()
    parsed = urlparse(text)
    if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc or len(text) > MAX_URL_CHARS:
        raise invalid(loc, f"expected an http(s) URL of at most {MAX_URL_CHARS} characters")
    if any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise invalid(loc, "a URL cannot contain spaces or control characters")
    return text
