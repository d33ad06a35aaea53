"""routing and the running workspace: integration bindings, workspace snapshots, processes

Revision ID: 0003_routing
Revises: 0002
Create Date: 2026-12-01 10:00:00

``integrations.service`` / ``integrations.escalation``: the binding given at creation
(``firebreak integration create --service --escalation``); null for integrations made before.
``workspace_snapshots``: the files of each workspace revision that loaded, so a restart on broken
files runs the last good one. ``workspace_processes``: which revision each process runs.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_routing"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("integrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("escalation", sa.String(length=200), nullable=True))
    op.create_table(
        "workspace_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.String(length=120), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_workspace_snapshots_revision", "workspace_snapshots", ["revision"], unique=False
    )
    op.create_table(
        "workspace_processes",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("revision", sa.String(length=120), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=True),
        sa.Column("last_reload_ok", sa.Boolean(), nullable=False),
        sa.Column("last_reload_at", sa.DateTime(), nullable=True),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("workspace_processes")
    op.drop_index("ix_workspace_snapshots_revision", table_name="workspace_snapshots")
    op.drop_table("workspace_snapshots")
    with op.batch_alter_table("integrations", schema=None) as batch_op:
        batch_op.drop_column("escalation")
        batch_op.drop_column("service")
