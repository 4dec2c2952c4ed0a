"""A driver for budget tests: the portfolio driver plus budget proposals, expenses and period closes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from portfolio.conftest import Folio
from revenue.conftest import write
from support import countersigner

from jointfund import fund as fund_mod
from jointfund.accounting import close
from jointfund.budget import effects as _effects  # noqa: F401 registers the budget effect
from jointfund.budget import expense, lines, plan
from jointfund.governance import canonical, proposal
from jointfund.revenue import imports
from jointfund.store import db
from jointfund.terms import shipped_text

# Fees with rates that leave odd cents, instead of URIF's zero rates (the LPA is not public).
FEE_TERMS = (
    shipped_text()
    .replace(
        'rate_per_year = "0"                 # unsure: not public\nbase = "net_assets"',
        'rate_per_year = "0.0175"\nbase = "net_assets"',
    )
    .replace(
        'rate_per_year = "0"                 # unsure: not public\nbase = "contributed"',
        'rate_per_year = "0.01"\nbase = "contributed"',
    )
)
# A rate at each quarter's end (the close remeasures UAH, which the chart carries, at the reference rate).
RATES = (
    "date,currency,rate\n2025-06-30,USD,41.00\n2025-09-30,USD,41.00\n2025-10-01,USD,40.00\n"
    "2025-11-14,USD,41.25\n2025-12-31,USD,41.50\n2026-03-31,USD,42.00\n"
)
assert FEE_TERMS.count('rate_per_year = "0"') == 0


def plan_text(*lines_: tuple[str, str, str, str, str], reference: str = "Budget") -> str:
    out = [f'reference = "{reference}"']
    for code, category, amount, currency, period in lines_:
        out += [
            "[[lines]]",
            f'code = "{code}"',
            f'category = "{category}"',
            f'amount = "{amount}"',
            f'currency = "{currency}"',
            f'period = "{period}"',
        ]
    return "\n".join(out) + "\n"


class Ledgerly(Folio):
    """Acts on budgets as the CLI's services do."""

    def budget(
        self,
        *lines_: tuple[str, str, str, str, str],
        on: dt.date = dt.date(2025, 10, 1),
        execute: bool = True,
    ) -> int:
        """A budget proposal with these lines, approved by the board and (by default) executed."""
        p = plan.parse(self.fund.terms(on), plan_text(*lines_), "budget.toml")
        proposer = self.names["board"][0]
        with db.write(self.engine) as conn:
            d = proposal.draft(conn, self.fund, "budget", "Budget", proposer, on, about=p.about)
            made = proposal.submit(
                conn,
                self.fund,
                "test",
                d,
                canonical.sign(self.keys[proposer], canonical.proposal_bytes(self.fund.id, d)),
            )
            lines.record_plan(conn, "test", p)
        self.approve(made.id, on)
        if execute:
            self.execute(made.id, on)
        return made.id

    def spend(
        self,
        line: str,
        amount: str,
        day: dt.date,
        reference: str,
        currency: str = "USD",
        evidence: bytes = b"%PDF-1.4 invoice",
    ) -> expense.Expense:
        with db.write(self.engine) as conn:
            return expense.record(
                conn,
                self.fund,
                "test",
                line,
                amount,
                currency,
                day,
                reference,
                "invoice.pdf",
                evidence + reference.encode(),
                self.countersigner(),
            )[0]

    def countersigner(self, name: str = "ua-board-1"):  # noqa: ANN201 - a countersign.Signer
        """A board seat's countersignature, the second person an expense needs (its key is this board's)."""
        return countersigner(self.engine, name, self.keys[name])

    def rates(self, folder: Path, text: str = RATES) -> None:
        with db.write(self.engine) as conn:
            imports.run(
                conn,
                imports.rates_kind(self.fund.base_terms(), accept_jump=True),
                write(folder, "rates.csv", text),
                "test",
            )

    def close(self, name: str) -> close.Closing:
        self.decide("close", self.fund.start_date, about=f"{close.ABOUT}{name}")
        with db.write(self.engine) as conn:
            return close.close(conn, self.fund, "test", name, dt.date(2026, 12, 1))


@pytest.fixture
def ledgerly(fund_engine) -> Ledgerly:  # noqa: ANN001
    return Ledgerly(fund_engine)


@pytest.fixture
def fee_engine(db_url: str) -> Iterator:
    """A fund on the shipped terms with nonzero fees."""
    eng = db.make_engine(db_url)
    fund_mod.create(eng, FEE_TERMS, "fees.toml", settable_clock=True)
    yield eng
    eng.dispose()


@pytest.fixture
def fees_fund(fee_engine) -> Ledgerly:  # noqa: ANN001
    return Ledgerly(fee_engine)
