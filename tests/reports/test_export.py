"""reports.export through `jointfund ledger export`: beancount's own checker accepts the journal and its
balances equal jointfund's; CSV and Parquet carry every posting with its exact amount (both backends)."""

import csv
import io
import shutil
import subprocess
from collections import defaultdict
from decimal import Decimal

import pyarrow.parquet as pq
import pytest
from beancount import loader
from beancount.core import realization
from support import Book

from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, fx_postings
from jointfund.store import db


@pytest.fixture
def book(fund_engine) -> Book:
    """A journal with both currencies, a conversion, awkward narrations, a reversal and a closed account."""
    b = Book(fund_engine)
    a, c = b.partners[:2]
    seqs = b.post(
        b.contribution("c-1", "1000000.01", 1, partner=a, narration='Seed "tranche" 1 \\ with quotes'),
        b.contribution("c-2", "250000.00", 2, partner=c, currency=b.other, narration="Внесок\nна два рядки"),
        b.contribution("c-3", "0.99", 3, partner=c),
        Entry(
            b.day(4),
            "",
            fx_postings(
                b.cash(b.base),
                Decimal("100.00"),
                b.base,
                b.cash(b.other),
                Decimal("4150.55"),
                b.other,
                b.terms.ledger.roles["trading"],
                b.base,
            ),
            "fx-1",
            ("receipt:R-1", "fx"),
        ),
    )
    with db.write(fund_engine) as conn:
        journal.reverse(conn, seqs[2], b.day(5), "c-3-reversal", b.start)
        journal.open_account(conn, "Expenses:Administration:Closed", b.start)
        journal.close_account(conn, "Expenses:Administration:Closed", b.day(6))
    return b


def _postings(book: Book) -> list[tuple[int, str, str, Decimal]]:
    with db.transaction(book.engine) as conn:
        return [(e.seq, p.account, p.currency, p.amount) for e in journal.entries(conn) for p in e.postings]


def test_beancount_export_passes_beancounts_checker_and_has_the_same_balances(cli, book, tmp_path):
    out = tmp_path / "fund.beancount"
    cli("ledger", "export", "--format", "beancount", "-o", str(out))
    entries, errors, _options = loader.load_file(str(out))
    assert errors == [], errors

    bean_check = shutil.which("bean-check")
    assert bean_check, "bean-check comes with beancount"
    run = subprocess.run([bean_check, str(out)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr

    theirs: dict[tuple[str, str], Decimal] = {}
    for real in realization.iter_children(realization.realize(entries)):
        for pos in real.balance:
            if pos.units.number:
                theirs[(real.account, pos.units.currency)] = pos.units.number
    ours = {(a, c): v for a, c, v in book.trial_balance()}
    assert ours and theirs == ours
    assert len([e for e in entries if type(e).__name__ == "Transaction"]) == len(
        {s for s, *_ in _postings(book)}
    )


def test_beancount_checker_catches_a_broken_export(cli, book, tmp_path):
    """The positive test above could pass on a checker that accepts anything: show it does not."""
    out = tmp_path / "fund.beancount"
    cli("ledger", "export", "--format", "beancount", "-o", str(out))
    text = out.read_text()
    broken = tmp_path / "broken.beancount"
    broken.write_text(text.replace("1000000.01 ", "1000000.02 ", 1))
    _entries, errors, _ = loader.load_file(str(broken))
    assert errors


def test_csv_export_holds_every_posting_exactly(cli, book):
    rows = list(csv.DictReader(io.StringIO(cli("ledger", "export", "--format", "csv").stdout)))
    assert [(int(r["seq"]), r["account"], r["currency"], Decimal(r["amount"])) for r in rows] == _postings(
        book
    )
    assert all(
        r["amount"] == f"{Decimal(r['amount']):.2f}" for r in rows
    )  # both booked currencies have 2 places
    assert any("\n" in r["narration"] for r in rows)
    reversal = [r for r in rows if r["key"] == "c-3-reversal"]
    assert reversal and all(r["reverses"] for r in reversal)


def test_parquet_export_holds_every_posting_exactly(cli, book, tmp_path):
    out = tmp_path / "fund.parquet"
    cli("ledger", "export", "--format", "parquet", "-o", str(out))
    table = pq.read_table(out).to_pylist()
    assert [(r["seq"], r["account"], r["currency"], Decimal(r["amount"])) for r in table] == _postings(book)
    assert {r["date"] for r in table} <= {book.day(i) for i in range(10)}


def test_export_refuses_an_unknown_format_and_parquet_to_stdout(cli):
    assert cli("ledger", "export", "--format", "xlsx", ok=False).exit_code == 2
    assert cli("ledger", "export", "--format", "parquet", ok=False).exit_code == 2


def test_trial_balance_cli_totals_zero_per_currency(cli, book):
    rows = list(csv.DictReader(io.StringIO(cli("ledger", "trial-balance", "--format", "csv").stdout)))
    totals = defaultdict(Decimal)
    for r in rows:
        if r["account"] != "TOTAL":
            totals[r["currency"]] += Decimal(r["balance"])
    assert all(v == 0 for v in totals.values())
    assert [Decimal(r["balance"]) for r in rows if r["account"] == "TOTAL"] == [Decimal(0)] * len(totals)
