"""fold() takes a shortcut for ASCII text; it must give what the full Unicode path gives."""

import random
import string
import unicodedata

from shared.text import fold


def _full_fold(value: str) -> str:
    """The Unicode path alone (NFKD, marks dropped, casefold), the reference for ASCII text."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def test_ascii_text_folds_as_the_unicode_path_folds_it() -> None:
    for code in range(128):
        assert fold(chr(code)) == _full_fold(chr(code)), repr(chr(code))
    rng = random.Random(7)
    for _ in range(500):
        text = "".join(rng.choices(string.printable, k=rng.randint(0, 40)))
        assert fold(text) == _full_fold(text)


def test_accents_case_and_special_letters_still_fold() -> None:
    assert fold("Zoë ÅSTRÖM") == "zoe astrom"
    assert fold("Søren Łukasz Straße") == "soren lukasz strasse"
    assert fold("JANE.Doe@Example.COM") == "jane.doe@example.com"
