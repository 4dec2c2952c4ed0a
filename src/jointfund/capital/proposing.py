"""Putting a matter to the deciding body: a signed proposal through the governance services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Connection

from jointfund.fund import FundInfo
from jointfund.governance import canonical, proposal
from jointfund.governance.model import Proposal


def open_proposal(
    conn: Connection,
    info: FundInfo,
    actor: str,
    kind: str,
    title: str,
    proposer: str,
    private,  # noqa: ANN001
    on: dt.date,
    amount: Decimal | None = None,
    currency: str | None = None,
    about: str | None = None,
    deadline: dt.date | None = None,
) -> Proposal:
    """Draft, sign with the proposer's Ed25519 key and submit; the governance rules decide the rest."""
    draft = proposal.draft(conn, info, kind, title, proposer, on, amount, currency, about, deadline)
    return proposal.submit(
        conn, info, actor, draft, canonical.sign(private, canonical.proposal_bytes(info.id, draft))
    )
