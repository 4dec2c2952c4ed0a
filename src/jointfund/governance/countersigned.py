"""Money one person must not move alone: entries a seated member countersigns (governance.countersign).

A transfer, a capital call and cash received against a call each credit a partner's capital, so each is an
*act* of one or more journal entries that carries a seated member's countersignature, like a correction. The
kinds differ only in how an entry reads as the fields a member signs: a `Kind` names its countersignature
kind, the key prefix of its entries, and `line`, one entry's fields (amount, currency, date, partner,
reference...) read from the entry itself. So the request is built from the entries, by one function, both when
they are posted (`post`) and when verify rebuilds it from the stored rows (`findings`): what the member signed
and what the book holds cannot drift apart.

Before the act's entries, one event per entry (`<kind>.countersigned`, subject: the entry's key, data: the
kind, the act and the countersignature) and a `countersignature` row beside it; the database refuses an entry
of a countersigned kind without them (store.triggers.entry_countersigned_statements). An act of several
entries (a call to every partner) is one request over all of them, signed once, as `lines`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple

from sqlalchemy import Connection, select

from jointfund.errors import ConflictError
from jointfund.findings import Finding
from jointfund.fund import FundInfo
from jointfund.governance import countersign
from jointfund.ledger import journal, log
from jointfund.ledger.entry import Entry, Posting
from jointfund.money import format_amount
from jointfund.store import tables as t
from jointfund.terms.model import Terms


class Kind(NamedTuple):
    """A kind of countersigned entries.

    Attributes:
      name: the countersignature kind ("transfer").
      prefix: the key prefix of its entries ("transfer:"); the database guards entries by it.
      line: one entry's fields as the member reads them, from the entry and the terms of its date.
      lines: whether an act may hold several entries (its fields are then {"lines": [...]}).
    """

    name: str
    prefix: str
    line: Callable[[Terms, Entry], dict]
    lines: bool = False

    @property
    def action(self) -> str:
        """The action of the event that carries an entry's countersignature."""
        return f"{self.name}.countersigned"


def request(
    fund_id: str, actor: str, kind: Kind, act: str, terms: Terms, entries: Sequence[Entry]
) -> countersign.Request:
    """What the member countersigns: the act's entries, each as `kind.line` reads it, asked by `actor`."""
    read = [kind.line(terms, e) for e in entries]
    fields = {"lines": read} if kind.lines else read[0]
    return countersign.Request(fund_id, kind.name, act, fields, actor)


def post(
    conn: Connection,
    info: FundInfo,
    actor: str,
    kind: Kind,
    act: str,
    entries: Sequence[Entry],
    signer: countersign.Signer | None,
) -> list[int]:
    """Post the act's entries in the caller's write transaction, each beside its countersignature; refused,
    saying what is needed, without a seated member's countersignature of them all (countersign.require).
    The same act again is a no-op (its entries' positions), as journal.post makes it."""
    assert (
        entries and (len(entries) == 1 or kind.lines) and all(e.key.startswith(kind.prefix) for e in entries)
    )
    keys = [e.key for e in entries]
    have = set(conn.execute(select(t.entry.c.key).where(t.entry.c.key.in_(keys))).scalars())
    if have:
        if have != set(keys):
            raise ConflictError(
                f"{kind.name} {act}: {', '.join(sorted(have))} was recorded already, the rest was not; "
                "record the rest under another reference"
            )
        return journal.post(conn, entries, info.start_date)  # the same again, or the conflict it shows
    asked = request(info.id, actor, kind, act, info.terms(entries[0].date), entries)
    carried = countersign.require(conn, asked, signer)
    for e in entries:
        seq = log.append_event(
            conn, actor, kind.action, e.key, {"kind": kind.name, "act": act, countersign.FIELD: carried}
        )
        # before the entry, which the database refuses without it
        countersign.record(conn, seq, kind.name, carried)
    return journal.post(conn, entries, info.start_date)


# -- reading an entry as the fields a member signs --


def partner_leg(terms: Terms, e: Entry, role: str) -> tuple[str, Posting]:
    """The partner whose `role` account the entry posts to, and that posting."""
    for partner in terms.partner_codes:
        name = terms.account_name(role, partner=partner)
        for p in e.postings:
            if p.account == name:
                return partner, p
    raise ValueError(f"entry {e.key} posts to no partner's {role} account")


def cash_leg(terms: Terms, e: Entry) -> Posting:
    """The entry's cash posting (money in or out of the fund's cash in its currency)."""
    return next(p for p in e.postings if p.account == terms.account_name("cash", currency=p.currency))


def money(p: Posting, sign: int = 1) -> dict:
    return {"amount": format_amount(sign * p.amount, p.currency), "currency": p.currency}


# -- verify --


def findings(
    conn: Connection, fund: FundInfo, check: str, kinds: Iterable[Kind], since: Mapping[str, int]
) -> tuple[int, list[Finding]]:
    """Each entry of a countersigned kind from its kind's start position `since` on (countersign.rules; a
    kind not named: every one) stands
    beside its event and row, and the act it belongs to, rebuilt from the stored entries, verifies with the
    countersigning member's key of then (countersign.check_event). Returns (entries checked, findings)."""
    from jointfund.governance import book

    kinds = list(kinds)
    events = {ev.subject: ev for ev in log.events(conn, actions=tuple(k.action for k in kinds))}
    rows = countersign.of(conn, [ev.seq for ev in events.values()])
    members = {m.id: m for m in book.members(conn)}
    out: list[Finding] = []
    acts: dict[tuple[str, str, str], list[tuple[Entry, log.Event]]] = {}
    checked = 0
    for k in kinds:
        q = select(t.entry.c.seq).where(
            t.entry.c.key.startswith(k.prefix, autoescape=True), t.entry.c.seq >= since.get(k.name, 1)
        )
        for seq in conn.execute(q.order_by(t.entry.c.seq)).scalars():
            e = journal.get_entry(conn, seq)
            checked += 1
            ev = events.get(e.key)
            if ev is None or ev.seq > seq or ev.data.get("kind") != k.name:
                out.append(
                    Finding(
                        check, seq, f"{k.name} {e.key} carries no countersignature (one person alone made it)"
                    )
                )
                continue
            acts.setdefault((k.name, str(ev.data.get("act")), ev.actor), []).append((e, ev))
    by_name = {k.name: k for k in kinds}
    for (name, act, actor), group in acts.items():
        entries = [e for e, _ in group]
        try:
            asked = request(fund.id, actor, by_name[name], act, fund.terms(entries[0].date), entries)
        except (ValueError, StopIteration) as exc:  # an entry changed so it no longer reads as its kind
            out += [
                Finding(check, e.seq, f"{name} {e.key} no longer reads as a {name}: {exc}") for e in entries
            ]
            continue
        links = countersign.links_at(conn, min(ev.seq for _, ev in group))
        for e, ev in group:
            why = countersign.check_event(
                asked, ev.data.get(countersign.FIELD), rows.get(ev.seq), members, links, ev.seq
            )
            if why:
                out.append(Finding(check, e.seq, f"{name} {e.key} (entry {e.seq}): {why}"))
    return checked, out
