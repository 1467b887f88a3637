"""The Alembic migrations of the issuer's database (applied by
:func:`vic.issuer.db.engine.upgrade`)."""
