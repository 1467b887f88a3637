"""The holder: a local store of marks, OpenID4VCI receiving, status, export, print, present.

    from vic.wallet import Wallet
    with Wallet() as wallet:                       # $VIC_WALLET or the user's data directory
        wallet.receive_offer(uri, tx_code="493536")
        for view in wallet.marks():
            print(view.mark.plate, view.status, view.status_source)

It imports vc, did and contexts only (never the issuer or the verifier). docs/wallet.md says what
each part does.
"""

from vic.wallet.service import MarkView, RefreshOutcome, Wallet

__all__ = ["MarkView", "RefreshOutcome", "Wallet"]
