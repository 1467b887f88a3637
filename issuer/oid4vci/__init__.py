"""OpenID4VCI 1.0 on the issuer: third-party wallets receive the mark with the pre-authorized
code flow (docs/openid4vci.md).

- :mod:`.metadata`: credential configurations, credential issuer and authorization server
  metadata;
- :mod:`.offers`: the offer document and its ``openid-credential-offer://`` URI;
- :mod:`.requests`: reading what a wallet sends (token form, bearer token, credential and
  notification requests);
- :mod:`.proof`: the ``jwt`` key proof checks;
- :mod:`.digests`: the digests stored for secrets, and the values derived from secrets;
- :mod:`.errors`: the protocol's error codes with vic's stable codes.

The service (offers, token, nonce, credential) is :mod:`vic.issuer.services.oid4vci`, over the
issuer's kernel; its queries are in :mod:`vic.issuer.repositories.oid4vci`.

The HTTP routes are in :mod:`vic.issuer.api.routes.oid4vci`.
"""
