"""No import cycles among the modules of jointfund (issue 17).

The graph is read from the source with ast: an edge for every import at a module's top level (including
those under `if`/`try` there, but not under `if TYPE_CHECKING:`, which never runs). An import inside a
function is lazy, made on purpose where the call happens, and is allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import jointfund

ROOT = Path(jointfund.__file__).parent


def modules(root: Path = ROOT) -> dict[str, Path]:
    out = {}
    for f in root.rglob("*.py"):
        parts = ["jointfund", *f.relative_to(root).with_suffix("").parts]
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = f
    return out


def _top_level(body: list[ast.stmt]) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for node in body:
        if isinstance(node, ast.If):
            if "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            out += _top_level(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            out += _top_level(node.body + node.orelse + node.finalbody)
        else:
            out.append(node)
    return out


def graph(mods: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the jointfund modules it imports at its top level."""

    def owner(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    edges: dict[str, set[str]] = {m: set() for m in mods}
    for m, f in mods.items():
        package = m if f.name == "__init__.py" else m.rpartition(".")[0]
        for node in _top_level(ast.parse(f.read_text(encoding="utf-8")).body):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join([*up, *([node.module] if node.module else [])])
                # `from pkg import mod` imports the module; `from mod import name` the module itself.
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            for name in names:
                target = owner(name) if name.startswith("jointfund") else None
                if target is not None and target != m:
                    edges[m].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles_among_top_level_imports() -> None:
    edges = graph(modules())
    assert len(edges) > 200 and edges["jointfund.cli.report"] >= {"jointfund.cli.reports"}
    found = cycles(edges)
    assert not found, "import cycles (module -> what it imports of the cycle):\n" + "\n".join(
        f"{', '.join(c)}: " + "; ".join(f"{m} -> {sorted(edges[m] & set(c))}" for m in c) for c in found
    )


def test_the_check_finds_a_cycle_and_ignores_lazy_and_type_checking_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "jointfund"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from jointfund.sub import b\n")
    (pkg / "sub" / "b.py").write_text("from .. import c\n")
    (pkg / "c.py").write_text("import jointfund.a\n")
    (pkg / "d.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from jointfund import e\n"
        "def f():\n    from jointfund import e\n"
    )
    (pkg / "e.py").write_text("from jointfund import d\n")
    edges = graph(modules(pkg))
    assert cycles(edges) == [["jointfund.a", "jointfund.c", "jointfund.sub.b"]]
    assert edges["jointfund.d"] == set() and edges["jointfund.e"] == {"jointfund.d"}
