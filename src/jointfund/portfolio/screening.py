"""Screening an applicant and its beneficial owners against every current sanctions list, and its outcome.

- `match` (pure): the company against the lists' companies and organisations, by name and by its EDRPOU
  code among their identifiers (a code match is a strong hit, score 100); each owner against the lists'
  persons by name, then by date of birth. Names are compared with rapidfuzz's token-sort ratio on their
  Latin keys (translit.keys: Cyrillic transliterated both ways, spellings folded), so word order,
  Шевченко and Schewtschenko do not matter. A person's hit whose published dates of birth all disagree
  with the owner's loses the terms' `birth_date_penalty` and says so; it is still shown, for a person
  to clear.
- `screen`: one screening, logged with the list versions it used and its hits (owners named only as
  "owner N": personal data stays out of the log). A hit a person decided in an earlier screening of the
  application is not new; a screening whose every hit was cleared before is cleared by the screener
  itself. Anything else waits for a person: `decide` records `blocked`, or `cleared` once a second person
  confirms a first person's clearance (four eyes), with a reason.
- `screen_all`: every application still in the pipeline again, after a list is updated; reports the new hits.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from typing import NamedTuple

from rapidfuzz import fuzz, process
from sqlalchemy import Connection, insert

from jointfund.errors import InputError, Problem, Refused
from jointfund.fund import FundInfo
from jointfund.governance import book, countersign
from jointfund.portfolio import application as apps
from jointfund.portfolio import clearance, owner, sanctions, translit
from jointfund.portfolio.clearance import CLEARED, OUTCOMES, Clearance, ListVersion, Outcome, Screened
from jointfund.portfolio.sanctions import PERSON, Target
from jointfund.store import tables as t
from jointfund.terms.model import Screening as Rules

COMPANY = "company"
MAX_REASON_CHARS = 2000
# Legal forms say nothing about who a company is: "TOV Dobra Lithium" is "Dobra Lithium LLC".
LEGAL_FORMS = frozenset(
    {
        "llc",
        "ltd",
        "limited",
        "inc",
        "corp",
        "corporation",
        "company",
        "co",
        "plc",
        "jsc",
        "pjsc",
        "ojsc",
        "cjsc",
        "ao",
        "oao",
        "zao",
        "pao",
        "tov",
        "tzov",
        "prat",
        "pat",
        "at",
        "dp",
        "pp",
        "gmbh",
        "ag",
        "sa",
        "llp",
        "lp",
        "ooo",
    }
)
_NON_DIGIT = re.compile(r"\D")


class Party(NamedTuple):
    """Who is screened: the company (position 0) or a beneficial owner (position 1, 2...)."""

    position: int
    name: str
    code: str = ""
    birth_date: dt.date | None = None
    nationality: str = ""

    @property
    def label(self) -> str:
        return COMPANY if self.position == 0 else f"owner {self.position}"

    @property
    def person(self) -> bool:
        return self.position > 0


class Hit(NamedTuple):
    """A party that may be on a list.

    Attributes:
      party: "company" or "owner N".
      list_name, list_id: the list version it was found in.
      entry, entry_name, kind: the list's entry: its id, main name and kind (Person, Company...).
      score: 0-100 after any date-of-birth penalty.
      fields: what matched: name, alias, birth_date, identifiers.
      birth_date: "agrees", "disagrees" or "" (no date to compare).
      strong: the company's registration code is among the entry's identifiers.
      matched: the list's spelling that matched (the name or an alias).
      programs: the entry's sanctions programmes.
    """

    party: str
    list_name: str
    list_id: int
    entry: str
    entry_name: str
    kind: str
    score: float
    fields: tuple[str, ...]
    birth_date: str
    strong: bool
    matched: str
    programs: str

    @property
    def key(self) -> tuple:
        """What makes a hit the same hit in a later screening: who, which list entry, and what matched."""
        return (self.party, self.list_name, self.entry, tuple(self.fields))

    def as_dict(self) -> dict:
        return {**self._asdict(), "fields": list(self.fields)}


def hit_of(d: dict) -> Hit:
    return Hit(**{**d, "fields": tuple(d["fields"])})


def party_keys(name: str, person: bool) -> set[str]:
    """A name's Latin keys; a company's without its legal form."""
    found = translit.keys(name)
    if person:
        return found
    out = {" ".join(w for w in k.split() if w not in LEGAL_FORMS) for k in found}
    return {k for k in out if k} or found


class Index(NamedTuple):
    """A list version prepared for matching: every spelling's keys, people and others apart."""

    version: ListVersion
    targets: tuple[Target, ...]
    people: tuple[list[str], list[tuple[int, str, str]]]  # keys, and for each (target, field, spelling)
    others: tuple[list[str], list[tuple[int, str, str]]]
    codes: dict[str, list[int]]  # digits of an identifier -> targets

    @classmethod
    def of(cls, version: ListVersion, targets: Iterable[Target]) -> Index:
        ts = tuple(targets)
        people: tuple[list[str], list[tuple[int, str, str]]] = ([], [])
        others: tuple[list[str], list[tuple[int, str, str]]] = ([], [])
        codes: dict[str, list[int]] = {}
        for i, x in enumerate(ts):
            person = x.kind == PERSON
            into = people if person else others
            for field, spelling in [("name", x.name), *(("alias", a) for a in x.aliases)]:
                for k in party_keys(spelling, person):
                    into[0].append(k)
                    into[1].append((i, field, spelling))
            if not person:
                for ident in x.identifiers:
                    digits = _NON_DIGIT.sub("", ident)
                    if digits:
                        codes.setdefault(digits, []).append(i)
        return cls(version, ts, people, others, codes)


