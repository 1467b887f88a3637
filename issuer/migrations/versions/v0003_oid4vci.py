"""OpenID4VCI: credential offers with their pre-authorized codes, and nonces (issuer/oid4vci).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oid4vci_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference_digest", sa.String(length=64), nullable=False),
        sa.Column("code_digest", sa.String(length=64), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("configuration_id", sa.String(length=64), nullable=False),
        sa.Column("tx_code_digest", sa.String(length=64), nullable=True),
        sa.Column("tx_code_failures", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("redeemed_at", sa.DateTime(), nullable=True),
        sa.Column("access_digest", sa.String(length=64), nullable=True),
        sa.Column("access_expires_at", sa.DateTime(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicle.id"], name=op.f("fk_oid4vci_offer_vehicle_id_vehicle")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oid4vci_offer")),
        sa.UniqueConstraint("reference_digest", name=op.f("uq_oid4vci_offer_reference_digest")),
        sa.UniqueConstraint("code_digest", name=op.f("uq_oid4vci_offer_code_digest")),
        sa.UniqueConstraint("access_digest", name=op.f("uq_oid4vci_offer_access_digest")),
    )
    op.create_index("ix_oid4vci_offer_vehicle_id", "oid4vci_offer", ["vehicle_id"], unique=False)
    op.create_table(
        "oid4vci_nonce",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oid4vci_nonce")),
        sa.UniqueConstraint("digest", name=op.f("uq_oid4vci_nonce_digest")),
    )
    op.create_index("ix_oid4vci_nonce_expires_at", "oid4vci_nonce", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_oid4vci_nonce_expires_at", table_name="oid4vci_nonce")
    op.drop_table("oid4vci_nonce")
    op.drop_index("ix_oid4vci_offer_vehicle_id", table_name="oid4vci_offer")
    op.drop_table("oid4vci_offer")
