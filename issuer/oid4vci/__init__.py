"""OpenID4VCI 1.0 on the issuer: third-party wallets receive the mark with the pre-authorized
code flow (docs/openid4vci.md).

- :mod:`.metadata`: credential configurations, credential issuer and authorization server
  metadata;
- :mod:`.proof`: the ``jwt`` key proof checks;
- :mod:`.service`: offers, token, nonce and credential (the service over the issuer);
- :mod:`.store`: the repository functions (offers and nonces in the issuer's database);
- :mod:`.errors`: the protocol's error codes with vic's stable codes.

The HTTP routes are in :mod:`issuer.api.routes.oid4vci`.
"""
