"""What a request presents, decided without I/O (api_service.auth): which credential counts and
whether a cookie request carries its CSRF proof."""

from __future__ import annotations

import pytest

from api_service.auth import Credentials, credentials_from, csrf_token
from api_service.errors import ProblemError
from shared.settings import Settings

KEY = "k" * 32


def present(method: str = "GET", **kwargs: str | None) -> Credentials:
    values: dict[str, str | None] = {"authorization": None, "session_cookie": None, "csrf_header": None}
    values.update(kwargs)
    return credentials_from(method=method, secret_key=KEY, **values)


def test_a_bearer_token_wins_and_needs_no_csrf_proof() -> None:
    assert present("POST", authorization="Bearer ct_abc", session_cookie="s") == Credentials(
        "bearer", "ct_abc"
    )
    assert present(authorization="bearer  ct_abc ").secret == "ct_abc"


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_a_cookie_read_needs_no_csrf_proof(method: str) -> None:
    assert present(method, session_cookie="s") == Credentials("session", "s", csrf_missing=False)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_cookie_write_needs_the_sessions_own_csrf_token(method: str) -> None:
    assert present(method, session_cookie="s").csrf_missing
    assert present(method, session_cookie="s", csrf_header="forged").csrf_missing
    assert present(method, session_cookie="s", csrf_header=csrf_token(KEY, "other")).csrf_missing
    assert present(method, session_cookie="s", csrf_header=csrf_token("another key" * 3, "s")).csrf_missing
    assert not present(method, session_cookie="s", csrf_header=csrf_token(KEY, "s")).csrf_missing


@pytest.mark.parametrize("authorization", [None, "", "Basic dXNlcjpwdw==", "Token x"])
def test_no_credentials_is_a_401(authorization: str | None) -> None:
    with pytest.raises(ProblemError) as refused:
        present(authorization=authorization)
    assert refused.value.status == 401


def test_sign_in_links_point_at_an_address_a_browser_can_open() -> None:
    assert (
        Settings(api_host="0.0.0.0", api_port=8000, public_base_url=None).app_url == "http://127.0.0.1:8000"
    )
    assert (
        Settings(api_host="127.0.0.1", api_port=8123, public_base_url=None).app_url == "http://127.0.0.1:8123"
    )
    assert Settings(public_base_url="https://contacts.example.com/").app_url == "https://contacts.example.com"
