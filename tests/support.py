"""Small helpers the ledger, store and CLI tests share (fixtures live in conftest.py).

Names of accounts come from the fund's own terms, so these helpers carry no business literal.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select

from jointfund import fund as fund_mod
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.store import db
from jointfund.store import tables as t

# Every table a posting, an entry or an event can touch: "nothing was written" means none of them grew.
JOURNAL_TABLES = (
    t.entry,
    t.posting,
    t.leaf,
    t.event,
    t.account,
    t.account_closure,
    t.checkpoint,
    t.partner_key,
)


def counts(engine: Engine) -> dict[str, int]:
    """Row count of every journal table: compared before and after a refused write."""
    with db.transaction(engine) as conn:
        return {
            tb.name: conn.execute(select(func.count()).select_from(tb)).scalar_one() for tb in JOURNAL_TABLES
        }


def info(engine: Engine) -> fund_mod.FundInfo:
    with db.transaction(engine) as conn:
        return fund_mod.load(conn)


class Book:
    """The fund of a test, with the names its terms give the accounts.

    Attributes:
      engine: the fund's database.
      fund: the stored fund.
      terms: its terms as written.
      base: the base currency; other: another booked currency (both from the terms).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.fund = info(engine)
        self.terms = self.fund.base_terms()
        self.base = self.terms.fund.base_currency
        self.other = next(c for c in self.terms.fund.currencies if c != self.base)
        self.partners = self.terms.partner_codes
        self.start = self.fund.start_date

    def cash(self, currency: str | None = None) -> str:
        return self.terms.account_name("cash", currency=currency or self.base)

    def capital(self, partner: str | None = None) -> str:
        return self.terms.account_name("capital_cash", partner=partner or self.partners[0])

    def trading(self, currency: str) -> str:
        return self.terms.account_name("trading", currency=currency)

    def day(self, offset_days: int = 0) -> dt.date:
        return self.start + dt.timedelta(days=offset_days)

    def contribution(
        self,
        key: str,
        amount: str | Decimal,
        offset_days: int = 0,
        partner: str | None = None,
        currency: str | None = None,
        narration: str = "cash contribution",
    ) -> Entry:
        """Cash in against a partner's capital: the simplest balanced entry."""
        cur = currency or self.base
        value = Decimal(amount)
        return Entry(
            self.day(offset_days),
            narration,
            (Posting(self.cash(cur), value, cur), Posting(self.capital(partner), -value, cur)),
            key,
        )

    def post(self, *entries: Entry) -> list[int]:
        with db.write(self.engine) as conn:
            return journal.post(conn, list(entries), self.start)

    def trial_balance(self, as_of: dt.date | None = None) -> list[tuple[str, str, Decimal]]:
        with db.transaction(self.engine) as conn:
            return journal.trial_balance(conn, as_of)

    def balance(self, account: str, as_of: dt.date | None = None, subtree: bool = True) -> dict[str, Decimal]:
        with db.transaction(self.engine) as conn:
            return journal.balance(conn, account, as_of, subtree=subtree)


@contextlib.contextmanager
def holding_the_write_lock(engine: Engine) -> Iterator[threading.Event]:
    """Another connection holds the book's write lock (as a long import would) until the block ends, or until
    the event yielded is set."""
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with db.write(engine):
            taken.set()
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert taken.wait(10), "the write lock was not taken"
        yield release
    finally:
        release.set()
        holder.join(10)


# -- the partners' authority keys (ledger.authority): one ceremony helper for every test that seats or
# registers --


def authority_key(partner: str):  # noqa: ANN201 - an Ed25519PrivateKey
    """The test authority key of `partner`: the same for every test, so statements can be signed anywhere."""
    import hashlib

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(f"jointfund test authority {partner}".encode()).digest()
    )


def ceremony(engine: Engine) -> None:
    """Record the genesis with every partner's test authority key and have each sign it (once per fund)."""
    from jointfund.ledger import authority
    from jointfund.ledger.checkpoint import public_pem

    fund = info(engine)
    partners = fund.base_terms().partner_codes
    with db.write(engine) as conn:
        g = authority.genesis(conn)
        if g is None:
            g = authority.record_genesis(
                conn,
                "test",
                fund.id,
                partners,
                {p: public_pem(authority_key(p).public_key()).encode() for p in partners},
            )
        for p in g.missing():
            authority.sign_genesis(conn, "test", p, authority_key(p).sign(g.message()).hex())


