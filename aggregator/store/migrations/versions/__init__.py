"""One module per schema revision, oldest first (Alembic reads them; never edit a shipped one)."""
