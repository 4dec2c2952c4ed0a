"""store.migrations: the schema the migrations make is exactly the one store/tables.py declares (both
backends)."""

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
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": False}
        )
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


def test_the_quick_schema_check_agrees_with_alembic(engine):
    """db.schema_state reads the head from the file names and the version table directly (no Alembic import,
    for a fast start); it must say exactly what Alembic says, before and after the upgrade."""
    from alembic.script import ScriptDirectory

    assert db.head_revision() == ScriptDirectory.from_config(db.alembic_config(engine)).get_current_head()
    for step in ("fresh", "migrated"):
        if step == "migrated":
            db.upgrade(engine)
        with engine.connect() as conn:
            expected = MigrationContext.configure(conn).get_current_revision()
        assert db.current_revision(engine) == expected, step


def test_a_schema_behind_the_code_is_refused_naming_both_revisions(engine):
    import pytest
    from sqlalchemy import text

    from jointfund.errors import JointfundError

    with pytest.raises(JointfundError, match="jointfund init"):
        db.require_schema(engine)
    db.upgrade(engine)
    db.require_schema(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001_core'"))
    with pytest.raises(JointfundError, match=f"at 0001_core, this jointfund needs {db.head_revision()}"):
        db.require_schema(engine)