def authorize(engine_or_fund_id, partner: str, kind: str, **fields):  # noqa: ANN001, ANN201 - a Statement
    """A statement of `kind` signed by `partner`'s test authority key; given an engine, the ceremony comes
    first."""
    from jointfund.ledger import authority

    if isinstance(engine_or_fund_id, str):
        fund_id = engine_or_fund_id
    else:
        ceremony(engine_or_fund_id)
        fund_id = info(engine_or_fund_id).id
    return authority.statement(fund_id, partner, kind, **fields).signed(authority_key(partner))


def pem_text(pem: bytes | str) -> str:
    from jointfund.ledger.checkpoint import load_public, public_pem

    return public_pem(load_public(pem if isinstance(pem, bytes) else pem.encode(), "test key"))


def cli_ceremony(cli, folder) -> dict[str, object]:  # noqa: ANN001 - the `cli` fixture, a Path
    """The ceremony through the CLI: authority key files in `folder`, `genesis new`, each partner's `genesis
    sign`.
    Returns partner -> authority private key file."""
    from jointfund.ledger import authority

    engine = db.make_engine(cli.url)
    fund = info(engine)
    with db.transaction(engine) as conn:
        done = authority.genesis(conn) is not None
    engine.dispose()
    keys = {}
    for p in fund.base_terms().partner_codes:
        keys[p] = folder / f"{p.lower()}-authority.key"
        if not keys[p].exists():
            keys[p].write_bytes(authority_key(p).private_bytes(*_pkcs8()))
            (folder / f"{p.lower()}-authority.key.pub").write_text(pem_text(_pub(authority_key(p))))
    if not done:
        cli(
            "genesis",
            "new",
            *(a for p in keys for a in ("--authority", f"{p}={folder / f'{p.lower()}-authority.key.pub'}")),
        )
        for p, k in keys.items():
            cli("genesis", "sign", "--partner", p, "--key", str(k))
    return keys


def cli_checkpoint_key(cli, partner: str, out) -> None:  # noqa: ANN001 - the `cli` fixture, a Path
    """`keys new --partner P --out FILE`, authorized by P's test authority key (the ceremony first, if not
    done)."""
    keys = cli_ceremony(cli, out.parent)
    cli("keys", "new", "--partner", partner, "--out", str(out), "--authority-key", str(keys[partner]))


def _pkcs8():  # noqa: ANN202
    from cryptography.hazmat.primitives import serialization

    return serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()


def _pub(key) -> bytes:  # noqa: ANN001
    from cryptography.hazmat.primitives import serialization

    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def register_key(engine: Engine, partner: str, key) -> str:  # noqa: ANN001 - an Ed25519PrivateKey
    """Register `key` as a checkpoint key of `partner`, authorized by the partner's test authority key."""
    from jointfund.ledger import log
    from jointfund.ledger.checkpoint import key_id

    pem = _pub(key)
    st = authorize(engine, partner, "key.register", key_id=key_id(key.public_key()), public_pem=pem_text(pem))
    with db.write(engine) as conn:
        return log.register_key(conn, st.fund, partner, pem, "test key", actor="test", statement=st)


# -- forged proof bundles (issue 19, finding 2): the CLI, the library, the standalone script and the browser
# --


