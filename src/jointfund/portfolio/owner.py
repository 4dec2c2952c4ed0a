"""Beneficial owners of an applicant: name, date of birth and nationality, for sanctions screening.

Personal data. It is stored in its own table and never written into the log's payloads: the submission's
event carries only the digest of the owners (`digest`), so a changed owner still breaks verification,
and no public page, export or API reads this table. Given in one cell, `owners`, as entries separated by
";" or new lines, each `name|YYYY-MM-DD|CC` (CC: ISO 3166-1 alpha-2 nationality), e.g.
`Taras Shevchenko|1961-03-09|UA; Olena Bondar|1975-11-02|PL`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import NamedTuple

from sqlalchemy import Connection, insert, select

from jointfund.revenue.fields import Cells
from jointfund.store import tables as t

COLUMN = "owners"
MAX_OWNERS = 50
MAX_NAME_CHARS = 200
OLDEST_BIRTH = dt.date(1900, 1, 1)
_SEPARATOR = re.compile(r"[;\n]")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class Owner(NamedTuple):
    """A beneficial owner of the applicant.

    Attributes:
      position: 1, 2, ... in the order the applicant gave them ("owner 2" in hits and in the log).
      name: as the applicant wrote it, in any alphabet (screening transliterates Cyrillic).
      birth_date: date of birth.
      nationality: ISO 3166-1 alpha-2 code.
    """

    position: int
    name: str
    birth_date: dt.date
    nationality: str

    @property
    def label(self) -> str:
        return f"owner {self.position}"


def parse(cells: Cells, on: dt.date) -> tuple[Owner, ...]:
    """The `owners` cell as owners (none when it is empty); every problem goes to `cells`."""
    text = cells.raw(COLUMN)
    entries = [e.strip() for e in _SEPARATOR.split(text) if e.strip()]
    if len(entries) > MAX_OWNERS:
        cells.fail(COLUMN, f"at most {MAX_OWNERS} beneficial owners", len(entries))
        return ()
    out: list[Owner] = []
    for n, entry in enumerate(entries, start=1):
        parts = [p.strip() for p in entry.split("|")]
        if len(parts) != 3:
            cells.fail(
                COLUMN, f"owner {n}: expected name|YYYY-MM-DD|nationality (ISO 3166 code, e.g. UA)", entry
            )
            continue
        name, born, country = parts
        problems = len(cells.problems)
        if not name or len(name) > MAX_NAME_CHARS or "\x00" in name:
            cells.fail(COLUMN, f"owner {n}: a name of 1 to {MAX_NAME_CHARS} characters", name)
        try:
            birth = dt.date.fromisoformat(born) if len(born) == 10 else None
        except ValueError:
            birth = None
        if birth is None or not OLDEST_BIRTH <= birth <= on:
            cells.fail(COLUMN, f"owner {n}: date of birth as YYYY-MM-DD, from {OLDEST_BIRTH} to {on}", born)
        if not _COUNTRY.match(country.upper()):
            cells.fail(
                COLUMN, f"owner {n}: nationality as an ISO 3166-1 alpha-2 code (UA, US, PL...)", country
            )
        if len(cells.problems) == problems:
            assert birth is not None
            out.append(Owner(n, name, birth, country.upper()))
    return tuple(out)


def canonical(owners: tuple[Owner, ...]) -> list[dict]:
    return [
        {
            "position": o.position,
            "name": o.name,
            "birth_date": o.birth_date.isoformat(),
            "nationality": o.nationality,
        }
        for o in owners
    ]


def digest(owners: tuple[Owner, ...]) -> str:
    """What the submission's event records instead of the owners themselves."""
    return hashlib.sha256(
        json.dumps(canonical(owners), sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def record(conn: Connection, application_id: int, owners: tuple[Owner, ...]) -> None:
    if owners:
        conn.execute(
            insert(t.application_owner),
            [
                {
                    "application_id": application_id,
                    "position": o.position,
                    "name": o.name,
                    "birth_date": o.birth_date,
                    "nationality": o.nationality,
                }
                for o in owners
            ],
        )


def of(conn: Connection, application_ids: list[int] | None = None) -> dict[int, tuple[Owner, ...]]:
    """Application id -> its owners, in order (applications without owners are absent)."""
    q = select(t.application_owner).order_by(
        t.application_owner.c.application_id, t.application_owner.c.position
    )
    if application_ids is not None:
        q = q.where(t.application_owner.c.application_id.in_(application_ids))
    out: dict[int, list[Owner]] = {}
    for r in conn.execute(q):
        out.setdefault(r.application_id, []).append(Owner(r.position, r.name, r.birth_date, r.nationality))
    return {k: tuple(v) for k, v in out.items()}
