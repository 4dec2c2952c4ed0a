"""The administrator's page of users, seats and links (issue 12), on both backends.

A link is made (and taken back) only with the partner's authority statement, signed outside the server (in
the browser; here with the test authority key), through the same code as POST /api/users/NAME/members; it is
logged; the page is the administrator's alone and its form needs the session's CSRF token.
"""

from __future__ import annotations

import base64
import html
import re

import pytest
from api.conftest import bearer, csrf_of, sign_in
from support import authority_key

from jointfund.governance import book, canonical, chain, user
from jointfund.ledger import log
from jointfund.store import db

pytestmark = pytest.mark.storage


def prepared(client, who: str, member: int, do: str = "link") -> tuple[str, str, str]:  # noqa: ANN001
    """The page's statement to sign: (statement JSON, message base64, CSRF token)."""
    r = client.get("/admin/users", params={"do": do, "user": who, "member": member})
    assert r.status_code == 200, r.text
    statement = html.unescape(re.search(r'name="statement" value="([^"]+)"', r.text).group(1))
    message = re.search(r'data-message="([^"]+)"', r.text).group(1)
    return statement, message, csrf_of(r.text)


def signed(message: str, partner: str) -> str:
    return authority_key(partner).sign(base64.b64decode(message)).hex()


def seat_of(site, name: str):  # noqa: ANN001, ANN201 - a governance Member
    with db.transaction(site.engine) as conn:
        return book.members(conn, [site.members[name]])[0]


def links(site) -> dict[str, tuple[int, ...]]:  # noqa: ANN001
    with db.transaction(site.engine) as conn:
        return user.member_links(conn)


def test_only_an_administrator_sees_the_page_or_posts_to_it(client, site) -> None:  # noqa: ANN001
    assert client.get("/admin/users", follow_redirects=False).status_code == 303  # to the sign-in
    for role in ("board_manager", "auditor", "treasury_officer", "committee_member"):
        sign_in(client, site, role)
        page = client.get("/dashboard").text
        assert "/admin/users" not in page  # not in the menu either
        r = client.get("/admin/users")
        assert r.status_code == 403 and "may not" in r.text
        post = client.post(
            "/admin/users/links", data={"csrf": csrf_of(page), "statement": "{}", "signature": "00"}
        )
        assert post.status_code == 403 and "may not" in post.text
    assert links(site) == {}


def test_the_page_lists_users_and_seats_with_key_fingerprints_and_says_a_link_is_not_a_vote(
    client, site
) -> None:  # noqa: ANN001
    sign_in(client, site, "administrator")
    page = client.get("/admin/users").text
    assert 'href="/admin/users"' in client.get("/dashboard").text  # in the administrator's menu
    for role in ("administrator", "board_manager", "auditor"):
        assert f'data-user="{site.name(role)}"' in page
    for name in site.members:
        m = seat_of(site, name)
        row = page.split(f'<tr data-member="{m.id}">')[1].split("</tr>")[0]
        assert m.key_id in row and name in row and f"<td>{m.partner}</td><td>{m.seat}</td>" in row
    assert "A link alone does not let anyone vote." in page and "own key" in page
    uk = client.get("/admin/users", params={"lang": "uk"}).text
    assert "Сам звʼязок нікому не дає права голосувати." in uk and "A link alone" not in uk
    assert "Користувачі та місця" in uk


