"""Schema migrations with Alembic, the same revisions on SQLite and PostgreSQL.

On PostgreSQL the upgrade holds an advisory lock, so several workers starting at once upgrade the
schema exactly once.
"""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine


class UnmanagedSchema(RuntimeError):
    """The database has catalogue tables that no migration created."""


_LOCK_KEY = 0x61737472  # "astr": one advisory lock id for every astrobench schema upgrade


def config() -> Config:
    cfg = Config()
    cfg.set_main_option(
        "script_location", str(resources.files("astrobench.catalog") / "migrations")
    )
    return cfg


def head() -> str:
    """The newest revision this code knows."""
    found = ScriptDirectory.from_config(config()).get_current_head()
    assert found is not None
    return found


def current(engine: Engine) -> str | None:
    """The revision a database is at (None for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; a no-op when it is there already."""
    with engine.execution_options(writes=True).begin() as connection:  # SQLite: BEGIN IMMEDIATE
        _lock(connection)
        tables = set(inspect(connection).get_table_names())
        if "versions" in tables and "alembic_version" not in tables:
            raise UnmanagedSchema(
                f"{engine.url.render_as_string(hide_password=True)} holds a catalogue made before "
                "schema migrations existed; re-create it with 'astrobench ingest --all' on an "
                "empty database"
            )
        cfg = config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.execution_options(writes=True).begin() as connection:
        _lock(connection)
        cfg = config()
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
