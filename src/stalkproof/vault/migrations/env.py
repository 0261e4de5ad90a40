"""Alembic environment: migrations always run on a connection the vault has already unlocked."""

from __future__ import annotations

from alembic import context

from stalkproof.vault.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("stalkproof migrations run through the vault, which supplies an unlocked connection")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
