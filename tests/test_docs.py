"""The docs say true things: the worked canonical-encoding examples are recomputed from the code, and the
auditor's standalone script (the same in docs/auditing.md and docs/examples/) accepts real bundles made by
the CLI and rejects forged ones, on both backends."""

import base64
import datetime as dt
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support import Book, cli_checkpoint_key, forgeries_of

from jointfund.ledger import canonical, merkle

DOCS = Path(__file__).parents[1] / "docs"
SCRIPT = DOCS / "examples" / "check_proof.py"


def _blocks(text: str, info: str) -> list[str]:
    return re.findall(rf"^```{info}\n(.*?)\n```$", text, flags=re.S | re.M)


def _rebuild(record: dict) -> bytes:
    """The record's bytes from its fields, through the encoder jointfund uses."""
    when = dt.datetime.fromisoformat(record["recorded_at"].replace("Z", "+00:00"))
    if record["type"] == "entry":
        legs = [(p["account"], p["currency"], p["amount"]) for p in record["postings"]]
        return canonical.entry_bytes(
            record["seq"],
            dt.date.fromisoformat(record["date"]),
            when,
            record["key"],
            record["narration"],
            record["links"],
            record["reverses"],
            legs,
        )
    return canonical.event_bytes(
        record["seq"], when, record["actor"], record["action"], record["subject"], record["data"]
    )


def test_worked_examples_of_the_canonical_encoding():
    text = (DOCS / "canonical-encoding.md").read_text(encoding="utf-8")
    records, hashes, roots = (
        _blocks(text, "canonical-bytes"),
        _blocks(text, "leaf-hash"),
        _blocks(text, "tree-root"),
    )
    assert len(records) == len(hashes) == 2 and len(roots) == 1
    leaves = []
    for body, expected in zip(records, hashes, strict=True):
        raw = body.encode("utf-8")
        assert _rebuild(json.loads(body)) == raw, "the example is not what the encoder writes"
        assert json.loads(body)["v"] == canonical.VERSION
        leaf = canonical.leaf_hash(raw)
        assert leaf.hex() == expected == hashlib.sha256(b"\x00" + raw).hexdigest()
        leaves.append(leaf)
    assert (
        merkle.root(leaves).hex() == roots[0] == hashlib.sha256(b"\x01" + leaves[0] + leaves[1]).hexdigest()
    )
    claimed = int(re.search(r"canonical bytes \((\d+) bytes", text).group(1))
    assert claimed == len(records[0].encode("utf-8"))


def test_the_script_in_the_doc_is_the_script_in_examples():
    (block,) = _blocks((DOCS / "auditing.md").read_text(encoding="utf-8"), "python")
    assert block + "\n" == SCRIPT.read_text(encoding="utf-8")


def _run(bundle: dict, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(path), *args], capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def bundles(cli, fund_engine, tmp_path) -> dict:
    book = Book(fund_engine)
    first, second = book.partners[:2]
    for p in (first, second):
        cli_checkpoint_key(cli, p, tmp_path / f"{p}.key")
    seqs = book.post(*(book.contribution(f"c-{i}", f"{i + 1}.00", i) for i in range(6)))
    cli("checkpoint", "--partner", first, "--key", str(tmp_path / f"{first}.key"))
    book.post(book.contribution("late", "3.00", 8))
    cli("checkpoint", "--partner", second, "--key", str(tmp_path / f"{second}.key"))
    cli("ledger", "proof", str(seqs[2]), "-o", str(tmp_path / "inc.json"))
    cli("ledger", "consistency", "--from", "1", "--to", "2", "-o", str(tmp_path / "con.json"))
    return {
        "inclusion": json.loads((tmp_path / "inc.json").read_text()),
        "consistency": json.loads((tmp_path / "con.json").read_text()),
    }


def test_standalone_script_accepts_real_inclusion_proofs_and_rejects_forged_ones(
    bundles, tmp_path, fund_engine
):
    b = bundles["inclusion"]
    kid = b["checkpoint"]["key_id"]
    signer = b["checkpoint"]["partner"]
    other = next(p for p in Book(fund_engine).partners if p != signer)
    ok = _run(b, tmp_path, f"{signer}={kid}")
    assert (ok.returncode, ok.stdout.strip()) == (0, f"OK, signed by {signer}"), ok.stderr
    record = b["record"].replace('"amount":"3.00"', '"amount":"30.00"')
    assert record != b["record"]
    forgeries = {
        "record": {**b, "record_base64": base64.b64encode(record.encode()).decode()},
        "path": {**b, "path": ["00" * 32, *b["path"][1:]]},
        "root": {**b, "checkpoint": {**b["checkpoint"], "root": "ab" * 32}},
        "size": {**b, "checkpoint": {**b["checkpoint"], "tree_size": b["checkpoint"]["tree_size"] + 1}},
        "signature": {**b, "checkpoint": {**b["checkpoint"], "signature": "11" * 64}},
        **forgeries_of(b, other),  # issue 19: fresh keys, a renamed partner, a readable record that lies
    }
    for what, forged in forgeries.items():
        r = _run(forged, tmp_path, f"{signer}={kid}")
        assert (r.returncode, r.stdout.strip()) == (1, "REJECTED"), what
    for trusted in ("0123456789abcdef", f"{other}={kid}", f"{signer}=0123456789abcdef"):
        r = _run(b, tmp_path, trusted)
        assert (r.returncode, r.stdout.strip()) == (1, "REJECTED"), trusted
    assert _run(b, tmp_path).returncode == 1  # no trusted key, no OK


def test_standalone_script_checks_consistency_proofs(bundles, tmp_path):
    b = bundles["consistency"]
    trusted = [f"{cp['partner']}={cp['key_id']}" for cp in (b["old"], b["new"])]
    ok = _run(b, tmp_path, *trusted)
    assert ok.returncode == 0 and ok.stdout.startswith("OK, signed by"), ok.stderr
    assert _run(b, tmp_path, trusted[0]).returncode == 1  # the newer checkpoint's key is not trusted
    for forged in (
        {**b, "path": ["00" * 32, *b["path"][1:]]},
        {**b, "old": {**b["old"], "root": "ab" * 32}},
        {**b, "new": {**b["new"], "signature": "22" * 64}},
    ):
        r = _run(forged, tmp_path, *trusted)
        assert (r.returncode, r.stdout.strip()) == (1, "REJECTED")
