"""`jointfund report`, whole: the group of reports.py with the commands other modules add to it.

reports.py declares the group and its own reports (eiti and the contribution reports); fund_reports.py,
financials.py and expenses.py each add theirs to it. They import the group, and this module imports them all,
so that every import goes one way (no module imports one that imports it back).
"""

from __future__ import annotations

from jointfund.cli.reports import app

# Imported for the commands each adds to `app`, in the order `jointfund report --help` lists them.
# isort: split
from jointfund.cli import fund_reports

# isort: split
from jointfund.cli import financials

# isort: split
from jointfund.cli import expenses

JOINED = (fund_reports, financials, expenses)  # named, so that the imports are visibly used

__all__ = ["app"]
