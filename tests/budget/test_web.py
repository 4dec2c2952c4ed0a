"""The budget page: budget against actual by line, in English and Ukrainian, for readers of the books only."""

from __future__ import annotations

from api.conftest import _site_templates, app, client, clock, sign_in, site  # noqa: F401 - fixtures
from api.site import DAY
from support import countersigner

from budget.conftest import plan_text
from jointfund.budget import effects as _effects  # noqa: F401 registers the budget effect
from jointfund.budget import expense, lines, plan
from jointfund.governance import canonical, execution, proposal, vote
from jointfund.store import db


def _budget(site) -> None:  # noqa: ANN001, F811 - the fixture
    info = site.fund
    p = plan.parse(
        info.terms(DAY), plan_text(("ADM-2026", "administration", "1000.00", "USD", "2026")), "b.toml"
    )
    by = countersigner(site.engine, "ua-board-1", site.keys["ua-board-1"])
    with db.write(site.engine) as conn:
        d = proposal.draft(conn, info, "budget", "Budget 2026", "us-board-1", DAY, about=p.about)
        made = proposal.submit(
            conn,
            info,
            "test",
            d,
            canonical.sign(site.keys["us-board-1"], canonical.proposal_bytes(info.id, d)),
        )
        lines.record_plan(conn, "test", p)
        for name, key in site.keys.items():
            if proposal.standing(conn, info, made.id, DAY).state == "open":
                vote.sign_and_cast(conn, info, "test", made.id, name, "approve", key, DAY)
        execution.execute(conn, info, "test", made.id, DAY)
        expense.record(
            conn, info, "test", "ADM-2026", "250.00", "USD", DAY, "INV-1", "invoice.pdf", b"%PDF", by
        )


def test_the_budget_page_shows_budget_against_actual_in_both_languages(client, site) -> None:  # noqa: ANN001, F811
    _budget(site)
    assert client.get("/budget", follow_redirects=False).status_code in (303, 401)  # not for the public
    sign_in(client, site, "auditor")
    en = client.get("/budget?period=2026&lang=en")
    assert en.status_code == 200
    table = en.text.split('id="budget-lines"')[1].split("</table>")[0]
    assert (
        "ADM-2026" in table and "Fund administration" in table and "1,000.00" in table and "250.00" in table
    )
    assert "750.00" in table and "Fund administrator fee" in en.text
    uk = client.get("/budget?period=2026-Q1&lang=uk").text
    assert (
        "Бюджет і фактичні витрати" in uk
        and "Адміністрування фонду" in uk
        and "Винагорода адміністратора фонду" in uk
    )
    assert "250,00" in uk.split('id="budget-lines"')[1]
    later = client.get("/budget?period=2027&lang=en").text
    assert "No budget line meets this period." in later
    bad = client.get("/budget?period=2026-Q5&lang=en")
    assert bad.status_code in (400, 422) and "period" in bad.text and "Traceback" not in bad.text
