"""`jointfund proposals`: propose, vote with a signature, withdraw, expire and execute decisions."""

from __future__ import annotations

from pathlib import Path

import typer

from jointfund import clock
from jointfund.budget import lines as budget_lines
from jointfund.budget import plan as budget_plan
from jointfund.cli import context, params
from jointfund.cli.output import FormatOption, emit, say
from jointfund.cli.terms import parse_date
from jointfund.governance import amendment, book, canonical, execution, listing, proposal, vote
from jointfund.governance.member import find
from jointfund.governance.model import CHOICES
from jointfund.ledger.checkpoint import load_private
from jointfund.money import read_amount
from jointfund.store import db
from jointfund.terms.loader import read_file

app = typer.Typer(
    help="Proposals to the board and the committees, signed votes and execution.", no_args_is_help=True
)

AsOption = typer.Option(..., "--as", help="The member acting (id or name).")
KeyOption = typer.Option(
    ..., "--key", help="That member's private key file; it signs, and never leaves this machine."
)


@app.command("new")
def new(
    ctx: typer.Context,
    kind: str = typer.Option(
        ...,
        "--kind",
        help="investment, disbursement, in_kind_valuation, valuation, distribution, "
        "amendment, appointment, budget, other (the decision kinds of the terms).",
    ),
    title: str = typer.Option(..., "--title"),
    amount: str = typer.Option(None, "--amount", help="Money at stake, with --currency."),
    currency: str = typer.Option(None, "--currency"),
    about: str = typer.Option(
        None, "--about", help="What it concerns, e.g. proposal:3 or application:APP-7."
    ),
    deadline: str = typer.Option(None, "--deadline", help="Last day on which votes count, YYYY-MM-DD."),
    amendment_file: Path = typer.Option(
        None,
        "--amendment",
        help="With --kind amendment: a TOML file with effective, "
        "reference and changes (like an entry of the terms' amendments).",
    ),
    budget_file: Path = typer.Option(
        None,
        "--budget",
        help="With --kind budget: a TOML file with reference and "
        "[[lines]] (code, category, amount, currency, period); see docs/governance.md.",
    ),
    member_ref: str = AsOption,
    key: Path = KeyOption,
) -> None:
    """Propose a decision, signed by its proposer; prints the new proposal's id."""
    who = context.actor(ctx, "proposals.new")
    private = load_private(key)
    fund = context.fund(ctx)
    today = clock.today()
    change = (
        None
        if amendment_file is None
        else amendment.parse(fund, read_file(amendment_file, "amendment file"), str(amendment_file), today)
    )
    plan = (
        None
        if budget_file is None
        else budget_plan.parse(fund.terms(today), read_file(budget_file, "budget file"), str(budget_file))
    )
    if plan is not None:
        if kind != fund.terms(today).budget.decision_kind or about is not None:
            raise typer.BadParameter(
                f"--budget goes with --kind {fund.terms(today).budget.decision_kind} and no --about "
                "(the proposal is about the budget's hash)",
                param_hint="--budget",
            )
        about = plan.about
    with db.write(context.engine(ctx)) as conn:
        draft = proposal.draft(
            conn,
            fund,
            kind,
            title,
            member_ref,
            today,
            read_amount(amount, "amount"),
            currency,
            about,
            parse_date(deadline, "--deadline"),
            change,
        )
        p = proposal.submit(
            conn,
            fund,
            who.name,
            draft,
            canonical.sign(private, canonical.proposal_bytes(fund.id, draft)),
            change,
        )
        if plan is not None:
            budget_lines.record_plan(conn, who.name, plan)
    rec = (
        f"; it needs a recommendation of {p.requires_recommendation} first"
        if p.requires_recommendation
        else ""
    )
    say(f"proposal {p.id} ({p.kind}) is open for {p.body}, rule {p.rule}{rec}")
    typer.echo(p.id)


@app.command("vote")
def vote_(
    ctx: typer.Context,
    proposal_id: int = context.id_argument(),
    choice: str = typer.Argument(..., metavar="CHOICE", help=" | ".join(CHOICES)),
    member_ref: str = AsOption,
    key: Path = KeyOption,
) -> None:
    """Vote approve, reject or abstain, signed with your key; you may change your vote while the proposal
    is open."""
    who = context.actor(ctx, "proposals.vote")
    private = load_private(key)
    fund = context.fund(ctx)
    with db.write(context.engine(ctx)) as conn:
        s = vote.sign_and_cast(conn, fund, who.name, proposal_id, member_ref, choice, private, clock.today())
    say(f"vote recorded. proposal {proposal_id} is {s.words}")


@app.command("withdraw")
def withdraw(
    ctx: typer.Context,
    proposal_id: int = context.id_argument(),
    member_ref: str = AsOption,
    key: Path = KeyOption,
) -> None:
    """Withdraw an open proposal (its proposer only, signed)."""
    who = context.actor(ctx, "proposals.withdraw")
    private = load_private(key)
    fund = context.fund(ctx)
    with db.write(context.engine(ctx)) as conn:
        p = proposal.get(conn, proposal_id)
        m = find(conn, member_ref, p.body)
        proposal.withdraw(
            conn,
            fund,
            who.name,
            proposal_id,
            m.id,
            canonical.sign(private, proposal.withdrawal_message(fund, p)),
            clock.today(),
        )
    say(f"proposal {proposal_id} is withdrawn")


