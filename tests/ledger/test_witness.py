"""The witness (C2SP tlog-witness, issue 18): it cosigns a log's growth, and refuses a fork and a rollback
with the
spec's status codes; `jointfund checkpoint cosign` collects cosignatures and reports a refusal loudly."""

import threading

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jointfund import fund as fund_mod
from jointfund.ledger import checkpoint_note, log, merkle, note, witness
from jointfund.store import db
from jointfund.terms import shipped_text

from . import c2sp_verifier as ref
from .tlog import SignedBook, clone

W_NAME = "witness.example/w1"


@pytest.fixture
def wkey() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _witness(book: SignedBook, key: Ed25519PrivateKey, tmp_path) -> witness.Witness:  # noqa: ANN001
    logs = {book.origin: tuple(note.parse_vkey(v) for v in book.vkeys().values())}
    return witness.Witness(W_NAME, key, logs, witness.State(tmp_path / "witness.json"), lambda: 1_700_000_000)


def _head(book: SignedBook) -> checkpoint_note.SignedHead:
    with db.transaction(book.engine) as conn:
        head = checkpoint_note.latest(conn, book.fund.id)
    assert head is not None
    return head


def _proof(book: SignedBook, old: int, new: int) -> list[bytes]:
    with db.transaction(book.engine) as conn:
        return merkle.consistency_path(old, log.tree(conn, new)) if 0 < old < new else []


def _submit(w: witness.Witness, book: SignedBook, old: int) -> str:
    head = _head(book)
    return w.add_checkpoint(witness.request_body(old, _proof(book, old, head.body.size), head.render()))


@pytest.fixture
def book(fund_engine):  # noqa: ANN001, ANN201
    return SignedBook.signed(fund_engine, 5)


def test_the_witness_cosigns_growth_and_its_cosignature_verifies_independently(book, wkey, tmp_path):
    w = _witness(book, wkey, tmp_path)
    first = _head(book)
    line = _submit(w, book, 0)
    vk = w.verifier().vkey()
    assert ref.verify_note((first.render() + line).encode(), [vk])[1] == [W_NAME]
    assert ref.parse_vkey(vk)[2] == 0x04
    book.grow(3, "b")
    book.sign()
    line = _submit(w, book, first.body.size)
    assert ref.verify_note((_head(book).render() + line).encode(), [vk])[1] == [W_NAME]
    # the same checkpoint again is cosigned again (same size, same root)
    assert _submit(w, book, _head(book).body.size)


def _refused(w: witness.Witness, body: bytes) -> witness.Refusal:
    with pytest.raises(witness.Refusal) as info:
        w.add_checkpoint(body)
    return info.value


def test_the_witness_refuses_a_fork_and_a_rollback(book, wkey, tmp_path):
    w = _witness(book, wkey, tmp_path)
    common = _head(book)
    _submit(w, book, 0)
    with clone(book) as twin:
        book.grow(3, "a2")
        book.sign()
        twin.grow(3, "b2")  # the same size, another history
        twin.sign()
        seen = _head(book)
        _submit(w, book, common.body.size)
        fork = _head(twin)
        assert fork.body.size == seen.body.size and fork.body.root != seen.body.root
        r = _refused(w, witness.request_body(seen.body.size, [], fork.render()))
        assert r.status == 409 and "fork" in r.reason
        # a longer fork, with its own (honest) proof from the common prefix: the witness is past that prefix
        twin.grow(2, "b3")
        twin.sign()
        longer = _head(twin)
        r = _refused(
            w,
            witness.request_body(
                common.body.size, _proof(twin, common.body.size, longer.body.size), longer.render()
            ),
        )
        assert r.status == 409 and r.body == f"{seen.body.size}\n" and r.content_type == witness.SIZE_TYPE
        # claiming to extend what the witness saw, with a proof from the fork: it does not verify
        r = _refused(
            w,
            witness.request_body(
                seen.body.size, _proof(twin, seen.body.size, longer.body.size), longer.render()
            ),
        )
        assert r.status == 422
    # a rollback: the older, smaller checkpoint
    r = _refused(w, witness.request_body(seen.body.size, [], common.render()))
    assert r.status == 400
    r = _refused(w, witness.request_body(common.body.size, [], common.render()))
    assert r.status == 409 and r.body == f"{seen.body.size}\n"
    # the state still holds what it cosigned last
    assert w.state.read()[book.origin]["size"] == seen.body.size


