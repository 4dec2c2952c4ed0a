"""Sanctions lists: reading the two public formats, and importing a list as a new version.

Two formats, as their publishers write them:

- OpenSanctions' `targets.simple.csv` (one header row: id, schema, name, aliases, birth_date, countries,
  addresses, identifiers, sanctions, phones, emails, dataset, first_seen, last_seen, last_change; several
  values in a cell are separated by ";"). OpenSanctions republishes the EU, UK and Ukraine's NSDC lists in it.
- OFAC's SDN CSV: `sdn.csv` without a header (ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign,
  Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks), optionally with `alt.csv` for the aliases
  (ent_num, alt_num, alt_type, alt_name, alt_remarks). "-0-" marks an empty field; dates of birth and
  identifiers are in the remarks ("DOB 12 Mar 1961; ... Tax ID No. 7701234567 (Russia)").

Reading is pure and collects every problem with file, line and column before anything is written. An
import is one transaction and one event (`sanctions.import`) with the file's SHA-256; the same file under
the same name again adds nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Connection, func, insert, select

from jointfund.errors import InputError, Problem
from jointfund.governance import book
from jointfund.portfolio.clearance import ListVersion, lists
from jointfund.store import tables as t

OPENSANCTIONS, OFAC = "opensanctions", "ofac_sdn"
FORMATS = (OPENSANCTIONS, OFAC)
OPENSANCTIONS_COLUMNS = (
    "id",
    "schema",
    "name",
    "aliases",
    "birth_date",
    "countries",
    "addresses",
    "identifiers",
    "sanctions",
    "phones",
    "emails",
    "dataset",
    "first_seen",
    "last_seen",
    "last_change",
)
SDN_COLUMNS = 12
ALT_COLUMNS = 5
OFAC_EMPTY = "-0-"
MAX_ENTRIES = 2_000_000  # OFAC's SDN list holds about 18,000; OpenSanctions' whole sanctions set about 70,000
MAX_PROBLEMS = 100
NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
PERSON = "Person"
# OFAC's SDN_Type as OpenSanctions' schema names, so matching treats both lists alike.
_OFAC_KINDS = {"individual": PERSON, "vessel": "Vessel", "aircraft": "Airplane", "": "LegalEntity"}
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}
_DOB = re.compile(r"\bDOB\s+([^;]+)", re.IGNORECASE)
_DAY = re.compile(r"^(?:(\d{1,2})\s+)?(?:([A-Za-z]{3})[a-z]*\s+)?(\d{4})$")
_RANGE = re.compile(r"^(\d{4})\s+to\s+(\d{4})$")
_NATIONALITY = re.compile(r"\b(?:nationality|citizen)\s+([^;]+)", re.IGNORECASE)
# An identifier in OFAC's remarks: a number-bearing token after a label ("Tax ID No. 7701234567").
_IDENTIFIER = re.compile(
    r"\b(?:No\.|Number|ID|Passport|Registration|Code|EDRPOU|IMO|INN|OGRN)\s+([A-Z0-9][A-Z0-9\-/]{3,})"
)


class Target(NamedTuple):
    """One entry of a sanctions list, as both formats give it.

    Attributes:
      key: the publisher's id (OpenSanctions' id, OFAC's ent_num).
      kind: Person, Company, Organization, LegalEntity, Vessel, Airplane... (OpenSanctions' schema names).
      name: the main name as published ("SHEVCHENKO, Taras" in OFAC's order).
      aliases: other names (OFAC's alt.csv; OpenSanctions' aliases).
      birth_dates: YYYY, YYYY-MM or YYYY-MM-DD, as precise as the publisher was.
      countries: nationality or country as published (codes in OpenSanctions, names in OFAC).
      identifiers: registration codes, tax numbers, passports...
      programs: the sanctions programmes or measures, as text.
      line: where in the file (for problems).
    """

    key: str
    kind: str
    name: str
    aliases: tuple[str, ...]
    birth_dates: tuple[str, ...]
    countries: tuple[str, ...]
    identifiers: tuple[str, ...]
    programs: str
    line: int = 0


def _split(cell: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in cell.split(";") if v.strip()))


def _ofac(cell: str) -> str:
    value = cell.strip()
    return "" if value == OFAC_EMPTY else value


def detect(text: str) -> str:
    """Which format `text` is in: OpenSanctions has its header, OFAC starts with a number."""
    first = next(csv.reader(io.StringIO(text[:4096])), [])
    if first[:3] == list(OPENSANCTIONS_COLUMNS[:3]):
        return OPENSANCTIONS
    if first and first[0].strip().isdigit():
        return OFAC
    raise InputError(
        [
            Problem(
                "line 1",
                "neither OpenSanctions' targets.simple.csv (a header starting "
                "id,schema,name) nor OFAC's sdn.csv (rows starting with ent_num)",
                ",".join(first[:3]),
            )
        ]
    )


def read_opensanctions(text: str, source: str) -> list[Target]:
    rows = csv.reader(io.StringIO(text))
    header = next(rows, [])
    missing = [c for c in OPENSANCTIONS_COLUMNS if c not in header]
    if missing:
        raise InputError(
            [
                Problem(
                    f"{source}:1",
                    f"missing column(s) {', '.join(missing)} of targets.simple.csv",
                    ",".join(header),
                )
            ]
        )
    at = {c: header.index(c) for c in OPENSANCTIONS_COLUMNS}
    out: list[Target] = []
    problems: list[Problem] = []
    for line, row in enumerate(rows, start=2):
        if not row:
            continue
        if len(row) != len(header):
            problems.append(Problem(f"{source}:{line}", f"{len(row)} fields, the header has {len(header)}"))
            continue
        cell = {c: row[i].strip() for c, i in at.items()}
        if not cell["id"] or not cell["name"]:
            problems.append(
                Problem(f"{source}:{line}:{'id' if not cell['id'] else 'name'}", "a value is required")
            )
            continue
        dates = _split(cell["birth_date"])
        bad = [d for d in dates if not _partial_date(d)]
        if bad:
            problems.append(
                Problem(f"{source}:{line}:birth_date", "expected YYYY, YYYY-MM or YYYY-MM-DD", bad[0])
            )
            continue
        out.append(
            Target(
                cell["id"],
                cell["schema"] or "LegalEntity",
                cell["name"],
                _split(cell["aliases"]),
                dates,
                _split(cell["countries"]),
                _split(cell["identifiers"]),
                cell["sanctions"],
                line,
            )
        )
        if len(problems) >= MAX_PROBLEMS:
            break
    return _checked(out, problems, source)


def read_ofac(sdn: str, source: str, alt: str | None = None, alt_source: str = "alt.csv") -> list[Target]:
    out: list[Target] = []
    problems: list[Problem] = []
    for line, row in enumerate(csv.reader(io.StringIO(sdn)), start=1):
        if not row or (len(row) == 1 and row[0].strip() in ("", "\x1a")):  # OFAC ends its files with ^Z
            continue
        if len(row) != SDN_COLUMNS:
            problems.append(Problem(f"{source}:{line}", f"{len(row)} fields; sdn.csv has {SDN_COLUMNS}"))
            continue
        ent, name, kind, program, remarks = (_ofac(row[i]) for i in (0, 1, 2, 3, 11))
        if not ent.isdigit():
            problems.append(Problem(f"{source}:{line}:ent_num", "a number is required", row[0]))
            continue
        if not name:
            problems.append(Problem(f"{source}:{line}:SDN_Name", "a value is required"))
            continue
        if kind.lower() not in _OFAC_KINDS:
            problems.append(
                Problem(
                    f"{source}:{line}:SDN_Type",
                    f"expected one of individual, vessel, aircraft or {OFAC_EMPTY}",
                    kind,
                )
            )
            continue
        out.append(
            Target(
                ent,
                _OFAC_KINDS[kind.lower()],
                name,
                (),
                _ofac_dates(remarks),
                tuple(dict.fromkeys(m.strip().rstrip(".") for m in _NATIONALITY.findall(remarks))),
                tuple(dict.fromkeys(_IDENTIFIER.findall(remarks))),
                program,
                line,
            )
        )
        if len(problems) >= MAX_PROBLEMS:
            break
    if alt is not None:
        aliases: dict[str, list[str]] = {}
        known = {x.key for x in out}
        for line, row in enumerate(csv.reader(io.StringIO(alt)), start=1):
            if not row or (len(row) == 1 and row[0].strip() in ("", "\x1a")):
                continue
            if len(row) != ALT_COLUMNS:
                problems.append(
                    Problem(f"{alt_source}:{line}", f"{len(row)} fields; alt.csv has {ALT_COLUMNS}")
                )
                continue
            ent, alias = _ofac(row[0]), _ofac(row[3])
            if ent not in known:
                problems.append(
                    Problem(f"{alt_source}:{line}:ent_num", "no entry of sdn.csv has this ent_num", row[0])
                )
                continue
            if alias:
                aliases.setdefault(ent, []).append(alias)
        out = [x._replace(aliases=tuple(dict.fromkeys(aliases.get(x.key, ())))) for x in out]
    return _checked(out, problems, source)


def _checked(out: list[Target], problems: list[Problem], source: str) -> list[Target]:
    seen: dict[str, int] = {}
    for x in out:
        if x.key in seen:
            problems.append(
                Problem(f"{source}:{x.line}", f"id {x.key} appears again (first on line {seen[x.key]})")
            )
        seen.setdefault(x.key, x.line)
    if len(out) > MAX_ENTRIES:
        problems.append(Problem(source, f"at most {MAX_ENTRIES} entries per list", len(out)))
    if problems:
        raise InputError(problems[:MAX_PROBLEMS], "sanctions list not imported; nothing was recorded")
    return out


def _partial_date(value: str) -> bool:
    try:
        if len(value) == 4:
            return value.isdigit()
        if len(value) == 7:
            dt.date.fromisoformat(value + "-01")
            return True
        dt.date.fromisoformat(value)
        return len(value) == 10
    except ValueError:
        return False


def _ofac_dates(remarks: str) -> tuple[str, ...]:
    """OFAC's "DOB 12 Mar 1961", "DOB Mar 1961", "DOB 1961", "DOB circa 1961", "DOB 1960 to 1962"."""
    out: list[str] = []
    for raw in _DOB.findall(remarks):
        value = raw.strip().rstrip(".").removeprefix("circa ").strip()
        span = _RANGE.match(value)
        if span and 0 <= int(span.group(2)) - int(span.group(1)) <= 10:
            out += [str(y) for y in range(int(span.group(1)), int(span.group(2)) + 1)]
            continue
        m = _DAY.match(value)
        month = _MONTHS.get((m.group(2) or "").lower()) if m else None
        if m is None or (m.group(2) and month is None):
            continue  # a form OFAC has not used; the entry keeps its other dates
        if m.group(1) and month:
            try:
                out.append(dt.date(int(m.group(3)), month, int(m.group(1))).isoformat())
            except ValueError:
                continue
        elif month:
            out.append(f"{m.group(3)}-{month:02d}")
        else:
            out.append(m.group(3))
    return tuple(dict.fromkeys(out))


# -- importing --


class Imported(NamedTuple):
    version: ListVersion
    new: bool


def sha256_of(parts: Iterable[bytes]) -> str:
    """Of the files as imported; sdn.csv then alt.csv when both are given."""
    h = hashlib.sha256()
    for n, part in enumerate(parts):
        if n:
            h.update(b"\n")  # so that moving a byte from one file to the other changes the hash
        h.update(part)
    return h.hexdigest()


def load(path: Path, aliases: Path | None = None) -> tuple[str, list[Target], str, str]:
    """(format, targets, sha256, source) of a list file (and OFAC's alt.csv)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
        alt_bytes = aliases.read_bytes() if aliases is not None else None
        alt = alt_bytes.decode("utf-8-sig") if alt_bytes is not None else None
    except UnicodeDecodeError as exc:
        raise InputError(
            [
                Problem(
                    str(path if aliases is None else f"{path} or {aliases}"),
                    f"not UTF-8 text: {exc.reason} at byte {exc.start}",
                )
            ]
        ) from exc
    fmt = detect(text)
    if fmt == OPENSANCTIONS:
        if aliases is not None:
            raise InputError(
                [
                    Problem.of(
                        "aliases",
                        "only OFAC's sdn.csv takes an alt.csv; OpenSanctions' file holds its aliases",
                        str(aliases),
                    )
                ]
            )
        return fmt, read_opensanctions(text, path.name), sha256_of([data]), path.name
    targets = read_ofac(text, path.name, alt, aliases.name if aliases else "alt.csv")
    parts = [data] if alt_bytes is None else [data, alt_bytes]
    return fmt, targets, sha256_of(parts), path.name + (f"+{aliases.name}" if aliases else "")


def record(
    conn: Connection,
    actor: str,
    name: str,
    fmt: str,
    targets: list[Target],
    sha256: str,
    source: str,
    list_date: dt.date,
) -> Imported:
    """Store a list version and log its import; the same file under the same name again adds nothing."""
    if not NAME.match(name):
        raise InputError(
            [
                Problem.of(
                    "list",
                    "a name of lower-case letters, digits and _, starting with a letter, "
                    "at most 64 (e.g. ofac_sdn, eu_fsf, ua_nsdc)",
                    name,
                )
            ]
        )
    assert fmt in FORMATS, fmt
    same = [v for v in lists(conn) if v.name == name and v.sha256 == sha256]
    if same:
        return Imported(same[0], False)
    list_id = book.next_id(conn, t.sanctions_list.c.id)
    row = {
        "id": list_id,
        "name": name,
        "format": fmt,
        "sha256": sha256,
        "list_date": list_date,
        "source": source,
        "entries": len(targets),
    }
    seq = book.record(
        conn,
        actor,
        "sanctions.import",
        f"sanctions_list:{list_id}",
        {**row, "list_date": list_date.isoformat()},
        t.sanctions_list,
        row,
    )
    if targets:
        conn.execute(
            insert(t.sanctions_entry),
            [
                {
                    "list_id": list_id,
                    "key": x.key,
                    "kind": x.kind,
                    "name": x.name,
                    "aliases": json.dumps(list(x.aliases)),
                    "birth_dates": json.dumps(list(x.birth_dates)),
                    "countries": json.dumps(list(x.countries)),
                    "identifiers": json.dumps(list(x.identifiers)),
                    "programs": x.programs,
                }
                for x in targets
            ],
        )
    return Imported(ListVersion(list_id, name, fmt, sha256, list_date, source, len(targets), seq), True)


def targets(conn: Connection, list_id: int) -> list[Target]:
    q = (
        select(t.sanctions_entry)
        .where(t.sanctions_entry.c.list_id == list_id)
        .order_by(t.sanctions_entry.c.id)
    )
    return [
        Target(
            r.key,
            r.kind,
            r.name,
            tuple(json.loads(r.aliases)),
            tuple(json.loads(r.birth_dates)),
            tuple(json.loads(r.countries)),
            tuple(json.loads(r.identifiers)),
            r.programs,
        )
        for r in conn.execute(q)
    ]


def count(conn: Connection, list_id: int) -> int:
    return conn.execute(
        select(func.count()).select_from(t.sanctions_entry).where(t.sanctions_entry.c.list_id == list_id)
    ).scalar_one()
