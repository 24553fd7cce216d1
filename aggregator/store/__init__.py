"""The store: SQLAlchemy 2 models, the item <-> row mapping and :class:`Store`."""

from aggregator.store.mapping import issue_from_row, post_from_row, sha256_json, story_from_row
from aggregator.store.models import (
    AliasRow,
    AwareDateTime,
    Base,
    FeatureRow,
    IssueRow,
    LinkRow,
    PageRow,
    PostRow,
    QuarantineRow,
    SourceRunRow,
    StoryRow,
    VersionRow,
)
from aggregator.store.schema import StoreError, masked
from aggregator.store.store import Change, Store, StoredPage

__all__ = [
    "AliasRow",
    "AwareDateTime",
    "Base",
    "Change",
    "FeatureRow",
    "IssueRow",
    "LinkRow",
    "PageRow",
    "PostRow",
    "QuarantineRow",
    "SourceRunRow",
    "Store",
    "StoreError",
    "StoredPage",
    "StoryRow",
    "VersionRow",
    "issue_from_row",
    "masked",
    "post_from_row",
    "sha256_json",
    "story_from_row",
]