def test_the_witness_refuses_unknown_logs_and_untrusted_signatures(book, wkey, tmp_path):
    w = _witness(book, wkey, tmp_path)
    head = _head(book)
    other = note.CheckpointBody("other.example/log", head.body.size, head.body.root)
    stranger = Ed25519PrivateKey.generate()
    r = _refused(
        w,
        witness.request_body(
            0, [], note.checkpoint_note(other, [note.sign(other.text(), other.origin, stranger)]).render()
        ),
    )
    assert r.status == 404
    r = _refused(
        w,
        witness.request_body(
            0,
            [],
            note.checkpoint_note(
                head.body, [note.sign(head.body.text(), head.body.origin, stranger)]
            ).render(),
        ),
    )
    assert r.status == 403
    for bad in (
        b"old 01\n\n" + head.render().encode(),
        b"nothing",
        b"old 0\nnot base64!\n\n" + head.render().encode(),
    ):
        assert _refused(w, bad).status == 400
    assert not (tmp_path / "witness.json").exists()  # nothing was cosigned, nothing recorded


def test_concurrent_requests_never_roll_the_witness_back(book, wkey, tmp_path):
    """The spec's race: a smaller and a larger checkpoint at once. Whatever the order, the state ends at the
    larger one, or the smaller one is refused (409): never a cosignature of N after N+K was stored."""
    w = _witness(book, wkey, tmp_path)
    small = _head(book)
    _submit(w, book, 0)
    book.grow(4, "c")
    book.sign()
    large = _head(book)
    bodies = [
        witness.request_body(small.body.size, [], small.render()),
        witness.request_body(small.body.size, _proof(book, small.body.size, large.body.size), large.render()),
    ]
    results: list[object] = []

    def go(b: bytes) -> None:
        try:
            results.append(w.add_checkpoint(b))
        except witness.Refusal as r:
            results.append(r.status)

    threads = [threading.Thread(target=go, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert w.state.read()[book.origin]["size"] == large.body.size
    assert len(results) == 2


def test_cosign_collects_cosignatures_and_reports_a_refusal_loudly(db_url, tmp_path, wkey):
    """Over HTTP, through the CLI: a fund whose terms name the witness and require one cosignature."""
    from conftest import Cli

    vkey = note.verifier(W_NAME, wkey.public_key(), note.COSIGNATURE_V1).vkey()
    text = shipped_text().replace("witnesses = []", f'witnesses = ["{vkey}"]')
    assert vkey in text
    engine = db.make_engine(db_url)
    fund_mod.create(engine, text, "terms with a witness", settable_clock=True)
    book = SignedBook(engine)
    book.grow(4, "a")
    book.sign()
    cli = Cli(db_url)
    w = _witness(book, wkey, tmp_path)
    srv = witness.server(w, "127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{srv.server_address[1]}"
    from fastapi.testclient import TestClient

    from jointfund.app import create_app

    public = TestClient(create_app(engine))
    before = public.get("/api/public/summary").json()["witnessing"]
    assert before["witnessed"] is False and before["witnesses"] == [] and before["required"] == 1
    assert "Not yet witnessed:" in public.get("/").text
    try:
        r = cli("checkpoint", "cosign", "--witness", url)
        assert "WITNESSED" in r.stderr + r.stdout
        # the public page lists the signers, partners then the witness, and says the log is witnessed
        after = public.get("/api/public/summary").json()["witnessing"]
        assert after["witnessed"] is True and after["witnesses"] == [W_NAME]
        assert after["partners"] == sorted(fund_mod.load(engine.connect()).base_terms().partner_codes)
        page = public.get("/", params={"lang": "uk"}).text
        assert "Засвідчено:" in page and W_NAME in page
        note_text = cli("checkpoint", "note").stdout
        assert ref.verify_note(note_text.encode(), [vkey])[1] == [W_NAME]
        cli("verify")
        # the witness is shown a fork of the same size: the fund reports its refusal, exit non-zero
        with clone(book) as twin:
            twin.grow(1, "fork")
            twin.sign()
            book.grow(1, "main")
            book.sign()
            assert cli("checkpoint", "cosign", "--witness", url).exit_code == 0
            bad = Cli(str(twin.engine.url.render_as_string(hide_password=False)))(
                "checkpoint", "cosign", "--witness", url, ok=False
            )
            assert bad.exit_code != 0
            assert "REFUSED" in bad.stderr and "fork" in bad.stderr.lower()
            assert "Traceback" not in bad.stderr
        # an unreachable witness is a sentence too
        gone = cli("checkpoint", "cosign", "--witness", "http://127.0.0.1:9", ok=False)
        assert gone.exit_code != 0 and "cannot reach" in gone.stderr
    finally:
        srv.shutdown()
        srv.server_close()
        engine.dispose()
