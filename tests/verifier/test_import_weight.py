"""`import vic.verifier` stays light: embedding apps must not inherit service or image libraries,
and the JSON-LD processor (pyld, which brings requests and lxml), the HTTP client (httpx),
CBOR-LD, COSE (cbor2) and JOSE (jwcrypto) load on first use only."""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "fastapi",
    "sqlalchemy",
    "qrcode",
    "typer",
    "rich",
    "jsonschema",
    "PIL",
    "vic.issuer",
    "vic.wallet",
    "vic.cli",
    "vic.httpkit",
    "pyld",
    "requests",
    "lxml",
    "cbor2",
    "jwcrypto",
    "vic.vc.cborld",
    "httpx",
    "httpcore",
    "uvicorn",
)


def test_import_verifier_pulls_in_nothing_heavy() -> None:
    code = f"import sys, vic.verifier; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""
