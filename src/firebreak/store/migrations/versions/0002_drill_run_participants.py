"""drill_runs: the runbook a drill exercised and the people who took part

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 21:15:00

Lets the drill coverage report list responders who have not drilled a runbook they may be paged
for (firebreak.drills.coverage). Both columns are nullable: older rows simply have no answer.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("drill_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("runbook", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("participants", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("drill_runs", schema=None) as batch_op:
        batch_op.drop_column("participants")
        batch_op.drop_column("runbook")
