"""Pages a person can act on: signed links, role notices, people's tokens, cleared alerts

Revision ID: 0007_action_links
Revises: 0006_baseline_captures
Create Date: 2026-12-01 10:00:00

- ``app_secrets``: the key that signs acknowledge/resolve links (made on first use).
- ``link_uses``: each link works once; a used link is a row here.
- ``notifications.kind``: ``page`` (escalation) or ``role`` (a role holder is told).
- ``api_tokens.person_id``: a token that acts as ``person:<id>``.
- ``incidents.cleared_at``: when every alert of the incident had cleared at the source.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_action_links"
down_revision = "0006_baseline_captures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_secrets",
        sa.Column("name", sa.String(length=40), primary_key=True),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "link_uses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("link_id", sa.String(length=80), nullable=False, unique=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("person_id", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_link_uses_incident_id", "link_uses", ["incident_id"])
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=8), nullable=False, server_default="page")
        )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.String(length=120), nullable=True))
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cleared_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("cleared_at")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("person_id")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("kind")
    op.drop_index("ix_link_uses_incident_id", table_name="link_uses")
    op.drop_table("link_uses")
    op.drop_table("app_secrets")
