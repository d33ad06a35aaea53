"""baseline_captures: a baseline captured over a period, saved by the service when it ends

Revision ID: 0006_baseline_captures
Revises: 0005_alert_quarantine
Create Date: 2026-12-01 10:10:00

`firebreak baseline start` records a capture; the service's tick saves the baseline once the
capture's period has passed (firebreak.review.capture).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_baseline_captures"
down_revision = "0005_alert_quarantine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "baseline_captures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False, unique=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("baseline_captures")
