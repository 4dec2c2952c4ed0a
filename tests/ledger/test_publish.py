"""`jointfund publish`: the public log as a static C2SP tlog-tiles mirror (issue 18), read back by the
independent
verifier (c2sp_verifier.py) and by docs/examples/check_proof.py from a directory and over HTTP."""

import subprocess
import sys
from pathlib import Path

import pytest

from jointfund.errors import JointfundError
from jointfund.ledger import publish
from jointfund.store import db

from . import c2sp_verifier as ref
from .tlog import SignedBook, served

SCRIPT = Path(__file__).parents[2] / "docs" / "examples" / "check_proof.py"


def test_tile_paths_follow_the_spec():
    assert publish.index_path(1234067) == "x001/x234/067" == ref.tile_index_path(1234067)
    assert publish.index_path(0) == "000" and publish.index_path(1000) == "x001/000"
    assert publish.tile_path(0, 5, 17) == "tile/0/005.p/17" == ref.tile_path(0, 5, 17)
    assert publish.tile_path("entries", 5) == "tile/entries/005"
    # the spec's example: a tree of 70,000 leaves
    tiles = publish.tiles_of(70_000)
    full0 = [t for t in tiles if t[0] == 0 and t[2] == 256]
    assert len(full0) == 273 and (0, 273, 112) in tiles
    assert (1, 0, 256) in tiles and (1, 1, 17) in tiles and (2, 0, 1) in tiles and len(tiles) == 277
    assert publish.tiles_of(256) == [(0, 0, 256), (1, 0, 1)]


@pytest.fixture
def book(fund_engine):  # noqa: ANN001, ANN201
    return SignedBook.signed(fund_engine, 262)


def _publish(book, out):  # noqa: ANN001, ANN202
    with db.transaction(book.engine) as conn:
        return publish.publish(conn, book.fund.id, out)


def test_the_mirror_verifies_independently(book, tmp_path):
    done = _publish(book, tmp_path / "m")
    read = lambda rel: (tmp_path / "m" / rel).read_bytes()  # noqa: E731
    size, root, signers = ref.verify_checkpoint(read("checkpoint"), list(book.vkeys().values()), book.origin)
    assert size == done.size and len(signers) == 2
    computed, leaves = ref.tree_root_from_tiles(read, size)
    assert computed == root
    entries = ref.bundle_entries(read("tile/entries/000")) + ref.bundle_entries(
        read(ref.tile_path("entries", 1, size - 256))
    )
    assert len(entries) == size
    public = [i for i, e in enumerate(entries) if e]
    assert len(public) >= 262 and done.private == size - len(public) > 0  # the key registrations are private
    assert all(ref.leaf_hash(entries[i]) == leaves[i] for i in public)
    # a forged tile no longer gives the signed root
    forged = bytearray(read("tile/0/000"))
    forged[0] ^= 1
    with pytest.raises(ref.Rejected):
        ref.tree_root_from_tiles(lambda rel: bytes(forged) if rel == "tile/0/000" else read(rel), size)


def test_publish_is_incremental_and_refuses_another_history(book, tmp_path, fresh_fund_url, backend):
    out = tmp_path / "m"
    first = _publish(book, out)
    assert first.written == len(publish.tiles_of(first.size)) + 2  # and the two entry bundles
    assert _publish(book, out).written == 0
    book.grow(3, "b")
    book.sign()
    again = _publish(book, out)
    # only the new partial level-0 tile and its bundle (the full tiles, and level 1's partial of width 1,
    # stayed)
    assert again.written == 2 and again.kept == 3 and again.size == first.size + 3
    before = (out / "checkpoint").read_bytes()
    from jointfund.store.db import make_engine

    other = SignedBook(make_engine(fresh_fund_url(backend)))
    other.grow(300, "z")
    other.sign()
    with db.transaction(other.engine) as conn, pytest.raises(JointfundError, match="another history"):
        publish.publish(conn, other.fund.id, out)
    assert (out / "checkpoint").read_bytes() == before
    other.engine.dispose()


def _check(source: str, seq: int, keys: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--mirror", source, str(seq), *(f"{p}={k}" for p, k in keys.items())],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_proof_verifies_a_record_against_the_mirror(book, tmp_path):
    out = tmp_path / "m"
    _publish(book, out)
    keys = book.vkeys()
    seq = 270  # a contribution, in the partial level-0 tile
    ok = _check(str(out), seq, keys)
    assert ok.returncode == 0 and f"OK, record {seq} signed by UA and US" in ok.stdout
    assert '"narration":"cash contribution"' in ok.stdout
    with served(out) as url:
        assert _check(url, 100, keys).returncode == 0
    # every key named must sign; a stranger's key is refused
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from jointfund.ledger import note

    stranger = note.verifier(book.origin, Ed25519PrivateKey.generate().public_key()).vkey()
    bad = _check(str(out), seq, {**keys, "XX": stranger})
    assert bad.returncode == 1 and "REJECTED" in bad.stdout and "XX" in bad.stdout
    # an altered record in its bundle is not in the signed tree
    path = out / publish.tile_path("entries", 1, book_size(out) - 256)
    data = path.read_bytes()
    path.write_bytes(data.replace(b"cash contribution", b"cash contributiom"))
    forged = _check(str(out), seq, keys)
    assert forged.returncode == 1 and "REJECTED: the record is not in the signed tree" in forged.stdout


def book_size(out: Path) -> int:
    return int((out / "checkpoint").read_text().split("\n")[1])
