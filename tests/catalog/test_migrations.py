"""Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from astrobench.catalog import migrate
from astrobench.catalog.schema import Base
from astrobench.catalog.store import Store


def test_upgrade_matches_the_models(store: Store) -> None:
    assert migrate.current(store.engine) == migrate.head()
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_and_upgrade_again(store: Store) -> None:
    migrate.downgrade(store.engine, "base")
    assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
    store.create()
    store.create()  # idempotent
    assert migrate.current(store.engine) == migrate.head()
    assert {"datasets", "versions", "items", "assets", "tokens"} <= set(
        inspect(store.engine).get_table_names()
    )


def test_a_schema_made_without_migrations_is_refused(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    Base.metadata.create_all(engine)
    with pytest.raises(migrate.UnmanagedSchema, match="before schema migrations"):
        migrate.upgrade(engine)
