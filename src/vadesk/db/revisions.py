"""Schema revisions this vadesk knows (no SQLAlchemy import: the quick start reads it)."""

# Every revision in migrations/versions, oldest first; a test checks this against Alembic.
KNOWN_REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005")
HEAD = KNOWN_REVISIONS[-1]
