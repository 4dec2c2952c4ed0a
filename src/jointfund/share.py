"""An ownership share: a fraction (0.468143), kept exact in JSON and CSV, that a table shows as a percentage.

A column named share or irr is a percentage by its name (cli.output.PERCENT_NAMES); a share in a row of
mixed lines (a capital statement's "share" line beside its amounts) carries its kind in its type instead.
"""

from __future__ import annotations

from decimal import Decimal


class Share(Decimal):
    """A Decimal that says it is a fraction of a whole; arithmetic on it gives plain Decimals."""

    __slots__ = ()
