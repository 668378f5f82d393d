"""normalize_email answers everyday addresses without email_validator (contact_rules.plain_email):
on every address it answers, email_validator must accept it and normalize it the same way."""

from __future__ import annotations

import string

from email_validator import EmailNotValidError, validate_email
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from shared.contact_rules import plain_email

ATOM = st.text(alphabet=string.ascii_letters + string.digits + "_+-.", min_size=1, max_size=70)
LABEL = st.text(alphabet=string.ascii_letters + string.digits + "-", min_size=1, max_size=65)
TLD = st.one_of(
    st.text(alphabet=string.ascii_letters, min_size=1, max_size=5),
    st.sampled_from(["local", "test", "localhost", "invalid", "onion", "arpa", "c0m", "123", "xn--p1ai"]),
)
ADDRESS = st.builds(
    lambda local, labels, tld, at: f"{local}{at}{'.'.join([*labels, tld])}",
    ATOM,
    st.lists(LABEL, min_size=0, max_size=4),
    TLD,
    st.sampled_from(["@", "@", "@@", "@."]),
)


def slow(text: str) -> str | None:
    try:
        return validate_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


@hyp_settings(max_examples=3000, deadline=None)
@given(ADDRESS)
def test_an_address_answered_without_email_validator_is_one_it_accepts_the_same(text: str) -> None:
    fast = plain_email(text)
    if fast is not None:
        assert slow(text) == fast, text


def test_everyday_addresses_take_the_plain_path_and_others_do_not() -> None:
    assert plain_email("Jane.Doe+news@Mail.Example.COM") == "jane.doe+news@mail.example.com"
    assert plain_email("a_b-c@sub-domain.example.co") == "a_b-c@sub-domain.example.co"
    for other in (
        "zoë@example.com",
        "a@b.c",
        "a@x.local",
        "a@xn--p1ai.com",
        '"a b"@x.com',
        "a..b@x.com",
        "a@b_c.com",
    ):
        assert plain_email(other) is None, other
