"""The wallet's HTTP client on a real loopback server: no redirects, capped bodies, https only."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from vic.contexts.errors import IssuanceProtocolError
from vic.wallet.http import MAX_RESPONSE_BYTES, HttpxClient, check_url


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://10.0.0.1/private")
            self.end_headers()
            return
        if self.path == "/big":
            self.send_response(200)
            self.end_headers()
            chunk = b"x" * 65536
            try:
                for _ in range(MAX_RESPONSE_BYTES // len(chunk) + 2):
                    self.wfile.write(chunk)
            except OSError:
                pass  # the client stopped reading
            return
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", self.headers.get("Content-Type", ""))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_get_and_post_on_loopback(server: str) -> None:
    client = HttpxClient()
    try:
        response = client.request("GET", f"{server}/ok")
        assert (response.status, response.body) == (200, b'{"ok": true}')
        assert response.header("Content-Type") == "application/json"
        form = client.request("POST", f"{server}/echo", form={"grant_type": "x", "tx_code": "1"})
        assert form.body == b"grant_type=x&tx_code=1"
        assert form.header("content-type") == "application/x-www-form-urlencoded"
        posted = client.request("POST", f"{server}/echo", json={"a": 1})
        assert posted.body == b'{"a":1}'
    finally:
        client.close()


def test_redirects_are_not_followed(server: str) -> None:
    response = HttpxClient().request("GET", f"{server}/redirect")
    assert response.status == 302  # handed back, never followed to the private address


def test_bodies_are_capped(server: str) -> None:
    with pytest.raises(IssuanceProtocolError) as caught:
        HttpxClient().request("GET", f"{server}/big")
    assert caught.value.code == "RESPONSE_TOO_LARGE"


def test_an_unreachable_issuer() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(IssuanceProtocolError) as caught:
        HttpxClient().request("GET", f"http://127.0.0.1:{port}/")
    assert caught.value.code == "ISSUER_UNREACHABLE"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://issuer.example/x", "INSECURE_URL"),
        ("http://10.0.0.1/x", "INSECURE_URL"),
        ("file:///etc/passwd", "INSECURE_URL"),
        ("https://user:pw@issuer.example/", "INVALID_URL"),
        ("https://issuer.example/#frag", "INVALID_URL"),
        ("https:///nohost", "INVALID_URL"),
        ("https://issuer.example:99999/", "INVALID_URL"),
    ],
)
def test_urls_the_wallet_refuses(url: str, code: str) -> None:
    with pytest.raises(IssuanceProtocolError) as caught:
        HttpxClient().request("GET", url)
    assert caught.value.code == code


@pytest.mark.parametrize(
    "url",
    ["https://issuer.example/a", "http://localhost:8080/", "http://[::1]/", "http://127.0.0.2/"],
)
def test_urls_the_wallet_accepts(url: str) -> None:
    assert check_url(url) == url
