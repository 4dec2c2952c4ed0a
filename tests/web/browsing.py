"""Steps the browser journeys share: signing in through the login form (issue 17: one helper, not a copy in
every journey)."""

from __future__ import annotations


def sign_in(page, name: str, password: str, lang: str = "en", home: str | None = "**/dashboard") -> None:  # noqa: ANN001
    """Sign in as `name` on the login page in `lang`; wait for `home` (a URL glob), or, when None, for the
    page that follows to load."""
    page.goto(f"/login?lang={lang}")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    if home is None:
        page.wait_for_load_state()
    else:
        page.wait_for_url(home)


def signed_in(browser, server: str, site, role: str, lang: str, home: str | None = "**/dashboard"):  # noqa: ANN001, ANN201
    """A new browser context on `server` (CSP bypassed only so tests can inject axe-core; the page's own
    scripts run as always) and its page, signed in as `site`'s user of `role`."""
    context = browser.new_context(base_url=server, bypass_csp=True)
    page = context.new_page()
    sign_in(page, site.name(role), site.passwords[role], lang, home)
    return context, page
