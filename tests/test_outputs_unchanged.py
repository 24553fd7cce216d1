"""A re-run whose store did not change rewrites no output (app.outputs_if_unchanged)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from aggregator.app import export_outputs, outputs_if_unchanged
from aggregator.config import OutputOptions
from aggregator.store import Store
from tests.test_store import make_issue

T0 = datetime(2026, 4, 10, tzinfo=UTC)


def test_outputs_are_reused_only_while_store_options_and_files_are_the_same(
        tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'a.db'}")
    out = tmp_path / "out"
    options = OutputOptions()
    try:
        store.upsert_issue(make_issue(), seen=T0, updated=T0)
        written = export_outputs(store, out, options)
        assert written and outputs_if_unchanged(store, out, options) == written
        # Other options, another store content, a missing file: written again.
        assert outputs_if_unchanged(store, out, replace(options, feed_limit=10)) is None
        written[0].unlink()
        assert outputs_if_unchanged(store, out, options) is None
        export_outputs(store, out, options)
        assert outputs_if_unchanged(store, out, options) == written
        store.upsert_issue(make_issue(headline="Edited"), seen=T0, updated=T0)
        assert outputs_if_unchanged(store, out, options) is None
        stories = store.stories(issue_number=481)
        export_outputs(store, out, options)
        store.set_story_pairs({stories[0].id: 2})  # a new alignment shows in the outputs
        assert outputs_if_unchanged(store, out, options) is None
    finally:
        store.close()
