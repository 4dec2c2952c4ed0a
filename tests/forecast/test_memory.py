"""Memory stays bounded as paths grow: peak RSS of a run with 16x the paths is about the same."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import datetime as dt, json, resource, sys
from jointfund.forecast import engine, run, scenario
from jointfund.forecast.plan import compile_plan
from jointfund.terms import load_text, shipped_text
terms_text = shipped_text()
s = scenario.load_text(scenario.shipped_text("urif-base.toml"), "base", load_text(terms_text, "t"))
plan = compile_plan(s, terms_text, dt.date(2026, 1, 1), 10)
with engine.Runner() as runner:
    result = run.forecast(plan, 1, int(sys.argv[1]), runner, chunk_paths=engine.BLOCK_PATHS * 2)
# This process's own peak: Linux carries ru_maxrss over from the parent across exec (a big pytest worker).
try:
    peak = next(int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM:"))
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"paths": result.paths, "rss_kb": peak}))
"""


def peak_rss_mb(paths: int) -> float:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(paths)], capture_output=True, text=True, check=True
    )
    found = json.loads(out.stdout)
    assert found["paths"] == paths
    return found["rss_kb"] / 1024


def test_peak_memory_does_not_grow_with_paths():
    small = peak_rss_mb(4_096)
    large = peak_rss_mb(65_536)
    # Generous: the large run holds the same one block at a time; only allocator noise differs.
    assert large < small + 64, (small, large)
    assert large < 1024, large
