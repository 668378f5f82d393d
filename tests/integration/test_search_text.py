"""Free-text `query`: every partial-matching rule of the contract, and that it is never a query language."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import add_channel, add_field, new_contact
from tests.integration.search_support import search_ids, set_activity


@pytest.fixture
def people(client, workspace, session_factory, sync_index) -> dict[str, Any]:
    add_field(session_factory, workspace, "company", "text")
    add_field(session_factory, workspace, "score", "number")
    made = {
        "zoe": new_contact(
            client,
            workspace,
            first_name="Zoë",
            last_name="Åström",
            email="zoe.astrom@acme-corp.com",
            phone="+60 12-345 6789",
            tags=["VIP Gold", "lead"],
            custom_fields={"company": "Crème Industries", "score": 2345},
        ),
        "jp": new_contact(
            client,
            workspace,
            first_name="Jean-Pierre",
            last_name="O'Neil",
            email="jp@example.org",
            phone="+6591234567",
        ),
        "star": new_contact(client, workspace, first_name="Star*", tags=["50% off?"]),
        "plain": new_contact(client, workspace, first_name="Bob", email="bob@mail.net"),
    }
    channel = add_channel(session_factory, workspace, "Acme WhatsApp")
    set_activity(session_factory, workspace, made["plain"]["id"], channels=((channel, "wa-778899"),))
    sync_index()
    return {k: v["id"] for k, v in made.items()}


@pytest.mark.parametrize(
    ("query", "who"),
    [
        ("zoe", {"zoe"}),  # accents and case do not matter
        ("ZOË", {"zoe"}),
        ("astr", {"zoe"}),  # part of a name: a word's start
        ("strö", {"zoe"}),  # or text inside a word, accents and case aside
        ("TROM", {"zoe"}),
        ("ierr", {"jp"}),
        ("neil", {"jp"}),  # after the apostrophe of O'Neil
        ("ean-pie", {"jp"}),  # each piece inside a word of the name
        ("zoe.a", {"zoe"}),  # a short piece at the start of a word
        ("zoe astrom", {"zoe"}),  # several terms: all must match
        ("jean", {"jp"}),
        ("pierre", {"jp"}),
        ("o'neil", {"jp"}),
        ("zoe.ast", {"zoe"}),  # the start of an e-mail address
        ("zoe.astrom@acme-corp.com", {"zoe"}),
        ("acme-corp.com", {"zoe"}),  # its domain
        ("acme-c", {"zoe"}),
        ("example.org", {"jp"}),
        ("6789", {"zoe"}),  # a run of 4+ digits of the phone
        ("2345", {"zoe", "jp"}),
        ("012-345", {"zoe"}),  # national form, any punctuation
        ("012 345 6789", {"zoe"}),
        ("+60 12", {"zoe"}),  # international form
        ("60123456789", {"zoe"}),
        ("9123 4567", {"jp"}),
        ("vip", {"zoe"}),  # a tag
        ("vip gold", {"zoe"}),  # a tag with a space, whole
        ("LEAD", {"zoe"}),
        ("creme", {"zoe"}),  # a custom field's text
        ("industries", {"zoe"}),
        ("acme whatsapp", {"plain"}),  # channel name
        ("wa-778899", {"plain"}),  # external id on the channel
        ("   ", {"zoe", "jp", "star", "plain"}),  # empty query matches every contact
        ("", {"zoe", "jp", "star", "plain"}),
    ],
)
def test_partial_input_matches(client, workspace, people, query, who) -> None:
    assert search_ids(client, workspace, query=query) == {people[w] for w in who}


@pytest.mark.parametrize(
    "query",
    [
        "234",  # fewer than 4 digits never matches a phone
        "orp.com",  # the middle of a domain
        "oea",  # "zoe astrom": text inside a name never spans two words
        "eanpie",  # nor skips the hyphen between them
        "tr",  # two letters match only at the start of a word
        "zoe.s",  # a short piece must start a word (Zoë Åström has none starting with s)
        "xampl",  # inside a domain (example.org) is not its start
        "zoe bob",  # terms of two different contacts
        "nobody",
        "42",
    ],
)
def test_non_matches(client, workspace, people, query) -> None:
    assert search_ids(client, workspace, query=query) == set()


@pytest.mark.parametrize(
    "query",
    ["*", "?", "*oe", "zoee~", "name:bob", "first_name:zoe", "bob OR zoe", "zoe AND NOT bob", '"', "\\"],
)
def test_the_query_is_plain_text_not_a_query_language(client, workspace, people, query) -> None:
    """Wildcards, fuzzy and query-string syntax typed by a user are not operators: each of these
    would match someone in a query language, and matches nobody as plain text."""
    assert search_ids(client, workspace, query=query) == set()


@pytest.mark.parametrize(("typed", "plain"), [("z*", "z"), ("zo?", "zo"), ("b.*", "b"), ("/bob/", "bob")])
def test_special_characters_never_widen_a_match(client, workspace, people, typed, plain) -> None:
    assert search_ids(client, workspace, query=typed) <= search_ids(client, workspace, query=plain)


def test_literal_special_characters_still_find_their_owner(client, workspace, people) -> None:
    assert search_ids(client, workspace, query="star*") == {people["star"]}
    assert search_ids(client, workspace, query="50% off?") == {people["star"]}


def test_a_long_query_is_refused_and_a_long_harmless_one_is_bounded(client, workspace, people) -> None:
    too_long = client.post("/v1/contacts/search", headers=workspace.headers, json={"query": "a" * 257})
    assert too_long.status_code == 422
    assert too_long.headers["content-type"] == "application/problem+json"
    assert too_long.json()["errors"][0]["loc"] == ["query"]
    many_terms = " ".join(["zoe"] * 60)
    assert search_ids(client, workspace, query=many_terms) == {people["zoe"]}
    listed = client.get("/v1/contacts", headers=workspace.headers, params={"q": "x" * 257})
    assert listed.status_code == 422


def test_query_combines_with_filter(client, workspace, people) -> None:
    only_tagged = {"and": [{"field": "tags", "op": "exists"}]}
    assert search_ids(client, workspace, query="o", filter=only_tagged) == set()
    assert search_ids(client, workspace, query="zo", filter=only_tagged) == {people["zoe"]}
    listed = client.get("/v1/contacts", headers=workspace.headers, params={"q": "jean"}).json()
    assert [c["id"] for c in listed["items"]] == [people["jp"]]
