"""Storage: tables, triggers, migrations and transactions. Pure rule modules never import it."""
