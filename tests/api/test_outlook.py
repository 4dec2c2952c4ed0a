"""The outlook on the web: /api/forecast, the public page, the dashboard and /forecast show one forecast.

It is the shipped base scenario started from the fund's own book on the day, the same numbers as
`jointfund forecast run urif-base.toml --paths N --seed S` on the same database, and it moves when the book
does.
"""

from __future__ import annotations

import json
from decimal import Decimal

from typer.testing import CliRunner

from jointfund.cli.app import app as cli_app
from jointfund.forecast import outlook
from jointfund.ledger import journal
from jointfund.ledger.entry import Entry, Posting
from jointfund.store import db

from .conftest import sign_in
from .site import DAY


def test_the_api_serves_the_base_scenario_from_the_book_with_the_terms_lock(client, site) -> None:  # noqa: ANN001
    doc = client.get("/api/forecast").json()
    terms = site.fund.terms(DAY)
    assert (
        doc["start"] == DAY.isoformat()
        and doc["paths"] == outlook.WEB_PATHS
        and doc["seed"] == outlook.WEB_SEED
    )
    assert doc["start_state"]["source"] == "book"
    assert doc["lock_ends"] == terms.distributions.lock_ends.isoformat()
    assert doc["tornado"]["bars"] == []  # the quick document; ?tornado=true adds the sensitivity
    metrics = {r["metric"] for r in doc["percentiles"]}
    assert {"nav", "cash"} | {f"contributions:{p}" for p in terms.partner_codes} <= metrics
    # No distribution before the lock: every year before it has zero cumulative distributions on every path.
    lock_year = int(doc["lock_ends"][:4])
    for r in doc["percentiles"]:
        if r["metric"].startswith("distributions_cumulative") and r["year"] < lock_year:
            assert r["p95"] == 0, r


def test_the_web_document_equals_the_cli_run_on_the_same_book(client, site, monkeypatch) -> None:  # noqa: ANN001
    web = client.get("/api/forecast").json()
    monkeypatch.setenv("JOINTFUND_DB", str(site.engine.url.render_as_string(hide_password=False)))
    r = CliRunner().invoke(
        cli_app,
        [
            "--format",
            "json",
            "forecast",
            "run",
            "urif-base.toml",
            "--paths",
            str(outlook.WEB_PATHS),
            "--seed",
            str(outlook.WEB_SEED),
        ],
    )
    assert r.exit_code == 0, (r.stdout, r.stderr)
    cli = json.loads(r.stdout)
    assert cli["start_state"] == web["start_state"] and cli["percentiles"] == web["percentiles"]
    assert cli["first_distribution"] == web["first_distribution"]


def test_the_outlook_moves_with_the_book_and_is_cached_between(client, site) -> None:  # noqa: ANN001
    reads = client.app.state.server.reads
    before = client.get("/api/forecast").json()
    misses = reads.misses
    assert (
        client.get("/api/forecast").json() == before and reads.misses == misses
    )  # served again, not recomputed
    terms = site.fund.terms(DAY)
    partner, base = terms.partner_codes[0], terms.fund.base_currency
    with db.write(site.engine) as conn:  # cash received as the partner's capital: the start state must grow
        journal.post(
            conn,
            [
                Entry(
                    DAY,
                    "capital received",
                    (
                        Posting(terms.account_name("cash", currency=base), Decimal("1000000.00"), base),
                        Posting(
                            terms.account_name("capital_cash", partner=partner), Decimal("-1000000.00"), base
                        ),
                    ),
                    key="outlook-test",
                )
            ],
            site.fund.start_date,
        )
    after = client.get("/api/forecast").json()
    assert after["start_state"]["capital"][partner] == before["start_state"]["capital"][partner] + 1_000_000
    assert after["start_state"]["cash"] == before["start_state"]["cash"] + 1_000_000
    assert after["percentiles"] != before["percentiles"]  # the paths start from the new state


def test_public_page_dashboard_and_forecast_page_show_it_in_both_languages(client, site) -> None:  # noqa: ANN001
    doc = client.get("/api/forecast").json()
    public = client.get("/").text
    assert 'id="outlook"' in public and public.count('data-chart="forecast"') == 1 + len(
        site.fund.terms(DAY).partners
    )
    first = doc["first_distribution"]["earliest_year"]
    assert f'id="outlook-first">{first}<' in public
    nav_2035 = next(r for r in doc["percentiles"] if r["metric"] == "nav" and r["year"] == 2035)
    assert f"{nav_2035['p50'] / 1e6:,.1f}" in public
    uk = client.get("/?lang=uk").text
    assert "Перспектива: прогноз за багатьма сценаріями" in uk
    assert (
        f'id="outlook-first">{first}<' in uk and "Внески за рік: Україна" in uk
    )  # partners by their Ukrainian names
    forecast_uk = client.get("/forecast?lang=uk").text
    assert (
        "Ціна: Літій" in forecast_uk and "price: lithium" not in forecast_uk
    )  # inputs by name, in the language
    assert "Чутливість: медіанна (P50) чиста вартість активів фонду" in forecast_uk
    page = client.get("/forecast?lang=en")
    assert (
        page.status_code == 200
        and 'aria-label="Tornado: P50 NAV in' in page.text
        and 'id="forecast-thresholds"' in page.text
    )
    assert (
        "<script" not in page.text.split("<main", 1)[1]
    )  # the charts are inline SVG: nothing runs, nothing loads
    sign_in(client, site, "board_manager")
    assert 'id="outlook"' in client.get("/dashboard").text


