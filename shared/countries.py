"""Countries as people write them in the files they import: ISO codes (alpha-2 or alpha-3), English
names (short, official and common) in any case, with or without accents and punctuation, and the
handful of everyday aliases (UK, USA, Holland...) that ISO 3166 itself does not list.

The names come from pycountry (the ISO 3166 data set, maintained with each ISO release); only what it
lacks is in ALIASES below. country_converter was measured as the alternative (it has regex aliases):
it drags pandas and numpy in (~130 MB, 0.4 s to import against pycountry's 0.06 s) and its 1.3.2
release fails to start with pandas 3, so it was not chosen.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import pycountry

from shared.contact_rules import FieldError, normalize_country

# Everyday names ISO 3166 does not carry (folded as `fold_name` folds them).
ALIASES: dict[str, str] = {
    "uk": "GB",
    "u k": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "us": "US",
    "u s": "US",
    "u s a": "US",
    "america": "US",
    "united states of america": "US",
    "russia": "RU",
    "turkey": "TR",
    "ivory coast": "CI",
    "holland": "NL",
    "uae": "AE",
    "emirates": "AE",
    "macedonia": "MK",
    "swaziland": "SZ",
    "burma": "MM",
    "cape verde": "CV",
    "east timor": "TL",
    "vatican": "VA",
    "vatican city": "VA",
    "palestine": "PS",
    "micronesia": "FM",
    "kosovo": "XK",
    "xk": "XK",
    "dr congo": "CD",
    "drc": "CD",
    "congo kinshasa": "CD",
    "congo brazzaville": "CG",
    "deutschland": "DE",
    "brasil": "BR",
    "espana": "ES",
    "brunei": "BN",
    "north korea": "KP",
}
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def fold_name(text: str) -> str:
    """Lower case, accents and punctuation dropped, spaces collapsed, a leading "the" dropped."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = _NON_ALNUM.sub(" ", plain.replace("'", "").replace("\u2019", "")).strip()
    return folded.removeprefix("the ")


@cache
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        names = [country.alpha_2, country.alpha_3, country.name]
        names += [getattr(country, attr, "") for attr in ("official_name", "common_name")]
        for name in filter(None, names):
            index.setdefault(fold_name(name), code)
            # "Korea, Republic of" is also written "Republic of Korea".
            if ", " in name:
                head, _, qualifier = name.partition(", ")
                index.setdefault(fold_name(f"{qualifier} {head}"), code)
    for alias, code in ALIASES.items():
        index.setdefault(alias, code)
    return index


def parse_country(value: str, loc: list[str | int]) -> str:
    """The ISO 3166-1 alpha-2 code of a country given by code, name or alias; FieldError otherwise."""
    code = _index().get(fold_name(value))
    if code is None:
        raise FieldError(loc, f"'{value}' is not a country this import knows (use a name or ISO code)")
    result = normalize_country(code, loc)
    assert result is not None
    return result
