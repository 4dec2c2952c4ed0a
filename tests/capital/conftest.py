"""The portfolio driver, for capital tests."""

from portfolio.conftest import Folio, folio  # noqa: F401 the fixture and its class
