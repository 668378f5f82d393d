"""Body caps seen from a real client over a socket: the 413 arrives before the body has been sent,
so the server never reads (or spools) what it refuses."""

from __future__ import annotations

import socket
import uuid
from urllib.parse import urlsplit

from tests.conftest import ADMIN_KEY


def connect(base: str) -> socket.socket:
    url = urlsplit(base)
    sock = socket.create_connection((url.hostname or "127.0.0.1", url.port or 80), timeout=10)
    return sock


def read_head(sock: socket.socket) -> str:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data.decode("latin-1")


def test_a_huge_json_body_is_refused_from_its_content_length(live_api: str) -> None:
    with connect(live_api) as sock:
        head = (
            "POST /v1/workspaces HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n"
            f"X-Admin-Key: {ADMIN_KEY}\r\nContent-Length: {100 * 1024 * 1024}\r\n\r\n"
        )
        sock.sendall(head.encode() + b'{"name": "')  # then nothing more of the 100 MB
        answer = read_head(sock)
    assert answer.startswith("HTTP/1.1 413"), answer
    assert "application/problem+json" in answer


def test_a_chunked_json_body_is_refused_once_it_passes_the_cap(live_api: str) -> None:
    with connect(live_api) as sock:
        head = (
            "POST /v1/workspaces HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n"
            f"X-Admin-Key: {ADMIN_KEY}\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        sock.sendall(head.encode())
        chunk = b"x" * 65536
        for _ in range(17):  # a little over 1 MiB, and the body never ends
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        answer = read_head(sock)
    assert answer.startswith("HTTP/1.1 413"), answer


def test_an_import_upload_over_the_cap_is_refused_before_it_is_sent(live_api: str) -> None:
    token = "ct_" + uuid.uuid4().hex  # the size is checked before the token
    with connect(live_api) as sock:
        head = (
            "POST /v1/imports HTTP/1.1\r\nHost: api\r\n"
            "Content-Type: multipart/form-data; boundary=b\r\n"
            f"Authorization: Bearer {token}\r\nContent-Length: {10 * 1024 * 1024 * 1024}\r\n\r\n"
        )
        sock.sendall(head.encode() + b"--b\r\n")
        answer = read_head(sock)
    assert answer.startswith("HTTP/1.1 413"), answer