def _birth(party: Party, target: Target) -> str:
    if party.birth_date is None or not target.birth_dates:
        return ""
    iso = party.birth_date.isoformat()
    return "agrees" if any(iso.startswith(d) for d in target.birth_dates) else "disagrees"


def match(parties: Iterable[Party], index: Index, rules: Rules) -> list[Hit]:
    """Every hit of `parties` in one list version, best first (at most `rules.max_hits` per party)."""
    out: list[Hit] = []
    for party in parties:
        keys, where = index.people if party.person else index.others
        best: dict[int, tuple[float, str, str]] = {}  # target -> (score, field, spelling)
        for k in party_keys(party.name, party.person):
            for _choice, score, n in process.extract(
                k, keys, scorer=fuzz.token_sort_ratio, score_cutoff=rules.threshold, limit=None
            ):
                i, field, spelling = where[n]
                if i not in best or score > best[i][0]:
                    best[i] = (score, field, spelling)
        coded = set(index.codes.get(party.code, ())) if party.code and not party.person else set()
        found: list[Hit] = []
        for i in sorted(set(best) | coded):
            x = index.targets[i]
            score, field, spelling = best.get(i, (0.0, "", ""))
            fields = [field] if field else []
            if i in coded:
                fields.append("identifiers")
                score = 100.0
            birth = _birth(party, x) if party.person else ""
            if birth == "agrees":
                fields.append("birth_date")
            elif birth == "disagrees":
                score = max(0.0, score - rules.birth_date_penalty)
            found.append(
                Hit(
                    party.label,
                    index.version.name,
                    index.version.id,
                    x.key,
                    x.name,
                    x.kind,
                    round(score, 1),
                    tuple(fields),
                    birth,
                    i in coded,
                    spelling or party.code,
                    x.programs,
                )
            )
        found.sort(key=lambda h: (-h.score, h.entry))
        out += found[: rules.max_hits]
    return out


def parties(app: apps.Application, owners: tuple[owner.Owner, ...]) -> list[Party]:
    return [
        Party(0, app.applicant, app.applicant_code),
        *(Party(o.position, o.name, "", o.birth_date, o.nationality) for o in owners),
    ]


# -- recording --


class Result(NamedTuple):
    """A recorded screening, its hits, which of them no one decided before, and its outcome when already
    decided (None: it waits for a person)."""

    screening: Screened
    hits: tuple[Hit, ...]
    new: tuple[Hit, ...]
    outcome: Outcome | None


class Indexes:
    """Each current list version, read and prepared once however many applications are screened."""

    def __init__(self) -> None:
        self.built: dict[int, Index] = {}

    def get(self, conn: Connection, version: ListVersion) -> Index:
        if version.id not in self.built:
            self.built[version.id] = Index.of(version, sanctions.targets(conn, version.id))
        return self.built[version.id]


def screen(
    conn: Connection,
    info: FundInfo,
    actor: str,
    application_id: int,
    on: dt.date,
    indexes: Indexes | None = None,
) -> Result:
    app = apps.get(conn, application_id)
    rules = apps.pipeline_of(info.terms(on)).screening
    now = clearance.current(clearance.lists(conn))
    if not now:
        raise Refused(
            "no sanctions list is imported; import one first: jointfund sanctions import FILE --list NAME"
        )
    indexes = indexes or Indexes()
    who = parties(app, owner.of(conn, [app.id]).get(app.id, ()))
    hits = tuple(h for v in now for h in match(who, indexes.get(conn, v), rules))
    earlier = clearance.screenings(conn, app.id)
    decided = clearance.outcomes(conn, [s.id for s in earlier])
    seen = {hit_of(h).key: decided[s.id].outcome for s in earlier if s.id in decided for h in s.hits}
    new = tuple(h for h in hits if h.key not in seen)  # no one has decided on them yet
    undecided = [h for h in hits if seen.get(h.key) != CLEARED]
    sid = book.next_id(conn, t.screening.c.id)
    row = {
        "id": sid,
        "application_id": app.id,
        "lists": json.dumps([v.id for v in now]),
        "hits": json.dumps([h.as_dict() for h in hits]),
        "screened_on": on,
        "actor": actor,
    }
    seq = book.record(
        conn,
        actor,
        "application.screen",
        f"application:{app.id}",
        {
            "screening": sid,
            "application": app.id,
            "screened_on": on.isoformat(),
            "lists": [{"id": v.id, "name": v.name, "sha256": v.sha256} for v in now],
            "parties": len(who),
            "hits": [h.as_dict() for h in hits],
            "new": len(new),
        },
        t.screening,
        row,
    )
    done = Screened(sid, app.id, tuple(v.id for v in now), tuple(h.as_dict() for h in hits), on, actor, seq)
    outcome = None
    if not undecided:
        reason = "no hits" if not hits else f"no new hit: each of the {len(hits)} hit(s) was cleared before"
        outcome = _record_outcome(conn, actor, done, CLEARED, reason, on, automatic=True)
    return Result(done, hits, new, outcome)


