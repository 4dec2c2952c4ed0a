"""The one authorization policy: which role may take which state-changing action.

Every state-changing command of the CLI, and every route of the HTTP API, asks
`require(actor, action)` before it writes; nothing else decides. An action missing
from `RULES` is a programmer error (an assertion), so a new command cannot forget to
be listed. Reading is open to every role but `public`, which sees only published
aggregates (served by the web app, not by these commands).

Roles:
  administrator     keeps the books, imports data, manages members, users and keys, executes decisions
  board_manager     proposes, votes, executes the board's decisions, signs checkpoints
  committee_member  proposes and votes in committees
  auditor           reads everything and changes nothing
  treasury_officer  submits licences, receipts, exchange rates, payments and transfers
  applicant         submits a project and follows it (issue 5 adds its actions)
  public            sees published aggregates only
"""

from __future__ import annotations

from typing import NamedTuple

from jointfund.errors import Refused
from jointfund.i18n import N_

ADMINISTRATOR = "administrator"
BOARD_MANAGER = "board_manager"
COMMITTEE_MEMBER = "committee_member"
AUDITOR = "auditor"
TREASURY_OFFICER = "treasury_officer"
APPLICANT = "applicant"
PUBLIC = "public"
ROLES = (ADMINISTRATOR, BOARD_MANAGER, COMMITTEE_MEMBER, AUDITOR, TREASURY_OFFICER, APPLICANT, PUBLIC)
# What a person reads for each role (a role's code is what is typed: `--role board_manager`); English, and
# translated where it is shown (web pages, the CLI in its language).
ROLE_NAMES = {
    ADMINISTRATOR: N_("administrator"),
    BOARD_MANAGER: N_("board member"),
    COMMITTEE_MEMBER: N_("committee member"),
    AUDITOR: N_("auditor"),
    TREASURY_OFFICER: N_("treasury officer"),
    APPLICANT: N_("applicant"),
    PUBLIC: N_("the public"),
}

OPERATOR_NAME = "operator"  # the built-in local actor while a fund has no users yet

_BOOKS = frozenset({ADMINISTRATOR})
_DECIDERS = frozenset({BOARD_MANAGER, COMMITTEE_MEMBER})
_TREASURY = frozenset({ADMINISTRATOR, TREASURY_OFFICER})

RULES: dict[str, frozenset[str]] = {
    # the book of record
    "ledger.post": _BOOKS,
    "ledger.reverse": _BOOKS,
    "ledger.open": _BOOKS,
    "ledger.close": _BOOKS,
    "period.close": _BOOKS,  # close an accounting period, once the board's close proposal is executed
    "keys.register": _BOOKS,  # and a statement signed by the partner's authority key (ledger.authority)
    "genesis.record": _BOOKS,  # submit the genesis record and its signatures by the partners' authority keys
    "checkpoint.sign": frozenset({ADMINISTRATOR, BOARD_MANAGER}),
    # joint management
    "members.appoint": _BOOKS,  # each with a statement signed by the partner's authority key
    "members.remove": _BOOKS,
    "members.rotate_key": _BOOKS
    | _DECIDERS,  # the member with the old key, or the authority's statement submitted
    "proposals.new": _DECIDERS,
    "proposals.vote": _DECIDERS,
    "proposals.withdraw": _DECIDERS,
    "proposals.recuse": _DECIDERS,  # signed by the member, like a vote
    "members.interest": _DECIDERS,  # signed by the member
    "proposals.expire": frozenset({ADMINISTRATOR, BOARD_MANAGER, COMMITTEE_MEMBER}),
    "proposals.execute": frozenset({ADMINISTRATOR, BOARD_MANAGER}),
    "users.add": _BOOKS,
    "users.disable": _BOOKS,
    "users.token": _BOOKS,  # issue an API bearer token for a user (web/API)
    "users.revoke_token": _BOOKS,  # revoke one (web/API)
    "users.link_member": _BOOKS,  # say which member a user is (their votes waiting, on the dashboard)
    # revenue data
    "licences.import": _TREASURY,
    "receipts.import": _TREASURY,
    "fx.import": _TREASURY,
    # corrections of reference data: a new record with a reason, never an edit (revenue/correction.py)
    "licences.correct": _TREASURY,
    "receipts.correct": _TREASURY,
    "fx.correct": _TREASURY,
    "payments.import": _TREASURY,
    "transfers.record": _TREASURY,
    "calendar.file": _TREASURY,
    # partners' capital and the portfolio (issue 5)
    "capital.commit": _BOOKS,  # record a partner's signed commitment, which calls are pro rata to
    "capital.call": _BOOKS,
    "capital.contribute": _BOOKS,
    "applications.submit": frozenset({ADMINISTRATOR, APPLICANT}),
    "applications.move": frozenset({ADMINISTRATOR, COMMITTEE_MEMBER}),
    "applications.withdraw": frozenset({ADMINISTRATOR, APPLICANT}),  # one's own application, from the portal
    # due diligence (issue 16): the administrator keeps the lists and decides hits (compliance is its job)
    "sanctions.import": _BOOKS,
    "applications.screen": frozenset({ADMINISTRATOR, COMMITTEE_MEMBER}),
    "applications.screening_outcome": frozenset({ADMINISTRATOR}),
    "portfolio.record": _BOOKS,
    "expenses.record": _BOOKS,  # an expense against an adopted budget line, with its evidence (issue 16)
    # the register of the agreements' commitments (issue 15): officers record events and outcomes
    "commitments.event": frozenset({ADMINISTRATOR, BOARD_MANAGER}),
    "commitments.record": frozenset({ADMINISTRATOR, BOARD_MANAGER}),
    "commitments.tag": _BOOKS,
}

# Reading through the web app and the API (the CLI reads with the database credential): who sees what.
READS: dict[str, frozenset[str]] = {
    "public.read": frozenset(
        ROLES
    ),  # published aggregates, the terms, signed checkpoints: everyone, signed in or not
    "books.read": frozenset(
        {ADMINISTRATOR, BOARD_MANAGER, COMMITTEE_MEMBER, AUDITOR, TREASURY_OFFICER}
    ),  # the books
    "portal.read": frozenset(
        {ADMINISTRATOR, APPLICANT}
    ),  # the applicant portal: the applications one submitted
}


class Actor(NamedTuple):
    """Who acts: a user's name (or the built-in operator) and the role the policy judges."""

    name: str
    role: str


OPERATOR = Actor(OPERATOR_NAME, ADMINISTRATOR)


def allowed(role: str, action: str) -> bool:
    assert role in ROLES, f"unknown role {role!r}"
    assert action in RULES, f"action {action!r} is not in the policy; add it to governance.policy.RULES"
    return role in RULES[action]


def require(actor: Actor, action: str) -> Actor:
    """`actor` when the policy allows it `action`; otherwise Refused, saying who may."""
    if not allowed(actor.role, action):
        roles = [r for r in ROLES if r in RULES[action]]
        hint = (
            f"; add such a user with: jointfund users add NAME --role {roles[0]}" if actor == OPERATOR else ""
        )
        raise Refused(f"{actor.name} ({actor.role}) may not {action}: only {', '.join(roles)} may{hint}")
    return actor


def may_read(role: str, what: str) -> bool:
    """Whether `role` may read `what` (a key of READS) through the web app or the API."""
    assert role in ROLES, f"unknown role {role!r}"
    assert what in READS, f"{what!r} is not in the policy; add it to governance.policy.READS"
    return role in READS[what]


def role_name(role: str) -> str:
    """The English name of `role` that people read ("board member" for board_manager); a surface translates
    it."""
    return ROLE_NAMES.get(role, role)
