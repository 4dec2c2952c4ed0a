"""Alembic environment: migrations run on the engine jointfund hands over, never on a config URL."""

from alembic import context

from jointfund.store.tables import metadata

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata, transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()
