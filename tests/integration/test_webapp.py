"""The web app's files served by the API at `/` (UI.md "Where it lives"): the build, its hashed
assets with a long cache, the app for every unknown page, and the API's own paths left alone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api_service.main import create_app

SCRIPT_TAG = '<script type="module" src="/assets/index-4f3a9c.js"></script>'
INDEX = f"<!doctype html><html><head>{SCRIPT_TAG}</head>"
SCRIPT = "console.log('contacts')"


@pytest.fixture
def built(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX + "<body><div id=root></div></body></html>")
    (tmp_path / "assets" / "index-4f3a9c.js").write_text(SCRIPT)
    (tmp_path / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    return tmp_path


def serve(settings: Any, dist: Path) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"web_dist_dir": dist}))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def web(settings: Any, built: Path, migrated_db: str, search_client: Any) -> Iterator[TestClient]:
    yield from serve(settings, built)


def test_the_app_is_served_at_the_root_and_for_unknown_pages(web: TestClient) -> None:
    for path in ("/", "/index.html", "/contacts", "/views/123?q=ana&sort=email:asc", "/sign-in?code=abc"):
        response = web.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        assert SCRIPT_TAG in response.text
        assert response.headers["cache-control"] == "no-cache"
    assert web.head("/contacts").status_code == 200


def test_each_page_gets_its_own_style_nonce_in_the_policy_and_the_page(web: TestClient) -> None:
    """React Aria adds one <style> element, with the nonce of `<meta property="csp-nonce">`: the
    policy allows exactly that nonce besides the app's own files, and no inline script at all."""
    nonces = []
    for _ in range(2):
        response = web.get("/contacts")
        policy = response.headers["content-security-policy"]
        match = re.search(r"style-src 'self' 'nonce-([A-Za-z0-9_-]{16,})';", policy)
        assert match, policy
        assert f'<meta property="csp-nonce" nonce="{match[1]}">' in response.text
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy
        nonces.append(match[1])
    assert nonces[0] != nonces[1]


def test_hashed_assets_are_cached_and_other_files_revalidated(web: TestClient) -> None:
    script = web.get("/assets/index-4f3a9c.js")
    assert script.status_code == 200 and script.text == SCRIPT
    assert "javascript" in script.headers["content-type"]
    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
    icon = web.get("/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg")
    assert icon.headers["cache-control"] == "no-cache"
    # A missing asset is a 404, never the app's HTML in place of a script.
    missing = web.get("/assets/index-000000.js")
    assert missing.status_code == 404 and SCRIPT_TAG not in missing.text


def test_the_api_paths_keep_their_meaning(web: TestClient) -> None:
    for method, path in (
        ("GET", "/v1/unknown"),
        ("GET", "/v1"),
        ("POST", "/v1/unknown"),
        ("GET", "/metrics/x"),
    ):
        response = web.request(method, path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
    assert web.patch("/v1/contacts").status_code == 405
    assert web.get("/v1/contacts").status_code == 401
    assert web.get("/healthz").json() == {"status": "ok"}
    assert web.get("/openapi.json").json()["info"]["title"] == "Contacts API"
    assert "swagger" in web.get("/docs").text.lower()
    # Writes to a page of the app are not the app's.
    assert web.post("/contacts").status_code in (404, 405)


def test_a_missing_build_answers_a_page_saying_so(
    settings: Any, tmp_path: Path, migrated_db: str, search_client: Any
) -> None:
    for web in serve(settings, tmp_path / "no-build"):
        for path in ("/", "/contacts"):
            response = web.get(path)
            assert response.status_code == 200
            assert "not built" in response.text
        assert web.get("/assets/index-4f3a9c.js").status_code == 404
        assert web.get("/v1/unknown").headers["content-type"] == "application/problem+json"
        assert web.get("/healthz").status_code == 200
