"""Supporting documents of a proposal (issue 12): kept by SHA-256, their hashes inside the signed bytes,
checked by verify; on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import text

from jointfund.errors import InputError
from jointfund.governance import book, canonical, proposal
from jointfund.governance.model import Supporting
from jointfund.ledger import document
from jointfund.store import db
from jointfund.store.triggers import drop_guard_statements
from jointfund.verify import verify

pytestmark = pytest.mark.storage

MEMO = b"%PDF-1.4 a memo on the Lviv office lease\n"
SHEET = "Термін,сума\n2026,12000\n".encode()


def of(name: str, content: bytes) -> Supporting:
    return Supporting(name, hashlib.sha256(content).hexdigest(), len(content))


@pytest.fixture
def board(gov):  # noqa: ANN001, ANN201
    gov.seat_body("board")
    return gov


def rows(engine) -> dict[str, int]:  # noqa: ANN001
    with db.transaction(engine) as conn:
        return {
            tb: conn.execute(text(f"SELECT count(*) FROM {tb}")).scalar_one()
            for tb in ("event", "proposal", "document")
        }


def propose(gov, docs: list[Supporting], files: dict[str, bytes], max_bytes: int = 1000):  # noqa: ANN001, ANN201
    with db.write(gov.engine) as conn:
        d = proposal.draft(
            conn, gov.fund, "budget", "Office lease", "us-board-1", gov.day, documents=docs,
            document_max_bytes=max_bytes,
        )  # fmt: skip
        signature = canonical.sign(gov.keys["us-board-1"], canonical.proposal_bytes(gov.fund.id, d))
        return proposal.submit(conn, gov.fund, "test", d, signature, None, files, max_bytes)


def test_the_documents_are_signed_stored_by_hash_and_read_back(board) -> None:  # noqa: ANN001
    docs = [of("memo.pdf", MEMO), of("кошторис.csv", SHEET)]
    p = propose(board, docs, {d.sha256: c for d, c in zip(docs, (MEMO, SHEET), strict=True)})
    signed = json.loads(canonical.proposal_bytes(board.fund.id, p))
    assert signed["documents"] == [d.signed() for d in docs]  # the hashes are inside the signed bytes
    with db.transaction(board.engine) as conn:
        (stored,) = book.proposals(conn, [p.id])
        assert stored.documents == tuple(docs)
        assert bytes(document.content(conn, docs[1].sha256)) == SHEET
        event = json.loads(conn.execute(text(f"SELECT data FROM event WHERE seq = {p.seq}")).scalar_one())
    assert event["documents"][0]["sha256"] == docs[0].sha256
    # Changing a document's listed hash changes what was signed: the signature no longer holds.
    other = p._replace(documents=(of("memo.pdf", b"another memo"), docs[1]))
    assert canonical.proposal_sha256(board.fund.id, other) != p.content_sha256
    assert verify(board.engine).ok


def test_a_proposal_without_documents_keeps_its_earlier_bytes(board) -> None:  # noqa: ANN001
    p = propose(board, [], {})
    assert "documents" not in json.loads(canonical.proposal_bytes(board.fund.id, p))


def test_bad_document_lists_and_files_are_refused_and_nothing_is_written(board) -> None:  # noqa: ANN001
    before = rows(board.engine)
    big = b"x" * 1001
    with pytest.raises(InputError, match="a document of 1 to 1,000 bytes is needed"):
        propose(board, [of("big.bin", big)], {of("big.bin", big).sha256: big})
    with pytest.raises(InputError, match="the same file is listed twice"):
        propose(board, [of("a", MEMO), of("b", MEMO)], {})
    with pytest.raises(InputError, match="not 64 lowercase hexadecimal"):
        propose(board, [Supporting("a", "ABC", 3)], {})
    with pytest.raises(InputError, match=f"at most {proposal.MAX_DOCUMENTS} documents"):
        propose(board, [of(str(n), bytes([n])) for n in range(proposal.MAX_DOCUMENTS + 1)], {})
    memo = of("memo.pdf", MEMO)
    with pytest.raises(InputError, match="not the one signed"):  # bytes sent under the signed hash differ
        propose(board, [memo], {memo.sha256: MEMO + b"!"})
    with pytest.raises(InputError, match="its bytes were not sent"):
        propose(board, [memo], {})
    with pytest.raises(InputError, match="does not list"):
        propose(board, [], {memo.sha256: MEMO})
    assert rows(board.engine) == before


def test_verify_fails_when_a_documents_stored_bytes_are_changed(board) -> None:  # noqa: ANN001
    memo = of("memo.pdf", MEMO)
    p = propose(board, [memo], {memo.sha256: MEMO})
    assert verify(board.engine).ok
    with db.transaction(board.engine) as conn:  # an attacker with database access swaps the stored bytes
        for statement in drop_guard_statements(conn.dialect.name, "document"):
            conn.execute(text(statement))
        changed = conn.execute(
            text("UPDATE document SET content = :c WHERE sha256 = :s"),
            {"c": b"forged memo", "s": memo.sha256},
        )
        assert changed.rowcount == 1
    report = verify(board.engine)
    assert not report.ok
    found = [f.detail for c in report.results if c.check == "proposals" for f in c.failures]
    assert found == [
        f"proposal {p.id}: its document 'memo.pdf' ({memo.sha256[:16]}…) is missing from the document store "
        "or its stored bytes no longer have that hash"
    ]
