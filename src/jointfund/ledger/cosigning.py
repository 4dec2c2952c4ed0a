"""Collecting witnesses' cosignatures of the latest head both partners signed (issue 18): one path for
`jointfund checkpoint cosign` and the demo, so what counts as witnessed is decided in one place."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import Engine

from jointfund.errors import InputError, JointfundError, Problem
from jointfund.fund import FundInfo
from jointfund.ledger import checkpoint_note, log, merkle, note, witness
from jointfund.store import db


class Collected(NamedTuple):
    """What the witnesses did for the head of `size` records: who cosigned (per URL), who refused and why."""

    size: int
    cosigned: tuple[tuple[str, tuple[str, ...]], ...]  # (url, the witnesses' names that signed)
    cosigners: int  # distinct witnesses now cosigning the head
    required: int  # how many the terms require
    witnessed: bool
    refusals: tuple[str, ...]


def collect(engine: Engine, fund: FundInfo, urls: Iterable[str]) -> Collected:
    """Ask each witness at `urls` (C2SP tlog-witness) to cosign the latest head every partner signed, and
    store the cosignatures of witnesses the terms name ([transparency] witnesses); a refusal is returned,
    not raised, so one witness's refusal does not hide another's cosignature."""
    transparency = fund.terms().transparency
    known = [note.parse_vkey(v) for v in transparency.witnesses]
    if not known:
        raise InputError(
            [
                Problem(
                    "[transparency] witnesses",
                    "the terms name no witness, so no cosignature could "
                    "count; add the witnesses' verifier keys to the terms first",
                )
            ]
        )
    with db.transaction(engine) as conn:
        head = checkpoint_note.latest(conn, fund.id, fund.base_terms().partner_codes)
    if head is None:
        raise JointfundError(
            "no head is signed by every partner yet; witnesses cosign what both partners signed"
        )

    def proof_from(size: int) -> list[bytes]:
        with db.transaction(engine) as conn:
            return merkle.consistency_path(size, log.tree(conn, head.body.size))

    cosigned, refusals = [], []
    for url in urls:
        try:
            got = witness.cosign(url, head.render(), head.body, 0, proof_from, known)
        except JointfundError as exc:
            refusals.append(str(exc))
            continue
        with db.write(engine) as conn:
            checkpoint_note.add_cosignatures(conn, head.body, got.signatures)
        cosigned.append((url, tuple(s.name for s in got.signatures)))
    with db.transaction(engine) as conn:
        now = checkpoint_note.head(conn, fund.id, head.body.size)
    return Collected(
        head.body.size,
        tuple(cosigned),
        len(set(now.witnesses)) if now else 0,
        transparency.witnesses_required,
        bool(now and now.witnessed(transparency.witnesses_required)),
        tuple(refusals),
    )
