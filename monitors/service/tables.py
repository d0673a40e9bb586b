"""The columns of the running service: each source's pace.

Declared here, registered by monitors/__init__.py, applied by crawler.storage.schema."""

from __future__ import annotations

OWNER = "monitors.service"

# The modules of this package that hold SQL (reads only: the pacing columns are written through
# crawler.storage, the owner of the sources table).
SQL_MODULES = ("store",)

# (name, SQL): each runs once, in order, recorded in _sqlite_migrations under OWNER.
STEPS: list[tuple[str, str]] = [
    # Per-source pacing: quiet sources are polled less, failing ones back off
    # (monitors.service.pacing).
    (
        "0009_pacing",
        r"""
        ALTER TABLE sources ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sources ADD COLUMN quiet_cycles INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sources ADD COLUMN next_due_at TEXT;
        ALTER TABLE sources ADD COLUMN pace TEXT;
        """,
    ),
]

# The same columns on PostgreSQL (crawler.storage.postgres_schema), from the final shape of STEPS.
POSTGRES_STEPS: list[tuple[str, str]] = [
    (
        "0001_final_shape",
        r"""
        ALTER TABLE sources
            ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0,
            ADD COLUMN quiet_cycles INTEGER NOT NULL DEFAULT 0,
            ADD COLUMN next_due_at TEXT,
            ADD COLUMN pace TEXT;
        """,
    ),
]
