"""Challenges for presentations (``POST /challenges``): unguessable, short-lived, used once.

A challenge is ``<random>.<expiry>.<mac>``: the expiry (Unix seconds) and an HMAC-SHA256 over
both under the service's secret, so any worker of one deployment (same secret) can check it
without shared storage. Each worker remembers the challenges it has accepted until they
expire, so a presentation cannot be replayed against it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from datetime import datetime, timedelta
from typing import Final

from vic.contexts.errors import ProofVerificationError
from vic.vc.dates import Clock

__all__ = ["ChallengeStore"]

_MAX_REMEMBERED: Final = 100_000


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class ChallengeStore:
    """Issues and checks challenges (see the module doc)."""

    def __init__(self, secret: bytes, ttl: timedelta, clock: Clock) -> None:
        self._secret = secret
        self._ttl = ttl
        self._clock = clock
        self._used: dict[str, int] = {}
        self._lock = threading.Lock()

    def issue(self) -> tuple[str, datetime]:
        """A new challenge and when it expires."""
        expires = int((self._clock() + self._ttl).timestamp())
        body = f"{_b64(secrets.token_bytes(18))}.{expires}"
        return f"{body}.{self._mac(body)}", datetime.fromtimestamp(expires, self._clock().tzinfo)

    def redeem(self, challenge: str) -> None:
        """Accept ``challenge`` once.

        :raises ProofVerificationError: code ``UNKNOWN_CHALLENGE`` (not issued here, or
            altered), ``CHALLENGE_EXPIRED`` or ``CHALLENGE_REUSED``.
        """
        body, _, mac = challenge.rpartition(".")
        _, _, expiry = body.rpartition(".")
        if not mac or not expiry.isdigit() or not hmac.compare_digest(mac, self._mac(body)):
            raise ProofVerificationError(
                "the challenge was not issued by this verifier (POST /challenges)",
                code="UNKNOWN_CHALLENGE",
            )
        now = int(self._clock().timestamp())
        if int(expiry) < now:
            raise ProofVerificationError("the challenge has expired", code="CHALLENGE_EXPIRED")
        with self._lock:
            if challenge in self._used:
                raise ProofVerificationError(
                    "the challenge was already used", code="CHALLENGE_REUSED"
                )
            if len(self._used) >= _MAX_REMEMBERED:
                self._used = {c: e for c, e in self._used.items() if e >= now}
            if len(self._used) >= _MAX_REMEMBERED:
                raise ProofVerificationError(
                    "too many open challenges; ask later", code="TOO_MANY_CHALLENGES"
                )
            self._used[challenge] = int(expiry)

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._secret, body.encode("ascii"), hashlib.sha256).digest()[:16])
