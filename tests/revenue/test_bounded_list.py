"""The receipts list judges a batch of receipts at a time, reading only the licences and rates that batch
needs (chosen in SQL), instead of every licence and rate of the book per request (issue 13); what it shows
must be what judging with everything shows, receipt by receipt."""

from __future__ import annotations

import pytest

from jointfund.revenue import book, imports
from jointfund.store import db

from .conftest import write
from .test_ledger import HEADER, info_of, load

RATES = "date,currency,rate\n" + "".join(
    f"2025-{m:02d}-{d:02d},USD,{40 + m / 10 + d / 100:.4f}\n" for m in range(6, 13) for d in (2, 16)
)
# UAH and USD receipts over seven months, of several licences; one dated before any rate (missing its rate).
RECEIPTS = HEADER + "".join(
    f"R-{i},2025-{6 + i % 7:02d}-{1 + (i * 5) % 27:02d},{lic},rent,{100 + i}.00,{cur},\n"
    for i, (lic, cur) in enumerate(
        (lic, cur) for lic in ("L-NEW", "L-OLD", "L-REN", "L-EARLY") for cur in ("UAH", "USD", "USD")
    )
)


@pytest.mark.storage
def test_a_list_judged_in_batches_equals_judging_with_every_licence_and_rate(
    fund_engine, backend, tmp_path, monkeypatch
) -> None:  # noqa: ANN001
    info = info_of(fund_engine)
    with db.write(fund_engine) as conn:
        imports.run(
            conn,
            imports.rates_kind(info.base_terms(), accept_jump=True),
            write(tmp_path, "fx.csv", RATES),
            "t",
        )
    load(fund_engine, tmp_path, RECEIPTS)
    monkeypatch.setattr(book, "JUDGED_TOGETHER", 5)  # several batches, each of few licences and days
    with db.transaction(fund_engine) as conn:
        whole = list(book.evaluations(conn, info))
        batched = list(book.evaluations_in_batches(conn, info))
        everything = book.Assessor(conn, info)
        first = list(book.receipts(conn))[:5]
        bounded = book.Assessor(conn, info, first)
    assert len(whole) == 12 and batched == whole
    assert any(e.missing_rate for e in whole) and any(
        e.contribution_base for e in whole if e.receipt.currency == "USD"
    )
    # The first batch read its own licences and the rates of its days, not the book's.
    assert set(bounded.licences) == {r.licence_id for r in first} < set(everything.licences)
    assert 0 < len(bounded.rates) < len(everything.rates)
