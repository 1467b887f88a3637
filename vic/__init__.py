"""vic: vehicle inspection marks as W3C Verifiable Credentials.

The subpackages are the roles: :mod:`vic.verifier` (the embeddable verifier, the core install),
:mod:`vic.vc` (the format layer), :mod:`vic.did`, :mod:`vic.contexts`, and with extras
:mod:`vic.issuer`, :mod:`vic.wallet` and :mod:`vic.cli`. docs/architecture.md draws the layers.
"""

__version__ = "0.1.0"
