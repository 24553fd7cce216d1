"""Numbers read from pages are 64-bit: an issue number or post id of 11 digits fits.

PostgreSQL's INTEGER is 32-bit, so these columns become BIGINT there. SQLite's INTEGER already
stores 64 bits and keeps its type (no table copy, nothing to do).

Revision ID: 0002_wide_page_numbers
Revises: 0001_baseline
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_wide_page_numbers"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

# (table, column, nullable); issues.number first: stories.issue_number references it.
COLUMNS = (
    ("issues", "number", False),
    ("stories", "issue_number", True),
    ("aliases", "issue_number", False),
    ("links", "issue_number", True),
    ("posts", "post_id", True),
    ("posts", "stated_issue_number", True),
)


def _alter(old: sa.types.TypeEngine[int], new: sa.types.TypeEngine[int]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, column, nullable in COLUMNS:
        op.alter_column(table, column, type_=new, existing_type=old, existing_nullable=nullable)


def upgrade() -> None:
    _alter(sa.Integer(), sa.BigInteger())


def downgrade() -> None:
    _alter(sa.BigInteger(), sa.Integer())