def test_an_administrator_links_and_unlinks_with_the_partners_signature_and_both_are_logged(
    client, site
) -> None:  # noqa: ANN001
    sign_in(client, site, "administrator")
    name = next(iter(site.members))
    m, who = seat_of(site, name), site.name("board_manager")
    statement, message, csrf = prepared(client, who, m.id)
    other = next(p for p in site.fund.base_terms().partner_codes if p != m.partner)
    data = {"csrf": csrf, "statement": statement, "signature": signed(message, m.partner)}
    # Without the session's CSRF token, nothing happens.
    assert client.post("/admin/users/links", data=dict(data, csrf="x" * 43)).status_code == 403
    # Signed by the other partner's authority key: refused, nothing linked.
    wrong = client.post("/admin/users/links", data=dict(data, signature=signed(message, other)))
    assert wrong.status_code == 403 and "authority key" in wrong.text and 'role="alert"' in wrong.text
    # The statement altered after signing (another user): refused.
    forged = statement.replace(f'"user": "{who}"', f'"user": "{site.name("auditor")}"')
    assert forged != statement
    assert client.post("/admin/users/links", data=dict(data, statement=forged)).status_code == 403
    garbage = client.post("/admin/users/links", data=dict(data, statement="not json"))
    assert garbage.status_code == 422 and "nothing was changed" in garbage.text
    assert links(site) == {}
    done = client.post("/admin/users/links", data=data, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/admin/users?done=link"
    assert links(site) == {who: (m.id,)}
    page = client.get("/admin/users?done=link").text
    assert "The user is linked to the seat." in page
    assert f'<td class="holder">{who}</td>' in page.split(f'<tr data-member="{m.id}">')[1].split("</tr>")[0]
    assert f'<option value="{m.id}">' not in page.split('id="link-member"')[1]  # no longer offered
    with db.transaction(site.engine) as conn:
        (event,) = list(log.events(conn, action=user.LINK_ACTION))
    assert event.actor == site.name("administrator") and event.data["member"] == m.id

    statement, message, csrf = prepared(client, who, m.id, "unlink")
    assert (
        "no longer holds"
        in client.get("/admin/users", params={"do": "unlink", "user": who, "member": m.id}).text
    )
    r = client.post(
        "/admin/users/links",
        data={"csrf": csrf, "statement": statement, "signature": signed(message, m.partner)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/admin/users?done=unlink"
    assert links(site) == {}
    with db.transaction(site.engine) as conn:
        (event,) = list(log.events(conn, action=user.UNLINK_ACTION))
        assert event.actor == site.name("administrator")
        assert chain.trace(conn, site.fund).findings == []  # verify follows both to the authority keys


def test_an_unknown_user_or_seat_prepares_nothing(client, site) -> None:  # noqa: ANN001
    sign_in(client, site, "administrator")
    r = client.get("/admin/users", params={"do": "link", "user": "nobody", "member": 1})
    assert r.status_code == 422 and "Choose a user and a seat from the lists." in r.text
    assert 'name="statement"' not in r.text


def test_an_administrator_linked_to_a_seat_still_cannot_vote_for_it(client, site) -> None:  # noqa: ANN001
    """The insider's path: an administrator gets a seat linked to their own user; the vote needs the member's
    key and a role that votes, so even holding that key they are refused."""
    name = next(iter(site.members))
    site.link("administrator", name)
    pid, member = site.proposal.id, site.members[name]
    h = bearer(site, "administrator")
    assert client.get(
        f"/api/proposals/{pid}/ballot", params={"member": member, "choice": "approve"}, headers=h
    )
    ballot = client.get(
        f"/api/proposals/{pid}/ballot",
        params={"member": member, "choice": "approve"},
        headers=bearer(site, "board_manager"),
    ).json()
    signature = canonical.sign(site.keys[name], base64.b64decode(ballot["message_base64"]))
    r = client.post(
        f"/api/proposals/{pid}/votes",
        headers=h,
        json={"member": member, "choice": "approve", "round": ballot["round"], "signature": signature},
    )
    assert r.status_code == 403 and "may not proposals.vote" in r.json()["error"]["message"]
    sign_in(client, site, "administrator")
    assert 'id="vote-form"' not in client.get(f"/proposals/{pid}").text


def test_the_vote_form_offers_only_the_seats_linked_to_the_user(client, site) -> None:  # noqa: ANN001
    mine, theirs = list(site.members)[:2]
    sign_in(client, site, "board_manager")
    page = client.get(f"/proposals/{site.proposal.id}").text
    assert 'id="no-seat"' in page and 'id="vote-form"' not in page
    site.link("board_manager", mine)
    form = client.get(f"/proposals/{site.proposal.id}").text.split('id="vote-form"')[1].split("</form>")[0]
    assert re.findall(r'<option value="(\d+)"', form) == [str(site.members[mine])]
    assert str(site.members[theirs]) not in re.findall(r'<option value="(\d+)"', form)


ROLE_WORDS = {  # what each language shows for a role, never its code
    "en": {"board_manager": "board member", "treasury_officer": "treasury officer", "auditor": "auditor"},
    "uk": {
        "board_manager": "член правління",
        "treasury_officer": "працівник казначейства",
        "auditor": "аудитор",
    },
}


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_roles_are_shown_by_their_names_in_the_header_and_the_users_page(client, site, lang) -> None:  # noqa: ANN001
    words = ROLE_WORDS[lang]
    for role in ("board_manager", "treasury_officer"):
        sign_in(client, site, role)
        header = client.get("/dashboard", params={"lang": lang}).text.split('<li class="who">')[1]
        header = header.split("</li>")[0]
        assert f'<span class="role">({words[role]})</span>' in header, header
        assert role not in header
    sign_in(client, site, "administrator")
    page = client.get("/admin/users", params={"lang": lang}).text
    for role, word in words.items():
        row = page.split(f'<tr data-user="{site.name(role)}">')[1].split("</tr>")[0]
        assert f"<td>{word}</td>" in row, row
        assert role == word or role not in row.replace(site.name(role), ""), row
    listed = page.split('id="link-user"')[1].split("</select>")[0]
    assert f"({words['board_manager']})" in listed and "(board_manager)" not in listed


def test_every_role_has_a_name_in_both_languages() -> None:
    from jointfund.governance import policy
    from jointfund.i18n import translations

    uk = translations("uk").gettext
    for role in policy.ROLES:
        name = policy.role_name(role)
        assert "_" not in name and uk(name) != name, role
