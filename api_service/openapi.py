"""The OpenAPI document: every status an operation can answer, as application/problem+json.

FastAPI documents the success answer and a 422 in its own validation-error shape. `install_openapi`
post-processes the generated document once: it adds the `Problem` schema (RFC 9457, with this
API's `errors` list) and, for every operation, the error statuses that follow from what the route
takes, decided from the route itself so a new route is documented without anyone remembering to:

- every operation: 422 (any string may be refused, e.g. one with a NUL), 429 (rate limits);
  503 (a dependency down) for all but the liveness probe;
- a request body: 413 (over the size cap); an upload: 411 as well;
- answers that are not JSON: their media type (file downloads, and the routes in MEDIA_TYPES);
- a credential (a bearer token, a session cookie or the admin key): 401; a bearer token or a
  session: 403 (roles and restrictions), 404 (ids in the path, body or query name things that may
  not exist in the workspace);
- a body that cannot be parsed (not UTF-8, broken multipart) or an invalid `cursor` parameter: 400;
- writes (POST, PUT, PATCH, DELETE): 409;
- file downloads: 409 (not ready) and 410 (expired), and the file's own media type for the 200.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse
from fastapi.routing import APIRoute, iter_route_contexts

from api_service.errors import PROBLEM, TITLES

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "An error (RFC 9457). `errors` names each offending field when there are any.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                    "msg": {"type": "string"},
                },
                "required": ["loc", "msg"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
    "additionalProperties": True,
}
SECURITY_SCHEMES = {
    "bearerToken": {"type": "http", "scheme": "bearer", "description": "A user's API token (ct_...)"},
    "adminKey": {"type": "apiKey", "in": "header", "name": "X-Admin-Key", "description": "The operator key"},
}
_CREDENTIAL_HEADERS = {"authorization": "bearerToken", "x-admin-key": "adminKey"}
FILE_MEDIA_TYPE = "text/csv"
# Routes answering a plain Response whose media type FastAPI cannot see.
MEDIA_TYPES = {"/metrics": "text/plain"}
LIVENESS_PATHS = frozenset({"/healthz"})
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DESCRIPTIONS = {
    400: "The body cannot be parsed (not UTF-8 JSON, broken multipart), or the cursor is invalid.",
    401: "Missing, wrong or revoked credentials.",
    403: "The caller's role or restrictions do not allow this.",
    404: "Something the request names does not exist in the workspace.",
    409: "The request conflicts with the current state (a duplicate, or a job not finished).",
    410: "The file has expired.",
    411: "An upload must declare its Content-Length.",
    413: "The request body (or the uploaded file) is too large.",
    422: "The request is invalid; `errors` names each offending field.",
    429: "Too many requests; retry after `Retry-After` seconds.",
    503: "A dependency is unavailable; retry after `Retry-After` seconds.",
}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}


def _params(dependant: Dependant, kind: str) -> list[Any]:
    """The route's parameters of one kind ("query", "header", ...) over all its dependencies."""
    found: list[Any] = []
    stack = [dependant]
    while stack:
        current = stack.pop()
        found.extend(getattr(current, f"{kind}_params"))
        stack.extend(current.dependencies)
    return found


def api_routes(app: FastAPI) -> list[Any]:
    """Every API route as served: path with its router's prefix, dependencies with the app's."""
    return [rc for rc in iter_route_contexts(app.routes) if isinstance(rc.original_route, APIRoute)]


def is_file_download(route: Any) -> bool:
    return route.original_route.response_class is FileResponse


def error_statuses(route: Any) -> set[int]:
    """The error statuses `route` (an api_routes() item) can answer."""
    headers = {(p.alias or p.name).lower().replace("_", "-") for p in _params(route.dependant, "header")}
    bearer = "authorization" in headers or bool(_params(route.dependant, "cookie"))
    credential = bearer or "x-admin-key" in headers
    body_params = _params(route.dependant, "body")
    param_names = {p.alias or p.name for p in (*_params(route.dependant, "query"), *body_params)}
    statuses = {422, 429}
    if route.path not in LIVENESS_PATHS:
        statuses.add(503)
    if route.body_field is not None:
        statuses |= {400, 413}
        if any(p.alias == "file" or p.name == "file" for p in body_params):
            statuses.add(411)
    if credential:
        statuses.add(401)
    if bearer:
        statuses |= {403, 404}
    if set(route.methods or ()) & _WRITES:
        statuses.add(409)
    if "cursor" in param_names:
        statuses.add(400)
    if is_file_download(route):
        statuses |= {409, 410}
    return statuses


