"""`jointfund genesis` and `jointfund authority`: the partners' authority keys and what they sign.

The ceremony (docs/ceremony.md): each partner makes an authority key pair offline and hands over the
public half; `jointfund init --authority US=us.pub --authority UA=ua.pub` (or `genesis new` on a fund
made before) logs the genesis record; each partner signs it, online (`genesis sign --key`) or offline
(`genesis show --out FILE`, `authority sign FILE --key K` on the offline machine, `authority submit FILE`).

Every change to who signs for a partner then takes a statement signed by that partner's authority key:
the simple path is the command itself with `--authority-key K`; the offline path is the command with
`--prepare FILE`, then `authority sign FILE --key K` where the key lives, then `authority submit FILE`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from jointfund import clock
from jointfund.cli import context
from jointfund.cli.output import FormatOption, emit, say
from jointfund.errors import InputError, NotFound, Problem
from jointfund.ledger import authority, log
from jointfund.ledger.canonical import data_json
from jointfund.ledger.checkpoint import key_id, load_private, load_public
from jointfund.store import db

if TYPE_CHECKING:
    from jointfund.governance.model import Member

genesis_app = typer.Typer(
    help="The genesis record: both partners' authority public keys, signed by both.", no_args_is_help=True
)
app = typer.Typer(
    help="Statements signed by a partner's authority key (kept offline): sign and submit.",
    no_args_is_help=True,
)

trust_app = typer.Typer(
    help="Trust files: the partners' authority keys and a checkpoint, for verifiers.", no_args_is_help=True
)

AuthorityKeyOption = typer.Option(
    None,
    "--authority-key",
    help="The partner's authority private key: sign the statement this change needs, here and now.",
)
PrepareOption = typer.Option(
    None,
    "--prepare",
    help="Write the statement this change needs to FILE and stop; sign it "
    "offline (jointfund authority sign), then run: jointfund authority submit FILE.",
)


def read_authorities(values: list[str], option: str = "--authority") -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    problems = []
    for value in values:
        partner, sep, path = value.partition("=")
        if not sep or not partner or not path:
            problems.append(Problem(option, "expected PARTNER=FILE.pub", value))
            continue
        try:
            out[partner] = Path(path).read_bytes()
        except OSError as exc:
            problems.append(Problem(f"{option} {value}", f"cannot read: {exc.strerror}"))
    if problems:
        raise InputError(problems, "genesis not recorded")
    return out


def record_genesis(ctx: typer.Context, values: list[str]) -> authority.Genesis:
    who = context.actor(ctx, "genesis.record")
    fund = context.fund(ctx)
    authorities = read_authorities(values)
    with db.write(context.engine(ctx)) as conn:
        g = authority.record_genesis(
            conn, who.name, fund.id, fund.base_terms().partner_codes, authorities, "--authority"
        )
    say(_genesis_words(g))
    return g


def _genesis_words(g: authority.Genesis) -> str:
    ids = g.key_ids()
    lines = [
        f"genesis record {g.seq} of fund {g.fund}: authority keys "
        + ", ".join(f"{p} {k}" for p, k in ids.items())
    ]
    missing = g.missing()
    if missing:
        lines.append(
            "  waiting for the signature of "
            + ", ".join(missing)
            + ": jointfund genesis sign --partner P --key K"
        )
    else:
        lines.append(f"  signed by every partner (complete at record {g.complete_seq})")
    return "\n".join(lines)


@genesis_app.command("new")
def new(
    ctx: typer.Context,
    authorities: list[str] = typer.Option(
        ...,
        "--authority",
        help="PARTNER=FILE.pub, once per partner: the "
        "partner's authority public key, handed over by the partner.",
    ),
) -> None:
    """Record the genesis of a fund made without one: the partners' authority public keys."""
    record_genesis(ctx, authorities)


def _genesis(ctx: typer.Context) -> authority.Genesis:
    with db.transaction(context.engine(ctx)) as conn:
        g = authority.genesis(conn)
    if g is None:
        raise NotFound(
            "this fund has no genesis record; record one with: jointfund genesis new --authority "
            "P=FILE.pub ..."
        )
    return g


@genesis_app.command("show")
def show(
    ctx: typer.Context,
    out: Path = typer.Option(
        None, "--out", help="Also write the genesis file that `jointfund authority sign` signs offline."
    ),
    fmt: str = FormatOption,
) -> None:
    """The genesis record: each partner's authority key and whether it has signed."""
    g = _genesis(ctx)
    ids = g.key_ids()
    emit(
        ctx,
        [{"partner": p, "authority_key_id": ids[p], "signed": p in g.signatures} for p in g.authorities],
        fmt,
        title="Genesis",
    )
    if out is not None:
        authority.write_file(out, {"genesis": g.body(), "signatures": dict(g.signatures)})
        say(f"wrote {out}; sign it offline with: jointfund authority sign {out} --key AUTHORITY.key")


