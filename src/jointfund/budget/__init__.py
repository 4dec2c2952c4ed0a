"""Budgets adopted by decision, expenses charged to their lines with evidence, and the fees of the terms."""
