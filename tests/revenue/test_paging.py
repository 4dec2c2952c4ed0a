"""Issue 13: every list command pages its rows with the API's maximum page size (bounds.MAX_PAGE_ITEMS); a
larger
or smaller --limit is a usage error naming the bound, and --offset walks the pages, on both backends."""

from __future__ import annotations

import json

import pytest

from jointfund.bounds import MAX_PAGE_ITEMS

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
]


def test_every_list_command_refuses_a_page_out_of_bounds(cli) -> None:  # noqa: ANN001
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
    "command", [("receipts", "list"), ("fx", "list"), ("licences", "list"), ("ledger", "entries")]
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
