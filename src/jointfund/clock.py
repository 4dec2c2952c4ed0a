"""The fund's clock. Recorded times are UTC; `today()` is the effective date of "now".

`JOINTFUND_TODAY=YYYY-MM-DD` pins the date, so a demo or a test can stand on any day
(for instance past the reinvestment lock) without touching the system clock.
"""

from __future__ import annotations

import datetime as dt
import os

ENV_VAR = "JOINTFUND_TODAY"


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def today() -> dt.date:
    pinned = os.environ.get(ENV_VAR)
    if pinned:
        try:
            return dt.date.fromisoformat(pinned)
        except ValueError:
            from jointfund.errors import JointfundError

            raise JointfundError(f"{ENV_VAR}: expected YYYY-MM-DD, got {pinned!r}") from None
    return now().date()
