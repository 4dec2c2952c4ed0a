"""Root of the `jointfund` command: global options, sub-commands, and error handling.

Exit codes: 0 ok, 1 user or data error (a message, never a traceback), 2 usage.

Every command is one line of COMMANDS below. Its module is imported only when that command runs or
its help is shown, so `jointfund --help` imports no domain code, no database driver and no data library.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, MutableMapping
from gettext import gettext as _
from typing import TYPE_CHECKING

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

from jointfund.errors import JointfundError

if TYPE_CHECKING:
    # mypy reads the installed Typer, which vendors click as typer._click.
    from typer._click import ClickException
    from typer._click import Command as ClickCommand
else:
    # Newer Typer vendors its own copy of click; take ClickException from whichever Typer uses.
    ClickException = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
    ClickCommand = next(c for c in TyperGroup.__mro__ if c.__name__ == "Command")


class UserError(ClickException):
    """A JointfundError on its way out: its message, on stderr, and exit code 1."""

    exit_code = 1

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        sys.stderr.write(f"{self.word}: {self.message}\n")

    word = "error"  # in the CLI's language, set where the error is said (Group.invoke)


class Group(TyperGroup):
    """The root group: JointfundError becomes `error: ...` and exit 1; commands are built on first use."""

    def __init__(self, **attrs) -> None:  # noqa: ANN003 - TyperGroup's keyword arguments
        super().__init__(**attrs)
        self.lazy_commands = _Commands(self.commands)
        self.commands = self.lazy_commands
        _take_params_as_given(self)  # --db, --format, --user and --help

    def list_commands(self, ctx):  # noqa: ANN001, ANN201 - click's signature
        return list(self.commands)

    def format_commands(self, ctx, formatter) -> None:  # noqa: ANN001 - click's signature
        """As TyperGroup lists them, from the table's help, without importing any command's module."""
        rows = [
            (name, self.lazy_commands.built.get(name) or TyperCommand(name=name, help=COMMANDS[name][1]))
            for name in self.list_commands(ctx)
        ]
        rows = [(name, cmd) for name, cmd in rows if not cmd.hidden]
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _cmd in rows)
            with formatter.section(_("Commands")):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])

    def invoke(self, ctx):  # noqa: ANN001, ANN201 - click's signature
        try:
            return super().invoke(ctx)
        except JointfundError as exc:
            from jointfund.cli import language

            # The domain's field names as the CLI's flags, in the CLI's language.
            error = UserError(language.render(exc))
            error.word = language.error_word()
            raise error from None


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
    db: str = typer.Option(
        None,
        "--db",
        envvar="JOINTFUND_DB",
        show_envvar=True,
        help="Database URL [default: sqlite:///jointfund.db in the working directory].",
    ),
    fmt: str = typer.Option(
        None, "--format", "-f", help="Default output for commands that print data: table, json or csv."
    ),
    user: str = typer.Option(
        None,
        "--user",
        envvar="JOINTFUND_USER",
        show_envvar=True,
        help="Who acts; needed for changes once the fund has users [default: the local operator].",
    ),
    lang: str = typer.Option(
        None,
        "--lang",
        envvar="JOINTFUND_LANG",
        show_envvar=True,
        help="Language of messages and errors: en or uk [default: en, or uk when LANGUAGE or LANG starts "
        "with uk].",
    ),
) -> None:
    if fmt is not None and fmt not in ("table", "json", "csv"):
        raise typer.BadParameter(f"expected table, json or csv, got {fmt!r}", param_hint="--format")
    from jointfund.cli import language

    try:
        language.use(language.choose(lang))
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--lang") from None
    ctx.obj = {"db": db, "format": fmt, "user": user, "lang": language.current()}
    from jointfund.cli import context

    context.remember(ctx.obj)


# The command table: name -> ("module:attribute", the first sentence of its help, as `jointfund --help` lists
# it). The attribute is a Typer app (a group of sub-commands) or a command function. Add a line to add a
# command; tests/cli/test_app.py checks that each line names a real command with this help.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": (
        "jointfund.cli.fund:init",
        "Create a fund in the database (--db), on the shipped terms or your own.",
    ),
    "checkpoint": (
        "jointfund.cli.checkpoint:app",
        "Sign the current tree head (fund id, size, root, time) as a partner.",
    ),
    "publish": (
        "jointfund.cli.publish:publish",
        "Write the public log as a static C2SP tlog-tiles mirror: checkpoint, hash tiles, entry bundles.",
    ),
    "witness": (
        "jointfund.cli.witness:app",
        "An independent witness (C2SP tlog-witness): cosigns only checkpoints consistent with what it saw.",
    ),
    "monitor": (
        "jointfund.cli.monitor:monitor",
        "Watch a log (URL or directory): verify its signed checkpoint and that it only grew; for cron.",
    ),
    "verify": (
        "jointfund.cli.fund:verify",
        "Recompute every entry, balance, hash, root and signature; exit 1 naming the first failure.",
    ),
    "demo": (
        "jointfund.cli.demo:demo",
        "Create the demo fund (SQLite in --dir unless --db is given), sign, verify and show it.",
    ),
    "audit": (
        "jointfund.cli.audit:audit",
        "Who did what, when, with the state before and after: every event of the fund's verifiable log.",
    ),
    "serve": (
        "jointfund.cli.serve:serve",
        "Serve the web application and the JSON API (docs at /api/docs, OpenAPI at /api/openapi.json).",
    ),
    "contributions": (
        "jointfund.cli.contributions:contributions",
        "Contributions owed under the terms in force on each receipt's date.",
    ),
    "reconcile": (
        "jointfund.cli.reconcile:reconcile",
        "Per company x licence x stream: discrepancies over the tolerance, and items with no counterpart.",
    ),
    "terms": ("jointfund.cli.terms:app", "The agreement as data."),
    "period": ("jointfund.cli.period:app", "Accounting periods: list them, close one."),
    "ledger": (
        "jointfund.cli.ledger:app",
        "The book of record: accounts, entries, balances, proofs and exports.",
    ),
    "keys": (
        "jointfund.cli.keys:app",
        "Ed25519 keys for checkpoints and votes; private keys never enter the database.",
    ),
    "db": ("jointfund.cli.fund:db_app", "The database schema (Alembic migrations)."),
    "genesis": (
        "jointfund.cli.authority:genesis_app",
        "The genesis record: both partners' authority public keys, signed by both.",
    ),
    "authority": (
        "jointfund.cli.authority:app",
        "Statements signed by a partner's authority key (kept offline): sign and submit.",
    ),
    "trust": (
        "jointfund.cli.authority:trust_app",
        "Trust files: the partners' authority keys and a checkpoint, for verifiers.",
    ),
    "members": (
        "jointfund.cli.members:app",
        "Members of the board and the committees, each with their own Ed25519 key.",
    ),
    "proposals": (
        "jointfund.cli.proposals:app",
        "Proposals to the board and the committees, signed votes and execution.",
    ),
    "users": (
        "jointfund.cli.users:app",
        "Users and their roles; one policy (governance.policy) decides what each role may change.",
    ),
    "forecast": (
        "jointfund.cli.forecast:app",
        "Forecasts of contributions, fund value and distributions, over many random paths.",
    ),
    "licences": ("jointfund.cli.licences:app", "Licences (special permits for subsoil use)."),
    "receipts": ("jointfund.cli.receipts:app", "Treasury receipts from subsoil licences."),
    "fx": ("jointfund.cli.fx:app", "Reference exchange rates (NBU: UAH per unit of foreign currency)."),
    "payments": (
        "jointfund.cli.payments:app",
        "Payments the companies report, for reconciliation with Treasury receipts.",
    ),
    "transfers": ("jointfund.cli.transfers:app", "Transfers of revenue contributions into the fund."),
    "calendar": ("jointfund.cli.calendar:app", "The compliance calendar."),
    "commitments": (
        "jointfund.cli.commitments:app",
        "The register of the agreements' commitments: deadlines, triggers, evidence and alerts.",
    ),
    "report": ("jointfund.cli.report:app", "Reports for partners and the public."),
    "capital": (
        "jointfund.cli.capital:app",
        "Partners' capital: in-kind contributions, calls, contributions, accounts, distributions.",
    ),
    "applications": (
        "jointfund.cli.applications:app",
        "The investment pipeline: applications, their stages and full history.",
    ),
    "sanctions": (
        "jointfund.cli.sanctions:app",
        "Sanctions lists (OpenSanctions, OFAC SDN) that applicants are screened against.",
    ),
    "portfolio": (
        "jointfund.cli.portfolio:app",
        (
            "The portfolio: per investment committed, disbursed, undrawn, received, value, IRR, MOIC, TVPI, "
            "DPI, RVPI and fund totals; and recording income, repayments and exits."
        ),
    ),
    "export": ("jointfund.cli.export:app", "Export the portfolio in open data standards."),
    "expenses": (
        "jointfund.cli.expenses:app",
        "Expenses against the adopted budget lines, each with its evidence.",
    ),
    "templates": (
        "jointfund.cli.templates:templates",
        "Write a template for each import, CSV and XLSX: its columns in order and one example row.",
    ),
}


def load_command(name: str) -> ClickCommand:
    """The click command for COMMANDS[name], built exactly as `add_typer`/`command` on the root would."""
    target = COMMANDS[name][0]
    module, _sep, attribute = target.partition(":")
    obj = getattr(importlib.import_module(module), attribute)
    scratch = typer.Typer()
    if isinstance(obj, typer.Typer):
        scratch.add_typer(obj, name=name)
        return typer.main.get_group_from_info(
            scratch.registered_groups[0],
            pretty_exceptions_short=app.pretty_exceptions_short,
            rich_markup_mode=app.rich_markup_mode,
            suggest_commands=app.suggest_commands,
        )
    scratch.command(name)(obj)
    return typer.main.get_command_from_info(
        scratch.registered_commands[0],
        pretty_exceptions_short=app.pretty_exceptions_short,
        rich_markup_mode=app.rich_markup_mode,
    )


def _attach(instance: object, name: str, value: object) -> None:
    """Give one click object an attribute of its own: click has no per-parameter or per-command hook for what
    bound_text and _take_params_as_given add, so the instance's method is wrapped (and a parameter marked
    `bounded`, which tests/cli/test_app.py reads)."""
    setattr(instance, name, value)


def bound_text(command: ClickCommand) -> ClickCommand:
    """`command` (and its sub-commands) with every text option and argument bounded
    (bounds.text_option_problem):
    a usage error naming the option and the bound, before the command runs, instead of a value that overflows
    a column or, with a NUL byte, makes PostgreSQL fail."""
    from jointfund import bounds

    _take_params_as_given(command)
    for param in command.params:
        described = getattr(
            param, "type_descriptor", None
        )  # Typer's own parameters say what they were annotated
        if described is None or described.annotation is not str or getattr(param, "bounded", False):
            continue

        def process_value(ctx, value, _original=param.process_value, _param=param):  # noqa: ANN001, ANN202
            value = _original(ctx, value)
            if isinstance(value, str) and (why := bounds.text_option_problem(value)):
                raise typer.BadParameter(why, ctx=ctx, param=_param)
            return value

        _attach(param, "process_value", process_value)
        _attach(param, "bounded", True)
    for sub in getattr(command, "commands", {}).values():
        bound_text(sub)
    return command


def _take_as_given(param) -> None:  # noqa: ANN001 - a Typer parameter
    """Take a text option's value as the text the command line gave, and a flag's as the True or False it
    set, as Typer's own pass-through coercion does, rather than through the Pydantic adapter Typer builds
    for every parameter by default: Pydantic's import takes longer than a quick command's own work (issue
    12; checked by tests/cli/test_app.py). Numbers, dates, paths and choices keep Typer's coercion and its
    messages; on a Typer without this hook, Typer's default stays."""
    described = getattr(param, "type_descriptor", None)
    if described is None or getattr(param, "_runtime_param", False) is not None:
        return
    flag = described.annotation is bool and getattr(param, "is_flag", False) and not param.envvar
    if described.annotation is not str and not flag:
        return
    try:
        from typer._coercion import PassThroughRuntimeParam
    except ImportError:
        return
    param._runtime_param = PassThroughRuntimeParam(
        annotation=described.annotation, parameter_info=described.parameter_info
    )


