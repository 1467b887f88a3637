"""The issuer's services, each one capability over the shared :class:`~vic.issuer.kernel.Kernel`.

* :mod:`.keys` — the DID document, signing keys and rotation, the CBOR-LD registry entry;
* :mod:`.issuance` — events that issue marks (registration, inspections, exemption, transfer,
  change, re-issue), the two transactions around the signature, resuming pending marks;
* :mod:`.delivery` — reading marks, downloads, paper orders;
* :mod:`.vehicles` — vehicles, owners and their filings, cancellations, stations;
* :mod:`.status_lists` — the signed status lists, suspension;
* :mod:`.vcapi` — the generic VC-API (issue any credential, its status, fetch by id).

The kernel module's docstring describes the pattern a new service follows.
"""
