"""Issue 13: every list command pages its rows with the API's maximum page size (bounds.MAX_PAGE_ITEMS); a
larger
or smaller --limit is a usage error naming the bound, and --offset walks the pages, on both backends."""

from __future__ import annotations

import json

import pytest
import typer.main
from support import cli_countersign

from jointfund.bounds import MAX_PAGE_ITEMS
from jointfund.cli import app as root

from .test_cli import setup

pytestmark = pytest.mark.storage

# Every list command (the API twin is tests/api/test_paging.py).
LISTS = [
    ("ledger", "entries"),
    ("ledger", "checkpoints"),
    ("proposals", "list"),
    ("applications", "list"),
    ("receipts", "list"),
    ("licences", "list"),
    ("fx", "list"),
    ("members", "list"),
    ("users", "list"),
    ("commitments", "list"),
    ("sanctions", "list"),
    ("expenses", "list"),
    ("transfers", "list"),
    ("period", "list"),
    ("keys", "list"),
    ("members", "interests", "list"),
    ("users", "tokens"),
    ("capital", "calls"),
    ("capital", "in-kind-list"),
]
# Lists that are not paged, and what bounds them (so none can grow without limit unnoticed).
UNPAGED = {
    ("ledger", "accounts"): "the chart of accounts",
    ("ledger", "trial-balance"): "the chart of accounts",
    ("expenses", "lines"): "the adopted budget's lines",
    ("commitments", "alerts"): "the agreements the terms name",
    ("keys", "show"): "a registered key, or the partners' keys",
    ("genesis", "show"): "one partner's key each",
}


def _leaves(command, path: tuple[str, ...]):  # noqa: ANN001, ANN202 - a click command or group
    subs = getattr(command, "commands", None)
    if subs is None:
        yield path, command
    else:
        for name, sub in subs.items():
            yield from _leaves(sub, (*path, name))


def test_every_list_command_takes_a_page() -> None:
    """A command that lists (named list, ...-list, or one of LISTS) takes --limit and --offset; found by
    walking the command table, so a new list command without them fails here."""
    group = typer.main.get_command(root.app)
    commands = dict(p for name in root.COMMANDS for p in _leaves(group.get_command(None, name), (name,)))
    assert set(LISTS) <= set(commands) and set(UNPAGED) <= set(commands)
    listing = {p for p in commands if p[-1] == "list" or p[-1].endswith("-list")} | set(LISTS)
    for path in sorted(listing):
        names = {p.name for p in commands[path].params}
        assert {"limit", "offset"} <= names, f"{' '.join(path)} lists rows without --limit/--offset"
    assert not listing & set(UNPAGED)


def test_every_list_command_refuses_a_page_out_of_bounds(cli) -> None:  # noqa: ANN001
    # One that lists an application's rows is refused before the application is looked for.
    for command in [("applications", "screenings", "1"), ("audit",)]:
        r = cli(*command, "--limit", str(MAX_PAGE_ITEMS + 1), ok=False)
        assert r.exit_code == 2 and "Traceback" not in r.stderr, r.stderr
        assert (
            f"Invalid value for '--limit': Input should be less than or equal to {MAX_PAGE_ITEMS}" in r.stderr
        )
    for command in [*LISTS, ("audit",)]:
        for bad in (MAX_PAGE_ITEMS + 1, 0, -1):
            r = cli(*command, "--limit", str(bad), ok=False)
            assert r.exit_code == 2, (command, bad, r.stdout)
            assert "--limit" in r.stderr and str(MAX_PAGE_ITEMS if bad > 0 else 1) in r.stderr, (
                command,
                r.stderr,
            )
        assert cli(*command, "--limit", str(MAX_PAGE_ITEMS), "-f", "json").exit_code == 0
        assert f"1 to {MAX_PAGE_ITEMS}" in cli(*command, "--help").stdout, command
    for command in LISTS:
        assert cli(*command, "--offset", "-1", ok=False).exit_code == 2, command


@pytest.mark.parametrize(
    "command",
    [
        ("receipts", "list"),
        ("fx", "list"),
        ("licences", "list"),
        ("ledger", "entries"),
        ("period", "list"),
        ("commitments", "list"),
    ],
)
def test_offset_walks_the_pages(cli, tmp_path, licences_csv, command) -> None:  # noqa: ANN001
    setup(cli, tmp_path, licences_csv)
    whole = json.loads(cli(*command, "--limit", str(MAX_PAGE_ITEMS), "-f", "json").stdout)
    assert len(whole) >= 3, command
    walked, offset = [], 0
    while offset < len(whole) + 2:
        r = cli(*command, "--limit", "2", "--offset", str(offset), "-f", "json")
        page = json.loads(r.stdout)
        assert len(page) <= 2 or command == ("ledger", "entries")  # entries: one row per posting of 2 entries
        walked += page
        offset += 2
    assert walked == whole, command
    first = cli(*command, "--limit", "2", "-f", "json")
    if command != ("ledger", "entries"):  # its page counts entries, read with LIMIT in SQL
        assert "--offset 2 shows the next page" in first.stderr, first.stderr


def test_licences_list_reads_only_its_page_and_finds_a_resource_among_the_others(
    cli, tmp_path, monkeypatch
) -> None:  # noqa: ANN001
    """`licences list` pages in SQL (never every licence: book.licences is not called) and --resource keeps a
    licence whose resource it is, primary or not, also after a correction moved it."""
    from jointfund.revenue import book

    rows = "".join(
        f"L-{n:03},Holder {n},{40000100 + n},{res},D{n},Kirovohrad,2025-06-01,new,no\n"
        for n, res in enumerate(["lithium", "condensate;natural_gas", "titanium", "natural_gas", "iron_ore"])
    )
    listed = tmp_path / "l.csv"
    listed.write_text("licence_id,holder,holder_code,resource,deposit,region,issued,basis,psa\n" + rows)
    cli("licences", "import", str(listed))
    monkeypatch.setattr(book, "licences", lambda conn: pytest.fail("licences list read every licence"))
    gas = json.loads(cli("licences", "list", "--resource", "natural_gas", "-f", "json").stdout)
    assert [x["licence_id"] for x in gas] == ["L-001", "L-003"]
    assert [
        x["licence_id"]
        for x in json.loads(cli("licences", "list", "--resource", "natural", "-f", "json").stdout)
    ] == []
    page = cli("licences", "list", "--limit", "2", "--offset", "1", "-f", "json")
    assert [x["licence_id"] for x in json.loads(page.stdout)] == ["L-001", "L-002"]
    assert "--offset 3" in page.stderr
    monkeypatch.undo()  # a correction reads the licence it corrects through book.licences
    second = cli_countersign(cli, tmp_path)  # a correction needs a seated member's countersignature
    for lid, now in (("L-002", "natural_gas"), ("L-003", "lithium")):
        cli("licences", "correct", lid, "--field", "resource", "--value", now, "--reason", "typo", *second)
    monkeypatch.setattr(book, "licences", lambda conn: pytest.fail("licences list read every licence"))
    gas = json.loads(cli("licences", "list", "--resource", "natural_gas", "-f", "json").stdout)
    assert [x["licence_id"] for x in gas] == ["L-001", "L-002"]
