"""Schema migrations (Alembic), run on an already-unlocked connection.

Every command opens the vault and asks whether a migration is due. That question is answered from the
`alembic_version` table and `HEAD` alone: Alembic (and the migration scripts) are loaded only when there
is something to do, which keeps every command quicker to start and smaller in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest migration. tests/test_migrations.py checks it against the scripts in migrations/versions.
HEAD = "0004"


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The head as the migration scripts give it (slow: loads them all)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    found = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return str(found) if found is not None else None


def pending(connection: Connection) -> bool:
    return current_revision(connection) != HEAD


def upgrade(connection: Connection) -> None:
    from alembic import command

    command.upgrade(_config(connection), "head")


def downgrade(connection: Connection, revision: str) -> None:
    """Only for tests of the upgrade path: stalkproof itself never moves a vault backwards."""
    from alembic import command

    command.downgrade(_config(connection), revision)
