"""The wallet's HTTP: one small interface, injected, with a guarded httpx implementation.

The wallet talks to issuers named in credential offers, so every URL is checked before a request:
``https`` only, except plain ``http`` to a loopback host (``localhost``, 127.0.0.0/8, ``::1``)
for a local issuer. Redirects are not followed, bodies are capped, and timeouts are short.
httpx is imported only when the default client is built.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Protocol
from urllib.parse import urlsplit

from vic.contexts.errors import IssuanceProtocolError

if TYPE_CHECKING:
    import httpx

__all__ = ["MAX_RESPONSE_BYTES", "HttpClient", "HttpResponse", "HttpxClient", "check_url"]

MAX_RESPONSE_BYTES: Final = 16 * 1024 * 1024
"""The largest response body read (a status list of 2^26 entries is ~8 kB compressed)."""
_TIMEOUT: Final = 10.0


@dataclass(frozen=True)
class HttpResponse:
    """An HTTP response: status, headers (lower-case names) and body."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        """A header's value, by case-insensitive name."""
        return self.headers.get(name.lower())


class HttpClient(Protocol):
    """What the wallet needs from HTTP."""

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
        json: Any = None,
    ) -> HttpResponse:
        """Send one request; raise :class:`IssuanceProtocolError` (``ISSUER_UNREACHABLE``) when
        no response arrives."""


def check_url(url: str) -> str:
    """``url`` if the wallet may call it: https, or http to a loopback host.

    :raises IssuanceProtocolError: ``INSECURE_URL`` (another scheme, or http elsewhere),
        ``INVALID_URL`` (no host, credentials in the URL, a fragment).
    """
    if not isinstance(url, str) or len(url) > 4096:
        raise IssuanceProtocolError("a URL is missing or too long", code="INVALID_URL")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError:
        raise IssuanceProtocolError(f"{url!r} is not a valid URL", code="INVALID_URL") from None
    if parts.scheme not in ("https", "http"):
        raise IssuanceProtocolError(
            f"{url!r}: the wallet uses https only (plain http only to a loopback host)",
            code="INSECURE_URL",
        )
    if not host or parts.username or parts.password or parts.fragment:
        raise IssuanceProtocolError(
            f"{url!r} is not a usable URL (no host, credentials or a fragment)", code="INVALID_URL"
        )
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and _loopback(host):
        return url
    raise IssuanceProtocolError(
        f"{url!r}: the wallet uses https only (plain http only to a loopback host)",
        code="INSECURE_URL",
    )


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class HttpxClient:
    """:class:`HttpClient` over httpx (no redirects, capped bodies, 10 s timeouts).

    ``client`` may be any ``httpx.Client`` (tests pass one bound to an app); by default one is
    made on first use.
    """

    def __init__(self, client: httpx.Client | None = None) -> None:
        self._client = client
        self._owned = client is None

    def _get_client(self) -> httpx.Client:
        if self._client is None:
            import httpx

            self._client = httpx.Client(timeout=_TIMEOUT, follow_redirects=False, trust_env=False)
        return self._client

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
        json: Any = None,
    ) -> HttpResponse:
        """Send one request to a checked URL; read at most :data:`MAX_RESPONSE_BYTES`."""
        import httpx

        check_url(url)
        client = self._get_client()
        try:
            with client.stream(
                method, url, headers=dict(headers or {}), data=form, json=json
            ) as response:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_RESPONSE_BYTES:
                        raise IssuanceProtocolError(
                            f"the response from {url} is larger than {MAX_RESPONSE_BYTES} bytes",
                            code="RESPONSE_TOO_LARGE",
                        )
                return HttpResponse(
                    response.status_code,
                    bytes(body),
                    {k.lower(): v for k, v in response.headers.items()},
                )
        except httpx.HTTPError as exc:
            raise IssuanceProtocolError(
                f"{method} {url} failed: {exc}", code="ISSUER_UNREACHABLE", url=url
            ) from None

    def close(self) -> None:
        """Close the underlying client if this object made it (a given one is the caller's)."""
        if self._owned and self._client is not None:
            self._client.close()
            self._client = None
