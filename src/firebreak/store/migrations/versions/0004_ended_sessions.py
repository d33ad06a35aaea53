"""ended_sessions: UI sessions that were signed out before their cookie expired

Revision ID: 0004_ended_sessions
Revises: 0003_routing
Create Date: 2026-12-01 10:00:00

A session cookie is signed and stateless; signing out records its nonce here so that the old
cookie, and the CSRF tokens made from it, stop working on every process that shares the store.
Rows are kept until the cookie would have expired anyway.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_ended_sessions"
down_revision = "0003_routing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ended_sessions",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("nonce"),
    )
    op.create_index("ix_ended_sessions_expires", "ended_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_ended_sessions_expires", table_name="ended_sessions")
    op.drop_table("ended_sessions")