def _problem_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": _DESCRIPTIONS.get(status, TITLES.get(status, "Error")),
        "content": {PROBLEM: {"schema": PROBLEM_REF}},
    }
    if status in (429, 503):
        response["headers"] = _RETRY_AFTER
    return response


def document_problems(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for route in api_routes(app):
        if not route.include_in_schema:
            continue
        path_item = schema["paths"].get(route.path_format, {})
        for method in sorted(route.methods or ()):
            operation = path_item.get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            media_type = FILE_MEDIA_TYPE if is_file_download(route) else MEDIA_TYPES.get(route.path_format)
            if media_type is not None:
                for code, answer in responses.items():
                    if code.startswith("2"):
                        answer["content"] = {media_type: {"schema": {"type": "string"}}}
            for status in error_statuses(route):
                responses[str(status)] = _problem_response(status)
            for code, answer in responses.items():
                # A route may declare an error status of its own (e.g. a refused sign-in code): a
                # problem too, with the route's description.
                if code[0] in "45" and PROBLEM not in answer.get("content", {}):
                    answer["content"] = {PROBLEM: {"schema": PROBLEM_REF}}
            operation["responses"] = dict(sorted(responses.items()))
            _credentials_as_security(operation)
    schema["components"]["securitySchemes"] = SECURITY_SCHEMES
    add_links(schema)
    return schema


def _id_pointer(schema: dict[str, Any], response_schema: dict[str, Any], param: str) -> str | None:
    """Where in a creation answer the new resource's identifier is: /id, /key for a `key` path
    parameter, or /<field>/id for an answer wrapping the resource (e.g. {"user": {...}, "token"})."""
    components = schema["components"]["schemas"]

    def properties(node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref", "")
        resolved: dict[str, Any] = components.get(ref.rsplit("/", 1)[-1], {}) if ref else node
        props: dict[str, Any] = resolved.get("properties", {})
        return props

    props = properties(response_schema)
    if param == "key" and "key" in props:
        return "/key"
    if "id" in props:
        return "/id"
    for name, child in props.items():
        if "id" in properties(child):
            return f"/{name}/id"
    return None


def add_links(schema: dict[str, Any]) -> None:
    """OpenAPI links from each creation (POST on a collection) to the operations on what it
    created (`<collection>/{id}...`), so clients and stateful testers can follow them."""
    paths: dict[str, dict[str, Any]] = schema["paths"]
    for collection, item in paths.items():
        create = item.get("post")
        if create is None:
            continue
        for code, answer in create.get("responses", {}).items():
            content = answer.get("content", {}).get("application/json")
            if not code.startswith("2") or content is None:
                continue
            links: dict[str, Any] = {}
            for target, target_item in paths.items():
                rest = target.removeprefix(collection + "/")
                if rest == target or not rest.startswith("{"):
                    continue
                param = rest[1 : rest.index("}")]
                pointer = _id_pointer(schema, content.get("schema", {}), param)
                if pointer is None:
                    continue
                for method, operation in target_item.items():
                    links[operation["operationId"]] = {
                        "operationId": operation["operationId"],
                        "parameters": {param: f"$response.body#{pointer}"},
                        "description": f"{method.upper()} {target} on what this created",
                    }
            if links:
                answer["links"] = links


def _credentials_as_security(operation: dict[str, Any]) -> None:
    """The Authorization / X-Admin-Key headers the dependencies read, shown as security schemes
    (so clients and tools send them as credentials, not as free-form optional headers)."""
    kept: list[dict[str, Any]] = []
    security: list[dict[str, list[str]]] = []
    for param in operation.get("parameters", []):
        scheme = _CREDENTIAL_HEADERS.get(param["name"].lower()) if param.get("in") == "header" else None
        if scheme is None:
            kept.append(param)
        else:
            security.append({scheme: []})
    if security:
        operation["parameters"] = kept
        operation["security"] = security
        if not kept:
            del operation["parameters"]


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = document_problems(app, schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
