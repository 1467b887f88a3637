"""The issuer's storage: SQLAlchemy 2 models, engines for SQLite and PostgreSQL, migrations.

docs/storage.md describes the schema, the migrations and how status indexes are allocated.
"""

from vic.issuer.db.engine import (
    SQLITE_FILE_NAME,
    Database,
    open_database,
    sqlite_url,
)
from vic.issuer.db.models import Base

__all__ = ["SQLITE_FILE_NAME", "Base", "Database", "open_database", "sqlite_url"]