@genesis_app.command("sign")
def sign_genesis(
    ctx: typer.Context,
    partner: str = typer.Option(..., "--partner", help="The partner whose authority key signs."),
    key: Path = typer.Option(..., "--key", help="The partner's authority private key."),
) -> None:
    """Sign the genesis record with a partner's authority key (the online path of the ceremony)."""
    who = context.actor(ctx, "genesis.record")
    private = load_private(key)
    g = _genesis(ctx)
    with db.write(context.engine(ctx)) as conn:
        g = authority.sign_genesis(conn, who.name, partner, private.sign(g.message()).hex())
    say(_genesis_words(g))


@app.command("sign")
def sign(
    file: Path = typer.Argument(
        ..., metavar="FILE", help="A statement file (--prepare) or a genesis file (genesis show --out)."
    ),
    key: Path = typer.Option(..., "--key", help="The authority private key; this command needs no database."),
) -> None:
    """Sign a statement or the genesis offline; prints what it signs, and writes the signature into FILE."""
    private = load_private(key)
    kid = key_id(private.public_key())
    obj = authority.read_file(file)
    if "genesis" in obj:
        body = obj["genesis"]
        mine = [p for p, v in body.get("authorities", {}).items() if v.get("key_id") == kid]
        if not mine:
            raise InputError(
                [Problem(str(key), f"key {kid} is none of the authority keys this genesis names")]
            )
        message = data_json(body).encode("utf-8")
        obj.setdefault("signatures", {})[mine[0]] = private.sign(message).hex()
        say(f"signed the genesis of fund {body.get('fund')} as {mine[0]} (authority key {kid})")
    else:
        st = authority.from_json(obj, str(file))
        obj = st.signed(private).to_json()
        say(f"signed with authority key {kid}: {st.describe()}")
    authority.write_file(file, obj)
    say(f"now submit it: jointfund authority submit {file}")


@app.command("submit")
def submit(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="FILE", help="A signed statement or genesis file."),
    reason: str = typer.Option("", "--reason", help="For a removal: why."),
) -> None:
    """Carry out what a signed statement authorizes (or record the genesis signatures in a genesis file)."""
    obj = authority.read_file(file)
    if "genesis" in obj:
        who = context.actor(ctx, "genesis.record")
        g = _genesis(ctx)
        if obj["genesis"] != g.body():
            raise InputError([Problem(str(file), "not this fund's genesis record")], "nothing submitted")
        signatures = {p: s for p, s in (obj.get("signatures") or {}).items() if p not in g.signatures}
        if not signatures:
            raise InputError(
                [Problem(str(file), "holds no signature the fund does not have yet")], "nothing submitted"
            )
        with db.write(context.engine(ctx)) as conn:
            for p, s in signatures.items():
                g = authority.sign_genesis(conn, who.name, p, str(s))
        say(_genesis_words(g))
        return
    st = authority.from_json(obj, str(file))
    if not st.signature_hex:
        raise InputError(
            [Problem(str(file), "not signed yet; sign it with: jointfund authority sign FILE --key K")],
            "nothing submitted",
        )
    carry_out(ctx, st, str(file), reason)


def carry_out(ctx: typer.Context, st: authority.Statement, where: str, reason: str = "") -> str:
    """Do what `st` authorizes, as the acting user (the policy still judges the role); returns what was
    done."""
    from jointfund.governance import appointment, user

    fund = context.fund(ctx)
    today = clock.today()
    f = st.fields
    action = {
        "member.appoint": "members.appoint",
        "member.remove": "members.remove",
        "key.register": "keys.register",
        "key.retire": "keys.register",
        "user.member": "users.link_member",
        "user.unmember": "users.link_member",
        "member.key": "members.rotate_key",
    }[st.kind]
    who = context.actor(ctx, action)
    with db.transaction(context.engine(ctx)) as conn:
        decided = appointment.proposal_for(conn, st) if st.kind in appointment.STATEMENT_KINDS else None
    if decided is not None:
        return _countersign(ctx, st)
    with db.write(context.engine(ctx)) as conn:
        if st.kind in appointment.STATEMENT_KINDS:
            done = appointment.take_effect(conn, fund, who.name, st, today, where, reason)
        elif st.kind == "key.register":
            kid = log.register_key(
                conn, fund.id, st.partner, str(f["public_pem"]).encode(), where, who.name, st
            )
            done = f"key {kid} registered for partner {st.partner}"
        elif st.kind == "key.retire":
            seq = log.retire_key(conn, fund.id, st.partner, str(f["key_id"]), who.name, st)
            done = f"key {f['key_id']} of partner {st.partner} retired at record {seq}"
        elif st.kind == "member.key":
            from jointfund.governance import rotation

            m = rotation.rotate(
                conn, fund, who.name, int(f["member"]), str(f["public_pem"]).encode(), st, today, where
            )
            done = f"member {m.id} ({m.name}) now signs with key {m.key_id}"
        elif st.kind == "user.unmember":
            user.unlink_member(conn, fund.id, who.name, str(f["user"]), int(f["member"]), st)
            done = f"user {f['user']} is no longer member {f['member']}"
        else:
            user.link_member(conn, fund.id, who.name, str(f["user"]), int(f["member"]), st)
            done = f"user {f['user']} is member {f['member']}"
    say(done)
    return done


