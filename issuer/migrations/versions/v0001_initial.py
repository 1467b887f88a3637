"""The first tables: keys, registry versions, owners, stations, vehicles, filings, inspections,
exemption applications, status lists and entries, marks, VC-API credentials, paper orders,
status list publications and the audit log (docs/storage.md).

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.String(length=128), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("target", sa.String(length=256), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit")),
    )
    op.create_index("ix_audit_target", "audit", ["target"], unique=False)
    op.create_table(
        "owner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_owner")),
        sa.UniqueConstraint("account_id", name=op.f("uq_owner_account_id")),
    )
    op.create_table(
        "registry_version",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("entry_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_registry_version")),
    )
    op.create_table(
        "signing_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fragment", sa.String(length=64), nullable=False),
        sa.Column("key_type", sa.String(length=16), nullable=False),
        sa.Column("public_key_multibase", sa.String(length=128), nullable=False),
        sa.Column("storage", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_key")),
        sa.UniqueConstraint("fragment", name=op.f("uq_signing_key_fragment")),
        sa.UniqueConstraint(
            "public_key_multibase", name=op.f("uq_signing_key_public_key_multibase")
        ),
    )
    op.create_table(
        "station",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station")),
        sa.UniqueConstraint("code", name=op.f("uq_station_code")),
    )
    op.create_table(
        "status_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space", sa.String(length=16), nullable=False),
        sa.Column("list_index", sa.Integer(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_entry")),
        sa.UniqueConstraint(
            "space",
            "list_index",
            "position",
            name=op.f("uq_status_entry_space_list_index_position"),
        ),
    )
    op.create_index(
        "ix_status_entry_revoked",
        "status_entry",
        ["space", "list_index", "position"],
        unique=False,
        sqlite_where=sa.text("revoked = 1"),
        postgresql_where=sa.text("revoked"),
    )
    op.create_index(
        "ix_status_entry_suspended",
        "status_entry",
        ["space", "list_index", "position"],
        unique=False,
        sqlite_where=sa.text("suspended = 1"),
        postgresql_where=sa.text("suspended"),
    )
    op.create_table(
        "status_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space", sa.String(length=16), nullable=False),
        sa.Column("list_index", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.BigInteger(), nullable=False),
        sa.Column("allocated", sa.BigInteger(), nullable=False),
        sa.Column("permutation_key", sa.String(length=64), nullable=False),
        sa.Column("revocation_version", sa.Integer(), nullable=False),
        sa.Column("suspension_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_list")),
        sa.UniqueConstraint("space", "list_index", name=op.f("uq_status_list_space_list_index")),
    )
    op.create_table(
        "credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=2048), nullable=False),
        sa.Column("status_entry_id", sa.Integer(), nullable=True),
        sa.Column("purposes", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("unsigned", sa.Text(), nullable=False),
        sa.Column("credential", sa.Text(), nullable=True),
        sa.Column("signing_key_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=True),
        sa.Column("actor_id", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["signing_key_id"],
            ["signing_key.id"],
            name=op.f("fk_credential_signing_key_id_signing_key"),
        ),
        sa.ForeignKeyConstraint(
            ["status_entry_id"],
            ["status_entry.id"],
            name=op.f("fk_credential_status_entry_id_status_entry"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_credential_credential_id")),
        sa.UniqueConstraint("status_entry_id", name=op.f("uq_credential_status_entry_id")),
    )
    op.create_index(
        "ix_credential_pending",
        "credential",
        ["id"],
        unique=False,
        sqlite_where=sa.text("state = 'pending'"),
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.create_table(
        "status_publication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("list_index", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("signing_key_id", sa.Integer(), nullable=False),
        sa.Column("valid_until", sa.DateTime(), nullable=False),
        sa.Column("etag", sa.String(length=80), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["signing_key_id"],
            ["signing_key.id"],
            name=op.f("fk_status_publication_signing_key_id_signing_key"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_publication")),
        sa.UniqueConstraint(
            "space",
            "purpose",
            "list_index",
            name=op.f("uq_status_publication_space_purpose_list_index"),
        ),
    )
    op.create_table(
        "vehicle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vin", sa.String(length=17), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("plate_type_code", sa.String(length=2), nullable=False),
        sa.Column("vehicle_type_code", sa.String(length=3), nullable=False),
        sa.Column("use_category", sa.String(length=48), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("first_registration", sa.Date(), nullable=False),
        sa.Column("is_van", sa.Boolean(), nullable=False),
        sa.Column("casualty_accident", sa.Boolean(), nullable=False),
        sa.Column("casualty_accident_date", sa.Date(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["owner.id"], name=op.f("fk_vehicle_owner_id_owner")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicle")),
        sa.UniqueConstraint("vin", name=op.f("uq_vehicle_vin")),
    )
    op.create_index("ix_vehicle_owner_id", "vehicle", ["owner_id"], unique=False)
    op.create_index(
        "uq_vehicle_active_plate",
        "vehicle",
        ["plate", "plate_type_code"],
        unique=True,
        sqlite_where=sa.text("cancelled_at IS NULL"),
        postgresql_where=sa.text("cancelled_at IS NULL"),
    )
    op.create_table(
        "exemption_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("due_month", sa.String(length=7), nullable=True),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("code", sa.String(length=48), nullable=False),
        sa.Column("regime", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["owner.id"], name=op.f("fk_exemption_application_owner_id_owner")
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicle.id"], name=op.f("fk_exemption_application_vehicle_id_vehicle")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exemption_application")),
    )
    op.create_index(
        "ix_exemption_application_vehicle_id", "exemption_application", ["vehicle_id"], unique=False
    )
    op.create_table(
        "filing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["owner.id"], name=op.f("fk_filing_owner_id_owner")),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicle.id"], name=op.f("fk_filing_vehicle_id_vehicle")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_filing")),
    )
    op.create_index("ix_filing_owner_id", "filing", ["owner_id"], unique=False)
    op.create_index(
        "uq_filing_active",
        "filing",
        ["vehicle_id", "owner_id"],
        unique=True,
        sqlite_where=sa.text("ended_at IS NULL"),
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.create_table(
        "inspection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("report_number", sa.String(length=64), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"], ["station.id"], name=op.f("fk_inspection_station_id_station")
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicle.id"], name=op.f("fk_inspection_vehicle_id_vehicle")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection")),
        sa.UniqueConstraint(
            "station_id", "report_number", name=op.f("uq_inspection_station_id_report_number")
        ),
    )
    op.create_index("ix_inspection_vehicle_id", "inspection", ["vehicle_id"], unique=False)
    op.create_table(
        "mark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("credential_id", sa.String(length=64), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("status_entry_id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("exemption_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("unsigned", sa.Text(), nullable=False),
        sa.Column("credential", sa.Text(), nullable=True),
        sa.Column("signing_key_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.DateTime(), nullable=False),
        sa.Column("valid_until", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revocation_reason", sa.String(length=16), nullable=True),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["exemption_id"],
            ["exemption_application.id"],
            name=op.f("fk_mark_exemption_id_exemption_application"),
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspection.id"], name=op.f("fk_mark_inspection_id_inspection")
        ),
        sa.ForeignKeyConstraint(
            ["signing_key_id"], ["signing_key.id"], name=op.f("fk_mark_signing_key_id_signing_key")
        ),
        sa.ForeignKeyConstraint(
            ["status_entry_id"],
            ["status_entry.id"],
            name=op.f("fk_mark_status_entry_id_status_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_id"], ["mark.id"], name=op.f("fk_mark_superseded_by_id_mark")
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicle.id"], name=op.f("fk_mark_vehicle_id_vehicle")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mark")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_mark_credential_id")),
        sa.UniqueConstraint("event_key", name=op.f("uq_mark_event_key")),
        sa.UniqueConstraint("number", name=op.f("uq_mark_number")),
        sa.UniqueConstraint("status_entry_id", name=op.f("uq_mark_status_entry_id")),
    )
    op.create_index(
        "ix_mark_pending",
        "mark",
        ["id"],
        unique=False,
        sqlite_where=sa.text("state = 'pending'"),
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.create_index("ix_mark_vehicle_id", "mark", ["vehicle_id", "id"], unique=False)
    op.create_index(
        "uq_mark_current_vehicle",
        "mark",
        ["vehicle_id"],
        unique=True,
        sqlite_where=sa.text("is_current = 1"),
        postgresql_where=sa.text("is_current"),
    )
    op.create_table(
        "paper_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mark_id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("delivery", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["mark_id"], ["mark.id"], name=op.f("fk_paper_order_mark_id_mark")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["owner.id"], name=op.f("fk_paper_order_owner_id_owner")
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicle.id"], name=op.f("fk_paper_order_vehicle_id_vehicle")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_order")),
    )
    op.create_index("ix_paper_order_vehicle_id", "paper_order", ["vehicle_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_paper_order_vehicle_id", table_name="paper_order")
    op.drop_table("paper_order")
    op.drop_index(
        "uq_mark_current_vehicle",
        table_name="mark",
        sqlite_where=sa.text("is_current = 1"),
        postgresql_where=sa.text("is_current"),
    )
    op.drop_index("ix_mark_vehicle_id", table_name="mark")
    op.drop_index(
        "ix_mark_pending",
        table_name="mark",
        sqlite_where=sa.text("state = 'pending'"),
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.drop_table("mark")
    op.drop_index("ix_inspection_vehicle_id", table_name="inspection")
    op.drop_table("inspection")
    op.drop_index(
        "uq_filing_active",
        table_name="filing",
        sqlite_where=sa.text("ended_at IS NULL"),
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.drop_index("ix_filing_owner_id", table_name="filing")
    op.drop_table("filing")
    op.drop_index("ix_exemption_application_vehicle_id", table_name="exemption_application")
    op.drop_table("exemption_application")
    op.drop_index(
        "uq_vehicle_active_plate",
        table_name="vehicle",
        sqlite_where=sa.text("cancelled_at IS NULL"),
        postgresql_where=sa.text("cancelled_at IS NULL"),
    )
    op.drop_index("ix_vehicle_owner_id", table_name="vehicle")
    op.drop_table("vehicle")
    op.drop_table("status_publication")
    op.drop_index(
        "ix_credential_pending",
        table_name="credential",
        sqlite_where=sa.text("state = 'pending'"),
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.drop_table("credential")
    op.drop_table("status_list")
    op.drop_index(
        "ix_status_entry_suspended",
        table_name="status_entry",
        sqlite_where=sa.text("suspended = 1"),
        postgresql_where=sa.text("suspended"),
    )
    op.drop_index(
        "ix_status_entry_revoked",
        table_name="status_entry",
        sqlite_where=sa.text("revoked = 1"),
        postgresql_where=sa.text("revoked"),
    )
    op.drop_table("status_entry")
    op.drop_table("station")
    op.drop_table("signing_key")
    op.drop_table("registry_version")
    op.drop_table("owner")
    op.drop_index("ix_audit_target", table_name="audit")
    op.drop_table("audit")
