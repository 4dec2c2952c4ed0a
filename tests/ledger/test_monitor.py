"""`jointfund monitor` (issue 18): a split view (two databases that diverge after a common prefix, each
published
to its own mirror) is caught, as are a rollback and a bad signature; the state file is kept for the next
run."""

import json

import pytest
from conftest import Cli

from jointfund.ledger import publish
from jointfund.store import db

from .tlog import SignedBook, clone, served


def _publish(book: SignedBook, out) -> None:  # noqa: ANN001
    with db.transaction(book.engine) as conn:
        publish.publish(conn, book.fund.id, out)


@pytest.fixture
def book(fund_engine):  # noqa: ANN001, ANN201
    return SignedBook.signed(fund_engine, 6)


def _monitor(cli: Cli, source: str, state, keys: dict[str, str], ok: bool = False):  # noqa: ANN001, ANN202
    return cli(
        "monitor",
        source,
        "--state",
        str(state),
        *(a for p, k in keys.items() for a in ("--key", f"{p}={k}")),
        ok=ok,
    )


def test_the_monitor_catches_a_split_view(book, tmp_path):
    cli = Cli("sqlite:///unused.db")  # the monitor reads the mirror, never a database
    state = tmp_path / "monitor.json"
    keys = book.vkeys()
    a, b = tmp_path / "mirror-a", tmp_path / "mirror-b"
    _publish(book, a)
    first = _monitor(cli, str(a), state, keys, ok=True)
    assert "ok:" in first.stdout and "signed by UA and US" in first.stdout
    with clone(book) as twin:
        book.grow(3, "a2")
        book.sign()
        twin.grow(3, "b2")
        twin.sign()
        _publish(book, a)
        _publish(twin, b)
        # each mirror alone extends the common prefix: a monitor that saw only one would be satisfied
        assert _monitor(cli, str(b), tmp_path / "fresh.json", keys, ok=True).exit_code == 0
        with served(a) as url:
            assert "+3 since the last run" in _monitor(cli, url, state, keys, ok=True).stdout
        seen = json.loads(state.read_text())
        forked = _monitor(cli, str(b), state, keys)
        assert forked.exit_code == 1
        assert "ALARM: FORK" in forked.stderr and "same" in forked.stderr and "Traceback" not in forked.stderr
        assert json.loads(state.read_text()) == seen  # the state still holds what was seen, for the next run
        twin.grow(2, "b3")  # a longer fork: not an extension of what was seen
        twin.sign()
        _publish(twin, b)
        longer = _monitor(cli, str(b), state, keys)
        assert (
            longer.exit_code == 1 and "ALARM: FORK" in longer.stderr and "not an extension" in longer.stderr
        )


def test_the_monitor_catches_a_rollback_and_a_bad_signature(book, tmp_path):
    cli = Cli("sqlite:///unused.db")
    state = tmp_path / "monitor.json"
    keys = book.vkeys()
    old = tmp_path / "old"
    _publish(book, old)
    book.grow(2, "more")
    book.sign()
    new = tmp_path / "new"
    _publish(book, new)
    assert _monitor(cli, str(new), state, keys, ok=True).exit_code == 0
    rolled = _monitor(cli, str(old), state, keys)
    assert rolled.exit_code == 1 and "ALARM: ROLLBACK" in rolled.stderr
    # a checkpoint whose size was changed no longer verifies
    text = (new / "checkpoint").read_text()
    lines = text.split("\n")
    lines[1] = str(int(lines[1]) + 1)
    (new / "checkpoint").write_text("\n".join(lines))
    bad = _monitor(cli, str(new), state, keys)
    assert bad.exit_code == 1 and "BAD SIGNATURE" in bad.stderr
    # a partner's key missing from the note: every key you name must have signed
    (new / "checkpoint").write_text(text.rsplit("\n", 2)[0] + "\n")
    one = _monitor(cli, str(new), state, keys)
    assert one.exit_code == 1 and "not signed by" in one.stderr
    # altered tiles are not the signed log
    (new / "checkpoint").write_text(text)
    tile = new / publish.tile_path(0, 0, _width(text))
    data = bytearray(tile.read_bytes())
    data[5] ^= 1
    tile.write_bytes(bytes(data))
    tiles = _monitor(cli, str(new), state, keys)
    assert tiles.exit_code == 1 and "do not hash to the signed root" in tiles.stderr


def _width(note_text: str) -> int:
    return int(note_text.split("\n")[1]) % 256


def test_the_monitor_needs_keys_you_trust(tmp_path):
    r = Cli("sqlite:///unused.db")("monitor", str(tmp_path), "--state", str(tmp_path / "s.json"), ok=False)
    assert r.exit_code != 0 and "--trust/--key" in r.stderr and "Traceback" not in r.stderr


def test_the_monitor_trusts_a_partners_trust_file(book, tmp_path):
    """The keys come from the partners' authority keys (a trust file), not from the mirror."""
    cli = Cli(book.engine.url.render_as_string(hide_password=False))
    cli("trust", "export", "--out", str(tmp_path / "trust.json"))
    _publish(book, tmp_path / "m")
    ok = cli(
        "monitor",
        str(tmp_path / "m"),
        "--state",
        str(tmp_path / "s.json"),
        "--trust",
        str(tmp_path / "trust.json"),
    )
    assert "signed by UA and US" in ok.stdout
    # a mirror signed by a key no authority registered
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from jointfund.ledger import note

    text = (tmp_path / "m" / "checkpoint").read_text()
    body = text.split("\n\n")[0] + "\n"
    forger = Ed25519PrivateKey.generate()
    (tmp_path / "m" / "checkpoint").write_text(
        body + "\n" + note.sign(body, body.split("\n")[0], forger).line()
    )
    bad = cli(
        "monitor",
        str(tmp_path / "m"),
        "--state",
        str(tmp_path / "s.json"),
        "--trust",
        str(tmp_path / "trust.json"),
        ok=False,
    )
    assert (
        bad.exit_code == 1
        and "BAD SIGNATURE" in bad.stderr
        and "no signature by a key you trust" in bad.stderr
    )
