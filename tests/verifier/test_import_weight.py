"""`import vic.verifier` stays light: embedding apps must not inherit service or image libraries,
and the JSON-LD processor (pyld, which brings requests and lxml), the HTTP client (httpx),
CBOR-LD, COSE (cbor2) and JOSE (jwcrypto) load on first use only. So do the modules only the
online and issuing paths need: the guarded fetcher's sockets, temporary files (disk caches, key
files), cryptography's serialization package (SSH and cipher modules), uuid and calendar."""

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
    "vic.did.fetch",
    "socket",
    "tempfile",
    "shutil",
    "cryptography.hazmat.primitives.serialization",
    "cryptography.hazmat.primitives.serialization.ssh",
    "uuid",
    "calendar",
    "importlib.resources",
    "multiprocessing",
    "vic.verifier.pool",
)


def test_import_verifier_pulls_in_nothing_heavy() -> None:
    code = f"import sys, vic.verifier; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""
