"""The fund's clock. Recorded times are UTC; `today()` is the effective date of "now".

`JOINTFUND_TODAY=YYYY-MM-DD` pins the date, so a demo or a test can stand on any day (for instance past
the reinvestment lock) without touching the system clock. Only a fund created as a demo or test fund
(its `fund.create` record says `"clock": "settable"`, signed into the log with everything else) may be
written to with the date pinned: on any other fund every write is refused while it is set
(`store.db.write`), so that nobody operating a real fund can date a vote before its proposal or a
distribution past the reinvestment lock. Read-only commands may still use it to look back.
"""

from __future__ import annotations

import datetime as dt
import os

ENV_VAR = "JOINTFUND_TODAY"
# The value of "clock" in a demo or test fund's creation record: the one kind of fund whose clock may be set.
SETTABLE = "settable"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def pinned() -> dt.date | None:
    """The date JOINTFUND_TODAY pins, or None when it is not set."""
    text = os.environ.get(ENV_VAR)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        from jointfund.errors import JointfundError

        raise JointfundError(f"{ENV_VAR}: expected YYYY-MM-DD, got {text!r}") from None


def today() -> dt.date:
    return pinned() or now().date()


def refuse_pinned(settable: bool) -> None:
    """Refuse a write while the date is pinned, unless the fund's clock is `settable` (a demo or test
    fund)."""
    day = pinned()
    if day is not None and not settable:
        from jointfund.errors import Refused

        raise Refused(
            f"{ENV_VAR}={day.isoformat()} is set, but this fund's clock cannot be moved: it was not created "
            f"as a demo or test fund, so nothing may be written with another date than the server's. Unset "
            f"{ENV_VAR} to make changes (read-only commands may use it to look back)."
        )
