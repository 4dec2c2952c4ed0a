"""The web tests reuse the API tests' Site (a user per role, a seated board, signed checkpoints)."""

from api.conftest import _site_templates, app, client, clock, site  # noqa: F401 - fixtures
