"""Health, readiness and metrics of the issuer, for the operators' monitoring.

The figures come from the database, not from counters in one process, so that every worker
behind a reverse proxy answers the same and a restart loses nothing: marks issued (by reason),
pending and current marks, revocations, status-list publications and their freshness, keys and
tokens. The HTTP service adds its own request counters (:class:`RequestCounters`).
:func:`prometheus_text` renders both in the Prometheus text exposition format 0.0.4.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from vic.contexts.errors import RecordNotFoundError
from vic.issuer.db.models import ApiToken, Mark, SigningKey, StatusPublication
from vic.issuer.engine import Issuer
from vic.vc.dates import parse_datetime
from vic.vc.status import StatusPurpose

__all__ = [
    "PROMETHEUS_CONTENT_TYPE",
    "Readiness",
    "RequestCounters",
    "StoredFigures",
    "prometheus_text",
    "readiness",
    "stored_figures",
]

PROMETHEUS_CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True)
class StoredFigures:
    """What the database says about the issuer's work."""

    marks_by_reason_and_state: Mapping[tuple[str, str], int]
    current_marks: int
    revoked_marks_by_reason: Mapping[str, int]
    publications_by_purpose: Mapping[str, int]
    newest_publication: Mapping[str, datetime]
    earliest_list_valid_until: datetime | None
    active_keys: int
    retired_keys: int
    active_tokens: int


def _marks_by_reason_and_state(session: Session) -> dict[tuple[str, str], int]:
    rows = session.execute(
        select(Mark.reason, Mark.state, func.count()).group_by(Mark.reason, Mark.state)
    )
    return {(reason, state): count for reason, state, count in rows}


def _revoked_by_reason(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Mark.revocation_reason, func.count())
        .where(Mark.revocation_reason.is_not(None))
        .group_by(Mark.revocation_reason)
    )
    return {str(reason): count for reason, count in rows}


def _publications(session: Session) -> tuple[dict[str, int], dict[str, datetime]]:
    rows = session.execute(
        select(
            StatusPublication.purpose, func.count(), func.max(StatusPublication.created_at)
        ).group_by(StatusPublication.purpose)
    )
    counts: dict[str, int] = {}
    newest: dict[str, datetime] = {}
    for purpose, count, latest in rows:
        counts[purpose] = count
        newest[purpose] = latest
    return counts, newest


def _earliest_valid_until_of_latest_lists(session: Session) -> datetime | None:
    latest = (
        select(func.max(StatusPublication.id))
        .group_by(StatusPublication.space, StatusPublication.purpose, StatusPublication.list_index)
        .scalar_subquery()
    )
    return session.execute(
        select(func.min(StatusPublication.valid_until)).where(StatusPublication.id.in_(latest))
    ).scalar_one_or_none()


def _count(session: Session, statement: Any) -> int:
    return int(session.execute(statement).scalar_one())


def stored_figures(issuer: Issuer) -> StoredFigures:
    """Read the figures from the database (one read-only transaction)."""
    now = issuer.config.clock()

    def work(session: Session) -> StoredFigures:
        counts, newest = _publications(session)
        return StoredFigures(
            marks_by_reason_and_state=_marks_by_reason_and_state(session),
            current_marks=_count(
                session, select(func.count()).select_from(Mark).where(Mark.is_current)
            ),
            revoked_marks_by_reason=_revoked_by_reason(session),
            publications_by_purpose=counts,
            newest_publication=newest,
            earliest_list_valid_until=_earliest_valid_until_of_latest_lists(session),
            active_keys=_count(
                session,
                select(func.count()).select_from(SigningKey).where(SigningKey.retired_at.is_(None)),
            ),
            retired_keys=_count(
                session,
                select(func.count())
                .select_from(SigningKey)
                .where(SigningKey.retired_at.is_not(None)),
            ),
            active_tokens=_count(
                session,
                select(func.count())
                .select_from(ApiToken)
                .where(
                    ApiToken.revoked_at.is_(None),
                    (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now),
                ),
            ),
        )

    return issuer.database.run(work, readonly=True)


@dataclass(frozen=True)
class Readiness:
    """Whether the issuer can serve: each check by name, and what failed."""

    checks: Mapping[str, str]

    @property
    def ready(self) -> bool:
        """Every check says ``ok``."""
        return all(v == "ok" for v in self.checks.values())


