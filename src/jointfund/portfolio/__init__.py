"""The investment pipeline and the portfolio: applications and their stages, investments, disbursements,
income, valuations, metrics and distributions.

Pure rules (pipeline, metrics, allocation of distributions) take values and return values; the
shell modules (application, investment, valuation, distribution, effects) read and write the store
inside the caller's transaction, post money through `ledger.journal.post` and log every other change.
"""
