"""Every refusal the member-signed forms can meet reads in the page's language (issue 12), on both backends.

The vote and propose forms post to the API from the page's script, which shows the error's `said` (the API's
`message` stays English, for programs); the recusal, key and confirmation forms render it on the page. Both
come from the domain's one English text, recognised by its template (web.texts).
"""

from __future__ import annotations

import base64
import re

import pytest
from api.conftest import bearer, csrf_of, sign_in

from jointfund import clock
from jointfund.governance import canonical, proposal, recusal
from jointfund.store import db
from web.test_ukrainian_pages import english_phrases, leftovers

pytestmark = pytest.mark.storage

SAID = {  # each refusal, as each language says it
    "not linked": {"en": "is not linked to member", "uk": "не повʼязано з членом"},
    "signature": {"en": "signature refused", "uk": "підпис відхилено"},
    "round": {"en": "a replayed or stale vote is never counted", "uk": "повторно надісланий або застарілий"},
    "recused": {"en": "no longer votes on it", "uk": "більше не голосує за неї"},
    "closed": {"en": "no one can vote on it", "uk": "ніхто не може голосувати за неї"},
    "no proposal": {"en": "no proposal 999", "uk": "пропозиції 999 немає"},
    "not made": {"en": "proposal not made", "uk": "пропозицію не внесено"},
    "recused twice": {"en": "has already recused from proposal", "uk": "уже заявляв самовідвід"},
}
PHRASES = english_phrases()


def ukrainian(text: str) -> None:
    assert any("\u0400" <= c <= "\u04ff" for c in text), text
    assert not leftovers(text, PHRASES), (text, leftovers(text, PHRASES))
    assert "jointfund " not in text and "--" not in text, text  # no command on a page
    assert not re.search(r"\b[a-z]{2,} [a-z]{2,} [a-z]{2,}\b", text), text  # no English words left either


def said(r, lang: str, kind: str) -> str:  # noqa: ANN001 - an httpx response
    error = r.json()["error"]
    assert SAID[kind]["en"] in error["message"] or kind == "not made", error  # programs keep the English
    assert SAID[kind][lang] in error["said"], (kind, error["said"])
    if lang == "uk":
        ukrainian(error["said"])
    return error["said"]


def ballot(client, site, h: dict, name: str, choice: str = "approve", pid: int | None = None) -> dict:  # noqa: ANN001
    pid = site.proposal.id if pid is None else pid
    r = client.get(
        f"/api/proposals/{pid}/ballot", params={"member": site.members[name], "choice": choice}, headers=h
    )
    assert r.status_code == 200, r.text
    return r.json()


def vote(client, site, h: dict, name: str, signature: str, round_: int = 1, pid: int | None = None):  # noqa: ANN001, ANN201
    return client.post(
        f"/api/proposals/{site.proposal.id if pid is None else pid}/votes",
        headers=h,
        json={"member": site.members[name], "choice": "approve", "round": round_, "signature": signature},
    )


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_every_refusal_of_the_vote_and_propose_forms_is_said_in_the_page_language(client, site, lang) -> None:  # noqa: ANN001
    name, other, third = list(site.members)[1:4]  # not the proposer (the first)
    h = {**bearer(site, "board_manager"), "Accept-Language": lang}
    b = ballot(client, site, h, name)
    good = canonical.sign(site.keys[name], base64.b64decode(b["message_base64"]))
    r = vote(client, site, h, name, good)
    assert r.status_code == 403 and said(r, lang, "not linked")
    site.link("board_manager", name)
    site.link("board_manager", other)
    forged = canonical.sign(site.keys[other], base64.b64decode(b["message_base64"]))
    r = vote(client, site, h, name, forged)
    assert r.status_code == 403 and said(r, lang, "signature")
    r = vote(client, site, h, name, good, round_=2)
    assert r.status_code == 403 and said(r, lang, "round")
    with db.write(site.engine) as conn:  # `other` steps aside, signed with their own key
        m, message = recusal.prepare(
            conn, site.fund, site.proposal.id, str(site.members[other]), clock.today()
        )
        recusal.recuse(
            conn, site.fund, "test", site.proposal.id, str(m.id), canonical.sign(site.keys[other], message),
            clock.today(),
        )  # fmt: skip
    r = client.get(
        f"/api/proposals/{site.proposal.id}/ballot",
        params={"member": site.members[other], "choice": "approve"},
        headers=h,
    )
    assert r.status_code == 403 and said(r, lang, "recused")
    with db.write(site.engine) as conn:  # the proposer withdraws it: closed
        p = proposal.get(conn, site.proposal.id)
        proposer = next(iter(site.members))
        proposal.withdraw(
            conn, site.fund, "test", p.id, p.proposer,
            canonical.sign(site.keys[proposer], proposal.withdrawal_message(site.fund, p)), clock.today(),
        )  # fmt: skip
    site.link("board_manager", third)
    r = vote(client, site, h, third, good)
    assert r.status_code == 403 and said(r, lang, "closed")
    r = client.get("/api/proposals/999/ballot", params={"member": 1, "choice": "approve"}, headers=h)
    assert r.status_code == 404 and said(r, lang, "no proposal")
    draft = client.post(
        "/api/proposals/draft",
        headers=h,
        json={"kind": site.proposal.kind, "title": " ", "member": site.members[name], "amount": "5"},
    )
    assert draft.status_code == 422, draft.text
    text = said(draft, lang, "not made")
    assert text.count(":") >= 2, text  # each problem after its field


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_recusal_refused_on_its_page_is_said_in_the_page_language(client, site, lang) -> None:  # noqa: ANN001
    name = list(site.members)[1]
    site.link("board_manager", name)
    sign_in(client, site, "board_manager")
    pid, mid = site.proposal.id, site.members[name]
    page = client.get(f"/proposals/{pid}/recusal", params={"member": mid, "lang": lang})
    assert page.status_code == 200, page.text
    message = base64.b64decode(page.text.split('data-message="')[1].split('"')[0])
    form = {
        "csrf": csrf_of(page.text),
        "member": str(mid),
        "signature": canonical.sign(site.keys[name], message),
    }
    done = client.post(f"/proposals/{pid}/recusal", data=form, follow_redirects=False)
    assert done.status_code == 303, done.text
    again = client.post(f"/proposals/{pid}/recusal", data=form)
    assert again.status_code == 403
    alert = again.text.split('role="alert"')[1].split("</p>")[0]  # the page's refusal, or the error page's
    assert SAID["recused twice"][lang] in alert, alert
    if lang == "uk":
        ukrainian(alert)
