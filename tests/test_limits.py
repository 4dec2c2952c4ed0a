"""Size limits are checks, not asserts: `python -O` strips asserts, and a limit must hold there too."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import datetime as dt
    import sys
    from decimal import Decimal

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from jointfund.capital import allocation
    from jointfund.errors import InputError, Refused
    from jointfund.forecast import engine
    from jointfund.ledger import log, note
    from jointfund.ledger.note import NoteError
    from jointfund.revenue import bulk
    from jointfund.revenue.eligibility import RuleBook
    from jointfund.revenue.fx import Rate, RateTable
    from jointfund.revenue.licence import Licence
    from jointfund.revenue.receipt import Receipt
    from jointfund.store import db
    from jointfund.terms import shipped_text

    assert False, "not reached under python -O"  # proves the asserts are gone

    try:
        allocation.split_minor(100, {str(i): 1 for i in range(allocation.MAX_PARTS + 1)})
        sys.exit("allocation: no error")
    except Refused as e:
        print("allocation:", e)

    try:
        engine.blocks(engine.MAX_PATHS + 1)
        sys.exit("forecast: no error")
    except InputError as e:
        print("forecast:", e.problems[0])

    try:
        note.cosign("text\\n", "w.example/w", Ed25519PrivateKey.generate(), 2**63)
        sys.exit("cosign: no error")
    except NoteError as e:
        print("cosign:", e)

    # A receipt whose contribution, converted at an extreme rate, leaves 64-bit minor units.
    book = RuleBook(shipped_text())
    day = dt.date(2026, 1, 5)
    lic = Licence("L1", "H", "H1", "aluminium", "D", "R", day, "new", False, None, (), ())
    big = Receipt("R1", day, "L1", "rent", Decimal(2**62).scaleb(-2), "EUR", None, None,
                  book.on(day).default_budget, ())
    rates = RateTable([Rate("EUR", day, Decimal(1000)), Rate("USD", day, Decimal(1))], "UAH", None)
    try:
        bulk.judge(bulk.receipt_frame([big]), bulk.licence_frame([lic]), book, rates, {})
        sys.exit("bulk: no error")
    except Refused as e:
        print("bulk:", e)

    eng = db.make_engine("sqlite:///" + sys.argv[1])
    db.upgrade(eng)
    try:
        with db.write(eng) as conn:
            log.append_event(conn, "admin", "note.add", "note:1", {"text": "x" * log.MAX_EVENT_BYTES})
        sys.exit("event: no error")
    except Refused as e:
        print("event:", e)
    with db.transaction(eng) as conn:
        print("events stored:", log.size(conn))
    """
)


def test_every_size_limit_holds_under_python_O(tmp_path: Path) -> None:  # issue 17
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    run = subprocess.run(
        [sys.executable, "-O", "-c", SCRIPT, str(tmp_path / "fund.db")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr + run.stdout
    out = run.stdout
    assert "allocation: an amount is split into 1 to 1,000 parts, not 1,001" in out
    assert "forecast: paths: the number of paths is 1 to 100,000,000 (got 100000001)" in out
    assert "event: event note.add on note:1 is " in out and "over the limit of 1,000,000" in out
    assert "cosign: cosignature timestamp 9223372036854775808: must be 0 to 2**63 - 1 seconds" in out
    assert "bulk: receipt R1: its contribution is beyond 64-bit minor units, the ledger's limit" in out
    assert "events stored: 0" in out  # refused before anything was written
    assert "Traceback" not in run.stderr
