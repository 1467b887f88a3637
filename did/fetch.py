"""The guarded HTTPS fetcher: the only way vic reads a URL (did:web documents, status lists).

It is opt-in (nothing in vic fetches unless a caller injects a fetcher) and defends the verifier
against the URLs a credential names:

- HTTPS only; plain http only to a loopback address, and only when ``allow_loopback_http`` is set
  (tests, a local issuer);
- the host is resolved once, every address is checked, and the connection goes to a checked
  address (no second DNS answer can slip in): private, loopback, link-local, multicast, reserved
  and unspecified addresses are refused;
- every redirect is checked the same way, up to ``max_redirects``;
- connect and read timeouts, and a deadline for the whole response (a slow body fails);
- a size cap, checked against ``Content-Length`` and while reading.

httpx is imported when the first request is made, never by ``import vic.verifier``.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Protocol
from urllib.parse import urljoin, urlsplit, urlunsplit

from vic.contexts.errors import FetchError

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FetchPolicy",
    "FetchResponse",
    "Fetcher",
    "GuardedFetcher",
    "Resolve",
]

DEFAULT_MAX_BYTES: Final = 1 << 20
"""The default size cap of a response body (1 MiB); callers pass their own."""

_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})

Resolve = Callable[[str, int], list[str]]
"""Resolve a host name and port to IP address strings (``socket.getaddrinfo`` by default)."""


@dataclass(frozen=True)
class FetchPolicy:
    """The guards' settings."""

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    deadline: float = 30.0
    """Seconds for a whole request, redirects and body included."""
    max_redirects: int = 3
    allow_loopback_http: bool = False
    """Allow http:// and loopback addresses (only loopback ones); for tests and local issuers."""
    user_agent: str = "vic-verifier"
    ca_file: str | None = None
    """A CA bundle to trust instead of the system's (a private PKI, tests)."""


@dataclass(frozen=True)
class FetchResponse:
    """A response that passed every guard (any HTTP status; the caller decides)."""

    url: str
    """The final URL, after redirects."""
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    """Response headers, names in lower case."""


class Fetcher(Protocol):
    """What vic needs of a fetcher (tests inject their own)."""

    def fetch(
        self, url: str, *, max_bytes: int, headers: Mapping[str, str] | None = None
    ) -> FetchResponse:
        """GET ``url`` under the guards.

        :raises FetchError: a guard refused it, or it could not be fetched.
        """
        ...


