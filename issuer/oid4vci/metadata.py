"""The issuer's OpenID4VCI 1.0 metadata: credential configurations, credential issuer metadata
(§12.2) and OAuth authorization server metadata (RFC 8414, §12.3).

The credential issuer is its own authorization server; it offers only the pre-authorized code
grant, anonymously (no client authentication): ``pre-authorized_grant_anonymous_access_supported``.
The mark is offered in two formats, each a credential configuration:

- ``VehicleInspectionMark_ldp_vc``: the mark exactly as issued, secured with its Data Integrity
  proof (the same credential the QR and the JSON download carry);
- ``VehicleInspectionMark_jwt_vc_json``: the same credential secured as a vc+jwt (VC-JOSE-COSE),
  when the issuer can sign vc+jwt.

Display names and claim labels are given in zh-CN and English.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from vic.contexts.loader import CREDENTIALS_V2, VC_BARCODES_V1, VEHICLE_INSPECTION_V1
from vic.issuer.oid4vci.proof import PROOF_ALGORITHMS

__all__ = [
    "CONFIGURATIONS",
    "JWT_VC_JSON",
    "LDP_VC",
    "PRE_AUTHORIZED_GRANT",
    "Endpoints",
    "authorization_server_metadata",
    "configuration_for_format",
    "credential_issuer_metadata",
]

PRE_AUTHORIZED_GRANT: Final = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
LDP_VC: Final = "VehicleInspectionMark_ldp_vc"
JWT_VC_JSON: Final = "VehicleInspectionMark_jwt_vc_json"
CONFIGURATIONS: Final = {LDP_VC: "ldp_vc", JWT_VC_JSON: "jwt_vc_json"}
"""Credential configuration id → format."""

_TYPES: Final = ["VerifiableCredential", "VehicleInspectionCredential"]
_DISPLAY: Final = [
    {
        "name": "机动车检验合格标志",
        "locale": "zh-CN",
        "description": "机动车安全技术检验合格标志（电子）",
        "background_color": "#1b4f9c",
        "text_color": "#ffffff",
    },
    {
        "name": "Vehicle inspection mark",
        "locale": "en",
        "description": "The vehicle's electronic inspection mark",
        "background_color": "#1b4f9c",
        "text_color": "#ffffff",
    },
]
_CLAIMS: Final = [
    ("registrationNumber", "号牌号码", "Plate number"),
    ("plateTypeCode", "号牌种类", "Plate type"),
    ("vehicleTypeCode", "车辆类型", "Vehicle type"),
    ("vehicleIdentificationNumber", "车辆识别代号", "VIN"),
    ("inspectionBasis", "检验方式", "Inspection basis"),
]


@dataclass(frozen=True)
class Endpoints:
    """Where the issuer serves OpenID4VCI, from its credential issuer identifier."""

    issuer_id: str
    """The credential issuer identifier (the public base URL) — also the AS issuer."""

    @property
    def token(self) -> str:
        return f"{self.issuer_id}/oid4vci/token"

    @property
    def nonce(self) -> str:
        return f"{self.issuer_id}/oid4vci/nonce"

    @property
    def credential(self) -> str:
        return f"{self.issuer_id}/oid4vci/credential"

    @property
    def notification(self) -> str:
        return f"{self.issuer_id}/oid4vci/notification"

    def offer(self, offer_id: str) -> str:
        """The URL of an offer by reference."""
        return f"{self.issuer_id}/oid4vci/offers/{offer_id}"


def configuration_for_format(fmt: str) -> str:
    """The configuration id of a format name (``ldp_vc`` or ``jwt_vc_json``).

    :raises KeyError: another format.
    """
    for configuration_id, name in CONFIGURATIONS.items():
        if name == fmt:
            return configuration_id
    raise KeyError(fmt)


def _claims() -> list[dict[str, Any]]:
    return [
        {
            "path": ["credentialSubject", term],
            "display": [{"name": zh, "locale": "zh-CN"}, {"name": en, "locale": "en"}],
        }
        for term, zh, en in _CLAIMS
    ]


def _configuration(configuration_id: str, cryptosuite: str, jwt_alg: str) -> dict[str, Any]:
    common: dict[str, Any] = {
        "format": CONFIGURATIONS[configuration_id],
        "scope": configuration_id,
        "cryptographic_binding_methods_supported": ["did:key", "did:jwk", "jwk"],
        "proof_types_supported": {
            "jwt": {"proof_signing_alg_values_supported": list(PROOF_ALGORITHMS)}
        },
        "credential_metadata": {"display": _DISPLAY, "claims": _claims()},
    }
    if configuration_id == LDP_VC:
        common["credential_signing_alg_values_supported"] = [cryptosuite]
        common["credential_definition"] = {
            "@context": [CREDENTIALS_V2, VC_BARCODES_V1, VEHICLE_INSPECTION_V1],
            "type": _TYPES,
        }
    else:
        common["credential_signing_alg_values_supported"] = [jwt_alg]
        common["credential_definition"] = {"type": _TYPES}
    return common


def credential_issuer_metadata(
    endpoints: Endpoints,
    *,
    configurations: Iterable[str],
    cryptosuite: str,
    jwt_alg: str,
    authority_name: dict[str, str],
) -> dict[str, Any]:
    """The credential issuer metadata document (OpenID4VCI 1.0 §12.2.4).

    :param configurations: the configuration ids offered (see :data:`CONFIGURATIONS`).
    :param cryptosuite: the marks' Data Integrity cryptosuite.
    :param jwt_alg: the JOSE ``alg`` of vc+jwt marks.
    :param authority_name: the authority's names by locale (``zh-CN``, ``en``).
    """
    return {
        "credential_issuer": endpoints.issuer_id,
        "credential_endpoint": endpoints.credential,
        "nonce_endpoint": endpoints.nonce,
        "notification_endpoint": endpoints.notification,
        "display": [
            {"name": authority_name[locale], "locale": locale}
            for locale in ("zh-CN", "en")
            if locale in authority_name
        ],
        "credential_configurations_supported": {
            configuration_id: _configuration(configuration_id, cryptosuite, jwt_alg)
            for configuration_id in configurations
        },
    }


def authorization_server_metadata(endpoints: Endpoints) -> dict[str, Any]:
    """The OAuth authorization server metadata (RFC 8414 with OpenID4VCI 1.0 §12.3)."""
    return {
        "issuer": endpoints.issuer_id,
        "token_endpoint": endpoints.token,
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "pre-authorized_grant_anonymous_access_supported": True,
        "token_endpoint_auth_methods_supported": ["none"],
        "response_types_supported": [],
    }
