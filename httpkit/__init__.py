"""The HTTP kit the FastAPI services share (the issuer's and the verifier's).

It sits beside :mod:`vic.vc` in the layering: it may import contexts, did and vc; issuer and
verifier services import it; it never imports a role package. It needs FastAPI (the ``issuer``
extra), so a role imports it only from its service modules, never at package level.

* :mod:`vic.httpkit.problems` — every error as an RFC 9457 problem document with vic's stable
  ``code`` and the VC 2.0 error type URI; the HTTP status follows the error family.
* :mod:`vic.httpkit.bodies` — request bodies capped and parsed once by the strict JSON parser
  (no duplicate keys, NaN, lone surrogates, deep nesting; one ``Content-Type``).
* :mod:`vic.httpkit.documents` — public documents with ETag, caching, CORS; negotiation.
* :mod:`vic.httpkit.head` — ``HEAD`` answered as ``GET`` without the body, on every route.

A service wires it as::

    app = FastAPI(...)
    install_problem_handlers(app, service="the verifier")
    app.add_middleware(StrictJsonBodies, max_bytes=DEFAULT_MAX_BODY_BYTES)
    router = APIRouter(route_class=StrictJsonRoute)
"""

from __future__ import annotations

from vic.httpkit.bodies import (
    DEFAULT_MAX_BODY_BYTES,
    StrictJsonBodies,
    StrictJsonRequest,
    StrictJsonRoute,
)
from vic.httpkit.documents import (
    DOCUMENT_HEADERS,
    JSON,
    VC_JSON,
    document_response,
    dumps,
    negotiate,
    prefers_json,
)
from vic.httpkit.problems import (
    PROBLEM_MEDIA_TYPE,
    Problem,
    error_responses,
    install_problem_handlers,
    problem_response,
    problem_schema,
    status_for,
)

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DOCUMENT_HEADERS",
    "JSON",
    "PROBLEM_MEDIA_TYPE",
    "VC_JSON",
    "Problem",
    "StrictJsonBodies",
    "StrictJsonRequest",
    "StrictJsonRoute",
    "document_response",
    "dumps",
    "error_responses",
    "install_problem_handlers",
    "negotiate",
    "prefers_json",
    "problem_response",
    "problem_schema",
    "status_for",
]
