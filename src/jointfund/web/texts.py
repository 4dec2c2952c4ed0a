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
from decimal import Decimal

from jointfund.governance import policy
from jointfund.i18n import N_, number, percent, recognise
from jointfund.reports.fund_report import TITLES
from jointfund.revenue import eiti, fx, numbers
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
    N_("%(against)s: %(needs)s must approve, at most %(possible)s still can"),  # "all 6 seats" says how many
    N_("on %(date)s; %(state)s: %(reason)s"),
    N_("its deadline %(date)s passed before the rule was met: %(reason)s"),
    # Recusal counting (governance.rule); before "%(partner)s seat %(number)s", which would take them whole.
    N_("it cannot pass: no seat is left to vote (%(seats)s)"),
    N_("it cannot pass: %(partner)s has fewer than %(need)s seat(s) left to vote (%(seats)s)"),
    N_("waiting for %(need)s vote(s) of each partner (%(reason)s)"),
    N_("not counted: %(seats)s"),
    N_("%(seat)s recused"),
    N_("%(seat)s vacant"),
    N_("%(seat)s (vacant)"),
    # A seat's own verdict, before "%(partner)s seat %(number)s" too: that one would take
    # "1 (ua-board-1) rejected" as the seat's number and leave "rejected" in English.
    N_("%(seat)s (%(name)s) rejected"),
    N_("%(seat)s (%(name)s) abstained"),
    N_("%(seat)s (%(name)s) did not vote"),
    N_("%(partner)s seat %(number)s"),
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
    N_("countersigns"),
    N_("member %(member)s (%(name)s) has already recused from proposal %(proposal)s"),
    N_(
        "the replacement of the key of member %(member)s is signed with the member's own key; "
        "here only %(partner)s's authority key signs it"
    ),
    N_(
        "%(what)s: the statement is not signed by %(partner)s's authority key %(key)s named in "
        "the genesis record"
    ),
    N_("key %(key)s is already %(owner)s's; each member signs with their own key, used nowhere else"),
    N_("member %(member)s (%(name)s)"),
    N_("no seated member %(member)s"),
    N_("a company name or code of 1 to %(limit)s characters is needed"),
    N_("a description of 1 to %(limit)s characters is needed"),
    N_("interest not declared"),
    # A countersignature's refusals (governance.countersign.require, .why_not) on a clearance's confirmation.
    N_(
        "%(what)s refused: the countersignature does not verify with the key of member %(member)s (%(name)s) "
        "over this %(request)s asked by %(user)s"
    ),
    N_(
        "%(what)s refused: member %(member)s (%(name)s) is linked to user %(user)s, who asked for it: "
        "a person does not countersign their own request"
    ),
    N_("%(what)s refused: member %(member)s (%(name)s) was not seated, so cannot countersign"),
    N_("screening.clear of screening:%(screening)s"),  # a clearance's request (portfolio.clearance.request)
    N_("outcome not recorded"),
    N_("a member number is needed"),
)
# Every other refusal the member-signed forms can meet (issue 12): a vote and a proposal (posted to the API by
# the page's script, which shows the API's `said`), a recusal, a key's replacement, a clearance's confirmation
# (governance.vote, .proposal, .recusal, .rotation, .policy, ledger.authority, portfolio.screening); mirrored,
# checked by tests/web/test_texts.py.
MEMBER_FORMS = (
    N_("a vote cannot be dated %(date)s, before proposal %(proposal)s was made (%(made)s)"),
    N_(
        "member %(member)s (%(name)s) sits on %(body)s, not on %(target)s: only %(voters)s members vote on "
        "proposal %(proposal)s"
    ),
    N_(
        "member %(member)s (%(name)s) sits on %(body)s, not on %(target)s: only its members recuse from "
        "proposal %(proposal)s"
    ),
    N_("proposal %(proposal)s needs a recommendation before %(body)s members vote; %(reason)s"),
    N_("member %(member)s (%(name)s) recused from proposal %(proposal)s and no longer votes on it"),
    # Its "recuse instead of voting: jointfund proposals recuse ..." is the CLI's; a page has its button.
    N_(
        "member %(member)s (%(name)s) declared an interest in %(party)s (%(nature)s), and proposal "
        "%(proposal)s concerns %(company)s"
    ),
    N_(
        "vote refused: it is signed for round %(round)s, but member %(member)s's next vote on proposal "
        "%(proposal)s is round %(next)s; a replayed or stale vote is never counted"
    ),
    N_("expected one of %(allowed)s"),
    N_("no proposal %(proposal)s"),
    N_("proposal %(proposal)s is closed: its deadline %(date)s passed; no one can %(doing)s it"),
    N_("proposal %(proposal)s is closed (%(state)s: %(reason)s); no one can %(doing)s it"),
    N_("proposal %(proposal)s is closed (%(state)s); no one can %(doing)s it"),
    N_("vote on"),  # what no one can do on a closed proposal (governance.proposal.refuse_unless_open)
    N_("recuse from"),
    N_("withdraw"),
    N_("only the proposer (member %(member)s) can withdraw proposal %(proposal)s"),
    N_("withdrawn by its proposer, member %(member)s (%(name)s)"),  # a withdrawn proposal's reason
    N_("the withdrawal of proposal %(proposal)s"),  # what a withdrawal's signature is over
    N_("proposal not made"),
    N_("a %(kind)s proposal cannot be opened on %(date)s: %(why)s"),
    N_("a %(kind)s proposal can never be decided under these terms: %(why)s"),
    N_(
        "member %(member)s (%(name)s) sits on %(body)s; a %(kind)s proposal is made by a member of %(bodies)s"
    ),
    N_("a title of 1 to %(limit)s characters is needed"),
    N_("an amount and its currency go together"),
    N_("not a kind of decision in the terms; expected one of %(allowed)s"),
    N_("not a currency of the fund; expected one of %(allowed)s"),
    N_("must be more than zero"),
    N_("an amendment proposal needs its amendment file"),
    N_("only an amendment proposal carries one, not a %(kind)s proposal"),
    N_("an amendment proposal is about its amendment's hash; give no other reference"),
    N_("a reference of 1 to %(limit)s characters is needed"),
    N_("names no existing proposal"),
    N_("is before the proposal is made (%(date)s)"),
    N_("before the fund exists (it starts %(date)s)"),
    N_("at most %(limit)s documents per proposal"),
    N_("a file name of 1 to %(limit)s printable characters is needed"),
    N_("the hash is not 64 lowercase hexadecimal digits (SHA-256)"),
    N_("the same file is listed twice"),
    N_("a document of 1 to %(limit)s bytes is needed"),
    N_("the documents together may be at most %(limit)s bytes"),
    N_("a file was sent that the signed proposal does not list"),
    N_("its bytes were not sent, and no stored document has its hash"),
    N_("the file sent is not the one signed (its SHA-256 or size differs)"),
    N_("the statement does not authorize this %(kind)s"),
    N_("the change has %(want)s"),
    N_("differs from the change"),
    N_("signed for another fund"),
    N_("%(what)s needs a statement signed by %(partner)s's authority key"),
    N_("%(what)s: the fund's genesis record is not signed yet (missing: %(missing)s)"),
    # A countersignature's refusals on their own (governance.countersign.why_not), as verify names them.
    N_("member %(member)s does not exist"),
    N_("member %(member)s (%(name)s) was not seated, so cannot countersign"),
    N_(
        "member %(member)s (%(name)s) is linked to user %(user)s, who asked for it: a person does not "
        "countersign their own request"
    ),
    N_(
        "the countersignature does not verify with the key of member %(member)s (%(name)s) over this "
        "%(request)s asked by %(user)s"
    ),
    N_("the change is %(partner)s's"),
    N_("the change is a %(kind)s"),
    N_("this statement was already used (each is good once; prepare a new one)"),
    N_("%(what)s: this statement was already used (each is good once; prepare a new one)"),
    N_("%(application)s has not been screened"),
    N_(
        "screening %(screening)s of %(application)s is already %(outcome)s (%(reason)s); screen it again for "
        "a new decision"
    ),
    N_(
        "%(user)s cleared screening %(screening)s of %(application)s already: a clearance needs a second "
        "person, so another user who may record outcomes confirms it (or blocks it)"
    ),
    N_("say why, in 1 to %(limit)s characters"),
    N_("expected %(allowed)s"),
    N_("before the screening (%(date)s)"),
    N_("cleared"),  # a screening's outcome
    N_("blocked"),
    N_("key"),  # what a key's statement authorizes (governance.rotation)
    N_("%(user)s (%(role)s) may not %(action)s: only %(roles)s may"),
    N_("%(user)s (%(role)s) may not read this (%(action)s)"),  # a page's refusal (api.deps.allow)
)
# Problems of an import (revenue.reader, .fields, .imports): mirrored, checked by tests/web/test_texts.py.
IMPORTS = (
    N_("a value is required"),
    N_("longer than %(limit)s characters"),
    N_("contains a NUL character"),
    N_("an identifier may not contain spaces"),
    N_("a date is required (YYYY-MM-DD)"),
    N_("not a valid date; expected YYYY-MM-DD or DD.MM.YYYY"),
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
    # revenue.reader: encodings, CSV and JSON
    N_(
        "the file is not UTF-8 text, nor UTF-16 with a byte-order mark, nor Windows-1251 "
        "Cyrillic; save it as "
        "UTF-8 (in Excel: CSV UTF-8)"
    ),
    N_("the file looks like UTF-16 text without a byte-order mark; save it as UTF-8 (in Excel: CSV UTF-8)"),
    N_("not %(encoding)s text from here on; save the file as UTF-8 (in Excel: CSV UTF-8)"),
    N_("not %(encoding)s text from here on (%(cause)s)"),
    N_("a field is longer than %(limit)s characters (the bound of a CSV field)"),
    N_("not readable as CSV: %(why)s"),
    N_("cannot open the file: %(cause)s"),
    N_("JSON rate files are limited to %(limit)s MiB"),
    N_("not valid text: %(cause)s"),
    N_("not valid JSON: %(cause)s"),
    N_("expected a JSON array of rate objects"),
    N_("expected an object, found %(type)s"),
    # revenue.imports: a row against the book or an earlier row
    N_(
        "%(record)s %(key)s was already imported with different content\n      imported (%(origin)s): "
        "%(before)s\n      this file: %(offered)s"
    ),
    N_("corrects a receipt that is neither imported nor on an earlier line"),
    N_("a correction cannot be dated before the receipt it corrects (%(date)s)"),
    N_(
        "a correction must name the same licence, stream, currency, resource and budget as the receipt it "
        "corrects"
    ),
    # revenue.licence, .receipt, .fx: the cells of a row
    N_("a %(what)s is listed twice"),
    N_("the date the PSA was signed is required when psa = yes"),
    N_("only a licence under a PSA (psa = yes) has a PSA signing date"),
    N_("a receipt cannot correct itself"),
    N_("not a resource of licence %(licence)s (its resources: %(resources)s)"),
    N_(
        "licence %(licence)s has several resources (%(resources)s): a %(stream)s receipt must "
        "name the one it is for"
    ),
    N_("expected a three-letter ISO 4217 code"),
    N_("the terms give no plausible range for this currency (fx.plausible_rates)"),
    N_(
        "outside the terms' plausible range for %(currency)s: %(low)s to %(high)s %(domestic)s per unit "
        "(fx.plausible_rates)"
    ),
    # bounds and money: numbers, dates and texts beyond what the book stores
    N_("amount is out of range: at most %(limit)s minor units (64 bits)"),
    N_("date is outside the fund's life plus a margin (%(first)s to %(last)s)"),
    N_("year is outside the fund's life plus a margin (%(first_year)s to %(last_year)s)"),
    N_("JSON nested deeper than %(limit)s levels; a rate file is an array of objects"),
    N_("expected a whole number from 1 to %(limit)s"),
    N_("longer than %(limit)s characters (the bound of a text option)"),
    N_("amount must be given as text or Decimal, not a float"),
    N_("amount must be finite and shorter than %(limit)s digits"),
    N_("%(currency)s has %(places)s decimal place(s); amount has more"),
)
# revenue.numbers, the jumps of revenue.fx and api.jobs's bound: templates where they are written. On a page
# they are shown without the CLI's hint (without_commands drops it), so that shorter text is recognised too.
PAGE_FORMS = (
    N_(
        "ambiguous: %(written)s may be %(decimal)s (decimal comma) or %(thousands)s (thousands): write it "
        "with its decimals (1 250,00 or 1,250.00)"
    ),
    N_(
        "changes %(change)s from the rate of %(date)s (%(rate)s); the terms allow %(limit)s "
        "(fx.max_daily_change)"
    ),
    N_(  # api.jobs.TOO_MANY_ROWS
        "has more than %(limit)s rows, the most an upload may have: split the file into parts of at most "
        "%(part)s rows and upload each one"
    ),
)
# What a countersignature is asked for (governance.countersign.require): a request's kind and subject, and the
# refusal of a change that has none, for the CLI in Ukrainian and any page that meets them.
COUNTERSIGNING = (
    N_("transfer of transfer:%(key)s"),
    N_("capital.call of capital-call:%(key)s"),
    N_("capital.contribution of capital-receipt:%(key)s"),
    N_("capital.in_kind of in-kind:%(key)s"),
    N_("expense of expense:%(key)s"),
    N_("entry of entry:manual:%(key)s"),
    N_(
        "%(what)s needs a second person: a seated member's countersignature (a seated member other than the "
        "one asking signs it: in the CLI with --countersign-as MEMBER --countersign-key KEY, in the API with "
        "the request's member and signature); another user is not enough, since an administrator can add "
        "users"
    ),
    N_("transfer refused; nothing was recorded"),
    N_("no usable %(currency)s reference rate on or before %(date)s to convert the transfer"),
)
# Starlette's reasons for a page that is not there, or a method a page does not take: an error page says them.
HTTP = (N_("Not Found"), N_("Method Not Allowed"))
TEMPLATES = (
    *HTTP,
    *MEMBERS,
    *MEMBER_FORMS,
    *REASONS,
    *OUTSTANDING,
    *GOVERNANCE,
    *TITLES,
    eiti.TITLE,
    *IMPORTS,
    *PAGE_FORMS,
    *COUNTERSIGNING,
    *numbers.PROBLEMS,
    fx.NEXT_JUMP,
)
# Values that are codes of the terms, by placeholder: shown by their names (web.names).
CODES = {"resource": "resource", "stream": "stream", "body": "body", "target": "body", "voters": "body"}
LISTS = ("seats", "against")  # "A, B and C" (governance.rule._join)
# A member's name, a code typed in a command, a licence's id, and what a file holds or lists (codes, file
# names).
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
    "encoding",
    "type",
    "written",
    "key",
    "origin",
    "before",
    "offered",
    "currency",
    "domestic",
    "nature",  # a declared interest's nature and company, as typed
    "company",
    "application",  # APP-5
    "screening",
    "want",  # a field's value in a statement
    "action",  # a policy action's code (proposals.vote)
)
PERCENTS = ("change", "limit")  # "12.5%": a share, in the language's form
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")  # 131,072: a count the code grouped in English
_AND = re.compile(r", | and ")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")