def _system_resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedFetcher:
    """An HTTPS client with the guards of :class:`FetchPolicy` (thread-safe, reusable)."""

    def __init__(self, policy: FetchPolicy | None = None, *, resolve: Resolve | None = None):
        self.policy = policy or FetchPolicy()
        self._resolve = resolve or _system_resolve

    def fetch(
        self,
        url: str,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        headers: Mapping[str, str] | None = None,
    ) -> FetchResponse:
        """GET ``url``, following at most ``max_redirects`` checked redirects.

        :raises FetchError: codes ``FETCH_BAD_URL``, ``FETCH_NOT_HTTPS``, ``FETCH_ADDRESS_REFUSED``,
            ``FETCH_TOO_MANY_REDIRECTS``, ``FETCH_TOO_LARGE``, ``FETCH_TIMEOUT``,
            ``FETCH_UNREACHABLE``.
        """
        import httpx

        started = time.monotonic()
        timeout = httpx.Timeout(
            connect=self.policy.connect_timeout,
            read=self.policy.read_timeout,
            write=self.policy.read_timeout,
            pool=self.policy.connect_timeout,
        )
        sent = {"user-agent": self.policy.user_agent, **dict(headers or {})}
        verify: Any = True
        if self.policy.ca_file is not None:
            import ssl

            verify = ssl.create_default_context(cafile=self.policy.ca_file)
        with httpx.Client(
            timeout=timeout, follow_redirects=False, trust_env=False, verify=verify
        ) as client:
            for _ in range(self.policy.max_redirects + 1):
                response = self._one(client, url, sent, max_bytes, started)
                location = response.headers.get("location")
                if response.status not in _REDIRECTS or location is None:
                    return response
                url = urljoin(url, location)
        raise FetchError(
            f"more than {self.policy.max_redirects} redirects", code="FETCH_TOO_MANY_REDIRECTS"
        )

    def _one(
        self,
        client: httpx.Client,
        url: str,
        headers: Mapping[str, str],
        max_bytes: int,
        started: float,
    ) -> FetchResponse:
        import httpx

        scheme, host, port = self._check_url(url)
        address = self._checked_address(host, port, scheme)
        parts = urlsplit(url)
        literal = f"[{address}]" if ":" in address else address
        target = urlunsplit((scheme, f"{literal}:{port}", parts.path or "/", parts.query, ""))
        default_port = 443 if scheme == "https" else 80
        host_header = host if port == default_port else f"{host}:{port}"
        extensions: dict[str, Any] = {"sni_hostname": host} if scheme == "https" else {}
        try:
            with client.stream(
                "GET", target, headers={**headers, "host": host_header}, extensions=extensions
            ) as response:
                declared = response.headers.get("content-length")
                if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                    raise _too_large(url, max_bytes)
                body = bytearray()
                for chunk in response.iter_bytes():  # decoded as it arrives: bombs hit the cap
                    body += chunk
                    if len(body) > max_bytes:
                        raise _too_large(url, max_bytes)
                    self._check_deadline(url, started)
                self._check_deadline(url, started)
                return FetchResponse(
                    url=url,
                    status=response.status_code,
                    body=bytes(body),
                    headers={k.lower(): v for k, v in response.headers.items()},
                )
        except httpx.TimeoutException:
            raise FetchError(f"{url} timed out", code="FETCH_TIMEOUT", url=url) from None
        except httpx.HTTPError as exc:
            raise FetchError(
                f"{url} could not be fetched: {type(exc).__name__}",
                code="FETCH_UNREACHABLE",
                url=url,
            ) from None

    def _check_deadline(self, url: str, started: float) -> None:
        if time.monotonic() - started > self.policy.deadline:
            raise FetchError(
                f"{url} took longer than {self.policy.deadline:g} s", code="FETCH_TIMEOUT", url=url
            )

    def _check_url(self, url: str) -> tuple[str, str, int]:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise FetchError(f"not a URL: {url!r}", code="FETCH_BAD_URL") from None
        scheme, host = parts.scheme.lower(), parts.hostname
        if not host or scheme not in ("https", "http") or parts.username or parts.password:
            raise FetchError(f"not an https URL: {url!r}", code="FETCH_BAD_URL", url=url)
        if scheme == "http" and not self.policy.allow_loopback_http:
            raise FetchError(f"only https URLs are fetched, not {url}", code="FETCH_NOT_HTTPS")
        return scheme, host, port or (443 if scheme == "https" else 80)

    def _checked_address(self, host: str, port: int, scheme: str) -> str:
        try:
            addresses = self._resolve(host, port)
        except (OSError, UnicodeError):
            raise FetchError(
                f"{host} does not resolve", code="FETCH_UNREACHABLE", host=host
            ) from None
        if not addresses:
            raise FetchError(f"{host} does not resolve", code="FETCH_UNREACHABLE", host=host)
        for text in addresses:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            if address.is_loopback and self.policy.allow_loopback_http:
                continue
            if scheme == "http" or _refused(address):
                raise FetchError(
                    f"{host} resolves to {address}, an address the verifier does not fetch from",
                    code="FETCH_ADDRESS_REFUSED",
                    host=host,
                    address=str(address),
                )
        return addresses[0].split("%", 1)[0]


def _refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def _too_large(url: str, max_bytes: int) -> FetchError:
    return FetchError(
        f"{url} is larger than {max_bytes} bytes",
        code="FETCH_TOO_LARGE",
        url=url,
        max_bytes=max_bytes,
    )
