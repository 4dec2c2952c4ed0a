"""The demo's partners' capital and portfolio, through the same services the CLI uses.

Everything comes from `portfolio.toml` and its seed, so every run builds the same fund: one US
in-kind contribution reported, valued lower by the board and booked; 64 applications submitted
from a generated CSV and moved through the pipeline by the committees' and the board's executed
decisions (or by a person, with a reason); seven investments approved by the board, their
agreements signed (all but one) and five with their tranches, an interest payment, valuations, a
repayment, an exit and a write-off; and an early distribution that the reinvestment lock refuses,
with its message.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import tomllib
from collections.abc import Callable
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Connection, Engine

from jointfund import clock
from jointfund.capital import in_kind
from jointfund.capital.proposing import open_proposal
from jointfund.demo.governance import countersigner
from jointfund.errors import Refused
from jointfund.fund import FundInfo
from jointfund.governance import countersign, execution, member, proposal, vote
from jointfund.governance.model import OPEN, Proposal
from jointfund.ledger.checkpoint import load_private
from jointfund.portfolio import application as apps
from jointfund.portfolio import distribution, investment, lifecycle, sanctions, screening
from jointfund.portfolio.clearance import BLOCKED, CLEARED
from jointfund.revenue.reader import Row
from jointfund.store import db

ACTOR = "demo"


class Outcome(NamedTuple):
    """What the demo's portfolio step leaves for the summary: the refused distribution's message."""

    refusal: str


def data() -> dict:
    return tomllib.loads(
        resources.files("jointfund.demo").joinpath("portfolio.toml").read_text(encoding="utf-8")
    )


class Board:
    """The seated members with their keys (written by the governance demo), proposing and voting."""

    def __init__(self, conn: Connection, info: FundInfo, directory: Path) -> None:
        self.info = info
        self.members = {m.name: m for m in member.seated(conn)}
        self.keys = {n: load_private(directory / "keys" / f"{n}.key") for n in self.members}
        self.directory = directory

    def first(self, body: str) -> str:
        return next(n for n, m in self.members.items() if m.body == body)

    def approve(self, conn: Connection, p: Proposal, on: dt.date) -> None:
        for n, m in self.members.items():
            if m.body != p.body:
                continue
            if proposal.standing(conn, self.info, p.id, on).state != OPEN:
                break
            vote.sign_and_cast(conn, self.info, ACTOR, p.id, n, "approve", self.keys[n], on)

    def decide(
        self, conn: Connection, kind: str, title: str, on: dt.date, execute: bool = True, **kw
    ) -> Proposal:  # noqa: ANN003
        """A proposal of `kind` approved by its body (after its recommendation, when it needs one), then
        executed."""
        terms = self.info.terms(on)
        body = terms.decision(kind).body
        p = open_proposal(
            conn, self.info, ACTOR, kind, title, self.first(body), self.keys[self.first(body)], on, **kw
        )
        if p.requires_recommendation:
            rec_kind = next(d.kind for d in terms.governance.decisions if d.body == p.requires_recommendation)
            proposer = self.first(p.requires_recommendation)
            rec = open_proposal(
                conn,
                self.info,
                ACTOR,
                rec_kind,
                f"Recommendation: {title}",
                proposer,
                self.keys[proposer],
                on,
                about=f"{proposal.PROPOSAL_REF}{p.id}",
            )
            self.approve(conn, rec, on)
            execution.execute(conn, self.info, ACTOR, rec.id, on)
        if execute:
            self.approve(conn, p, on)
            execution.execute(conn, self.info, ACTOR, p.id, on)
        return p


def generate(d: dict) -> list[dict]:
    """The applications' fields, in submission order; the investments' applications take their titles and
    amounts."""
    a = d["applications"]
    rng = random.Random(d["seed"])
    chosen = {i["application"]: i for i in d["investments"]}
    owners: dict[int, list[str]] = {}
    for o in d["due_diligence"]["owners"]:
        owners.setdefault(o["application"], []).append(f"{o['name']}|{o['birth_date']}|{o['nationality']}")
    out = []
    for n in range(1, a["count"] + 1):
        project = a["projects"][(n - 1) % len(a["projects"])]
        applicant = a["applicants"][(n - 1) % len(a["applicants"])]
        inv = chosen.get(n, {})
        out.append(
            {
                "reference": f"PORTAL-2026-{n:04d}",
                "applicant": applicant,
                "applicant_code": f"{40000000 + rng.randrange(10_000_000)}",
                "title": inv.get("title", f"{project['title']} ({applicant})"),
                "sector": project["sector"],
                "region": rng.choice(a["regions"]),
                "resource": project["resource"],
                "amount": inv.get("amount", rng.choice(a["amounts"])),
                "currency": a["currency"],
                "instrument": project["instrument"],
                "description": f"{project['title']} for {applicant}.",
                "contact": f"projects@{applicant.split()[0].lower()}.example.ua",
                "documents": f"{n:04d}-teaser.pdf;{n:04d}-financial-model.xlsx",
                "owners": ";".join(owners.get(n, [])),
            }
        )
    return out


def build(engine: Engine, info: FundInfo, directory: Path, say: Callable[[str], None]) -> Outcome:
    d = data()
    with db.write(engine) as conn:
        board = Board(conn, info, directory)
        item = _in_kind(conn, info, board, d["in_kind"])
    say(
        f"in-kind contribution {item.reference}: reported {item.reported}, approved "
        f"{item.approved} {item.currency} "
        f"as {item.partner} capital"
    )

    dd = d["due_diligence"]
    with db.write(engine) as conn:
        versions = [_import_list(conn, spec, dd["list_date"]) for spec in dd["lists"]]
    say(
        "sanctions lists imported: "
        + ", ".join(f"{v.name} ({v.entries} entries, {v.format} format)" for v in versions)
    )

    fields = generate(d)
    _write_csv(directory / "applications.csv", fields)
    a = d["applications"]
    submitted = {}
    with db.write(engine) as conn:
        indexes = screening.Indexes()
        for n, f in enumerate(fields, start=1):
            on = a["first_on"] + dt.timedelta(days=a["every_days"] * (n - 1))
            submitted[n] = apps.submit(
                conn, info, ACTOR, [Row(n + 1, "applications.csv:" + str(n + 1), f)], on
            )[0][0]
            screening.screen(conn, info, ACTOR, submitted[n].id, on, indexes)
        for outcome in (CLEARED, BLOCKED):
            app = submitted[dd[outcome]["application"]]
            screening.decide(conn, info.id, ACTOR, app.id, outcome, dd[outcome]["reason"], app.submitted_on)
        # Four eyes: a second person confirms the clearance, countersigned by a seated member (one person
        # alone, even one who can add users, cannot clear a hit).
        second = dd[CLEARED]
        app = submitted[second["application"]]
        by = second["countersigned_by"]
        screening.decide(
            conn,
            info.id,
            second["confirmed_by"],
            app.id,
            CLEARED,
            second["confirmation"],
            app.submitted_on,
            countersign.signer(conn, by, board.keys[by]),
        )
    say(
        f"{len(submitted)} applications submitted through the portal (as in "
        f"{directory / 'applications.csv'}) and "
        f"screened: {submitted[dd[CLEARED]['application']].label}'s near-match cleared by two people, "
        f"{submitted[dd[BLOCKED]['application']].label} blocked"
    )

    with db.write(engine) as conn:
        _move_through_pipeline(conn, info, board, d, submitted)
    with db.write(engine) as conn:
        for spec in d["investments"]:
            _invest(conn, info, board, a, spec, submitted[spec["application"]], d["agreement_signed_stage"])
    signed = sum(1 for i in d["investments"] if "signed_on" in i)
    paid = sum(1 for i in d["investments"] if i.get("disbursements"))
    say(
        f"{len(d['investments'])} investments approved by the board, {signed} agreements signed, "
        f"{paid} with their "
        "tranches, income, valuations and exits"
    )

    dist = d["distribution"]
    try:
        with db.write(engine) as conn:
            distribution.propose(
                conn,
                info,
                ACTOR,
                Decimal(dist["amount"]),
                dist["currency"],
                dist["proposer"],
                board.keys[dist["proposer"]],
                clock.today(),
            )
        refusal = "the early distribution was NOT refused"
    except Refused as exc:
        refusal = str(exc)
    say(f"an early distribution of {dist['amount']} {dist['currency']} was proposed: {refusal}")
    return Outcome(refusal)


def _in_kind(conn: Connection, info: FundInfo, board: Board, k: dict) -> in_kind.InKind:
    item, p = in_kind.report(
        conn,
        info,
        ACTOR,
        k["partner"],
        k["description"],
        Decimal(k["value"]),
        k["currency"],
        k["delivered_on"],
        k["reference"],
        k["proposer"],
        board.keys[k["proposer"]],
        k["reported_on"],
        Decimal(k["proposed_value"]),
        funded_by=k["funded_by"],
        countersigner=countersigner(conn, board.directory, k["partner"]),
    )
    board.approve(conn, p, k["approved_on"])
    execution.execute(conn, info, ACTOR, p.id, k["approved_on"])
    return item._replace(approved=p.amount)


def _import_list(conn: Connection, spec: dict, list_date: dt.date) -> sanctions.ListVersion:
    folder = resources.files("jointfund.demo").joinpath("sanctions")
    with resources.as_file(folder) as path:
        fmt, targets, sha256, source = sanctions.load(
            path / spec["file"], path / spec["aliases"] if "aliases" in spec else None
        )
    return sanctions.record(conn, ACTOR, spec["name"], fmt, targets, sha256, source, list_date).version


def _write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _screened(conn: Connection, info: FundInfo, board: Board, app: apps.Application, on: dt.date) -> None:
    """To due diligence: the administrator opens the screening, the project search committee passes it."""
    lifecycle.move_by_person(
        conn, info, ACTOR, app.id, _to(info, app, None), on, "complete application; screening opened"
    )
    board.decide(
        conn, "screening", f"Screening of {app.label}: {app.title}", on, about=f"application:{app.id}"
    )


def _to(info: FundInfo, app: apps.Application, decision: str | None) -> str:
    """The first stage a person (decision None) may move a fresh application to, from the terms."""
    p = apps.pipeline_of(info.terms(app.submitted_on))
    return next(t.to for t in p.transitions if p.initial in t.from_ and t.decision == decision)


def _move_through_pipeline(conn: Connection, info: FundInfo, board: Board, d: dict, submitted: dict) -> None:
    s, a = d["stages"], d["applications"]
    rng = random.Random(d["seed"] + 1)
    others = [n for n in submitted if n not in {i["application"] for i in d["investments"]}]
    rng.shuffle(others)
    plan: list[tuple[int, str]] = []
    for stage in ("recommended", "due_diligence", "screening", "declined", "withdrawn"):
        plan += [(n, stage) for n in others[len(plan) : len(plan) + s[stage]]]
    for n, stage in sorted(plan):
        app = submitted[n]
        on = app.submitted_on + dt.timedelta(days=a["screened_after_days"])
        if stage == "screening":
            lifecycle.move_by_person(
                conn, info, ACTOR, app.id, stage, on, "complete application; screening opened"
            )
        elif stage in ("due_diligence", "recommended"):
            _screened(conn, info, board, app, on)
            if stage == "recommended":  # the investment committee recommends; the board has not voted yet
                board.decide(
                    conn,
                    "investment",
                    f"Investment in {app.label}: {app.title}",
                    on + dt.timedelta(days=14),
                    execute=False,
                    amount=app.amount,
                    currency=app.currency,
                    about=f"application:{app.id}",
                )
        elif stage == "declined":
            if n % 2:
                _screened(conn, info, board, app, on)
            else:
                lifecycle.move_by_person(
                    conn, info, ACTOR, app.id, "screening", on, "complete application; screening opened"
                )
            lifecycle.move_by_person(
                conn, info, ACTOR, app.id, stage, on + dt.timedelta(days=7), rng.choice(s["declined_reasons"])
            )
        else:
            lifecycle.move_by_person(
                conn, info, ACTOR, app.id, stage, on, "the applicant withdrew: financing found elsewhere"
            )


def _invest(
    conn: Connection,
    info: FundInfo,
    board: Board,
    a: dict,
    spec: dict,
    app: apps.Application,
    signed_stage: str,
) -> None:
    _screened(conn, info, board, app, app.submitted_on + dt.timedelta(days=a["screened_after_days"]))
    board.decide(
        conn,
        "investment",
        f"Investment in {app.label}: {spec['title']}",
        spec["decided_on"],
        amount=Decimal(spec["amount"]),
        currency=app.currency,
        about=f"application:{app.id}",
    )
    inv = investment.of_application(conn, app.id)
    assert inv is not None
    if "signed_on" not in spec:  # approved, its commitment booked; no tranche before the agreement is signed
        return
    lifecycle.move_by_person(
        conn, info, ACTOR, app.id, signed_stage, spec["signed_on"], "investment agreement signed"
    )
    for t in spec.get("disbursements", []):
        board.decide(
            conn,
            "disbursement",
            f"Tranche of {t['amount']} to {inv.label}",
            t["on"],
            amount=Decimal(t["amount"]),
            currency=inv.currency,
            about=inv.link,
        )
    for i in spec.get("income", []):
        investment.record_income(
            conn, info, inv, i["kind"], Decimal(i["amount"]), inv.currency, i["on"], i["reference"]
        )
    for v in spec.get("valuations", []):
        board.decide(
            conn,
            "valuation",
            f"Valuation of {inv.label} at {v['on']}",
            v["on"],
            amount=Decimal(v["value"]),
            currency=inv.currency,
            about=inv.link,
        )
    for kind in investment.RETURN_KINDS:
        r = spec.get("repayment" if kind == "repayment" else kind)
        if r:
            investment.record_return(
                conn, info, inv, kind, Decimal(r["proceeds"]), inv.currency, r["on"], r["reference"]
            )
    end = spec.get("end")
    if end:
        lifecycle.move_by_person(conn, info, ACTOR, app.id, end["stage"], end["on"], end["reason"])