def _fresh_key_forgery(bundle: dict, key_id: str | None) -> dict:
    """The same tree head signed with a fresh key; `key_id` claims another key's id (or the fresh key's
    own)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from jointfund.ledger.checkpoint import key_id as kid_of
    from jointfund.ledger.checkpoint import public_pem
    from jointfund.ledger.trust import checkpoint_of

    fresh = Ed25519PrivateKey.generate()
    cp, _ = checkpoint_of(bundle["checkpoint"], "test")
    claimed = key_id or kid_of(fresh.public_key())
    signature = fresh.sign(cp._replace(key_id=claimed).message()).hex()
    forged = {
        **bundle["checkpoint"],
        "key_id": claimed,
        "signature": signature,
        "public_key_pem": public_pem(fresh.public_key()),
    }
    forged.pop("registration", None)
    return {**bundle, "checkpoint": forged}


def forgeries_of(bundle: dict, other_partner: str) -> dict[str, dict]:  # noqa: D417
    """Every forgery issue 19 lists, each of a genuine inclusion bundle."""
    record = bundle["record"].replace('"seq":', '"seq":1', 1)  # every record, entry or event, has its seq
    assert record != bundle["record"]
    fake_registration = json.loads(json.dumps(bundle["checkpoint"]["registration"]))
    fake_registration["signature"] = "00" * 64
    fresh_with_registration = _fresh_key_forgery(bundle, None)
    fresh_with_registration["checkpoint"]["registration"] = fake_registration
    return {
        "fresh key claiming the real key id": _fresh_key_forgery(bundle, bundle["checkpoint"]["key_id"]),
        "fresh key under its own id": _fresh_key_forgery(bundle, None),
        "fresh key with a forged registration": fresh_with_registration,
        "partner renamed": {**bundle, "checkpoint": {**bundle["checkpoint"], "partner": other_partner}},
        "readable record differs": {**bundle, "record": record},
        "record bytes changed": {
            **bundle,
            "record_base64": base64.b64encode(record.encode()).decode(),
            "record": record,
        },
    }


# -- countersignatures (governance.countersign): a seated member signs what another user asks for --


def member_key(name: str):  # noqa: ANN201 - an Ed25519PrivateKey
    """The test key of member `name`: the same in every test, like the authority keys."""
    import hashlib

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(f"jointfund test member {name}".encode()).digest()
    )


def seated_member(engine: Engine, name: str = "ua-board-1", partner: str = "UA", body: str = "board"):  # noqa: ANN201 - a Member
    """Member `name` of `body`, seated (once) by `partner`'s test authority key, holding member_key(name)."""
    from jointfund.governance import member

    with db.transaction(engine) as conn:
        held = [m for m in member.seated(conn) if m.name == name]
    if held:
        return held[0]
    key = member_key(name)
    st = authorize(engine, partner, "member.appoint", body=body, name=name, public_pem=pem_text(_pub(key)))
    fund = info(engine)
    with db.write(engine) as conn:
        return member.appoint(
            conn, fund, "test", partner, name, body, _pub(key), fund.start_date, statement=st
        )


def countersigner(engine: Engine, name: str = "ua-board-1", key=None):  # noqa: ANN001, ANN201 - a countersign.Signer
    """A Signer with seated member `name`'s key: `key` when the test seated `name` with a key of its own,
    else member_key(name) (the member seated first, when needed). Every change that takes a second person
    (a clearance's confirmation, a correction, an expense, an entry posted by hand) takes one of these."""
    from jointfund.governance import countersign, member

    if key is None:
        m, key = seated_member(engine, name), member_key(name)
    else:
        with db.transaction(engine) as conn:
            m = member.find(conn, name)
    return lambda request: countersign.sign(request, m, key)


def countersigned(engine: Engine, actor: str = "treasury", name: str = "ua-board-1") -> dict:
    """The keyword arguments that make money countersigned (governance.countersigned, capital.in_kind): a
    transfer, a capital call or contribution, an in-kind report asked by `actor` and countersigned by seated
    member `name`. Call it before opening the write transaction (seating the member writes)."""
    return {"actor": actor, "countersigner": countersigner(engine, name)}


def cli_countersign(
    cli, folder, name: str = "ua-board-1", key=None, partner: str = "UA", body: str = "board"
) -> list[str]:  # noqa: ANN001 - the `cli` fixture, a Path
    """The --countersign-as/--countersign-key options of seated member `name`, with their key written to
    `folder`: `key` when the test seated `name` with a key of its own, else member_key(name) (the member
    seated first, when needed)."""
    if key is None:
        engine = db.make_engine(cli.url)
        seated_member(engine, name, partner, body)
        engine.dispose()
        key = member_key(name)
    path = folder / f"{name}.key"
    path.write_bytes(key.private_bytes(*_pkcs8()))
    return ["--countersign-as", name, "--countersign-key", str(path)]


# -- shared by several test modules --

# The browser the browser tests drive (Debian's chromium), and its flags for a headless run in a container.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# An investment application's fields (`applications submit --field`), for tests that need one company.
APPLICATION = {
    "applicant": "ТОВ «Добра Літій»",
    "applicant_code": "45123456",
    "title": "Dobra lithium mine",
    "sector": "mining",
    "region": "Kirovohrad",
    "resource": "lithium",
    "amount": "20000000.00",
    "currency": "USD",
    "instrument": "equity",
}
