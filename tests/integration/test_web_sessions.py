"""Sessions for the web app (API.md "Sessions for the web app"), through a browser-like client that
keeps cookies: one-time expiring sign-in links, the HttpOnly session cookie, CSRF on cookie writes,
sign-out, roles, tenant isolation, and the CLI's links. Each test has its own cookie jar."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from api_service.auth import hash_secret
from api_service.cli import main
from shared.models import Contact, SignInLink, User, WebSession
from tests.integration.records_support import build_world, import_form, needed
from tests.integration.test_role_matrix import ENDPOINTS, Endpoint, expected_status, fill_body

Browser = Callable[..., TestClient]


@pytest.fixture
def browser(app: Any, client: Any) -> Iterator[Browser]:
    """New cookie jars on the running app (the shared `client` never holds a cookie)."""
    opened: list[TestClient] = []

    def make(base_url: str = "http://testserver") -> TestClient:
        jar = TestClient(app, base_url=base_url, raise_server_exceptions=False)
        opened.append(jar)
        return jar

    yield make
    for jar in opened:
        jar.close()


def code_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["code"][0]


def link_for(client: Any, owner_headers: dict[str, str], user_id: str) -> str:
    response = client.post("/v1/sign-in-links", headers=owner_headers, json={"user_id": user_id})
    assert response.status_code == 201, response.text
    return str(response.json()["url"])


def sign_in(jar: TestClient, url: str) -> None:
    response = jar.post("/v1/sessions", json={"code": code_of(url)})
    assert response.status_code == 204, response.text


def csrf(jar: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": jar.cookies["contacts_csrf"]}


def set_cookies(response: Any) -> dict[str, str]:
    """Set-Cookie headers by cookie name, attributes lowercased."""
    return {h.split("=", 1)[0]: h.lower() for h in response.headers.get_list("set-cookie")}


def test_a_sign_in_link_works_once(client, browser, workspace, settings) -> None:
    created = client.post(
        "/v1/sign-in-links", headers=workspace.headers, json={"user_id": workspace.owner_id}
    )
    assert created.status_code == 201
    url = created.json()["url"]
    assert url.startswith(f"{settings.app_url}/sign-in?code=")
    assert created.json()["expires_at"]

    jar = browser()
    assert jar.get("/v1/me").status_code == 401
    response = jar.post("/v1/sessions", json={"code": code_of(url)})
    assert response.status_code == 204
    cookies = set_cookies(response)
    assert "httponly" in cookies["contacts_session"] and "samesite=strict" in cookies["contacts_session"]
    assert "httponly" not in cookies["contacts_csrf"]
    assert "secure" not in cookies["contacts_session"]  # plain http here
    me = jar.get("/v1/me")
    assert me.status_code == 200
    assert me.json()["id"] == workspace.owner_id and me.json()["role"] == "owner"
    assert me.json()["workspace"]["id"] == workspace.id
    assert me.json()["signed_in_with"] == "session"
    assert me.json()["csrf_token"] == jar.cookies["contacts_csrf"]

    # Used: refused to anybody, including the browser that used it.
    for again in (jar, browser()):
        refused = again.post("/v1/sessions", json={"code": code_of(url)})
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
        assert "contacts_session" not in set_cookies(refused)


def test_expired_and_unknown_links_are_refused(client, browser, workspace, session_factory) -> None:
    url = link_for(client, workspace.headers, workspace.owner_id)
    with session_factory() as session, session.begin():
        session.execute(
            update(SignInLink)
            .where(SignInLink.code_hash == hash_secret(code_of(url)))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    jar = browser()
    assert jar.post("/v1/sessions", json={"code": code_of(url)}).status_code == 401
    assert jar.post("/v1/sessions", json={"code": "not-a-code"}).status_code == 401
    assert jar.get("/v1/me").status_code == 401
    # Neither or both of code and token: named in a 422.
    assert jar.post("/v1/sessions", json={}).status_code == 422
    both = jar.post("/v1/sessions", json={"code": "a", "token": "b"})
    assert both.status_code == 422 and "code" in both.json()["detail"]


def test_another_site_cannot_sign_a_browser_in(client, browser, workspace) -> None:
    """Login CSRF: a cross-site form can post text/plain but never application/json (that needs a
    CORS preflight this API does not grant), and a sign-in body must be JSON."""
    url = link_for(client, workspace.headers, workspace.owner_id)
    jar = browser()
    forged = jar.post(
        "/v1/sessions", content=f'{{"code": "{code_of(url)}"}}', headers={"Content-Type": "text/plain"}
    )
    assert forged.status_code == 422
    assert "contacts_session" not in jar.cookies
    sign_in(jar, url)  # the link was not spent by the refused request


def test_only_a_hash_of_the_code_is_stored(client, workspace, session_factory) -> None:
    url = link_for(client, workspace.headers, workspace.owner_id)
    with session_factory() as session:
        stored = session.scalars(
            select(SignInLink.code_hash).where(SignInLink.user_id == uuid.UUID(workspace.owner_id))
        ).all()
    assert hash_secret(code_of(url)) in stored
    assert code_of(url) not in stored


def test_the_cookie_reads_and_writes_need_the_csrf_token(client, browser, workspace, session_factory) -> None:
    jar = browser()
    sign_in(jar, link_for(client, workspace.headers, workspace.owner_id))
    assert jar.get("/v1/contacts").status_code == 200
    assert jar.post("/v1/contacts/search", json={}, headers=csrf(jar)).status_code == 200

    def count() -> int:
        with session_factory() as session:
            return int(
                session.scalar(select(func.count()).where(Contact.workspace_id == uuid.UUID(workspace.id)))
                or 0
            )

    for headers in ({}, {"X-CSRF-Token": "forged"}, {"X-CSRF-Token": ""}):
        refused = jar.post("/v1/contacts", json={"first_name": "Eve"}, headers=headers)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert "csrf" in refused.json()["detail"].lower()
    assert count() == 0

    created = jar.post("/v1/contacts", json={"first_name": "Ana"}, headers=csrf(jar))
    assert created.status_code == 201
    contact = created.json()["id"]
    assert jar.patch(f"/v1/contacts/{contact}", json={"last_name": "X"}).status_code == 403
    assert jar.patch(f"/v1/contacts/{contact}", json={"last_name": "X"}, headers=csrf(jar)).status_code == 200
    assert jar.delete(f"/v1/contacts/{contact}").status_code == 403
    assert count() == 1
    assert jar.delete(f"/v1/contacts/{contact}", headers=csrf(jar)).status_code == 204

    # Another session's token does not fit this session.
    other = browser()
    sign_in(other, link_for(client, workspace.headers, workspace.owner_id))
    mixed = jar.post("/v1/contacts", json={"first_name": "Eve"}, headers=csrf(other))
    assert mixed.status_code == 403


def test_bearer_writes_need_no_csrf_token(client, browser, workspace) -> None:
    bare = browser()
    assert bare.post("/v1/contacts", headers=workspace.headers, json={"first_name": "Bo"}).status_code == 201
    # A bearer token wins over a cookie sent alongside it.
    jar = browser()
    sign_in(jar, link_for(client, workspace.headers, workspace.owner_id))
    assert jar.post("/v1/contacts", headers=workspace.headers, json={"first_name": "Cy"}).status_code == 201
    assert jar.get("/v1/me", headers=workspace.headers).json()["signed_in_with"] == "token"


def test_sign_out_ends_the_session(client, browser, workspace) -> None:
    jar = browser()
    sign_in(jar, link_for(client, workspace.headers, workspace.owner_id))
    stolen = jar.cookies["contacts_session"]
    assert jar.delete("/v1/sessions/current").status_code == 403  # a write: CSRF applies
    out = jar.delete("/v1/sessions/current", headers=csrf(jar))
    assert out.status_code == 204
    assert "contacts_session" not in jar.cookies
    assert jar.get("/v1/me").status_code == 401
    # The old cookie, replayed, is dead on the server too.
    replay = browser()
    replay.cookies.set("contacts_session", stolen)
    assert replay.get("/v1/contacts").status_code == 401
    # Signing out a bearer request leaves the token alone.
    assert client.delete("/v1/sessions/current", headers=workspace.headers).status_code == 204
    assert client.get("/v1/me", headers=workspace.headers).status_code == 200


def test_an_expired_session_and_a_revoked_user_are_signed_out(
    client, browser, make_workspace, session_factory
) -> None:
    world = build_world(client, make_workspace)
    owner = world.headers("owner")
    jar, manager = browser(), browser()
    sign_in(jar, link_for(client, owner, world.user_ids["owner"]))
    sign_in(manager, link_for(client, owner, world.user_ids["manager"]))
    with session_factory() as session, session.begin():
        session.execute(
            update(WebSession)
            .where(WebSession.secret_hash == hash_secret(jar.cookies["contacts_session"]))
            .values(expires_at=func.now())
        )
    assert jar.get("/v1/contacts").status_code == 401
    # The owner revokes the manager's access: tokens and web sessions end together.
    assert manager.get("/v1/contacts").status_code == 200
    assert client.delete(f"/v1/users/{world.user_ids['manager']}/tokens", headers=owner).status_code == 204
    assert manager.get("/v1/contacts").status_code == 401


def test_an_api_token_opens_a_session_that_ends_with_the_token(client, browser, make_workspace) -> None:
    world = build_world(client, make_workspace)
    jar = browser()
    assert jar.post("/v1/sessions", json={"token": "ct_wrong"}).status_code == 401
    response = jar.post("/v1/sessions", json={"token": world.tokens["manager"]})
    assert response.status_code == 204
    me = jar.get("/v1/me").json()
    assert me["role"] == "manager" and me["id"] == world.user_ids["manager"]
    assert client.delete("/v1/tokens/current", headers=world.headers("manager")).status_code == 204
    assert jar.get("/v1/me").status_code == 401


def test_an_agent_signs_in_and_the_module_refuses_them(client, browser, make_workspace) -> None:
    world = build_world(client, make_workspace)
    jar = browser()
    sign_in(jar, link_for(client, world.headers("owner"), world.user_ids["agent"]))
    me = jar.get("/v1/me")
    assert me.status_code == 200 and me.json()["role"] == "agent"
    assert jar.get("/v1/contacts").status_code == 403
    assert jar.post("/v1/contacts/search", json={}, headers=csrf(jar)).status_code == 403
    assert jar.post("/v1/contacts", json={"first_name": "A"}, headers=csrf(jar)).status_code == 403


def test_only_an_owner_creates_links_within_their_workspace(client, make_workspace) -> None:
    world = build_world(client, make_workspace)
    body = {"user_id": world.user_ids["agent"]}
    assert client.post("/v1/sign-in-links", json=body).status_code == 401
    for role in ("manager", "restricted", "agent"):
        assert client.post("/v1/sign-in-links", headers=world.headers(role), json=body).status_code == 403
    other = make_workspace()
    foreign = client.post("/v1/sign-in-links", headers=other.headers, json=body)
    assert foreign.status_code == 404
    assert foreign.headers["content-type"] == "application/problem+json"
    unknown = client.post("/v1/sign-in-links", headers=other.headers, json={"user_id": str(uuid.uuid4())})
    assert unknown.status_code == 404
    malformed = client.post("/v1/sign-in-links", headers=other.headers, json={"user_id": "nope"})
    assert malformed.status_code == 422 and malformed.json()["errors"][0]["loc"] == ["user_id"]


def test_the_cookie_is_secure_over_https(client, browser, workspace) -> None:
    jar = browser("https://testserver")
    response = jar.post(
        "/v1/sessions", json={"code": code_of(link_for(client, workspace.headers, workspace.owner_id))}
    )
    assert response.status_code == 204
    cookies = set_cookies(response)
    assert "secure" in cookies["contacts_session"] and "secure" in cookies["contacts_csrf"]
    assert jar.get("/v1/me").status_code == 200


def test_errors_come_in_one_order_on_every_route(client, browser, make_workspace) -> None:
    """401, then 403, then 422, whether a route authenticates by dependency or in its one thread hop
    (GET /v1/contacts, POST /v1/contacts/search), and for a body that is not even JSON."""
    world = build_world(client, make_workspace)
    bad_query = "/v1/contacts?page_size=0"
    bad_search = {"page_size": 0}
    for role, expected in (("none", 401), ("bad", 401), ("agent", 403), ("owner", 422)):
        headers = world.headers(role)
        assert client.get(bad_query, headers=headers).status_code == expected, role
        assert client.post("/v1/contacts/search", headers=headers, json=bad_search).status_code == expected
        assert client.post("/v1/contacts", headers=headers, json={"first_name": 5}).status_code == expected
        not_json = {**headers, "Content-Type": "application/json"}
        assert client.post("/v1/contacts/search", headers=not_json, content=b"{").status_code == expected
        assert client.post("/v1/contacts", headers=not_json, content=b"{").status_code == expected
    jar = browser()
    sign_in(jar, link_for(client, world.headers("owner"), world.user_ids["owner"]))
    assert jar.post("/v1/contacts/search", json=bad_search).status_code == 403  # CSRF first
    assert jar.post("/v1/contacts/search", json=bad_search, headers=csrf(jar)).status_code == 422
    assert jar.get(bad_query).status_code == 422


DECIDED_BY_THE_SERVICE = {"PATCH /v1/views/{view}"}


@pytest.mark.parametrize("role", ["none", "bad", "agent", "restricted", "manager", "owner"])
def test_a_body_that_is_not_json_is_answered_after_the_access_checks(
    client, make_workspace, role: str
) -> None:
    """FastAPI parses a JSON body before any dependency runs; every route still answers 401, then
    403, and only then 422 for it, like the role matrix says."""
    with_body = [e for e in ENDPOINTS if e.body is not None]
    world = build_world(client, make_workspace, needs=needed(*(e.path for e in with_body)))
    headers = {**world.headers(role), "Content-Type": "application/json"}
    for endpoint in with_body:
        expected = expected_status(endpoint, role)
        if endpoint.name in DECIDED_BY_THE_SERVICE and role in ("manager", "restricted"):
            expected = 422  # the view's creator or an owner: a rule of the service, about the body's target
        response = client.request(endpoint.method, world.fill(endpoint.path), headers=headers, content=b"{")
        assert response.status_code == (expected if expected >= 400 else 422), (endpoint.name, response.text)


@pytest.mark.parametrize("role", ["owner", "restricted", "agent"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_every_endpoint_takes_the_cookie_with_the_same_rules(
    client, browser, make_workspace, endpoint: Endpoint, role: str
) -> None:
    """The role matrix again, signed in by cookie instead of a bearer token: the same statuses, and
    every state-changing request without the CSRF token a 403 that changes nothing."""
    world = build_world(client, make_workspace, needs=needed(endpoint.path, endpoint.body))
    jar = browser()
    assert jar.post("/v1/sessions", json={"token": world.tokens[role]}).status_code == 204
    kwargs: dict[str, Any] = {}
    if endpoint.body is not None:
        kwargs["json"] = fill_body(endpoint.body, world)
    if endpoint.multipart:
        kwargs.update(import_form())
    path = world.fill(endpoint.path)
    if endpoint.method != "GET":
        refused = jar.request(endpoint.method, path, **kwargs)
        assert refused.status_code == 403, refused.text
        assert "csrf" in refused.json()["detail"].lower()
    response = jar.request(endpoint.method, path, headers=csrf(jar), **kwargs)
    assert response.status_code == expected_status(endpoint, role), response.text


def test_the_cli_prints_a_working_link(client, browser, make_workspace, capsys) -> None:
    world = build_world(client, make_workspace)
    with_email = client.get(f"/v1/users/{world.user_ids['manager']}", headers=world.headers("owner")).json()
    assert main(["sign-in-link", "--email", with_email["email"].upper()]) == 0
    url = capsys.readouterr().out.strip()
    jar = browser()
    sign_in(jar, url)
    assert jar.get("/v1/me").json()["id"] == world.user_ids["manager"]

    assert main(["sign-in-link", "--user-id", world.user_ids["agent"]]) == 0
    agent = browser()
    sign_in(agent, capsys.readouterr().out.strip())
    assert agent.get("/v1/me").json()["role"] == "agent"

    assert main(["sign-in-link", "--email", "nobody@example.com"]) == 1
    assert "no such user" in capsys.readouterr().err


def test_the_demo_workspace_is_made_once_and_its_link_signs_the_owner_in(
    client, browser, session_factory, capsys
) -> None:
    owner_email = f"owner-{uuid.uuid4().hex[:8]}@demo.example.com"
    assert main(["demo", "--count", "40", "--owner-email", owner_email]) == 0
    first = capsys.readouterr()
    jar = browser()
    sign_in(jar, first.out.strip())
    me = jar.get("/v1/me").json()
    assert me["role"] == "owner" and me["email"] == owner_email
    assert "created" in first.err

    assert main(["demo", "--count", "40", "--owner-email", owner_email]) == 0
    second = capsys.readouterr()
    assert "already there" in second.err
    assert second.out.strip() != first.out.strip()  # a fresh link every start
    with session_factory() as session:
        owners = session.scalars(select(User).where(User.email == owner_email)).all()
        assert len(owners) == 1
        contacts = session.scalar(select(func.count()).where(Contact.workspace_id == owners[0].workspace_id))
        roles = sorted(
            session.scalars(select(User.role).where(User.workspace_id == owners[0].workspace_id)).all()
        )
    assert contacts == 40
    assert roles == ["agent", "manager", "manager", "owner"]
    sign_in(browser(), second.out.strip())
