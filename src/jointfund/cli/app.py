"""Root of the `jointfund` command: global options, sub-commands, and error handling.

Exit codes: 0 ok, 1 user or data error (a message, never a traceback), 2 usage.
"""

from __future__ import annotations

import sys

import typer
from typer.core import TyperGroup

from jointfund.errors import InputError, JointfundError

# Newer Typer vendors its own copy of click; take ClickException from whichever Typer uses.
ClickException = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


class UserError(ClickException):
    """A JointfundError on its way out: its message, on stderr, and exit code 1."""

    exit_code = 1

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        sys.stderr.write(f"error: {self.message}\n")


class Group(TyperGroup):
    def invoke(self, ctx):  # noqa: ANN001, ANN201 - click's signature
        try:
            return super().invoke(ctx)
        except JointfundError as exc:
            raise UserError(exc.render() if isinstance(exc, InputError) else str(exc)) from None


app = typer.Typer(
    cls=Group,
    name="jointfund",
    help="Run a co-owned, jointly managed natural-resource fund on one verifiable book of record.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain "error: ..." lines, which scripts and people both read
    add_completion=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    db: str = typer.Option(None, "--db", envvar="JOINTFUND_DB", show_envvar=True,
                           help="Database URL [default: sqlite:///jointfund.db in the working directory]."),
    fmt: str = typer.Option(None, "--format", "-f", help="Default output for commands that print data: table, json or csv."),
    user: str = typer.Option(None, "--user", envvar="JOINTFUND_USER", show_envvar=True,
                             help="Who acts; needed for changes once the fund has users [default: the local operator]."),
) -> None:
    if fmt is not None and fmt not in ("table", "json", "csv"):
        raise typer.BadParameter(f"expected table, json or csv, got {fmt!r}", param_hint="--format")
    ctx.obj = {"db": db, "format": fmt, "user": user}


def _register() -> None:
    # Imported here so that `jointfund --help` stays one import away from each noun.
    from jointfund.cli import audit, demo, fund, keys, ledger, members, proposals, terms, users

    app.add_typer(terms.app, name="terms")
    app.add_typer(ledger.app, name="ledger")
    app.add_typer(keys.app, name="keys")
    app.add_typer(fund.db_app, name="db")
    for command in fund.COMMANDS:
        app.command(command.__name__.rstrip("_").replace("_", "-"))(command)
    app.command("demo")(demo.demo)
    app.add_typer(members.app, name="members")
    app.add_typer(proposals.app, name="proposals")
    app.add_typer(users.app, name="users")
    app.command("audit")(audit.audit)
    from jointfund.cli import serve, tokens  # the web layer: `serve`, and API tokens under `users`

    for name, command in tokens.COMMANDS.items():
        users.app.command(name)(command)
    app.command("serve")(serve.serve)
    from jointfund.cli import forecast

    app.add_typer(forecast.app, name="forecast")
    _register_revenue()
    _register_portfolio()


def _register_revenue() -> None:
    """Revenue: licences, receipts, rates, payments, contributions, transfers, calendar, reports."""
    from jointfund.cli import calendar, contributions, fx, licences, payments, receipts, reconcile, reports, transfers

    app.add_typer(licences.app, name="licences")
    app.add_typer(receipts.app, name="receipts")
    app.add_typer(fx.app, name="fx")
    app.add_typer(payments.app, name="payments")
    app.command("contributions")(contributions.contributions)
    app.add_typer(transfers.app, name="transfers")
    app.add_typer(calendar.app, name="calendar")
    app.add_typer(reports.app, name="report")
    app.command("reconcile")(reconcile.reconcile)



def _register_portfolio() -> None:
    """Partners' capital, the pipeline, the portfolio, its reports (in the `report` group) and exports."""
    from jointfund.cli import applications, capital, export, fund_reports, portfolio  # noqa: F401 fund_reports adds to `report`

    app.add_typer(capital.app, name="capital")
    app.add_typer(applications.app, name="applications")
    app.add_typer(portfolio.app, name="portfolio")
    app.add_typer(export.app, name="export")


_register()


def main() -> None:
    app(prog_name="jointfund")
