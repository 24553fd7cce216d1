"""Baseline: the schema of aggregator 0.1.0, the last release before migrations.

A frozen copy of the tables that release's models created (never import today's models here).
Tables are created only where missing, so a store made by that release (which has them all
and no ``alembic_version``) passes through this revision unchanged.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def _tables() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "aliases", metadata,
        sa.Column("url", sa.String(2048), primary_key=True),
        sa.Column("issue_number", sa.Integer(), nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
    )
    sa.Table(
        "features", metadata,
        sa.Column("url", sa.String(2048), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False, index=True),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    sa.Table(
        "issues", metadata,
        sa.Column("number", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("url", sa.String(2048), nullable=False, index=True),
        sa.Column("numeric_url", sa.String(2048), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("week_start", sa.Date()),
        sa.Column("week_end", sa.Date()),
        sa.Column("published", sa.DateTime(timezone=True)),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("takeaways", sa.JSON(), nullable=False),
        sa.Column("quick_hits", sa.JSON(), nullable=False),
        sa.Column("watch", sa.JSON(), nullable=False),
        sa.Column("content_html", sa.Text(), nullable=False),
        sa.Column("markup", sa.String(16), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    sa.Table(
        "pages", metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("url", sa.String(2048), nullable=False, unique=True, index=True),
        sa.Column("source", sa.String(64), nullable=False, index=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(255)),
        sa.Column("etag", sa.String(255)),
        sa.Column("last_modified", sa.String(64)),
        sa.Column("body", sa.LargeBinary()),
        sa.Column("body_sha256", sa.String(64)),
        sa.Column("first_fetched", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_fetched", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_changed", sa.DateTime(timezone=True), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
    )
    sa.Table(
        "posts", metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("url", sa.String(2048), nullable=False, unique=True, index=True),
        sa.Column("source", sa.String(64), nullable=False, index=True),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("post_id", sa.Integer()),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("published", sa.DateTime(timezone=True)),
        sa.Column("author", sa.String(255)),
        sa.Column("category", sa.String(255)),
        sa.Column("content_html", sa.Text(), nullable=False),
        sa.Column("content_text", sa.Text(), nullable=False),
        sa.Column("is_mirror", sa.Boolean(), nullable=False),
        sa.Column("stated_issue_number", sa.Integer(), index=True),
        sa.Column("title_zh", sa.Text()),
        sa.Column("source_url", sa.String(2048)),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("week_start", sa.Date()),
        sa.Column("week_end", sa.Date()),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("takeaways", sa.JSON(), nullable=False),
        sa.Column("quick_hits", sa.JSON(), nullable=False),
        sa.Column("watch", sa.JSON(), nullable=False),
        sa.Column("english_text", sa.Text(), nullable=False),
        sa.Column("english_links", sa.JSON(), nullable=False),
        sa.Column("markup", sa.String(16), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    sa.Table(
        "quarantine", metadata,
        sa.Column("url", sa.String(2048), primary_key=True),
        sa.Column("source", sa.String(64), nullable=False, index=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("found", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_type", sa.String(255)),
        sa.Column("body", sa.LargeBinary()),
    )
    sa.Table(
        "source_runs", metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(64), nullable=False, index=True),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finish_reason", sa.String(64), nullable=False),
        sa.Column("pages_fetched", sa.Integer(), nullable=False),
        sa.Column("not_modified", sa.Integer(), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("failed", sa.JSON(), nullable=False),
        sa.Column("quarantined", sa.JSON(), nullable=False),
        sa.Column("coverage", sa.JSON(), nullable=False),
        sa.Column("verdict", sa.Text()),
    )
    sa.Table(
        "versions", metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("url", sa.String(2048), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("stored", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    sa.Table(
        "links", metadata,
        sa.Column("post_row", sa.Integer(), sa.ForeignKey("posts.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("issue_number", sa.Integer(), index=True),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("decided", sa.DateTime(timezone=True), nullable=False),
    )
    sa.Table(
        "stories", metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("issue_number", sa.Integer(),
                  sa.ForeignKey("issues.number", ondelete="CASCADE"), index=True),
        sa.Column("post_row", sa.Integer(), sa.ForeignKey("posts.id", ondelete="CASCADE"),
                  index=True),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("section", sa.Text()),
        sa.Column("headline", sa.Text(), nullable=False),
        sa.Column("link", sa.String(2048)),
        sa.Column("outlet", sa.String(255)),
        sa.Column("date", sa.Date()),
        sa.Column("summary", sa.Text()),
        sa.Column("pair", sa.Integer()),
    )
    return metadata


def upgrade() -> None:
    _tables().create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    _tables().drop_all(op.get_bind(), checkfirst=True)