def readiness(issuer: Issuer) -> Readiness:
    """Check that the database answers, a signing key is usable, and the first status lists can
    be served signed and valid now (lists are signed on demand; a failure here means verifiers
    would read STATUS_UNAVAILABLE)."""
    checks: dict[str, str] = {}
    try:
        issuer.database.run(lambda s: s.execute(text("SELECT 1")).scalar_one(), readonly=True)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unavailable: {type(exc).__name__}"
        return Readiness(checks)
    try:
        issuer.current_method_id()
        checks["signing_key"] = "ok"
    except Exception as exc:
        checks["signing_key"] = f"unavailable: {type(exc).__name__}"
    checks["status_lists"] = _status_lists_check(issuer)
    return Readiness(checks)


def _status_lists_check(issuer: Issuer) -> str:
    now = issuer.config.clock()
    for purpose in (StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION):
        try:
            published = issuer.status_list(purpose, 0)
        except RecordNotFoundError:
            return "ok"  # no mark issued yet: no list to serve
        except Exception as exc:
            return f"cannot publish {purpose.value}: {type(exc).__name__}"
        until = parse_datetime(published.credential["validUntil"], field="validUntil")
        if until <= now:
            return f"{purpose.value} list expired at {until.isoformat()}"
    return "ok"


@dataclass
class RequestCounters:
    """HTTP requests by method, route template and status; problems by code. Thread-safe."""

    requests: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    problems: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, method: str, route: str, status: int, problem_code: str | None) -> None:
        """Record one answered request."""
        with self._lock:
            self.requests[(method, route, status)] += 1
            if problem_code is not None:
                self.problems[problem_code] += 1


def _label(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _metric(
    name: str, kind: str, help_text: str, samples: Iterable[tuple[Mapping[str, object], float]]
) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        inner = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
        number = str(int(value)) if float(value).is_integer() else repr(float(value))
        lines.append(f"{name}{{{inner}}} {number}" if inner else f"{name} {number}")
    return lines


def prometheus_text(figures: StoredFigures, counters: RequestCounters | None = None) -> str:
    """The metrics in the Prometheus text format."""
    lines: list[str] = []
    lines += _metric(
        "vic_marks",
        "gauge",
        "Marks stored, by issuance reason and state (pending, issued, revoked...).",
        (
            ({"reason": reason, "state": state}, count)
            for (reason, state), count in sorted(figures.marks_by_reason_and_state.items())
        ),
    )
    lines += _metric(
        "vic_marks_current", "gauge", "Vehicles' current marks.", [({}, figures.current_marks)]
    )
    lines += _metric(
        "vic_marks_revoked",
        "gauge",
        "Revoked marks by reason (superseded, cancelled...).",
        (({"reason": r}, c) for r, c in sorted(figures.revoked_marks_by_reason.items())),
    )
    lines += _metric(
        "vic_status_list_publications_total",
        "counter",
        "Signed status-list versions published, by purpose.",
        (({"purpose": p}, c) for p, c in sorted(figures.publications_by_purpose.items())),
    )
    lines += _metric(
        "vic_status_list_last_publication_timestamp_seconds",
        "gauge",
        "When the newest status list of each purpose was signed (Unix time).",
        (({"purpose": p}, t.timestamp()) for p, t in sorted(figures.newest_publication.items())),
    )
    if figures.earliest_list_valid_until is not None:
        lines += _metric(
            "vic_status_list_earliest_valid_until_timestamp_seconds",
            "gauge",
            "The earliest validUntil among the latest status lists (alert before it passes).",
            [({}, figures.earliest_list_valid_until.timestamp())],
        )
    lines += _metric(
        "vic_signing_keys",
        "gauge",
        "The authority's keys by state.",
        [({"state": "active"}, figures.active_keys), ({"state": "retired"}, figures.retired_keys)],
    )
    lines += _metric(
        "vic_api_tokens_active", "gauge", "Bearer tokens in force.", [({}, figures.active_tokens)]
    )
    if counters is not None:
        with counters._lock:
            requests = sorted(counters.requests.items())
            problems = sorted(counters.problems.items())
        lines += _metric(
            "vic_http_process_info",
            "gauge",
            "The process answering (with --workers, each counts its own requests).",
            [({"pid": os.getpid()}, 1)],
        )
        lines += _metric(
            "vic_http_requests_total",
            "counter",
            "HTTP requests answered by this process, by method, route and status.",
            (({"method": m, "route": r, "status": s}, c) for (m, r, s), c in requests),
        )
        lines += _metric(
            "vic_http_problems_total",
            "counter",
            "Problem responses (errors) of this process, by stable error code.",
            (({"code": code}, c) for code, c in problems),
        )
    return "\n".join(lines) + "\n"
