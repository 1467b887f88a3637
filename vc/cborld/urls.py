"""Which URLs @digitalbazaar/cborld hands to a URL codec.

cborld compresses a URL value only if ``new URL(value)`` (the WHATWG URL parser) accepts it, and
then picks a codec by the text before the value's *last* colon (``https``, ``urn:uuid``,
``did:key``...). For the schemes that have codecs, only ``http`` and ``https`` can fail to parse
(the others are parsed as opaque paths, which never fails), and only in the host. This module
reproduces the WHATWG host checks for the values that reach that point: a non-empty host, no
forbidden domain code point after percent-decoding, a valid IPv4 address when the host ends in a
number. International (non-ASCII or ``xn--``) hosts are checked with Python's IDNA 2003 codec,
an approximation of UTS 46 that can differ on exotic names (the encoding is still lossless then,
only not byte-identical to cborld's).
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["js_url_scheme"]

_FORBIDDEN_DOMAIN: Final = frozenset(
    "\x00\t\n\r #/:<>?@[\\]^|%\x7f" + "".join(chr(c) for c in range(0x20))
)
_TAB_NEWLINE: Final = re.compile("[\t\n\r]")
_C0_SPACE: Final = "".join(chr(c) for c in range(0x21))
_SCHEME: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
_HEX: Final = re.compile(r"%([0-9A-Fa-f]{2})")


def _percent_decode(text: str) -> bytes:
    raw = text.encode("utf-8", "surrogatepass")
    out = bytearray()
    i = 0
    while i < len(raw):
        if raw[i] == 0x25 and _HEX.fullmatch(raw[i : i + 3].decode("latin-1")):
            out.append(int(raw[i + 1 : i + 3], 16))
            i += 3
        else:
            out.append(raw[i])
            i += 1
    return bytes(out)


def _ipv4_number(part: str) -> int | None:
    if part == "":
        return None
    radix = 10
    if part[:2] in ("0x", "0X"):
        part, radix = part[2:], 16
    elif len(part) >= 2 and part[0] == "0":
        part, radix = part[1:], 8
    if part == "":
        return 0
    digits = {10: "0123456789", 16: "0123456789abcdefABCDEF", 8: "01234567"}[radix]
    if any(c not in digits for c in part):
        return None
    return int(part, radix)


def _ends_in_number(host: str) -> bool:
    parts = host.split(".")
    if parts[-1] == "":
        if len(parts) == 1:
            return False
        parts.pop()
    last = parts[-1]
    if last and all(c in "0123456789" for c in last):
        return True
    return _ipv4_number(last) is not None


def _ipv4_ok(host: str) -> bool:
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if len(parts) > 4:
        return False
    numbers = [_ipv4_number(p) for p in parts]
    if any(n is None for n in numbers):
        return False
    values = [n for n in numbers if n is not None]
    if any(n > 255 for n in values[:-1]):
        return False
    return bool(values[-1] < 256 ** (5 - len(values)))


def _host_ok(host: str) -> bool:
    if host == "" or host.startswith("["):
        return False  # empty, or an IPv6 literal without the colons it needs
    decoded = _percent_decode(host)
    try:
        domain = decoded.decode("utf-8")
    except UnicodeDecodeError:
        return False  # U+FFFD after lossy decoding is disallowed by UTS 46
    labels = domain.split(".")
    if domain.isascii() and not any(label.lower().startswith("xn--") for label in labels):
        ascii_domain = domain.lower()
    else:
        try:
            ascii_domain = domain.lower().encode("idna").decode("ascii")
        except UnicodeError:
            return False
    if ascii_domain == "" or any(c in _FORBIDDEN_DOMAIN for c in ascii_domain):
        return False
    if _ends_in_number(ascii_domain):
        return _ipv4_ok(ascii_domain)
    return True


_FORBIDDEN_OPAQUE_HOST: Final = frozenset("\x00 <>[\\]^|")


def _url_ok(text: str) -> bool:
    scheme, _, rest = text.partition(":")
    if scheme.lower() in ("http", "https"):
        rest = rest.lstrip("/\\")
        authority = re.split(r"[/\\?#]", rest, maxsplit=1)[0]
        host, _, port = authority.rpartition("@")[2].partition(":")
        return _host_ok(host) and _port_ok(port)
    if not rest.startswith("//"):
        return True  # an opaque path: the parser never fails on it
    authority = re.split(r"[/?#]", rest[2:], maxsplit=1)[0]
    host, _, port = authority.rpartition("@")[2].partition(":")
    if host.startswith("[") or any(c in _FORBIDDEN_OPAQUE_HOST for c in host):
        return False
    return _port_ok(port)


def _port_ok(port: str) -> bool:
    return port == "" or (port.isascii() and port.isdigit() and int(port) <= 65535)


def js_url_scheme(value: str) -> str | None:
    """The scheme cborld computes for ``value``, or None when ``new URL(value)`` would throw.

    The scheme is everything before the value's last colon (so ``did:key`` for a did:key URL,
    ``https`` for an https URL without a port).
    """
    text = _TAB_NEWLINE.sub("", value.strip(_C0_SPACE))
    scheme = text.partition(":")[0]
    if ":" not in text or not _SCHEME.fullmatch(scheme) or not _url_ok(text):
        return None
    return value.rpartition(":")[0]