def _countersign(ctx: typer.Context, st: authority.Statement) -> str:
    """The statement is decided by a board proposal: log the countersignature, and execute it if approved."""
    from jointfund.governance import appointment, execution, proposal

    fund = context.fund(ctx)
    today = clock.today()
    who = context.actor(ctx, "members.appoint" if st.kind == "member.appoint" else "members.remove")
    with db.write(context.engine(ctx)) as conn:
        p = appointment.countersign(conn, fund, who.name, st)
        if proposal.standing(conn, fund, p.id, today).state == "approved":
            context.actor(ctx, "proposals.execute")
            done = (
                f"proposal {p.id} countersigned and executed: "
                + execution.execute(conn, fund, who.name, p.id, today).effect
            )
        else:
            done = (
                f"proposal {p.id} countersigned by {st.partner}'s authority key; once the board "
                f"approves it: jointfund proposals execute {p.id}"
            )
    say(done)
    return done


@trust_app.command("export")
def export(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", "-o", help="The trust file to write (JSON)."),
    checkpoint: bool = typer.Option(
        True, "--checkpoint/--no-checkpoint", help="Include the newest signed checkpoint."
    ),
) -> None:
    """Write a trust file for `verify --trust` and `ledger check-proof --trust`.

    Run it on a copy you trust (a partner's own) and hand the file over out of band: a file exported by the
    server you are checking anchors nothing."""
    from jointfund.ledger import trust

    fund = context.fund(ctx)
    with db.transaction(context.engine(ctx)) as conn:
        obj = trust.export(conn, fund.id, checkpoint)
    authority.write_file(out, obj)
    cp = obj["checkpoint"]
    say(
        f"wrote {out}: authority keys "
        + ", ".join(f"{p} {v['key_id']}" for p, v in obj["authorities"].items())
        + f", {len(obj['checkpoint_keys'])} checkpoint key(s)"
        + (
            f", checkpoint of {cp['tree_size']} records signed by {cp['partner']}"
            if cp
            else ", no checkpoint"
        )
    )


def member_of(ctx: typer.Context, member_id: int, see: str) -> Member:
    """Member `member_id`, whose partner's authority key (or own key) a change about it needs; NotFound saying
    which command lists the members (`see`)."""
    from jointfund.governance import book

    with db.transaction(context.engine(ctx)) as conn:
        found = book.members(conn, [member_id])
    if not found:
        raise NotFound(f"no member {member_id}; see: {see}")
    return found[0]


def authorize(
    ctx: typer.Context,
    partner: str,
    kind: str,
    fields: dict,
    authority_key: Path | None,
    prepare: Path | None,
) -> authority.Statement | None:
    """The statement a change needs: signed now with --authority-key, or written to --prepare FILE (and
    stop)."""
    fund = context.fund(ctx)
    st = authority.statement(fund.id, partner, kind, **fields)
    if prepare is not None:
        authority.write_file(prepare, st.to_json())
        decide = (
            f"once the board exists, a board member proposes it: jointfund proposals new --kind appointment "
            f"--about appointment:{st.sha256()} --title ...\n"
            if kind in ("member.appoint", "member.remove")
            else ""
        )
        say(
            f"wrote {prepare}: {st.describe()}\n{decide}"
            f"sign it where {partner}'s authority key is kept: jointfund authority sign "
            f"{prepare} --key AUTHORITY.key\n"
            f"then submit it: jointfund authority submit {prepare}"
        )
        raise typer.Exit(0)
    if authority_key is None:
        return None
    return st.signed(load_private(authority_key))


def normalized_pem(pem: bytes, where: str) -> str:
    from jointfund.ledger.checkpoint import public_pem

    return public_pem(load_public(pem, where))


__all__ = ["AuthorityKeyOption", "PrepareOption", "app", "authorize", "carry_out", "genesis_app", "trust_app"]
