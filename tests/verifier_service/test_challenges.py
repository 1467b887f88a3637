"""Challenges: issued by POST /challenges, accepted once, before they expire, by any worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from vic.contexts.errors import ProofVerificationError
from vic.verifier.service.challenges import ChallengeStore

START = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def store(clock: Clock, secret: bytes = b"k" * 32) -> ChallengeStore:
    return ChallengeStore(secret, timedelta(minutes=5), clock)


def test_a_challenge_is_accepted_once() -> None:
    challenges = store(Clock())
    challenge, expires = challenges.issue()
    assert expires == START + timedelta(minutes=5)
    challenges.redeem(challenge)
    with pytest.raises(ProofVerificationError) as caught:
        challenges.redeem(challenge)
    assert caught.value.code == "CHALLENGE_REUSED"


def test_challenges_are_unguessable() -> None:
    challenges = store(Clock())
    assert len({challenges.issue()[0] for _ in range(50)}) == 50


def test_an_expired_challenge_is_refused() -> None:
    clock = Clock()
    challenges = store(clock)
    challenge, _ = challenges.issue()
    clock.now += timedelta(minutes=5, seconds=1)
    with pytest.raises(ProofVerificationError) as caught:
        challenges.redeem(challenge)
    assert caught.value.code == "CHALLENGE_EXPIRED"


def test_another_worker_with_the_same_secret_accepts_it() -> None:
    clock = Clock()
    challenge, _ = store(clock).issue()
    store(clock).redeem(challenge)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: c + "x",
        lambda c: c.replace(".", "!", 1),
        lambda c: c.rsplit(".", 2)[0] + ".9999999999." + c.rsplit(".", 1)[1],
        lambda c: "made-up",
        lambda c: "",
    ],
)
def test_altered_or_foreign_challenges_are_unknown(mangle: object) -> None:
    clock = Clock()
    challenge, _ = store(clock).issue()
    assert callable(mangle)
    with pytest.raises(ProofVerificationError) as caught:
        store(clock).redeem(mangle(challenge))
    assert caught.value.code == "UNKNOWN_CHALLENGE"


def test_a_challenge_of_another_secret_is_unknown() -> None:
    clock = Clock()
    challenge, _ = store(clock, b"a" * 32).issue()
    with pytest.raises(ProofVerificationError) as caught:
        store(clock, b"b" * 32).redeem(challenge)
    assert caught.value.code == "UNKNOWN_CHALLENGE"


def test_the_route_issues_challenges(client: TestClient) -> None:
    first = client.post("/challenges")
    second = client.post("/challenges", json={})
    assert first.status_code == second.status_code == 200
    assert first.json()["challenge"] != second.json()["challenge"]
    assert first.json()["expires"] == "2026-11-25T08:05:00Z"
    client.app.state.challenges.redeem(first.json()["challenge"])  # type: ignore[attr-defined]