# The domain's errors end with a hint for the CLI ("; see: jointfund users list").
# A page never tells its reader to run a command (issue 12): the hint is dropped there, the error kept.
_COMMAND_IN_PARENS = re.compile(r"\s*\([^()]*\bjointfund [a-z][^()]*\)")
_COMMAND_CLAUSE = re.compile(
    r"(?:[;,:]|\n)\s*(?:(?:[A-Za-z]+ ){0,4}[A-Za-z]+:\s*|(?:[A-Za-z]+ ){0,4})jointfund [a-z][^;\n]*"
)


# A clause or sentence that offers a command's option ("; or give --locale uk", ". If it is right, import
# again with --accept-jump"): a page has its own way (a confirmation in the preview), or none, and drops it.
_OPTION_CLAUSE = re.compile(r"(?:;|\.(?= ))[^;.\n]*(?<![\w-])--[a-z][a-z-]+[^;.\n]*$")


def without_commands(text: str) -> str:
    """`text` without the clauses that tell its reader to run a `jointfund` command or give it an option."""
    if "--" in text:
        text = _OPTION_CLAUSE.sub("", text)
    if "jointfund " not in text:
        return text.rstrip(" ;:,") if "--" in text else text
    text = _COMMAND_CLAUSE.sub("", _COMMAND_IN_PARENS.sub("", text))
    return text.rstrip(" ;:,")


