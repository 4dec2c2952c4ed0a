"""The demo fund's revenue: generated input files, imported through the same pipeline a treasury officer uses.

Everything comes from `revenue.toml` and its seed, so every run builds the same fund:
licences, monthly receipts since before entry into force, NBU-like rates (as NBU JSON),
company payments with a few discrepancies, a correction, the report year's transfers and filings.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import tomllib
from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine

from jointfund.demo.governance import countersigner
from jointfund.fund import FundInfo
from jointfund.revenue import book, deadlines, imports, intake, transfer
from jointfund.revenue.contribution import Totals, totals
from jointfund.revenue.licence import COLUMNS as LICENCE_COLUMNS
from jointfund.revenue.receipt import COLUMNS as RECEIPT_COLUMNS
from jointfund.store import db

CENT = Decimal("0.01")
ONE_OFF_STREAMS = ("permit_fee", "permit_sale", "psa_bonus")


def data() -> dict:
    return tomllib.loads(
        resources.files("jointfund.demo").joinpath("revenue.toml").read_text(encoding="utf-8")
    )


def _months(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first.replace(day=1)
    while day <= last:
        yield day
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _banking_day(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _monthly(lic: dict) -> Iterator[tuple[str, str | None, Decimal]]:
    """(stream, resource or None, base amount) of a licence's monthly receipts: rent per resource when the
    licence has several, else rent and the PSA state share."""
    for resource, amount in lic.get("rent_by_resource", {}).items():
        yield "rent", resource, Decimal(amount)
    for stream in ("rent", "psa_state_share"):
        if stream in lic:
            yield stream, None, Decimal(lic[stream])


def receipts(spec: dict, rng: random.Random) -> list[dict]:
    """Monthly rent (and PSA state share) per licence, one-off permit fees, sales and bonuses, and
    corrections. A licence with a local budget share has that part of each rent receipt credited to local
    budgets."""
    noise = Decimal(spec["noise"])
    out = []
    for lic in spec["licences"]:
        local = Decimal(lic.get("local_budget_share", "0"))
        for month in _months(spec["first_month"], spec["last_month"]):
            for stream, resource, base in _monthly(lic):
                if month >= lic["issued"].replace(day=1):
                    factor = 1 + noise * Decimal(rng.uniform(-1, 1)).quantize(Decimal("0.0001"))
                    day = _banking_day(month.replace(day=rng.randint(10, 25)))
                    amount = (base * factor).quantize(CENT, ROUND_HALF_UP)
                    row = {
                        "date": day,
                        "licence_id": lic["licence_id"],
                        "stream": stream,
                        "amount": amount,
                        "resource": resource,
                        "flags": "",
                    }
                    if local and stream == "rent":
                        to_local = (amount * local).quantize(CENT, ROUND_HALF_UP)
                        out.append({**row, "amount": to_local, "budget": "local"})
                        row["amount"] = amount - to_local
                    out.append(row)
        for stream in ONE_OFF_STREAMS:
            if stream in lic:
                out.append(
                    {
                        "date": lic[stream]["date"],
                        "licence_id": lic["licence_id"],
                        "stream": stream,
                        "amount": Decimal(lic[stream]["amount"]),
                    }
                )
    out.sort(
        key=lambda r: (
            r["date"],
            r["licence_id"],
            r["stream"],
            r.get("resource") or "",
            r.get("budget") or "",
        )
    )
    for i, r in enumerate(out, start=1):
        r["receipt_id"] = f"TR-{r['date'].year}-{i:06d}"
        r["corrects"] = ""
    for c in spec["corrections"]:
        [original] = [
            r
            for r in out
            if (r["licence_id"], r["stream"], r["date"].replace(day=1))
            == (c["licence_id"], c["stream"], c["month"])
        ]
        for sign, suffix in ((-1, "R"), (1, "B")):
            out.append(
                {
                    **original,
                    "receipt_id": f"{original['receipt_id']}-{suffix}",
                    "date": c["date"],
                    "amount": sign * original["amount"],
                    "corrects": original["receipt_id"] if sign < 0 else "",
                }
            )
    return out


def rates(spec: dict, rng: random.Random) -> list[dict]:
    """NBU's JSON shape, one object per currency and banking day."""
    r = spec["rates"]
    level = {c: Decimal(r[c]) for c in ("USD", "EUR")}
    codes = {"USD": (840, "Долар США"), "EUR": (978, "Євро")}
    out = []
    day = r["start"]
    step = float(r["daily_step"])
    while day <= spec["last_month"] + dt.timedelta(days=40):
        if day.weekday() < 5:
            for c, (r030, txt) in codes.items():
                level[c] = (level[c] * Decimal(1 + rng.uniform(-step, step))).quantize(Decimal("0.0001"))
                out.append(
                    {
                        "r030": r030,
                        "txt": txt,
                        "rate": float(level[c]),
                        "cc": c,
                        "exchangedate": day.strftime("%d.%m.%Y"),
                    }
                )
        day += dt.timedelta(days=1)
    return out


