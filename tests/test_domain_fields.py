"""The domain names a problem by its field, never by a CLI flag (issue 17, "a typed domain API").

Only the CLI knows that the field `amount` is typed as `--amount`; a domain module that says "--amount"
makes the API's JSON errors name a flag no client sent. The scan reads every module outside cli/ as
Python (docstrings and comments are free to mention flags) and refuses:
- a string that starts with a flag ("--amount", f"--as: ..."), the way the problems were once placed;
- a flag anywhere in the location, field or message of a `Problem`, except in a whole command to run
  ("jointfund serve --max-upload-rows");
- a field name that is not a plain identifier path ("amount", "fields.sector").
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import jointfund
from jointfund.cli import flags
from jointfund.errors import InputError, NotFound, Problem

SRC = Path(jointfund.__file__).parent
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
FIELD = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*")


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _text(node: ast.AST) -> str | None:
    """The literal text of a string or f-string (each placeholder as {}), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def _is_problem(call: ast.Call) -> bool:
    f = call.func
    return (isinstance(f, ast.Name) and f.id == "Problem") or (
        isinstance(f, ast.Attribute)
        and f.attr == "of"
        and isinstance(f.value, ast.Name)
        and f.value.id == "Problem"
    )


def offences(source: str, name: str = "<source>") -> list[str]:
    """Every place in `source` where a CLI flag names or describes a problem."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    found = []
    in_fstring = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    for node in ast.walk(tree):
        if id(node) in docs or id(node) in in_fstring:
            continue
        text = _text(node)
        if text is not None and FLAG.match(text):
            found.append(f"{name}:{node.lineno}: starts with a CLI flag: {text[:60]!r}")
        if isinstance(node, ast.Call) and _is_problem(node):
            for arg in node.args[:2]:
                shown = _text(arg)
                if shown is not None and FLAG.search(shown) and "jointfund " not in shown:
                    found.append(f"{name}:{node.lineno}: a Problem names a CLI flag: {shown[:60]!r}")
            f = node.func
            if isinstance(f, ast.Attribute) and node.args:
                field = _text(node.args[0])
                if field is not None and not FIELD.fullmatch(field.replace("{}", "x")):
                    found.append(f"{name}:{node.lineno}: not a domain field name: {field!r}")
    return found


def test_the_scan_finds_a_flag_where_a_field_belongs() -> None:
    """The scan can fail: each way a flag used to name a problem is caught, and plain fields pass."""
    bad = """
def f(where: str = "--pubkey"):
    raise NotFound(f"--as: no seated member {ref!r}")
    Problem("--amount", "must be more than zero", amount)
    Problem.of("currency", "--amount and --currency go together")
    Problem.of("proposed-value", "must be more than zero")
"""
    found = offences(bad)
    assert {int(f.split(":")[1]) for f in found} == {2, 3, 4, 5, 6}, found
    assert any("'--pubkey'" in f for f in found) and any("--as: no seated" in f for f in found)
    good = '''
"""Docstrings may say --amount."""
def f(where: str = "public_key"):
    raise NotFound(f"no seated member {ref!r}; see: jointfund members list", field="actor")
    Problem.of("amount", "must be more than zero", amount)
    Problem.of(f"fields.{k}", "unknown field")
'''
    assert offences(good) == []


def test_no_module_outside_the_cli_names_a_problem_by_a_cli_flag() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if "cli" in path.relative_to(SRC).parts[:1]:
            continue
        found += offences(path.read_text(encoding="utf-8"), str(path.relative_to(SRC)))
    assert found == [], "\n".join(found)


def test_the_cli_renders_each_field_as_its_flag() -> None:
    """The domain's fields come out as the flags users type, and a location in a file stays as it is."""
    err = InputError(
        [
            Problem.of("amount", "must be more than zero", "0"),
            Problem.of("funded_by", "expected one of grant, loan"),
            Problem.of("fields.sector", "unknown field"),
            Problem("rates.csv:3:rate", "not a number", "x"),
        ]
    )
    lines = flags.render(err).splitlines()[1:]
    assert [line.split(":")[0].strip() for line in lines] == [
        "--amount",
        "--funded-by",
        "--field sector",
        "rates.csv",
    ]
    assert flags.render(NotFound("no seated member 'x'", field="actor")) == "--as: no seated member 'x'"
    assert flags.render(NotFound("no such thing")) == "no such thing"
