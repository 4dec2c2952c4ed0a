"""Which database a command opens and which schema it must find there, decided without SQLAlchemy or Alembic
(both take longer to import than a quick command's work): the default URL, the migrations' head read from
their file names, and the sentence refusing a missing or older schema. store.db and store.quick both use
these.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from jointfund.errors import JointfundError

DEFAULT_URL = "sqlite:///jointfund.db"
ENV_VAR = "JOINTFUND_DB"


def chosen_url(url: str | None) -> str:
    """The URL as given: the option, else $JOINTFUND_DB, else a SQLite file in the working directory."""
    return url or os.environ.get(ENV_VAR) or DEFAULT_URL


def migrations_dir() -> Path:
    return Path(str(resources.files("jointfund.store").joinpath("migrations")))


def head_revision() -> str:
    """The newest migration, read from the file names without importing Alembic (which takes longer than
    the command it guards). Each migration's revision is its file name, 00NN_slug, in one linear chain;
    tests/store/test_migrations.py checks that this agrees with Alembic's own head."""
    names = sorted(p.stem for p in (migrations_dir() / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    if not names:
        raise JointfundError(f"no migrations in {migrations_dir()}: this installation of jointfund is broken")
    return names[-1]


def require(current: str | None) -> None:
    """Refuse to run on a database whose schema (its revision, None: none yet) is missing or not this
    code's."""
    if current is None:
        raise JointfundError("no fund in this database yet; create one with: jointfund init")
    head = head_revision()
    if current != head:
        raise JointfundError(
            f"the database schema is at {current}, this jointfund needs {head}; run: jointfund db upgrade"
        )
