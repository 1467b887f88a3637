"""Alembic environment: run by :func:`vic.issuer.db.engine.upgrade` with an open connection.

The migrations run only programmatically: the caller opens the transaction (and takes the
migration lock) and passes the connection in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from vic.issuer.db.models import Base


def run_migrations() -> None:
    """Run the migrations on the caller's connection, inside the caller's transaction."""
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("the issuer's migrations run through issuer.db.engine.upgrade only")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
