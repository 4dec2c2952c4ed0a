"""verify's checks are listed in one registry, with no registration on import; and its functions stay short
(issue 17)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import jointfund
from jointfund import verify
from jointfund.verify import registry

SRC = Path(jointfund.__file__).parent
MAX_LINES = 60


def _check_functions() -> set[tuple[str, str]]:
    """(module, name) of every top-level function in src/ shaped as a domain check (findings out)."""
    found = set()
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.returns is not None:
                if ast.unparse(node.returns) == "tuple[str, int, list[Finding]]":
                    module = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
                    found.add((module, node.name))
    return found


def test_the_registry_lists_every_check_every_domain_defines() -> None:
    listed = {(c.__module__, c.__name__) for f in registry.families() for c in f.checks}
    defined = _check_functions()
    assert len(defined) >= 24
    assert defined == listed, {"not listed": defined - listed, "not a check": listed - defined}


def test_the_registry_lists_every_family_once_in_the_report_order() -> None:
    names = registry.names()
    assert len(names) == len(set(names))
    assert names[0] == "log" and names[-2:] == ("database guards", "trust anchor")
    assert set(names) >= {
        "governance",
        "revenue",
        "portfolio",
        "ledger",
        "accounting",
        "dating",
        "reports",
        "budget",
        "commitments",
    }
    assert all(f.checks for f in registry.families())


def test_no_module_registers_a_check_on_import() -> None:
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "DOMAIN_CHECKS" not in text, path  # the old list that modules appended to on import


def test_verify_and_the_domains_checks_import_no_cycle() -> None:
    """A domain's checks import findings only, never verify: importing one does not import verify."""
    for f in registry.families():
        for check in f.checks:
            tree = ast.parse(Path(importlib.import_module(check.__module__).__file__).read_text("utf-8"))
            imported = {
                n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module is not None
            }
            imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
            assert not any(m == "jointfund.verify" or m.startswith("jointfund.verify.") for m in imported)


def test_no_function_of_verify_is_over_60_lines() -> None:
    long = []
    for info in pkgutil.iter_modules(verify.__path__):
        path = Path(verify.__path__[0]) / f"{info.name}.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_LINES:
                    long.append(f"{path.name}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, long
