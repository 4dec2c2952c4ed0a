"""The demo's joint management: seats, an executed investment, a rejection by one UA manager, an expiry."""

from __future__ import annotations

from jointfund.demo import governance as governance_demo
from jointfund.demo.run import build, prepare_dir
from jointfund.governance import member
from jointfund.store import db


def test_demo_governance(engine, db_url, tmp_path) -> None:  # noqa: ANN001
    directory = tmp_path / "demo"
    prepare_dir(directory)
    result = build(engine, directory, db_url)
    assert result.report.ok, result.report.first_failure
    with db.transaction(engine) as conn:
        seated = member.seated(conn)
    board = [m for m in seated if m.body == "board"]
    assert sorted(m.partner for m in board) == ["UA", "UA", "UA", "US", "US", "US"]
    assert len({m.key_id for m in board}) == 6
    assert all((directory / "keys" / f"{m.name}.key").exists() for m in seated)
    d = governance_demo.data()
    by_title = {r["title"]: r for r in governance_demo.rows(engine, result.fund, result.fund.start_date)}
    states = [
        (by_title[t]["kind"], by_title[t]["state"])
        for t in (
            d["investment"]["title"],
            d["investment"]["recommendation_title"],
            d["rejected"]["title"],
            d["expired"]["title"],
        )
    ]
    assert states == [
        ("investment", "executed"),
        ("recommendation", "approved"),
        ("budget", "rejected"),
        ("valuation", "expired"),
    ]
    assert by_title[d["rejected"]["title"]]["why"].startswith("UA seat 1 (ua-board-1) rejected")
    assert by_title[d["investment"]["title"]]["why"].endswith("approved: 6 of 6 board seats approved")
