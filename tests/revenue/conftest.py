"""Fixtures of the revenue tests: small input files and a fund that holds a few licences."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from jointfund.revenue.fx import Rate, RateTable
from jointfund.revenue.licence import Licence
from jointfund.revenue.receipt import Receipt
from jointfund.store import tables as t

LICENCES = """licence_id,holder,holder_code,resource,deposit,region,issued,basis,psa
L-NEW,Dobra Lithium Holdings,40000001,lithium,Dobra,Kirovohrad,2025-06-01,new,yes
L-OLD,Kryvbas Iron,40000002,iron_ore,Kryvbas,Dnipropetrovsk,2010-01-01,existing,no
L-UND,Likarivske Titanium,40000003,titanium,Likarivske,Zhytomyr,2019-01-01,existing_undeveloped,no
L-EARLY,Polokhivske Lithium,40000004,lithium,Polokhivske,Kirovohrad,2024-03-01,new,no
L-REN,Shebelynka Gas,40000005,natural_gas,Shebelynka,Kharkiv,2025-07-01,renewal,no
"""


def store_without_import(conn, receipt_id: str, day: dt.date, amount_minor: int) -> None:  # noqa: ANN001
    """A rent receipt of licence L-NEW put in the book some other way than an import: neither accrued nor
    listed as an import's (revenue.imports.LISTED_RECEIPTS)."""
    conn.execute(
        t.receipt.insert().values(
            receipt_id=receipt_id,
            date=day,
            licence_id="L-NEW",
            stream="rent",
            amount_minor=amount_minor,
            currency="UAH",
            source="elsewhere",
            line=1,
        )
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def licences_csv(tmp_path: Path) -> Path:
    return write(tmp_path, "licences.csv", LICENCES)


def licence(
    basis: str = "new",
    issued: dt.date = dt.date(2025, 6, 1),
    resource: str = "lithium",
    psa: bool = True,
    licence_id: str = "L-1",
) -> Licence:
    return Licence(licence_id, "Holder", "H1", resource, "Dobra", "Kirovohrad", issued, basis, psa)


def receipt(
    day: dt.date = dt.date(2025, 7, 1),
    stream: str = "rent",
    amount: str = "100.00",
    currency: str = "UAH",
    licence_id: str = "L-1",
    receipt_id: str = "R-1",
) -> Receipt:
    return Receipt(receipt_id, day, licence_id, stream, Decimal(amount), currency)


def rates(*items: tuple[str, str, str], max_age: int | None = 10) -> RateTable:
    return RateTable([Rate(c, dt.date.fromisoformat(d), Decimal(r)) for d, c, r in items], "UAH", max_age)