def decide(
    conn: Connection,
    fund_id: str,
    actor: str,
    application_id: int,
    outcome: str,
    reason: str,
    on: dt.date,
    countersigner: countersign.Signer | None = None,
) -> Outcome | Clearance:
    """A person's outcome of the application's latest screening: `blocked` at once; `cleared` only when a
    second person confirms (the first person's clearance is returned, waiting; the confirmation, by another
    user with a seated member's countersignature of that clearance, returns the outcome)."""
    app = apps.get(conn, application_id)
    if outcome not in OUTCOMES:
        raise InputError([Problem("outcome", f"expected {' or '.join(OUTCOMES)}", outcome)])
    if not reason.strip() or len(reason) > MAX_REASON_CHARS:
        raise InputError([Problem.of("reason", f"say why, in 1 to {MAX_REASON_CHARS} characters", reason)])
    done = clearance.screenings(conn, app.id)
    if not done:
        raise Refused(f"{app.label} has not been screened; run: jointfund applications screen {app.id}")
    last = done[-1]
    earlier = clearance.outcomes(conn, [last.id]).get(last.id)
    if earlier is not None:
        raise Refused(
            f"screening {last.id} of {app.label} is already {earlier.outcome} ({earlier.reason}); "
            f"screen it again for a new decision"
        )
    if on < last.screened_on:
        raise InputError([Problem("date", f"before the screening ({last.screened_on})", str(on))])
    if outcome == CLEARED:
        # Four eyes: the first person's clearance waits; another user's confirms it and records the outcome.
        first = clearance.clearances(conn, [last.id]).get(last.id)
        if first is None:
            return _record_clearance(conn, actor, app.id, last, reason.strip(), on)
        if first.actor == actor:
            raise Refused(
                f"{actor} cleared screening {last.id} of {app.label} already: a clearance needs a second "
                "person, so another user who may record outcomes confirms it (or blocks it)"
            )
        carried = countersign.require(conn, clearance.request(fund_id, first), countersigner)
        return _record_outcome(conn, actor, last, outcome, reason.strip(), on, False, carried)
    return _record_outcome(conn, actor, last, outcome, reason.strip(), on, automatic=False)


def _record_clearance(
    conn: Connection, actor: str, application_id: int, s: Screened, reason: str, on: dt.date
) -> Clearance:
    seq = book.record(
        conn,
        actor,
        "application.screening_clearance",
        f"application:{application_id}",
        {"screening": s.id, "application": application_id, "reason": reason, "cleared_on": on.isoformat()},
        t.screening_clearance,
        {"screening_id": s.id, "reason": reason, "actor": actor, "cleared_on": on},
    )
    return Clearance(s.id, reason, actor, on, seq)


def _record_outcome(
    conn: Connection,
    actor: str,
    s: Screened,
    outcome: str,
    reason: str,
    on: dt.date,
    automatic: bool,
    countersigned: dict | None = None,
) -> Outcome:
    row = {
        "screening_id": s.id,
        "outcome": outcome,
        "reason": reason,
        "actor": actor,
        "automatic": int(automatic),
        "decided_on": on,
    }
    data = {
        "screening": s.id,
        "application": s.application,
        "outcome": outcome,
        "reason": reason,
        "automatic": automatic,
        "decided_on": on.isoformat(),
    }
    if countersigned is None:
        seq = book.record(
            conn,
            actor,
            "application.screening_outcome",
            f"application:{s.application}",
            data,
            t.screening_outcome,
            row,
        )
    else:  # the countersignature's row goes between the event and the outcome, which the database checks
        seq = book.append_event(
            conn,
            actor,
            "application.screening_outcome",
            f"application:{s.application}",
            {**data, countersign.FIELD: countersigned},
        )
        countersign.record(conn, seq, countersign.CLEARANCE, countersigned)
        conn.execute(insert(t.screening_outcome).values(**row, seq=seq))
    return Outcome(s.id, outcome, reason, actor, automatic, on, seq)


def screen_all(conn: Connection, info: FundInfo, actor: str, on: dt.date) -> list[Result]:
    """Screen every application that has not reached a final stage; each result says which hits are new."""
    p = apps.pipeline_of(info.terms(on))
    where = apps.stages(conn)
    indexes = Indexes()
    out = []
    for a in apps.applications(conn):
        stage = p.stage(where[a.id].to_stage)
        if stage is not None and stage.terminal:
            continue
        out.append(screen(conn, info, actor, a.id, on, indexes))
    return out
