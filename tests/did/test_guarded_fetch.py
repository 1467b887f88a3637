"""The guarded fetcher, each guard on loopback (no request leaves 127.0.0.1)."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.loopback import Loopback, reply, self_signed, serve
from vic.contexts.errors import DidResolutionError, FetchError
from vic.did.fetch import FetchPolicy, GuardedFetcher
from vic.did.resolver import DidResolver, guarded_did_fetch

LOCAL = FetchPolicy(allow_loopback_http=True, deadline=5.0)


def _slow(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("content-length", "100000")
    handler.end_headers()
    try:
        for _ in range(100_000):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(0.02)
    except OSError:
        return  # the client gave up, as it should


@pytest.fixture(scope="module")
def server() -> Iterator[Loopback]:
    bomb = gzip.compress(b"\0" * (4 << 20))
    routes = {
        "/ok": lambda h: reply(h, 200, b'{"ok": true}', {"etag": '"v1"'}),
        "/big": lambda h: reply(h, 200, b"x" * 300_000),
        "/bomb": lambda h: reply(h, 200, bomb, {"content-encoding": "gzip"}),
        "/slow": _slow,
        "/loop": lambda h: reply(h, 302, headers={"location": "/loop"}),
        "/hop": lambda h: reply(h, 302, headers={"location": "/ok"}),
        "/to-private": lambda h: reply(h, 302, headers={"location": "http://10.0.0.7/status/1"}),
        "/to-metadata": lambda h: reply(
            h, 307, headers={"location": "https://169.254.169.254/latest/meta-data"}
        ),
        "/to-name": lambda h: reply(h, 302, headers={"location": "https://internal.example/x"}),
        "/missing-did": lambda h: reply(h, 404, b"no"),
    }
    with serve(routes) as loopback:
        yield loopback


def code_of(fetcher: GuardedFetcher, url: str, **kw: object) -> str:
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(url, **kw)  # type: ignore[arg-type]
    return caught.value.code


def test_a_plain_fetch(server: Loopback) -> None:
    response = GuardedFetcher(LOCAL).fetch(server.url("/ok"))
    assert response.status == 200
    assert response.body == b'{"ok": true}'
    assert response.headers["etag"] == '"v1"'


def test_a_redirect_is_followed(server: Loopback) -> None:
    response = GuardedFetcher(LOCAL).fetch(server.url("/hop"))
    assert response.body == b'{"ok": true}'
    assert response.url == server.url("/ok")


def test_http_is_refused_by_default(server: Loopback) -> None:
    assert code_of(GuardedFetcher(), server.url("/ok")) == "FETCH_NOT_HTTPS"


def test_loopback_https_is_refused_by_default() -> None:
    assert code_of(GuardedFetcher(), "https://127.0.0.1:9/x") == "FETCH_ADDRESS_REFUSED"


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "224.0.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:10.0.0.1",
        "100.64.0.1",
        "127.0.0.1",
    ],
)
def test_private_addresses_after_dns_are_refused(address: str) -> None:
    fetcher = GuardedFetcher(resolve=lambda host, port: [address])
    assert code_of(fetcher, "https://status.example/list/1") == "FETCH_ADDRESS_REFUSED"


def test_one_bad_address_among_good_ones_is_refused() -> None:
    fetcher = GuardedFetcher(resolve=lambda host, port: ["93.184.216.34", "10.0.0.1"])
    assert code_of(fetcher, "https://status.example/list/1") == "FETCH_ADDRESS_REFUSED"


@pytest.mark.parametrize("path", ["/to-private", "/to-metadata"])
def test_a_redirect_to_a_private_address_is_refused(server: Loopback, path: str) -> None:
    assert code_of(GuardedFetcher(LOCAL), server.url(path)) == "FETCH_ADDRESS_REFUSED"


def test_a_redirect_to_a_name_resolving_private_is_refused(server: Loopback) -> None:
    def resolve(host: str, port: int) -> list[str]:
        return ["127.0.0.1"] if host == "127.0.0.1" else ["10.9.8.7"]

    fetcher = GuardedFetcher(LOCAL, resolve=resolve)
    assert code_of(fetcher, server.url("/to-name")) == "FETCH_ADDRESS_REFUSED"


def test_too_many_redirects(server: Loopback) -> None:
    assert code_of(GuardedFetcher(LOCAL), server.url("/loop")) == "FETCH_TOO_MANY_REDIRECTS"


def test_an_oversized_body(server: Loopback) -> None:
    assert code_of(GuardedFetcher(LOCAL), server.url("/big"), max_bytes=100_000) == (
        "FETCH_TOO_LARGE"
    )
    assert len(GuardedFetcher(LOCAL).fetch(server.url("/big"), max_bytes=300_000).body) == 300_000


def test_a_compressed_body_is_capped_after_inflating(server: Loopback) -> None:
    assert code_of(GuardedFetcher(LOCAL), server.url("/bomb"), max_bytes=1 << 20) == (
        "FETCH_TOO_LARGE"
    )


def test_a_slow_body_hits_the_deadline(server: Loopback) -> None:
    fetcher = GuardedFetcher(FetchPolicy(allow_loopback_http=True, deadline=0.5))
    assert code_of(fetcher, server.url("/slow"), max_bytes=1 << 20) == "FETCH_TIMEOUT"


def test_an_unreachable_port() -> None:
    fetcher = GuardedFetcher(FetchPolicy(allow_loopback_http=True, connect_timeout=2))
    assert code_of(fetcher, "http://127.0.0.1:9/x") == "FETCH_UNREACHABLE"


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "file:///etc/passwd", "https://user:pw@example.com/", "nope"]
)
def test_not_a_fetchable_url(url: str) -> None:
    assert code_of(GuardedFetcher(), url) == "FETCH_BAD_URL"


def test_https_goes_to_the_checked_address_with_the_host_name(tmp_path: Path) -> None:
    """TLS to a name: the connection goes to the address checked, the certificate is checked
    against the name (SNI), and the Host header carries the name."""
    cert, key = self_signed(tmp_path, "status.test")
    with serve({"/ok": lambda h: reply(h, 200, b"secure")}, tls=(cert, key)) as tls:
        port = tls.base.rsplit(":", 1)[1]
        fetcher = GuardedFetcher(
            FetchPolicy(allow_loopback_http=True, ca_file=str(cert)),
            resolve=lambda host, p: ["127.0.0.1"] if host == "status.test" else [],
        )
        response = fetcher.fetch(f"https://status.test:{port}/ok")
        assert response.body == b"secure"
        assert tls.seen[-1][1]["host"] == f"status.test:{port}"
        wrong_name = GuardedFetcher(
            FetchPolicy(allow_loopback_http=True, ca_file=str(cert)),
            resolve=lambda host, p: ["127.0.0.1"],
        )
        assert code_of(wrong_name, f"https://other.test:{port}/ok") == "FETCH_UNREACHABLE"


def test_did_web_through_the_guarded_fetcher(server: Loopback) -> None:
    fetch = guarded_did_fetch(GuardedFetcher())
    resolver = DidResolver(fetch=fetch)
    with pytest.raises(DidResolutionError) as refused:
        resolver.resolve("did:web:127.0.0.1%3A9")
    assert refused.value.detail["reason"] == "FETCH_ADDRESS_REFUSED"
    port = server.base.rsplit(":", 1)[1]
    local = DidResolver(fetch=guarded_did_fetch(GuardedFetcher(LOCAL)))
    with pytest.raises(DidResolutionError) as not_https:
        local.resolve(f"did:web:127.0.0.1%3A{port}:missing")
    assert not_https.value.detail["reason"] in {"FETCH_HTTP_STATUS", "FETCH_UNREACHABLE"}
