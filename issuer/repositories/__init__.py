"""The issuer's storage queries, one module per kind of record.

Each function takes the caller's ``Session`` (the service's transaction) and does one query or
write; the services (:mod:`vic.issuer.services`) call them and hold the rules. No service builds
SQL itself. :mod:`vic.issuer.records` keeps the lookups the mark and status modules share
(a vehicle by VIN, its latest and current mark, an owner by account).
"""
