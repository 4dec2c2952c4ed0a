"""Size limits are checks, not asserts: `python -O` strips asserts, and a limit must hold there too."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import sys
    from jointfund.capital import allocation
    from jointfund.errors import InputError, Refused
    from jointfund.forecast import engine
    from jointfund.ledger import log
    from jointfund.store import db

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
    assert "events stored: 0" in out  # refused before anything was written
    assert "Traceback" not in run.stderr