def _take_params_as_given(command: ClickCommand) -> None:
    """_take_as_given for each parameter of `command`, and for its --help option, which click makes on first
    use."""
    for param in command.params:
        _take_as_given(param)
    made = command.get_help_option

    def get_help_option(ctx):  # noqa: ANN001, ANN202 - click's signature
        option = made(ctx)
        if option is not None:
            _take_as_given(option)
        return option

    _attach(command, "get_help_option", get_help_option)


class _Commands(MutableMapping[str, ClickCommand]):
    """The root's commands: every name of COMMANDS, each built (and its module imported) on first use."""

    def __init__(self, built: MutableMapping[str, ClickCommand]) -> None:
        self.built = dict(built)

    def __getitem__(self, name: str) -> ClickCommand:
        if name not in self.built:
            if name not in COMMANDS:
                raise KeyError(name)
            self.built[name] = bound_text(load_command(name))
        return self.built[name]

    def __setitem__(self, name: str, command: ClickCommand) -> None:
        self.built[name] = command

    def __delitem__(self, name: str) -> None:
        del self.built[name]

    def __iter__(self) -> Iterator[str]:
        yield from COMMANDS
        yield from (n for n in self.built if n not in COMMANDS)

    def __len__(self) -> int:
        return sum(1 for _name in self)


def main() -> None:
    app(prog_name="jointfund")
