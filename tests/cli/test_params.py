"""cli.params: the shared parsing of options."""

from __future__ import annotations

import pytest
import typer

from jointfund.cli import params


@pytest.mark.parametrize(("first", "second"), [(True, True), (False, False)])
def test_either_refuses_neither_and_both(first: bool, second: bool) -> None:
    with pytest.raises(typer.BadParameter) as caught:
        params.either(first, second, "a FILE or --field options", "FILE / --field")
    assert caught.value.param_hint == "FILE / --field"
    assert caught.value.message == "give a FILE or --field options, not both"


@pytest.mark.parametrize(("first", "second"), [(True, False), (False, True)])
def test_either_takes_exactly_one(first: bool, second: bool) -> None:
    params.either(first, second, "an application ID or --all", "ID / --all")


def test_page_language_is_one_the_pages_are_written_in() -> None:
    assert params.page_language("uk") == "uk"
    with pytest.raises(typer.BadParameter) as caught:
        params.page_language("de")
    assert caught.value.param_hint == "--lang"
    assert caught.value.message == "expected one of en, uk, got 'de'"