def test_every_forecast_chart_on_the_web_has_its_assumptions_beside_it(client) -> None:  # noqa: ANN001
    """The public page's outlook and /forecast show the panel, in the page's language."""
    for path, lang, words in [
        ("/", "en", ("What this forecast assumes", "Key parameters and their sources", "seed 0")),
        ("/forecast", "en", ("What this forecast assumes", "The model leaves out")),
        (
            "/?lang=uk",
            "uk",
            ("На яких припущеннях ґрунтується цей прогноз", "Модель не враховує", "URIF: базовий сценарій"),
        ),
        ("/forecast?lang=uk", "uk", ("Ключові параметри та їхні джерела", "зараз війна")),
    ]:
        html = client.get(path).text
        for w in words:
            assert w in html, (path, w)
        if lang == "uk":
            assert "What this forecast assumes" not in html and "Key parameters" not in html, path


def test_a_book_the_forecast_cannot_start_from_leaves_the_pages_up_with_a_note(client, site) -> None:  # noqa: ANN001
    """A partner's capital below zero (here a distribution larger than the capital) has no forecast: the model
    shares distributions by capital. The public page and the dashboard are still served, without the outlook
    and with a plain note why in the reader's language; the API says why with a 409; the refusal is kept for
    the book version like a result, not worked out again on every request."""
    terms = site.fund.terms(DAY)
    partner, base = terms.partner_codes[0], terms.fund.base_currency
    before = client.get("/").text
    assert 'id="outlook-unavailable"' not in before and 'data-chart="forecast"' in before
    with db.write(site.engine) as conn:
        journal.post(
            conn,
            [
                Entry(
                    DAY,
                    "distribution beyond the capital",
                    (
                        Posting(
                            terms.account_name("capital_distributions", partner=partner),
                            Decimal("900000000.00"),
                            base,
                        ),
                        Posting(terms.account_name("cash", currency=base), Decimal("-900000000.00"), base),
                    ),
                    key="negative-capital",
                )
            ],
            site.fund.start_date,
        )
    api = client.get("/api/forecast")
    assert api.status_code == 409
    assert f"partner {partner}'s capital is negative" in api.json()["error"]["message"]
    reads = client.app.state.server.reads
    misses = reads.misses
    assert client.get("/api/forecast").status_code == 409 and reads.misses == misses  # the refusal, cached

    public = client.get("/")
    assert public.status_code == 200
    assert 'id="outlook-unavailable"' in public.text and 'data-chart="forecast"' not in public.text
    assert f"partner {partner}&#39;s capital is negative" in public.text
    assert "<caption>Partners&#39; capital</caption>" in public.text and 'id="investments"' in public.text
    uk = client.get("/?lang=uk")
    assert uk.status_code == 200
    assert f"капітал партнера {partner} відʼємний" in uk.text and "capital is negative" not in uk.text
    sign_in(client, site, "board_manager")
    for lang in ("en", "uk"):
        dashboard = client.get(f"/dashboard?lang={lang}")
        assert dashboard.status_code == 200 and 'id="outlook-unavailable"' in dashboard.text
        assert 'data-chart="forecast"' not in dashboard.text


def test_the_public_page_computes_the_capital_accounts_once_per_book_version(
    client, site, monkeypatch
) -> None:  # noqa: ANN001
    """The summary's capital and the outlook's start are one computation per book version (issue 13: after
    each write the public page computed them twice), and the two show the same figure."""
    from jointfund.api import reads as public  # the cached reads the routes and pages share
    from jointfund.forecast import start

    calls = []

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(args[2])
        return real(*args, **kwargs)

    real = public.carried_capital
    monkeypatch.setattr(public, "carried_capital", counted)
    monkeypatch.setattr(start, "capital_accounts", counted)
    assert client.get("/").status_code == 200
    assert len(calls) == 1
    summary = client.get("/api/public/summary").json()
    doc = client.get("/api/forecast").json()
    assert len(calls) == 1  # both served from the one computation
    for row in summary["capital"]:
        assert Decimal(row["capital"]) == Decimal(str(doc["start_state"]["capital"][row["partner"]]))
