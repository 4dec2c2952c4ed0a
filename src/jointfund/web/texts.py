"""Texts the domain writes in English (a receipt's reason, a deadline's state, a proposal's verdict), in the
reader's language.

The domain keeps one plain English text (it is stored, exported and signed as it is); a page
recognises which template made it (i18n.recognise) and writes the template's translation with
each value in the reader's language: numbers and dates in its form, codes by their terms' names.
The governance templates mirror the texts of governance.rule and .proposal (tests/web/test_texts.py
checks that every verdict those write is recognised).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from jointfund.i18n import N_, recognise
from jointfund.reports.fund_report import TITLES
from jointfund.revenue import eiti
from jointfund.revenue.deadlines import OUTSTANDING
from jointfund.revenue.eligibility import REASONS

GOVERNANCE = (
    N_("blocked by %(against)s; waiting for %(seats)s (votes may change until every seat has voted)"),
    N_("all %(total)s seats"),
    N_("more than half of the %(total)s seats"),
    N_("more than half of %(partner)s's %(seats)s seats"),
    N_("at least %(need)s of the %(total)s seats"),
    N_("%(rule)s: %(needs)s of the %(body)s must approve"),
    N_("%(approvals)s of %(total)s %(body)s seats approved"),
    N_("%(approvals)s of %(total)s %(body)s seats approved (%(needs)s needed)"),
    N_("waiting for %(seats)s (%(approvals)s of %(total)s %(body)s seats approved so far)"),
    N_("%(against)s: %(needs)s must approve (%(need)s), at most %(possible)s still can"),
    N_("on %(date)s; %(state)s: %(reason)s"),
    N_("its deadline %(date)s passed before the rule was met: %(reason)s"),
    # Recusal counting (governance.rule); before "%(partner)s seat %(number)s", which would take them whole.
    N_("it cannot pass: no seat is left to vote (%(seats)s)"),
    N_("it cannot pass: %(partner)s has fewer than %(need)s seat(s) left to vote (%(seats)s)"),
    N_("waiting for %(need)s vote(s) of each partner (%(reason)s)"),
    N_("not counted: %(seats)s"),
    N_("%(seat)s recused"),
    N_("%(seat)s vacant"),
    N_("%(partner)s seat %(number)s"),
    N_("%(seat)s (vacant)"),
    N_("%(seat)s (%(name)s) rejected"),
    N_("%(seat)s (%(name)s) abstained"),
    N_("%(seat)s (%(name)s) did not vote"),
)
# Refusals a member's signing pages show (governance.proposal.check_signature, .user, .recusal, .rotation,
# .interest, ledger.authority): mirrored, checked by tests/web/test_texts.py.
MEMBERS = (
    N_(
        "signature refused: %(what)s does not verify with the key %(key)s of member %(member)s (%(name)s); "
        "it must be signed with that member's own key, over exactly these bytes"
    ),
    N_("the declaration of an interest in %(party)s"),
    N_("the recusal from proposal %(proposal)s"),
    N_("the replacement of the key of member %(member)s"),
    N_("the %(choice)s vote on proposal %(proposal)s"),
    N_(
        "user %(user)s is not linked to member %(member)s: a user %(act)s only for the seats linked to them "
        "(an administrator links a user to a seat, with the partner's authority)"
    ),
    N_("votes"),  # what a user does for a linked seat (user.require_linked's `act`)
    N_("proposes"),
    N_("acts"),
    N_("member %(member)s (%(name)s) has already recused from proposal %(proposal)s"),
    N_(
        "the replacement of the key of member %(member)s is signed with the member's own key; "
        "here only %(partner)s's authority key signs it"
    ),
    N_(
        "%(what)s: the statement is not signed by %(partner)s's authority key %(key)s named in the genesis record"
    ),
    N_("key %(key)s is already %(owner)s's; each member signs with their own key, used nowhere else"),
    N_("member %(member)s (%(name)s)"),
    N_("no seated member %(member)s"),
    N_("a company name or code of 1 to %(limit)s characters is needed"),
    N_("a description of 1 to %(limit)s characters is needed"),
    N_("interest not declared"),
)
# Problems of an import (revenue.reader, .fields, .imports): mirrored, checked by tests/web/test_texts.py.
IMPORTS = (
    N_("a value is required"),
    N_("longer than %(limit)s characters"),
    N_("contains a NUL character"),
    N_("an identifier may not contain spaces"),
    N_("a date is required (YYYY-MM-DD)"),
    N_("not a valid date; expected YYYY-MM-DD"),
    N_("a %(what)s is required; expected one of %(allowed)s"),
    N_("a %(what)s is required"),
    N_("unknown %(what)s; expected one of %(allowed)s (did you mean %(close)s?)"),
    N_("unknown %(what)s; expected one of %(allowed)s"),
    N_("unknown %(what)s (did you mean %(close)s?)"),
    N_("unknown %(what)s"),
    N_("an amount is required"),
    N_("expected a positive number (41.8996 or 41,8996)"),
    N_("expected %(width)s fields as in the header, found %(found)s"),
    N_("no such file"),
    N_("not a file"),
    N_("the file is empty; expected a header row"),
    N_("the first sheet is empty; expected a header row"),
    N_("the workbook has no sheet"),
    N_("unknown column; expected %(columns)s"),
    N_("missing column %(column)s"),
    N_("column appears twice (columns %(first)s and %(second)s)"),
    N_("not a readable XLSX workbook: %(cause)s"),
    N_("unsupported file type; expected %(accepted)s"),
    N_("%(kind)s import refused (%(file)s); nothing was imported"),
    N_("the header row is not usable; nothing was imported"),
    N_("cannot read input"),
    N_("%(count)s further problem(s) not listed; fix the ones above and import again"),
    N_("%(summary)s: %(count)s problem(s)"),  # errors.InputError.render's first line
    # bounds.plain_decimal, after a file's own decimal comma and grouping were read (revenue.numbers)
    N_(
        "%(what)s is not a number written with the digits 0-9 and a dot as the decimal mark "
        "(no exponent, no other digits)"
    ),
    N_("%(what)s is longer than %(limit)s characters"),
    N_("expected a %(suffixes)s file"),
    N_("%(what)s not imported"),
)
TEMPLATES = (*MEMBERS, *REASONS, *OUTSTANDING, *GOVERNANCE, *TITLES, eiti.TITLE, *IMPORTS)
# Values that are codes of the terms, by placeholder: shown by their names (web.names).
CODES = {"resource": "resource", "stream": "stream", "body": "body"}
LISTS = ("seats", "against")  # "A, B and C" (governance.rule._join)
# A member's name, a code typed in a command, a licence's id, and what a file holds or lists (codes, file names).
VERBATIM = (
    "name",
    "party",  # a company's name or code as the member typed it
    "user",
    "deadline",
    "licence",
    "allowed",
    "columns",
    "column",
    "file",
    "accepted",
    "cause",
    "suffixes",
)
_AND = re.compile(r", | and ")


# The domain's errors end with a hint for the CLI ("; see: jointfund users list").
# A page never tells its reader to run a command (issue 12): the hint is dropped there, the error kept.
_COMMAND_IN_PARENS = re.compile(r"\s*\([^()]*\bjointfund [a-z][^()]*\)")
_COMMAND_CLAUSE = re.compile(
    r"(?:[;,:]|\n)\s*(?:(?:[A-Za-z]+ ){0,4}[A-Za-z]+:\s*|(?:[A-Za-z]+ ){0,4})jointfund [a-z][^;\n]*"
)


def without_commands(text: str) -> str:
    """`text` without the clauses that tell its reader to run a `jointfund` command."""
    if "jointfund " not in text:
        return text
    text = _COMMAND_CLAUSE.sub("", _COMMAND_IN_PARENS.sub("", text))
    return text.rstrip(" ;:,")


def words(
    named: Callable[[str, str | None], str], gettext: Callable[[str], str], lang: str
) -> Callable[[str | None], str]:
    """said(text): a domain text in the language of `gettext` (`named` gives a code's name in it)."""

    def value(name: str, text: str) -> str:
        if name in CODES:
            return named(CODES[name], text)
        if name in VERBATIM:
            return text
        if name in LISTS:
            parts = [said(p) for p in _AND.split(text)]
            return (
                parts[0]
                if len(parts) == 1
                else gettext("%(items)s and %(last)s") % {"items": ", ".join(parts[:-1]), "last": parts[-1]}
            )
        if (
            name == "needs" and ": " in text
        ):  # "more than half of the 3 seats: 2" (a requirement and its count)
            words_, count = text.rsplit(": ", 1)
            return f"{said(words_)}: {count}"
        if name == "close":  # "lithium or lanthanum": codes, joined by the language's "or"
            return (
                gettext("%(one)s or %(other)s")
                % {"one": ", ".join(text.split(" or ")[:-1]), "other": text.split(" or ")[-1]}
                if " or " in text
                else text
            )
        if name == "resources":
            return ", ".join(named("resource", r) for r in text.split(", "))
        return said(text)

    def said(text: str | None) -> str:
        return recognise(without_commands(text), TEMPLATES, gettext, lang, value) if text else ""

    return said
