"""The fund's accounting policies, stated in words from the terms that set them.

One statement per policy, built from the terms' own values, so that `terms show`, the notes to the
financial statements and docs/accounting.md say the same thing, and another agreement's terms
state their own policies without new code. A statement is an English template with named values
(`%(name)s`), so that a page can translate the template and fill in the same values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from jointfund.terms.model import Terms


class Policy(NamedTuple):
    """One accounting policy.

    Attributes:
      code: what it is about (functional_currency, remeasurement, in_kind, commitments, allocation,
        rounding, periods).
      title: its heading.
      keys: the terms keys that set it, so a reader can find and change them.
      template: the statement, an English gettext template with `%(name)s` for each value.
      values: the values from the terms that fill the template (words, codes, numbers as text).
    """

    code: str
    title: str
    keys: tuple[str, ...]
    template: str
    values: dict[str, str]

    def text(self, gettext: Callable[[str], str] = str) -> str:
        """The statement in the language of `gettext` (English by default).

        Values are passed through `gettext` too: a word such as "quarter" has a translation, a
        currency code or a number has none and stays as it is.
        """
        return gettext(self.template) % {k: gettext(v) for k, v in self.values.items()}


def policies(terms: Terms) -> tuple[Policy, ...]:
    """Every accounting policy of `terms`, in the order docs/accounting.md states them."""
    a, f = terms.accounting, terms.fund
    others = [c for c in f.currencies if c != terms.functional_currency]
    return (
        Policy(
            "functional_currency",
            "Functional and reporting currency",
            ("fund.base_currency",),
            "The fund measures and reports in %(currency)s, its functional and reporting currency.",
            {"currency": terms.functional_currency},
        ),
        Policy(
            "remeasurement",
            "Foreign currency",
            (
                "fund.currencies",
                "fx.source",
                "accounting.period",
                "accounting.remeasurement",
                "accounting.remeasurement_rate",
            ),
            "Monetary balances in %(others)s are remeasured into %(currency)s at the %(source)s reference "
            "rate "
            "of each period end; the difference is unrealised exchange gain or loss of that period. Exchange "
            "gain or loss on a balance settled is realised when it is settled. Statements read these entries "
            "and never translate at the time of asking.",
            {
                "others": ", ".join(others) or "-",
                "currency": terms.functional_currency,
                "source": terms.fx.source,
            },
        ),
        Policy(
            "in_kind",
            "In-kind contributions",
            ("accounting.in_kind",),
            "In-kind value (assessed military assistance) approved by the board is a capital credit: it "
            "raises "
            "the contributing partner's contributed capital and ownership share. The fund holds no asset for "
            "it, so net assets do not change.",
            {},
        ),
        Policy(
            "commitments",
            "Commitments",
            ("accounting.commitments",),
            "Undrawn commitments to investees and partners' uncalled commitments are kept in a memo register "
            "and disclosed in the notes; they are not posted as assets or liabilities.",
            {},
        ),
        Policy(
            "allocation",
            "Allocation of income",
            ("capital.allocation", "capital.allocation_rounding", "capital.allocation_period"),
            "Income, expenses, gains and losses of each %(period)s are allocated to the partners pro rata to "
            "their capital at the start of that %(period)s; each category is split to the cent by largest "
            "remainder, so the parts add up to the whole and the odd cent goes to the largest remainder.",
            {"period": terms.capital.allocation_period},
        ),
        Policy(
            "rounding",
            "Rounding",
            ("contribution.rounding", "accounting.conversion_rounding", "accounting.share_places"),
            "Amounts are exact decimals held in minor units. Rounding happens at three points only: a "
            "contribution owed on a receipt (%(contribution)s, to the receipt currency's minor unit), an "
            "amount converted at an exchange rate (%(conversion)s, to the minor unit of %(currency)s), and "
            "an ownership share (%(conversion)s, to %(places)s decimal places).",
            {
                "contribution": terms.contribution.rounding,
                "conversion": a.conversion_rounding,
                "currency": terms.functional_currency,
                "places": str(a.share_places),
            },
        ),
        Policy(
            "periods",
            "Accounting periods",
            ("accounting.period", "accounting.close_decision"),
            "The accounting period is the calendar %(period)s. Statements are drawn for periods and years, "
            "and each period is closed in turn; a closed period's statements never change.",
            {"period": a.period},
        ),
    )