def payments(spec: dict, receipts_: list[dict], holders: dict[str, str]) -> list[dict]:
    """What the companies report: the receipts as paid, with the discrepancies of the data file, and one
    stray."""
    odd = {(d["licence_id"], d["stream"], d["month"]): Decimal(d["factor"]) for d in spec["discrepancies"]}
    out = []
    for r in receipts_:
        if r["corrects"] or r["receipt_id"].endswith("-B"):
            continue  # the Treasury's correction is internal; the company paid once
        factor = odd.get((r["licence_id"], r["stream"], r["date"].replace(day=1)), Decimal(1))
        if factor:
            out.append(
                {
                    "payment_id": "P-" + r["receipt_id"],
                    "date": r["date"] - dt.timedelta(days=1),
                    "holder_code": holders[r["licence_id"]],
                    "licence_id": r["licence_id"],
                    "stream": r["stream"],
                    "amount": (r["amount"] * factor).quantize(CENT, ROUND_HALF_UP),
                }
            )
    first = spec["licences"][0]
    out.append(
        {
            "payment_id": "P-UNMATCHED-1",
            "date": dt.date(spec["report_year"], 11, 3),
            "holder_code": holders[first["licence_id"]],
            "licence_id": "SP-9999",
            "stream": "permit_fee",
            "amount": Decimal("150000.00"),
        }
    )
    return out


def _write_csv(path: Path, columns: tuple[str, ...], rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if r.get(c) is None else r[c] for c in columns])
    return path


def write_inputs(directory: Path) -> tuple[dict, dict[str, Path]]:
    """Generate the input files into `directory`; returns the data file and the paths by kind."""
    spec = data()
    rng = random.Random(spec["seed"])
    directory.mkdir(parents=True, exist_ok=True)
    licences = [
        {**x, "issued": x["issued"].isoformat(), "psa_signed": x.get("psa_signed", "")}
        for x in spec["licences"]
    ]
    got = receipts(spec, rng)
    holders = {x["licence_id"]: x["holder_code"] for x in spec["licences"]}
    paths = {
        "licences": _write_csv(directory / "licences.csv", LICENCE_COLUMNS.all, licences),
        "receipts": _write_csv(
            directory / "receipts.csv", RECEIPT_COLUMNS.all, [{**r, "currency": "UAH"} for r in got]
        ),
        "payments": _write_csv(
            directory / "payments.csv",
            ("payment_id", "date", "holder_code", "licence_id", "stream", "amount"),
            payments(spec, got, holders),
        ),
    }
    paths["rates"] = directory / "nbu-rates.json"
    paths["rates"].write_text(json.dumps(rates(spec, rng), ensure_ascii=False), encoding="utf-8")
    return spec, paths


def build(engine: Engine, info: FundInfo, directory: Path, say: Callable[[str], None]) -> int:
    """Import the generated revenue, accrue it, record the report year's transfers and filings; returns
    that year."""
    spec, paths = write_inputs(directory / "revenue")
    terms = info.base_terms()
    with db.write(engine) as conn:
        imports.run(conn, imports.licences_kind(terms), paths["licences"], "demo")
        imports.run(conn, imports.rates_kind(info.base_terms()), paths["rates"], "demo")
        got = intake.import_receipts(conn, info, paths["receipts"], "demo")  # and accrues them
        imports.run(conn, imports.payments_kind(terms), paths["payments"], "demo")
    assert got.accrued is not None
    say(
        f"imported {len(spec['licences'])} licences, {got.result.new} Treasury receipts, NBU rates and "
        f"company payments from {paths['receipts'].parent}; accrued {got.accrued.posted} contributions"
    )
    year = spec["report_year"]
    with db.write(engine) as conn:
        owed = {s.currency: s.outstanding for s in transfer.statuses(conn, terms, year)}
        # Countersigned by a board seat of the other partner (governance.countersigned).
        by = countersigner(conn, directory, terms.contribution.partner)
        for tr in spec["transfers"]:
            day = tr["date"]
            for currency, left in owed.items():
                amount = left if tr["share"] == "rest" else (left * Decimal(tr["share"])).quantize(CENT)
                transfer.record(
                    conn,
                    info,
                    terms.contribution.partner,
                    day,
                    amount,
                    currency,
                    tr["reference"],
                    year,
                    actor="demo",
                    countersigner=by,
                )
                owed[currency] = left - amount
        for f in spec["filings"]:
            deadlines.file(
                conn, info.terms(f["date"]), year, f["deadline"], f["date"], f["reference"], "demo"
            )
    say(f"recorded {len(spec['transfers'])} transfers and {len(spec['filings'])} filings for {year}")
    return year


def summary(
    engine: Engine, info: FundInfo, today: dt.date
) -> tuple[int, list[Totals], list[deadlines.DeadlineStatus]]:
    """The report year, its contributions by resource, and its compliance calendar as of `today`."""
    year = data()["report_year"]
    terms = info.base_terms()
    with db.transaction(engine) as conn:
        by_resource = totals(
            book.evaluations(conn, info, year), "resource", {r.code: r.name for r in terms.resources}
        )
        calendar = deadlines.calendar(conn, info, [year], today)
    return year, by_resource, calendar
