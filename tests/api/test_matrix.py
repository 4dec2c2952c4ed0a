"""The whole role x endpoint matrix: every route asks the policy, and the answer matches it for every role."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from jointfund.governance import policy

from .conftest import bearer, sign_in

pytestmark = pytest.mark.storage

# Every route of the app and the policy question it asks: a new route must be added here, or the test fails.
ROUTES = {
    ("GET", "/api/public/summary"): "public.read",
    ("GET", "/api/terms"): "public.read",
    ("GET", "/api/me"): None,
    ("GET", "/api/checkpoints"): "public.read",
    ("GET", "/api/forecast"): "public.read",
    ("GET", "/forecast"): "public.read",
    ("GET", "/api/ledger/accounts"): "books.read",
    ("GET", "/api/ledger/balances"): "books.read",
    ("GET", "/api/ledger/entries"): "books.read",
    ("GET", "/api/ledger/entries/{seq}"): "books.read",
    ("GET", "/api/ledger/records/{seq}/proof"): "books.read",
    ("POST", "/api/ledger/entries"): "ledger.post",
    ("POST", "/api/ledger/entries/countersign-request"): "ledger.post",
    ("POST", "/api/ledger/entries/{seq}/reversal"): "ledger.reverse",
    ("POST", "/api/ledger/entries/{seq}/reversal/countersign-request"): "ledger.reverse",
    ("POST", "/api/expenses"): "expenses.record",
    ("POST", "/api/expenses/countersign-request"): "expenses.record",
    ("GET", "/api/members"): "books.read",
    ("GET", "/api/proposals"): "books.read",
    ("GET", "/api/proposals/{proposal_id}"): "books.read",
    ("GET", "/api/proposals/{proposal_id}/ballot"): "proposals.vote",
    ("POST", "/api/proposals/{proposal_id}/votes"): "proposals.vote",
    ("GET", "/api/audit"): "books.read",
    ("POST", "/api/revenue/licences"): "licences.import",
    ("POST", "/api/revenue/receipts"): "receipts.import",
    ("POST", "/api/revenue/fx"): "fx.import",
    ("POST", "/api/revenue/payments"): "payments.import",
    ("POST", "/api/revenue/fx/corrections"): "fx.correct",
    ("POST", "/api/revenue/licences/{licence_id}/corrections"): "licences.correct",
    ("POST", "/api/revenue/receipts/{receipt_id}/corrections"): "receipts.correct",
    ("POST", "/api/transfers/countersign-request"): "transfers.record",
    ("POST", "/api/transfers"): "transfers.record",
    ("POST", "/api/capital/calls/countersign-request"): "capital.call",
    ("POST", "/api/capital/calls"): "capital.call",
    ("POST", "/api/capital/contributions/countersign-request"): "capital.contribute",
    ("POST", "/api/capital/contributions"): "capital.contribute",
    ("GET", "/api/revenue/licences"): "books.read",
    ("GET", "/api/revenue/receipts"): "books.read",
    ("GET", "/api/revenue/uploads/{job_id}"): "books.read",
    ("GET", "/revenue/uploads/{job_id}"): "books.read",
    # pages
    ("GET", "/"): "public.read",
    ("GET", "/login"): None,
    ("POST", "/login"): None,
    ("POST", "/logout"): None,
    ("GET", "/dashboard"): "books.read",
    ("GET", "/ledger"): "books.read",
    ("GET", "/ledger/entries"): "books.read",
    ("GET", "/ledger/entries/{seq}"): "books.read",
    ("GET", "/proposals"): "books.read",
    ("GET", "/proposals/{proposal_id}"): "books.read",
    ("GET", "/proposals/new"): "proposals.new",
    ("GET", "/proposals/{proposal_id}/documents/{sha256}"): "books.read",
    ("GET", "/revenue"): "books.read",
    ("POST", "/revenue/upload/{what}"): "receipts.import",
    ("POST", "/revenue/upload/{what}/confirm"): "receipts.import",
    ("POST", "/revenue/upload/fx/accept-jump"): "fx.import",
    ("GET", "/revenue/imports"): "books.read",
    ("GET", "/revenue/templates/{what}.{fmt}"): "books.read",
    ("GET", "/revenue/uploads"): "books.read",
    ("GET", "/api/docs"): None,
    # revenue lists and reports
    ("GET", "/api/revenue/fx"): "books.read",
    ("GET", "/api/revenue/payments"): "books.read",
    ("GET", "/api/revenue/contributions"): "books.read",
    ("GET", "/api/revenue/contributions/totals"): "books.read",
    ("GET", "/api/revenue/calendar"): "books.read",
    ("GET", "/api/reports/eiti"): "books.read",
    ("GET", "/api/reports/reconciliation"): "books.read",
    ("GET", "/api/reports/fund.html"): "books.read",
    # capital, the pipeline, the portfolio, the portal
    ("GET", "/api/capital/accounts"): "books.read",
    ("GET", "/api/capital/statements/{partner}"): "books.read",
    ("GET", "/api/applications"): "books.read",
    ("POST", "/api/applications"): "applications.submit",
    ("GET", "/api/applications/{application_id}"): "books.read",
    ("POST", "/api/applications/{application_id}/moves"): "applications.move",
    ("POST", "/api/applications/{application_id}/screenings"): "applications.screen",
    ("POST", "/api/applications/{application_id}/screening-outcome"): "applications.screening_outcome",
    ("GET", "/api/portal/applications"): "portal.read",
    ("POST", "/api/portal/applications"): "applications.submit",
    ("GET", "/api/portal/applications/{application_id}"): "portal.read",
    ("POST", "/api/portal/applications/{application_id}/withdrawal"): "applications.withdraw",
    ("POST", "/api/portal/applications/{application_id}/documents"): "applications.submit",
    ("GET", "/api/investments"): "books.read",
    ("GET", "/api/portfolio"): "books.read",
    # governance: proposing, withdrawing, expiring, executing; members and users; consistency proofs
    ("POST", "/api/proposals/draft"): "proposals.new",
    ("POST", "/api/proposals"): "proposals.new",
    ("POST", "/api/proposals/signed"): "proposals.new",
    ("GET", "/api/proposals/{proposal_id}/documents/{sha256}"): "books.read",
    ("GET", "/api/proposals/{proposal_id}/withdrawal"): "proposals.withdraw",
    ("POST", "/api/proposals/{proposal_id}/withdrawal"): "proposals.withdraw",
    ("POST", "/api/proposals/expiry"): "proposals.expire",
    ("POST", "/api/proposals/{proposal_id}/execution"): "proposals.execute",
    ("GET", "/api/members/{member_id}"): "books.read",
    ("GET", "/api/users/{name}/members"): "books.read",
    ("POST", "/api/users/{name}/members"): "users.link_member",
    ("POST", "/api/users/{name}/members/{member_id}/unlink"): "users.link_member",
    ("GET", "/admin/users"): "users.link_member",
    ("POST", "/admin/users/links"): "users.link_member",
    # a member's own pages: interests, recusal, key replacement (the partner's, for an administrator)
    ("GET", "/members"): "members.interest",
    ("GET", "/members/{member_id}/interest"): "members.interest",
    ("POST", "/members/{member_id}/interest"): "members.interest",
    ("GET", "/proposals/{proposal_id}/recusal"): "proposals.recuse",
    ("POST", "/proposals/{proposal_id}/recusal"): "proposals.recuse",
    ("GET", "/members/{member_id}/key"): "members.rotate_key",
    ("POST", "/members/{member_id}/key"): "members.rotate_key",
    ("POST", "/members/{member_id}/key/signed"): "members.rotate_key",
    ("GET", "/api/checkpoints/consistency"): "public.read",
    ("GET", "/api/public/records"): "public.read",
    ("GET", "/api/public/records/{seq}"): "public.read",
    # pages of the pipeline, the portal, capital, the portfolio and the revenue reports
    ("GET", "/pipeline"): "books.read",
    ("GET", "/pipeline/{application_id}"): "books.read",
    ("POST", "/pipeline/{application_id}/move"): "applications.move",
    ("POST", "/pipeline/{application_id}/screen"): "applications.screen",
    ("POST", "/pipeline/{application_id}/screening-outcome"): "applications.screening_outcome",
    ("GET", "/pipeline/{application_id}/confirmation"): "applications.screening_outcome",
    ("GET", "/portal"): "portal.read",
    ("POST", "/portal"): "applications.submit",
    ("GET", "/portal/{application_id}"): "portal.read",
    ("POST", "/portal/{application_id}/withdraw"): "applications.withdraw",
    ("POST", "/portal/{application_id}/documents"): "applications.submit",
    ("GET", "/capital"): "books.read",
    ("GET", "/portfolio"): "books.read",
    ("GET", "/revenue/reports"): "books.read",
    ("GET", "/budget"): "books.read",
    # the register of the agreements' commitments: public to read, officers record
    ("GET", "/api/commitments"): "public.read",
    ("GET", "/api/commitments/{cid}"): "public.read",
    ("POST", "/api/commitments/events"): "commitments.event",
    ("POST", "/api/commitments/{cid}/records"): "commitments.record",
    ("GET", "/commitments"): "public.read",
    ("GET", "/records"): "public.read",
    ("GET", "/records/{seq}"): "public.read",
    ("POST", "/commitments/event"): "commitments.event",
    ("POST", "/commitments/record"): "commitments.record",
}
WHO = ("anonymous", *[r for r in policy.ROLES if r != policy.PUBLIC])


def permitted(role: str, action: str) -> bool:
    if role == "anonymous":
        role = policy.PUBLIC
    return policy.may_read(role, action) if action in policy.READS else policy.allowed(role, action)


def routes_of(routes, prefix: str = "") -> set[tuple[str, str]]:  # noqa: ANN001
    """(method, path) of every route, through included routers whatever FastAPI's version wraps them in."""
    found: set[tuple[str, str]] = set()
    for r in routes:
        if isinstance(r, APIRoute):
            found |= {(m, prefix + r.path) for m in r.methods if m != "HEAD"}
        elif hasattr(r, "original_router"):
            found |= routes_of(r.original_router.routes, prefix + r.include_context.prefix)
    return found