# The terms' keys a problem cites ("(fx.max_daily_change)"), said in words on a page: the key is for those who
# edit the terms file, the words for those who read the page.
TERMS_KEYS = {
    "fx.max_daily_change": N_("the largest daily change of a rate that the fund's terms allow"),
    "fx.plausible_rates": N_("the range of plausible rates in the fund's terms"),
}
_TERMS_KEY = re.compile(r"\((" + "|".join(re.escape(k) for k in TERMS_KEYS) + r")\)")


def words(
    named: Callable[[str, str | None], str], gettext: Callable[[str], str], lang: str
) -> Callable[[str | None], str]:
    """said(text): a domain text in the language of `gettext` (`named` gives a code's name in it)."""

    def value(name: str, text: str) -> str:
        if name in PERCENTS and text.endswith("%") and _NUMBER.fullmatch(text[:-1]):
            return percent(Decimal(text[:-1]) / 100, lang, len(text[:-1].partition(".")[2]))
        if name in CODES:
            return named(CODES[name], text)
        if name == "role":
            return gettext(policy.role_name(text))
        if name == "roles":
            return ", ".join(gettext(policy.role_name(r)) for r in text.split(", "))
        if name == "bodies":  # "board or committee" (governance.proposal)
            one, _, other = text.partition(" or ")
            if not other:
                return named("body", one)
            return gettext("%(one)s or %(other)s") % {
                "one": named("body", one),
                "other": named("body", other),
            }
        if name in VERBATIM:
            return text
        if _GROUPED.fullmatch(text):
            return number(text.replace(",", ""), lang, 0)
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
        if not text:
            return ""
        out = recognise(without_commands(text), TEMPLATES, gettext, lang, value)
        return _TERMS_KEY.sub(lambda m: f"({gettext(TERMS_KEYS[m.group(1)])})", out) if "(" in out else out

    return said