@app.command("recuse")
def recuse(
    ctx: typer.Context,
    proposal_id: int = context.id_argument(),
    member_ref: str = AsOption,
    key: Path = KeyOption,
) -> None:
    """Step aside from an open proposal, signed with your key; your seat is counted as the terms say for
    recusals."""
    from jointfund.governance import recusal

    who = context.actor(ctx, "proposals.recuse")
    private = load_private(key)
    fund = context.fund(ctx)
    today = clock.today()
    with db.write(context.engine(ctx)) as conn:
        m, message = recusal.prepare(conn, fund, proposal_id, member_ref, today)
        s = recusal.recuse(
            conn, fund, who.name, proposal_id, str(m.id), canonical.sign(private, message), today
        )
    say(f"member {m.id} ({m.name}) recused. proposal {proposal_id} is {s.words}")


@app.command("expire")
def expire(ctx: typer.Context) -> None:
    """Record the expiry of every open proposal whose deadline has passed."""
    who = context.actor(ctx, "proposals.expire")
    fund = context.fund(ctx)
    with db.write(context.engine(ctx)) as conn:
        done = proposal.expire_due(conn, fund, who.name, clock.today())
    say(
        f"{len(done)} proposal(s) expired" + (f": {', '.join(str(c.proposal) for c in done)}" if done else "")
    )


@app.command("execute")
def execute(ctx: typer.Context, proposal_id: int = context.id_argument()) -> None:
    """Run the effect of an approved proposal, in the same transaction as its state change, exactly once."""
    who = context.actor(ctx, "proposals.execute")
    fund = context.fund(ctx)
    with db.write(context.engine(ctx)) as conn:
        done = execution.execute(conn, fund, who.name, proposal_id, clock.today())
    say(f"proposal {proposal_id} executed (record {done.seq}): {done.effect}")


@app.command("list")
def list_(
    ctx: typer.Context,
    state: str = typer.Option(None, "--state", help="Only proposals in this state (open, approved, ...)."),
    limit: int = params.LimitOption,
    offset: int = params.OffsetOption,
    fmt: str = FormatOption,
) -> None:
    """Proposals with their state."""
    fund = context.fund(ctx)
    today = clock.today()
    with db.transaction(context.engine(ctx)) as conn:
        # Chosen in SQL as far as the rows say, and stood a chunk at a time, only as far as the page reaches.
        shown = params.page(listing.listed(conn, fund, today, listing.Filter(state=state)), limit, offset)
    rows = [
        {
            "id": s.proposal.id,
            "kind": s.proposal.kind,
            "title": s.proposal.title,
            "body": s.proposal.body,
            "rule": s.proposal.rule,
            "amount": s.proposal.amount,
            "currency": s.proposal.currency,
            "deadline": s.proposal.deadline,
            "state": s.state,
            "why": s.reason,
        }
        for s in shown
    ]
    emit(ctx, rows, fmt, title="Proposals")


@app.command("show")
def show(ctx: typer.Context, proposal_id: int = context.id_argument(), fmt: str = FormatOption) -> None:
    """One proposal: its state in words, and each seat of the deciding body with its last vote."""
    fund = context.fund(ctx)
    from jointfund.governance.interest import conflicts

    with db.transaction(context.engine(ctx)) as conn:
        s = proposal.standing(conn, fund, proposal_id, clock.today())
        history = book.votes(conn, proposal_id)
        asked = [
            c
            for c in conflicts(conn, s.proposal)
            if s.state == "open" and (s.proposal.id, c.member.id) not in book.recused(conn, s.proposal.id)
        ]
    p = s.proposal
    rows = [
        {
            "seat": seat.label,
            "member": seat.member,
            "name": seat.name or "(vacant)",
            "vote": seat.choice or "",
            "recused": seat.excluded == "recused",
        }
        for seat in s.seats
    ]
    for c in asked:
        say(
            f"  member {c.member.id} ({c.member.name}) declared an interest in {c.interest.party} "
            f"({c.interest.nature}): asked to recuse: "
            f"jointfund proposals recuse {p.id} --as {c.member.id} --key KEY"
        )
    amount = f", {p.amount} {p.currency}" if p.amount is not None else ""
    say(
        f"proposal {p.id}: {p.title} ({p.kind}{amount}{f', about {p.about}' if p.about else ''})\n"
        f"  decided by {p.body}, rule {p.rule}; proposed by member {p.proposer} on {p.created_on}"
        f"{f'; deadline {p.deadline}' if p.deadline else ''}\n  {s.words}"
    )
    emit(
        ctx,
        rows,
        fmt,
        title=f"Proposal {p.id}: {s.state}",
        json_root={
            "proposal": {**proposal.content(p), "content_sha256": p.content_sha256},
            "state": s.state,
            "reason": s.reason,
            "words": s.words,
            "recorded": s.recorded,
            "seats": rows,
            "votes": [v._asdict() for v in history],
            "closings": [c._asdict() for c in s.closings],
        },
    )
