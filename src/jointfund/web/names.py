"""The terms' codes by their human names, for the pages: jointfund.terms.names, where the fund report and the
forecast page (which are not the web's) find them too."""

from jointfund.terms.names import KINDS, every_name, namer, table

__all__ = ["KINDS", "every_name", "namer", "table"]
