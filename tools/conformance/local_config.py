#!/usr/bin/env python3
"""Write a suite's localConfig.cjs for vic on loopback (docs/interop.md).

Asks a running `vic serve issuer` for its named issuers (GET /issuers) and tags each for the
suites by its cryptosuite; the authority's /credentials/issue (with --issue-with-status) is the
BitstringStatusList issuer; `vic serve verifier --any-issuer` is every suite's verifier.

    python3 tools/conformance/local_config.py [--issuer URL] [--verifier URL]
        [--public-issuer URL] [--public-verifier URL] [--api-key KEY] > localConfig.cjs

The suites read an issuer's answer as the credential itself only over https (their https client
unwraps ``verifiableCredential``), so put a TLS terminator in front of both services and give
its URLs as ``--public-issuer`` / ``--public-verifier`` (docs/interop.md). ``--api-key`` sends
the issuer's static VC-API key as a per-endpoint header.
"""

from __future__ import annotations

import argparse
import json
import urllib.request

TAGS = {
    "eddsa-rdfc-2022": ["eddsa-rdfc-2022", "vc2.0", "vc-api"],
    "eddsa-jcs-2022": ["eddsa-jcs-2022"],
    "ecdsa-rdfc-2019": ["ecdsa-rdfc-2019"],
    "ecdsa-jcs-2019": ["ecdsa-jcs-2019"],
}
VERIFIER_TAGS = [
    "vc-api", "vc2.0", "BitstringStatusList", "eddsa-rdfc-2022", "eddsa-jcs-2022",
    "ecdsa-rdfc-2019", "ecdsa-jcs-2019",
]  # fmt: skip


def key_type(did: str) -> str:
    if did.startswith("did:key:zDn"):
        return "P-256"
    if did.startswith("did:key:z82"):
        return "P-384"
    return "Ed25519"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuer", default="http://127.0.0.1:8080")
    parser.add_argument("--verifier", default="http://127.0.0.1:8081")
    parser.add_argument("--public-issuer", help="the issuer's URL as the suites reach it")
    parser.add_argument("--public-verifier", help="the verifier's URL as the suites reach it")
    parser.add_argument("--api-key", help="the issuer's static VC-API key")
    args = parser.parse_args()
    public_issuer = args.public_issuer or args.issuer
    public_verifier = args.public_verifier or args.verifier
    headers = {"Authorization": f"Bearer {args.api_key}"} if args.api_key else {}
    with urllib.request.urlopen(f"{args.issuer}/issuers", timeout=10) as response:
        named = json.load(response)
    with urllib.request.urlopen(f"{args.issuer}/.well-known/did.json", timeout=10) as response:
        authority = json.load(response)["id"]
    issuers = []
    taken: set[str] = set()
    for one in named:
        tags = [t for t in TAGS.get(one["cryptosuite"], []) if t not in taken or "ecdsa" in t]
        taken.update(tags)
        issuers.append(
            {
                "id": one["id"],
                "endpoint": f"{public_issuer}/issuers/{one['name']}/credentials/issue",
                "supportedEcdsaKeyTypes": [key_type(one["id"])],
                "tags": tags,
                "headers": headers,
            }
        )
    issuers.append(
        {
            "id": authority,
            "endpoint": f"{public_issuer}/credentials/issue",
            "tags": ["BitstringStatusList"],
            "headers": headers,
        }
    )
    verifier = {
        "id": f"{public_verifier}/credentials/verify",
        "endpoint": f"{public_verifier}/credentials/verify",
        "supportedEcdsaKeyTypes": ["P-256", "P-384"],
        "tags": VERIFIER_TAGS,
    }
    config = {
        "settings": {"enableInteropTests": False, "testAllImplementations": False},
        "implementations": [
            {
                "name": "vic",
                "implementation": "vic (vehicle inspection credentials)",
                "issuers": issuers,
                "verifiers": [verifier],
                "vpVerifiers": [
                    {
                        "id": f"{public_verifier}/presentations/verify",
                        "endpoint": f"{public_verifier}/presentations/verify",
                        "tags": ["vc-api", "vc2.0"],
                    }
                ],
            }
        ],
    }
    print("// written by vic's tools/conformance/local_config.py")
    print(f"module.exports = {json.dumps(config, indent=2)};")


if __name__ == "__main__":
    main()