def test_every_route_is_in_the_matrix(app) -> None:  # noqa: ANN001
    assert routes_of(app.routes) == set(ROUTES)


def concrete(path: str, site) -> str:  # noqa: ANN001
    return (
        path.replace("{seq}", str(site.proposal.seq))
        .replace("{proposal_id}", str(site.proposal.id))
        .replace("{what}", "receipts")
        .replace("{job_id}", "0" * 32)
        .replace("{application_id}", "1")
        .replace("{member_id}", "1")
        .replace("{cid}", "urif.data")
        .replace("{licence_id}", "L-1")
        .replace("{receipt_id}", "R-1")
        .replace("{partner}", site.fund.base_terms().partner_codes[0])
        .replace("{name}", site.name("auditor"))
    )


@pytest.mark.parametrize("who", WHO)
def test_each_role_gets_exactly_what_the_policy_allows(client, site, who) -> None:  # noqa: ANN001
    if who != "anonymous":
        sign_in(client, site, who)
    for (method, path), action in ROUTES.items():
        if action is None:
            continue
        url = concrete(path, site)
        headers = {
            "X-CSRF-Token": "not-it"
        }  # wrong on purpose: a permitted change then fails on CSRF, not policy
        if method == "GET":
            r = client.get(url, params={"member": 1, "choice": "approve"}, follow_redirects=False)
        else:
            r = client.post(url, headers=headers, files={"file": ("x.csv", b"a\n")}, follow_redirects=False)
        text = r.text
        denied = (
            r.status_code in (401, 403)
            and ("may not" in text or "sign in first" in text)
            or (r.status_code == 303 and "/login" in r.headers.get("location", ""))
        )
        assert denied != permitted(who, action), (who, method, path, r.status_code, text[:200])


@pytest.mark.parametrize("role", [r for r in policy.ROLES if r != policy.PUBLIC])
def test_tokens_get_the_same_answers_as_sessions(client, site, role) -> None:  # noqa: ANN001
    for (method, path), action in ROUTES.items():
        if action is None or not path.startswith("/api/") or method != "GET":
            continue
        r = client.get(
            concrete(path, site), params={"member": 1, "choice": "approve"}, headers=bearer(site, role)
        )
        denied = r.status_code in (401, 403) and "may not" in r.text
        assert denied != permitted(role, action), (role, path, r.status_code, r.text[:200])
