"""The second person's confirmation of a sanctions clearance on the web, on SQLite and PostgreSQL, without a
browser: the page carries the countersignature's bytes (data-message) for a seat linked to the confirming
user, and the test signs them with that member's key as sign.js does in the browser; only the signature is
posted. A signature by another key is refused with its reason in the reader's language, a seat not linked to
the user is refused outright, nothing is recorded by a refusal, and verify passes after the confirmation.
"""

from __future__ import annotations

import base64
import re

import pytest
from api.conftest import bearer, csrf_of
from api.site import DAY
from support import authorize

from jointfund.governance import countersign, user
from jointfund.portfolio import clearance, sanctions
from jointfund.store import db
from jointfund.verify import verify

SIGNER, OTHER = "ua-board-1", "ua-board-2"
SECOND = "t-confirming-administrator"
PASSWORD = "long enough password"
OWNED = {
    "applicant": "Acme Lithium",
    "applicant_code": "12345678",
    "title": "Lithium concentrator",
    "sector": "mining",
    "region": "Kirovohrad",
    "amount": "2500000.00",
    "currency": "USD",
    "instrument": "loan",
    "reference": "SCR-CONFIRM",
    "owners": "Taras Shevchenko|1984-05-17|UA",
}
REFUSED = {  # a countersignature by another key, as each language says it
    "en": "the countersignature does not verify with the key of member",
    "uk": "контрпідпис не перевіряється ключем члена",
}
NOT_LINKED = {"en": "is not linked to member", "uk": "не повʼязано з членом"}


def message_of(html: str) -> bytes:
    found = re.search(r'data-message="([^"]+)"', html)
    assert found, "the page has nothing to sign"
    return base64.b64decode(found.group(1))


def waiting_clearance(client, site) -> int:  # noqa: ANN001
    """An application whose owner is on a list, screened, its hit cleared by the administrator: waiting."""
    admin = bearer(site, "administrator")
    aid = client.post("/api/applications", headers=admin, json=OWNED).json()["application"]["id"]
    with db.write(site.engine) as conn:
        listed = sanctions.Target(
            "T-9", sanctions.PERSON, "SHEVCHENKO, Taras", (), ("1961-03-09",), (), (), "test"
        )
        sanctions.record(conn, "test", "test_list", sanctions.OPENSANCTIONS, [listed], "1" * 64, "test", DAY)
    assert client.post(f"/api/applications/{aid}/screenings", headers=admin).status_code in (200, 201)
    first = client.post(
        f"/api/applications/{aid}/screening-outcome",
        headers=admin,
        json={"outcome": "cleared", "reason": "born 1984, not 1961"},
    )
    assert first.status_code in (200, 201, 202), first.text
    return aid


def second_administrator(client, site) -> None:  # noqa: ANN001
    """Another administrator, linked to SIGNER's seat with UA's authority, signed in."""
    with db.write(site.engine) as conn:
        user.add(conn, "test", SECOND, "administrator", PASSWORD)
        st = authorize(site.fund.id, "UA", "user.member", user=SECOND, member=site.members[SIGNER])
        user.link_member(conn, site.fund.id, "test", SECOND, site.members[SIGNER], st)
    login = client.post(
        "/login",
        data={"name": SECOND, "password": PASSWORD, "csrf": csrf_of(client.get("/login").text)},
        follow_redirects=False,
    )
    assert login.status_code == 303, login.text


def outcome_of(site, aid: int):  # noqa: ANN001, ANN201 - an Outcome or None
    with db.transaction(site.engine) as conn:
        last = clearance.screenings(conn, aid)[-1]
        return clearance.outcomes(conn, [last.id]).get(last.id)


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_linked_member_countersigns_the_confirmation_in_the_browser(client, site, lang) -> None:  # noqa: ANN001
    aid = waiting_clearance(client, site)
    second_administrator(client, site)
    mid = site.members[SIGNER]

    page = client.get(f"/pipeline/{aid}", params={"lang": lang}).text
    assert 'id="confirm-form"' in page and f'<option value="{mid}">' in page
    assert "countersign-signature" not in page  # nobody pastes a signature any more
    confirm = client.get(
        f"/pipeline/{aid}/confirmation", params={"member": mid, "reason": "passport checked", "lang": lang}
    )
    assert confirm.status_code == 200 and 'id="statement-words"' in confirm.text
    assert "born 1984, not 1961" in confirm.text and "passport checked" in confirm.text
    message = message_of(confirm.text)
    with db.transaction(site.engine) as conn:
        [first] = clearance.clearances(conn).values()
    assert message == clearance.request(site.fund.id, first).message(mid)  # countersign's own bytes
    assert 'type="file"' in confirm.text and 'name="signature" value=""' in confirm.text
    form = {
        "csrf": csrf_of(confirm.text),
        "outcome": "cleared",
        "reason": "passport checked",
        "member": str(mid),
    }

    # Another member's key over the same bytes: refused, said in the reader's language, nothing recorded.
    wrong = client.post(
        f"/pipeline/{aid}/screening-outcome",
        data={**form, "signature": site.keys[OTHER].sign(message).hex(), "lang": lang},
    )
    assert wrong.status_code == 403 and REFUSED[lang] in wrong.text, wrong.text[-2000:]
    assert 'role="alert"' in wrong.text and 'id="sign-form"' in wrong.text  # the form again, to sign again
    if lang == "uk":
        assert "does not verify" not in wrong.text and "screening.clear" not in wrong.text
    assert outcome_of(site, aid) is None

    # A seat not linked to the signed-in user is refused outright, whoever's key signs.
    other = site.members[OTHER]
    unlinked = client.get(f"/pipeline/{aid}/confirmation", params={"member": other, "lang": lang})
    assert unlinked.status_code == 403 and NOT_LINKED[lang] in unlinked.text
    forged = client.post(
        f"/pipeline/{aid}/screening-outcome",
        data={
            **form,
            "member": str(other),
            "signature": site.keys[OTHER].sign(clearance.request(site.fund.id, first).message(other)).hex(),
        },
    )
    assert forged.status_code == 403 and outcome_of(site, aid) is None

    # The linked member's own key: recorded under the confirming user, with the countersignature beside it.
    done = client.post(
        f"/pipeline/{aid}/screening-outcome",
        data={**form, "signature": site.keys[SIGNER].sign(message).hex()},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"/pipeline/{aid}#screening"
    o = outcome_of(site, aid)
    assert o is not None and (o.outcome, o.actor, o.reason) == ("cleared", SECOND, "passport checked")
    with db.transaction(site.engine) as conn:
        [row] = countersign.of(conn, [o.seq]).values()
    assert row["member"] == mid and row["requested_by"] == site.name("administrator")
    assert 'id="confirm-form"' not in client.get(f"/pipeline/{aid}", params={"lang": lang}).text
    assert verify(site.engine).ok


def test_the_asker_sees_no_confirmation_without_a_linked_seat(client, site) -> None:  # noqa: ANN001
    """The administrator who cleared it, linked to no seat, is told so in words, and may still block it."""
    from api.conftest import sign_in

    aid = waiting_clearance(client, site)
    sign_in(client, site, "administrator")
    for lang, said in (
        ("en", "seat is linked to you, so you cannot confirm it"),
        ("uk", "З вами не повʼязане місце"),
    ):
        page = client.get(f"/pipeline/{aid}", params={"lang": lang}).text
        assert 'id="countersign-hint"' in page and said in page and 'id="confirm-form"' not in page
        assert '<option value="cleared">' not in page and '<option value="blocked">' in page
