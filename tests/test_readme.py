"""The README's everyday commands run as a new user would type them, in order, after `jointfund demo`.

Each ```sh block of "Everyday commands" runs in one bash process (so `SEQ=$(...)` and `K=...` carry
on), stopping at the first command that fails. A command whose comment says it is refused must fail,
with its reason on stderr; `jointfund serve` (it listens until stopped) is left out. The folder is a
fresh one holding what a clone holds at the paths the README names.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"


def blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Everyday commands") : text.index("## Documentation")]
    return re.findall(r"^```sh\n(.*?)\n```$", section, flags=re.S | re.M)


def script(block: str) -> str:
    """The block as a bash script: continuations joined, serve left out, refused commands expected to fail."""
    out = ["set -euo pipefail"]
    for line in block.replace("\\\n", " ").splitlines():
        command = line.strip()
        if command.startswith("jointfund serve"):
            continue
        if command.startswith("jointfund") and "# refused" in command:
            bare = re.sub(r"\s{2,}#.*$", "", command)
            out += [
                f"if said=$({bare} 2>&1); then echo 'README: should have been refused: {bare[:60]}' >&2; "
                "exit 1; fi",
                'if [ -z "$said" ] || grep -q Traceback <<<"$said"; then echo "refused without a reason: '
                '$said" >&2; '
                "exit 1; fi",
            ]
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def test_the_readme_has_the_two_blocks_and_the_script_keeps_failures_fatal() -> None:
    demo, own = blocks()
    assert "jointfund-demo/jointfund.db" in demo and "jointfund init" in own
    refused = script("jointfund capital distribute --amount 1  # refused: locked")
    assert refused.splitlines()[1] == (
        "if said=$(jointfund capital distribute --amount 1 2>&1); then echo 'README: "
        "should have been refused: jointfund capital distribute --amount 1' >&2; exit 1; fi"
    )
    assert "jointfund serve" not in script("jointfund serve --port 8000   # web")


def test_every_everyday_command_runs_in_order_after_the_demo(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTFUND_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    assert shutil.which("jointfund", path=env["PATH"]), "the project's command is not installed"
    # What the README points at in a clone: the shipped terms file.
    terms = tmp_path / "src" / "jointfund" / "terms"
    terms.mkdir(parents=True)
    shutil.copy(ROOT / "src" / "jointfund" / "terms" / "urif.toml", terms)
    demo = subprocess.run(
        ["jointfund", "demo"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert demo.returncode == 0, demo.stderr[-2000:]
    for i, block in enumerate(blocks()):
        run = subprocess.run(
            ["bash", "-c", script(block)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900
        )
        assert run.returncode == 0, f"README block {i + 1} stopped:\n{run.stderr[-3000:]}"
    assert (tmp_path / "fund.beancount").exists() and (tmp_path / "forecast.html").exists()
    assert (tmp_path / "my-fund.db").exists() and (tmp_path / "eiti-2025.xlsx").exists()
