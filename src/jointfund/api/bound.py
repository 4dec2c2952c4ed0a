"""State a server keeps in its database, made before the database is known.

`Server` (api.deps) creates its sessions, sign-in limiter and upload jobs with their limits, then binds each
to the fund's engine; every read or write of theirs goes through `_engine()`, which names a missing bind.
"""

from __future__ import annotations

from typing import Self

from sqlalchemy import Engine


class EngineBound:
    engine: Engine | None = None

    def bind(self, engine: Engine) -> Self:
        self.engine = engine
        return self

    def _engine(self) -> Engine:
        assert self.engine is not None, f"{type(self).__name__}.bind(engine) first"
        return self.engine
