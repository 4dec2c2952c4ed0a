"""Ukraine's contributions: licences, Treasury receipts, exchange rates, the eligibility rules,
accruals, transfers, the compliance calendar, EITI-style reports and reconciliation.

Pure modules (reader-free rules and values): fields, licence, receipt, fx, payment,
eligibility, contribution, calendar. The imperative shell: book (storage), imports,
accrual, transfer, deadlines, eiti, reconcile, checks.
"""
