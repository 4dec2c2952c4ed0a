"""store.migrations: the schema the migrations make is exactly the one store/tables.py declares (both backends)."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from jointfund.store import db
from jointfund.store.tables import APPEND_ONLY, metadata


# Column comments in tables.py document the columns for readers of the code; the migrations do not
# copy them into the database (SQLite has no comments at all), so they are the one difference left out.
IGNORED = {"modify_comment", "add_table_comment", "remove_table_comment"}


def _differences(engine) -> list:  # noqa: ANN001
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        diffs = compare_metadata(context, metadata)
    flat = [d for item in diffs for d in (item if isinstance(item, list) else [item])]
    return [d for d in flat if d[0] not in IGNORED]


def test_migrated_schema_equals_the_declared_tables(engine):
    db.upgrade(engine)
    assert _differences(engine) == []
    current, head = db.schema_state(engine)
    assert current == head


def test_upgrade_is_idempotent_and_every_table_is_there(engine):
    db.upgrade(engine)
    db.upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables
    assert set(APPEND_ONLY) <= tables


def test_a_fresh_database_has_no_schema_and_says_so(engine):
    current, head = db.schema_state(engine)
    assert current is None and head
