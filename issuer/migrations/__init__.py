"""The Alembic migrations of the issuer's database (applied by :func:`issuer.db.engine.upgrade`)."""
