"""The layers import one way (issue 17): the pages (jointfund.web) use the API's plumbing, the API never
imports the pages, so there is no api <-> web cycle; the application factory (jointfund.app) sits above
both. Read statically, from every module's imports, so a lazy import inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import jointfund

SRC = Path(jointfund.__file__).parent


def imported(path: Path, root: Path = SRC) -> set[str]:
    """Every module `path` imports, anywhere in it, by absolute name ("jointfund.web.pages")."""
    package = ".".join(("jointfund", *path.relative_to(root).parent.parts))
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names |= {base} | {f"{base}.{a.name}" for a in node.names}
    return names


def importers(package: str, of: str, root: Path = SRC) -> dict[str, set[str]]:
    """The modules of `package` (under `root`) that import something of `of`, with what they import."""
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        hits = {n for n in imported(path, root) if n == f"jointfund.{of}" or n.startswith(f"jointfund.{of}.")}
        if hits:
            found[str(path.relative_to(root))] = hits
    return found


def test_the_scan_sees_an_import_of_the_pages(tmp_path) -> None:  # noqa: ANN001
    """It can fail: absolute, from- and relative imports are all seen (a probe package in tmp_path)."""
    (tmp_path / "api").mkdir()
    probe = tmp_path / "api" / "probe.py"
    for text in ("from jointfund.web import pages", "import jointfund.web.pages", "from ..web import pages"):
        probe.write_text(text + "\n", encoding="utf-8")
        assert "api/probe.py" in importers("api", "web", tmp_path), text
    probe.write_text("from jointfund.errors import Problem\n", encoding="utf-8")
    assert importers("api", "web", tmp_path) == {}


def test_the_api_never_imports_the_pages() -> None:
    assert importers("api", "web") == {}


def test_domain_modules_import_neither_the_api_nor_the_pages() -> None:
    for package in ("governance", "capital", "portfolio", "revenue", "budget", "ledger", "commitments"):
        assert importers(package, "api") == {} and importers(package, "web") == {}, package


def test_the_pages_call_services_not_route_functions() -> None:  # issue 17: "Web pages call services"
    """A page and a route share a domain service (or the API's plumbing: deps, schemas, downloads, uploads),
    never one calling the other: no module of jointfund.web imports jointfund.api.routers."""
    assert importers("web", "api.routers") == {}


def test_the_route_scan_sees_a_page_importing_a_router(tmp_path) -> None:  # noqa: ANN001
    (tmp_path / "web").mkdir()
    probe = tmp_path / "web" / "probe.py"
    for text in (
        "from jointfund.api.routers import public",
        "from jointfund.api.routers.public import summary",
    ):
        probe.write_text(text + "\n", encoding="utf-8")
        assert "web/probe.py" in importers("web", "api.routers", tmp_path), text
    probe.write_text(
        "from jointfund.api import deps\nfrom jointfund.api.schemas import RowId\n", encoding="utf-8"
    )
    assert importers("web", "api.routers", tmp_path) == {}
