"""alerts.rejected_reason: why the pipeline set an alert aside

Revision ID: 0005_alert_quarantine
Revises: 0004_ended_sessions
Create Date: 2026-12-01 10:00:00

An alert the pipeline cannot process (a value the store refuses, a bug) is marked processed with
outcome "rejected" and the reason, so the rest of its batch goes on and nobody has to delete rows
by hand. Nullable: every other alert has no reason.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_alert_quarantine"
down_revision = "0004_ended_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rejected_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_column("rejected_reason")
