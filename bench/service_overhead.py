"""What the verifier service adds to a verification, in process: the ASGI app's CPU a request
with the library call replaced by its answer, for each way the app can run.

    .venv/bin/python bench/service_overhead.py            # about 30 s
    .venv/bin/python bench/service_overhead.py --rounds 5

The app (``create_app``) is called directly as ASGI (no sockets, no uvicorn) with the requests
``bench/verifier_service.py`` sends (63 distinct valid marks as JSON to ``/credentials/verify``,
their QR texts as text/plain to ``/qr/verify``). ``verify_credential`` is replaced, in the service
module only, by a lookup of the result the real library gave for that input beforehand, so that
the figure is the service's own work: the body middleware, routing, validation, the hand-off,
the result's JSON and the answer. Four variants, interleaved round by round: FastAPI's routes or
the lean path (``hot_paths``), verifying in a worker thread or in the event loop
(``verify_in_loop``). CPU time of the process (all threads), median of the rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from verify_path import Setup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="requests a round")
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()

    from vic.verifier.service import VerifierSettings, create_app, verification
    from vic.verifier.verify import verify_credential

    setup = Setup()
    marks = [m for i, m in enumerate(setup.batch_marks) if i != 7]
    texts = [t for i, t in enumerate(setup.batch_qr) if i != 7]
    answers: dict[str, Any] = {}

    def answered(credential: Any, **kw: Any) -> Any:
        key = credential["id"] if isinstance(credential, dict) else credential
        if key not in answers:
            answers[key] = verify_credential(credential, **kw)
        return answers[key]

    verification.verify_credential = answered  # type: ignore[assignment]
    apps = {}
    for hot in (False, True):
        for in_loop in (False, True):
            settings = VerifierSettings(
                trust=setup.trust, status_source=setup.status, verify_in_loop=in_loop
            )
            name = f"{'lean path' if hot else 'FastAPI routes'}, {'loop' if in_loop else 'thread'}"
            apps[name] = create_app(settings, hot_paths=hot)
    routes = {
        "POST /credentials/verify (JSON)": (
            "/credentials/verify",
            b"application/json",
            [json.dumps({"verifiableCredential": m}).encode() for m in marks],
        ),
        "POST /qr/verify (QR text)": ("/qr/verify", b"text/plain", [t.encode() for t in texts]),
    }

    async def run(app: Any, path: str, media: bytes, bodies: list[bytes], n: int) -> None:
        for i in range(n):
            body = bodies[i % len(bodies)]
            scope = {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "method": "POST",
                "scheme": "http",
                "path": path,
                "raw_path": path.encode(),
                "query_string": b"",
                "root_path": "",
                "headers": [
                    (b"host", b"127.0.0.1"),
                    (b"content-type", media),
                    (b"content-length", str(len(body)).encode()),
                ],
                "client": ("127.0.0.1", 1),
                "server": ("127.0.0.1", 80),
            }
            messages = [{"type": "http.request", "body": body, "more_body": False}]
            sent: list[Any] = []

            async def receive(messages: list[Any] = messages) -> Any:
                return messages.pop() if messages else {"type": "http.disconnect"}

            async def send(message: Any, sent: list[Any] = sent) -> None:
                sent.append(message)

            await app(scope, receive, send)
            assert sent[0]["status"] == 200, sent

    print(
        f"the verifier service's own CPU a request, in process, verification answered from a "
        f"table: median of {args.rounds} rounds of {args.requests} requests"
    )
    for route, (path, media, bodies) in routes.items():
        for app in apps.values():  # warm-up, and the table of answers filled
            asyncio.run(run(app, path, media, bodies, 2 * len(bodies)))
        figures: dict[str, list[float]] = {name: [] for name in apps}
        for _ in range(args.rounds):
            for name, app in apps.items():
                start = time.process_time()
                asyncio.run(run(app, path, media, bodies, args.requests))
                figures[name].append((time.process_time() - start) * 1e3 / args.requests)
        print(f"  {route}")
        for name, values in figures.items():
            print(f"    {name:26} {statistics.median(values):.3f} ms")


if __name__ == "__main__":
    main()
