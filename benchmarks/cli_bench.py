"""Start-up time of the `jointfund` command, beside bean-check and hledger.

    python benchmarks/cli_bench.py                 # 10 runs of each, figures into docs/performance.md
    python benchmarks/cli_bench.py --runs 3 --no-write

It times, as a user's shell would run them (a new process each time, the installed console scripts
called directly, not through a pyenv shim, which adds its own ~0.2 s of bash):

  - `jointfund --help`
  - `jointfund ledger balance Assets:Cash:USD` on a fund just made with `jointfund init` (SQLite)
  - `bean-check --help` and `hledger --help`, when installed ("not installed" otherwise)
  - `python -c pass`: this interpreter's own start, the floor under any Python command here

and prints the median wall time and the median CPU time (user + system, of the child: less moved by
other work on the machine than the wall time) of `--runs` runs, with the load average before and after.
Targets (issue 12): --help under 0.2 s and the balance under 0.4 s, on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
SECTION = "## Command-line start-up"
BEGIN, END = "<!-- cli_bench:begin -->", "<!-- cli_bench:end -->"
TARGETS = {"jointfund --help": 0.2, "jointfund ledger balance (one account)": 0.4}


def script(name: str) -> str | None:
    """The console script itself: beside this interpreter first (a shim on PATH would be timed too)."""
    beside = Path(sysconfig.get_path("scripts")) / name
    return str(beside) if beside.exists() else shutil.which(name)


def timed(argv: list[str], runs: int, env: dict[str, str]) -> tuple[float, float]:
    """(median wall seconds, median CPU seconds) of `runs` runs of `argv`; each must exit 0."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, env=env)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return statistics.median(walls), statistics.median(cpus)


def main(argv: list[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument(
        "--no-write", action="store_true", help="Print only; leave docs/performance.md alone."
    )
    args = parser.parse_args(raw)
    jointfund = script("jointfund")
    if jointfund is None:
        raise SystemExit("the jointfund console script is not installed (pip install -e .)")
    load_before = os.getloadavg()
    rows: list[tuple[str, str, float | None, float | None]] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "JOINTFUND_DB": f"sqlite:///{Path(tmp) / 'fund.db'}"}
        env.pop("JOINTFUND_USER", None)
        # An installed jointfund has its bytecode cached (pip compiles it; the first run writes it): a shell
        # with
        # PYTHONDONTWRITEBYTECODE set would have every run compile the package again, which no user pays.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([jointfund, "init"], check=True, capture_output=True, env=env)
        cases = [
            ("python -c pass (the interpreter alone: the floor)", [sys.executable, "-c", "pass"]),
            ("jointfund --help", [jointfund, "--help"]),
            ("jointfund ledger balance (one account)", [jointfund, "ledger", "balance", "Assets:Cash:USD"]),
        ]
        for name, tool in (("bean-check --help", "bean-check"), ("hledger --help", "hledger")):
            found = script(tool)
            cases.append((name, [found, "--help"] if found else None))
        for name, command in cases:
            if command is None:
                rows.append((name, "not installed", None, None))
                continue
            timed(command, 1, env)  # warm the file cache and the bytecode cache first
            wall, cpu = timed(command, args.runs, env)
            rows.append((name, shlex.join([Path(command[0]).name, *command[1:]]), wall, cpu))
    load_after = os.getloadavg()
    lines = [
        f"Median of {args.runs} runs; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after, "
        f"on {os.cpu_count()} cores; Python {sys.version.split()[0]}.",
        f"Command: `python {shlex.join(['benchmarks/cli_bench.py', *raw])}`",
        "",
        "| command | wall (median) | CPU (median) | target |",
        "|---|---|---|---|",
    ]
    for name, shown, wall, cpu in rows:
        target = TARGETS.get(name)
        verdict = (
            ""
            if target is None or wall is None
            else (f"< {target} s: {'met' if wall < target else '**missed**'}")
        )
        if wall is None:
            lines.append(f"| {name} | {shown} | | |")
        else:
            lines.append(f"| `{shown}` | {wall:.3f} s | {cpu:.3f} s | {verdict} |")
    block = "\n".join(lines)
    print(block)
    if not args.no_write:
        write_doc(block)
        print(f"\nwritten to {DOC}")
    return 0


def write_doc(block: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Performance\n"
    marked = f"{BEGIN}\n{block}\n{END}"
    if BEGIN in text:
        text = text[: text.index(BEGIN)] + marked + text[text.index(END) + len(END) :]
    elif SECTION in text:
        at = text.index(SECTION) + len(SECTION)
        text = text[:at] + "\n\n" + marked + text[at:]
    else:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n\n{marked}\n"
    DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
