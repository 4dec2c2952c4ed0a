"""Texts the domain writes in English (reasons, deadlines' states, verdicts) read in Ukrainian on the
pages."""

from __future__ import annotations

import ast
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

import jointfund
from jointfund import i18n
from jointfund.governance.rule import Seat, evaluate, requirements
from jointfund.revenue.eligibility import REASONS, Rules, explain
from jointfund.revenue.licence import Licence
from jointfund.revenue.receipt import Receipt
from jointfund.terms.loader import load_shipped
from jointfund.web import names, texts

TERMS = load_shipped()
UK = i18n.translations("uk").gettext


def said(lang: str = "uk"):  # noqa: ANN201
    tr = i18n.translations(lang).gettext
    return texts.words(names.namer(TERMS, tr), tr, lang)


@pytest.mark.parametrize(
    ("english", "ukrainian"),
    [
        ("resource iron_ore is not covered", "ресурс «Залізна руда» не охоплено"),
        (
            "PSA signed 2013-05-10, before entry into force 2025-05-23",
            "УРП підписано 10.05.2013, до набрання чинності 23.05.2025",
        ),
        (
            "licence basis renewal: renewals do not count",
            "підстава дозволу «продовження»: продовження дозволів не враховуються",
        ),
        (
            "213171869.13 UAH to transfer; 5.00 USD to transfer",
            "213\u00a0171\u00a0869,13 UAH до перерахування; 5,00 USD до перерахування",
        ),
        ("6 of 6 board seats approved", "схвалили 6 із 6 місць органу «Правління»"),
        (
            "on 2026-02-17; approved: 6 of 6 board seats approved",
            "17.02.2026; схвалена: схвалили 6 із 6 місць органу «Правління»",
        ),
        (
            "blocked by UA seat 1 and US seat 2; waiting for UA seat 3 (votes may change until every seat "
            "has voted)",
            "заблоковано: місце 1 (UA) і місце 2 (US); очікуються голоси: місце 3 (UA) "
            "(голоси можна змінити, доки не проголосують усі місця)",
        ),
        (  # a seat's own verdict is one text, not "UA seat" numbered "1 (ua-board-1) rejected"
            "UA seat 1 (ua-board-1) rejected: all 6 seats must approve, at most 5 still can",
            "місце 1 (UA) (ua-board-1) — проти: схвалити мають усі місця (6), "
            "а схвалити ще можуть щонайбільше 5",
        ),
        (  # a rule whose words do not say how many keeps the number
            "US seat 2 (us-board-2) rejected: more than half of US's 3 seats must approve (2), "
            "at most 1 still can",
            "місце 2 (US) (us-board-2) — проти: схвалити мають більше половини місць партнера US (3), "
            "тобто щонайменше 2, а схвалити ще можуть щонайбільше 1",
        ),
        (
            "not filed yet",
            "ще не подано",
        ),
        (  # the CLI's refusal of a one-person transfer, under --lang uk
            "transfer of transfer:FAKE-1 needs a second person: a seated member's countersignature (a seated "
            "member other than the one asking signs it: in the CLI with --countersign-as MEMBER "
            "--countersign-key KEY, in the API with the request's member and signature); another user is not "
            "enough, since an administrator can add users",
            "переказ FAKE-1 потребує другої особи: контрпідпису члена, що обіймає місце (його ставить "
            "інший член, ніж той, хто просить: у командному рядку — з --countersign-as MEMBER "
            "--countersign-key KEY, в API — з полями member і signature запиту); іншого користувача "
            "недостатньо, бо адміністратор може додавати користувачів",
        ),
        (
            "entry of entry:manual:fix-7 needs a second person: a seated member's countersignature (a seated "
            "member other than the one asking signs it: in the CLI with --countersign-as MEMBER "
            "--countersign-key KEY, in the API with the request's member and signature); another user is not "
            "enough, since an administrator can add users",
            "запис, проведений вручну, fix-7 потребує другої особи: контрпідпису члена, що обіймає місце "
            "(його ставить інший член, ніж той, хто просить: у командному рядку — з --countersign-as MEMBER "
            "--countersign-key KEY, в API — з полями member і signature запиту); іншого користувача "
            "недостатньо, бо адміністратор може додавати користувачів",
        ),
        ("transfer refused; nothing was recorded", "переказ відхилено; нічого не записано"),
        (
            "demo-applicant (applicant) may not read this (books.read)",
            "demo-applicant (заявник) не може переглядати це (дія books.read)",
        ),
    ],
)
def test_a_domain_text_reads_in_ukrainian(english: str, ukrainian: str) -> None:
    assert said()(english) == ukrainian


@pytest.mark.parametrize(
    ("english", "shown"),
    [
        ("resource iron_ore is not covered", "resource Iron ore is not covered"),  # a code by its name
        ("213171869.13 UAH to transfer", "213,171,869.13 UAH to transfer"),  # an amount grouped
        (
            "on 2026-02-17; approved: 6 of 6 board seats approved",
            "on 2026-02-17; approved: 6 of 6 Board of managers seats approved",
        ),
    ],
)
def test_an_english_page_shows_names_and_grouped_numbers(english: str, shown: str) -> None:
    assert said("en")(english) == shown


def test_a_text_said_again_is_said_in_each_asker_s_language() -> None:
    """Which template makes a text is remembered (issue 13: matching every template on each request was a
    tenth of a dashboard's rendering); the words are not: the same text said for an English page, then a
    Ukrainian one, then an English one again reads in each one's language, with its values in each one's
    form."""
    text = "213171869.13 UAH to transfer"
    assert said("en")(text) == "213,171,869.13 UAH to transfer"
    ukrainian = said()(text)
    assert ukrainian != said("en")(text) and "213 171 869,13" in ukrainian.replace("\u00a0", " ")
    assert said("en")(text) == "213,171,869.13 UAH to transfer"
    assert i18n._made_by.cache_info().hits > 0  # the second saying of the text did not match again


def test_a_chart_tick_keeps_its_value_s_form() -> None:
    """Ticks' short forms are remembered by the value's text, never by equality: 1 and 1.0 are equal, a float
    and a Decimal too, and each keeps its own form in each language."""
    from jointfund.charts import compact

    assert compact(Decimal("75000000"), "en") == "75M"
    assert compact(Decimal("75000000"), "uk").replace("\u00a0", " ") == "75 млн"
    assert compact(Decimal("1234.5"), "en") == "1.2K" and compact(1234.5, "en") == "1.2K"
    assert compact(Decimal("1.5"), "en") == "1.5" and compact(Decimal("1.50"), "en") == "1.5"
    assert compact(Decimal("0"), "en") == "0" == compact(0.0, "en")


def test_an_unknown_text_is_shown_as_it_is() -> None:
    assert said()("a note someone typed") == "a note someone typed"
    assert said()("") == ""
    assert said()(None) == ""


def test_every_verdict_of_every_rule_is_recognised() -> None:
    """Each text governance.rule writes (approved, open, rejected; every rule) matches a template of
    web.texts."""
    ballots = [
        [
            Seat("UA", 1, 1, "Olena", "approve"),
            Seat("UA", 2, 2, "Taras", "approve"),
            Seat("US", 1, 3, "Ann", "approve"),
        ],
        [
            Seat("UA", 1, 1, "Olena", "approve"),
            Seat("UA", 2, None, None, None),
            Seat("US", 1, 3, "Ann", None),
        ],
        [
            Seat("UA", 1, 1, "Olena", "reject"),
            Seat("UA", 2, 2, "Taras", "abstain"),
            Seat("US", 1, 3, "Ann", "reject"),
        ],
    ]
    seen = set()
    for rule in ("unanimous", "majority", "majority_of_each_partner", "supermajority:2/3"):
        for ballot in ballots:
            text = evaluate(rule, "board", ballot).reason
            if "; " in text:  # several requirements joined: recognised part by part, not as one template
                continue
            seen.add(text)
            out = said()(text)
            assert not any(w in out for w in ("seats", "approved", "waiting", "must approve")), (text, out)
        for req in requirements(rule, {"UA": 2, "US": 1}):
            assert said()(req.words) != req.words
    assert len(seen) >= 8


def test_every_reason_of_eligibility_is_recognised() -> None:
    rules = Rules.from_terms(TERMS)
    day = dt.date(2026, 3, 1)
    licence = Licence("SP-1", "H", "12345678", "iron_ore", "", "Poltava", dt.date(2026, 1, 1), "new", False)
    reason = explain(Receipt("R1", day, "SP-1", "rent", Decimal(100), "UAH"), licence, rules)
    assert reason is not None and said()(reason) != reason
    templates = set(REASONS)
    assert all(UK(t) != t for t in templates)


BAD_LICENCES = """licence_id,holder,holder_code,resource,deposit,region,issued,basis,psa
L 1,Dobra,40000001,lithium,Dobra,Kirovohrad,2025-06-01,new,yes
L-2,,40000002,lithum,Kryvbas,Dnipropetrovsk,2010-13-01,old,maybe
L-3,X,40000003,titanium,Likarivske,Zhytomyr,,new,no
L-4,Y
"""


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("bad.csv", BAD_LICENCES),
        ("empty.csv", ""),
        ("cols.csv", "licence_id,foo\n"),
        ("nosuch.csv", None),
        ("bad.xlsx", "not a workbook"),
    ],
)
def test_every_problem_of_a_refused_import_reads_in_ukrainian(fund_engine, tmp_path, name, text) -> None:  # noqa: ANN001
    """What revenue.reader, .fields and .imports say of a bad file is recognised (web.texts.IMPORTS keeps
    up)."""
    from jointfund.errors import InputError
    from jointfund.revenue import imports
    from jointfund.store import db

    path = tmp_path / name
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as refused, db.write(fund_engine) as conn:
        imports.run(conn, imports.licences_kind(TERMS), path, "test")
    texts_ = [str(refused.value).splitlines()[0], *(p.message for p in refused.value.problems)]
    english = [t for t in texts_ if not any("\u0400" <= ch <= "\u04ff" for ch in said()(t))]
    assert not english, f"add these to web/texts.py IMPORTS and messages.po: {english}"


@pytest.mark.parametrize(
    ("english", "ukrainian"),
    [
        (
            "signature refused: the declaration of an interest in 45123456 does not verify with the key "
            "1234567890123456 of member 4 (ua-board-1); it must be signed with that member's own key, over "
            "exactly these bytes",
            "підпис відхилено: декларація інтересу в 45123456 не перевіряється ключем 1234567890123456 "
            "члена 4 (ua-board-1); підписати має сам член своїм ключем, саме ці байти",
        ),
        (
            "signature refused: the recusal from proposal 1234 does not verify with the key "
            "0a1b2c3d4e5f6071 of member 4 (ua-board-1); it must be signed with that member's own key, over "
            "exactly these bytes",
            "підпис відхилено: самовідвід від пропозиції 1234 не перевіряється ключем 0a1b2c3d4e5f6071 "
            "члена 4 (ua-board-1); підписати має сам член своїм ключем, саме ці байти",
        ),
        (
            "key abcdef0123456789 is already member 4 (ua-board-1)'s; each member signs with their own key, "
            "used nowhere else",
            "ключ abcdef0123456789 уже належить: член 4 (ua-board-1); кожен член підписує власним ключем, "
            "який ніде більше не використовується",
        ),
        ("no seated member 9; see: jointfund members list", "члена 9, який обіймає місце, немає"),
        (
            "user t-board-manager is not linked to member 4: a user acts only for the seats linked to them "
            "(an administrator links a user to a seat, with the partner's authority)",
            "користувача t-board-manager не повʼязано з членом 4: користувач діє лише за повʼязані з ним "
            "місця (адміністратор повʼязує користувача з місцем за повноваженням партнера)",
        ),
        (  # governance.policy.require, its CLI hint dropped and the roles by their names
            "t-auditor (auditor) may not proposals.vote: only board_manager, committee_member may; add "
            "such a user with: jointfund users add NAME --role board_manager",
            "t-auditor (аудитор) не може виконати дію proposals.vote: це може лише член правління, "
            "член комітету",
        ),
        (
            "proposal 7 is closed (withdrawn: withdrawn by its proposer, member 1 (ua-board-1)); no one can "
            "vote on it",
            "пропозицію 7 закрито (відкликана: відкликана тим, хто її вніс, — членом 1 (ua-board-1)); "
            "ніхто не може голосувати за неї",
        ),
    ],
)
def test_a_members_refusal_reads_in_ukrainian(english: str, ukrainian: str) -> None:
    """What the signing pages show when the domain refuses (web.texts.MEMBERS): codes, keys, ids verbatim."""
    assert said()(english) == ukrainian


def test_every_signature_refusal_of_a_members_page_is_recognised() -> None:
    """check_signature's text, for each thing a member's page signs, reads wholly in Ukrainian."""
    from jointfund.governance.model import Member
    from jointfund.governance.proposal import check_signature
    from jointfund.ledger.checkpoint import key_id, load_public, new_key_pair

    pem = new_key_pair()[1]

    member = Member(
        4, "board", "UA", 1, "ua-board-1", key_id(load_public(pem, "t")), pem.decode(), dt.date(2026, 1, 1), 1
    )
    for what in (
        "the declaration of an interest in ТОВ «Добра Літій»",
        "the recusal from proposal 7",
        "the replacement of the key of member 4",
        "the approve vote on proposal 7",
    ):
        with pytest.raises(Exception) as refused:
            check_signature(member, "00" * 64, b"x", what)
        out = said()(str(refused.value))
        assert out.startswith("підпис відхилено: ") and "does not" not in out and "the " not in out, out


# Where an import's problems are written: the reader, the cells and numbers of a row, the kinds' checks, the
# bounds every number and date meets, and the upload's row limit.
IMPORT_PATH = [
    *(f"revenue/{m}.py" for m in ("reader", "fields", "numbers", "imports", "fx", "licence", "receipt")),
    "bounds.py",
    "money.py",
    "api/jobs.py",
]


def _sample(node: ast.AST) -> list[str]:
    """The English a message expression writes, each placeholder a sample value ("x1"); [] when it is not
    written here (a variable, a call: checked where it is written)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return ["".join(v.value if isinstance(v, ast.Constant) else "x1" for v in node.values)]
    if isinstance(node, ast.IfExp):
        return _sample(node.body) + _sample(node.orelse)
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "N_":
        return _sample(node.args[0])
    return []


def _messages(tree: ast.AST) -> list[tuple[int, str]]:
    """Every text the module gives as a problem: a Problem's or InputError's message, a cell's failure, a
    row's problem, a reason returned or collected, and every gettext template it marks."""
    found = []
    for n in ast.walk(tree):
        exprs: list[ast.AST] = []
        if isinstance(n, ast.Call):
            name = getattr(n.func, "id", getattr(n.func, "attr", ""))
            if name in ("Problem", "fail", "InputError") and len(n.args) > 1:
                exprs.append(n.args[1])
            if name in ("append", "N_") and n.args:
                exprs.append(n.args[0])
            exprs += [k.value for k in n.keywords if k.arg in ("problem", "message", "summary")]
        elif isinstance(n, ast.Return) and n.value is not None:
            exprs += n.value.elts[-1:] if isinstance(n.value, ast.Tuple) else [n.value]
        elif isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "why" for t in n.targets):
            exprs.append(n.value)
        found += [(n.lineno, text) for e in exprs for text in _sample(e)]
    # Sentences only (not a code, a format or a fragment appended to a message made elsewhere).
    return [(line, text) for line, text in found if re.search(r"[a-z]+ [a-z]+", text) and text[0] != " "]


def test_the_scan_of_the_import_path_can_fail() -> None:
    tree = ast.parse('raise InputError([Problem(where, f"a new {thing} went wrong")], "cannot read input")')
    assert sorted(_messages(tree)) == [(1, "a new x1 went wrong"), (1, "cannot read input")]
    assert said()("a new x1 went wrong") == "a new x1 went wrong"  # English: the test below would fail


@pytest.mark.parametrize("module", IMPORT_PATH)
def test_every_problem_the_import_path_writes_reads_in_ukrainian(module: str) -> None:
    """Any message a module of the import path writes, new ones included, is recognised and has its Ukrainian
    (issue 12): add its template to web/texts.py IMPORTS (or mark it with N_ where it is written) and its
    translation to messages.po."""
    path = Path(jointfund.__file__).parent / module
    found = _messages(ast.parse(path.read_text(encoding="utf-8")))
    assert found, f"no messages found in {module}: the scan has lost them"
    english = [
        f"{module}:{line}: {text!r}"
        for line, text in found
        if not any("\u0400" <= ch <= "\u04ff" for ch in said()(text))
    ]
    assert not english, "\n".join(english)


@pytest.mark.parametrize(
    ("english", "ukrainian"),
    [
        (
            "spaces in a number may only group its digits in threes (1 250 000,00)",
            "пробіли в числі можуть лише поділяти його цифри на групи по три (1 250 000,00)",
        ),
        (
            "ambiguous: 1,250 may be 1.250 (decimal comma) or 1250 (thousands): write it with its decimals "
            "(1 250,00 or 1,250.00); or give --locale uk or --locale en",
            "неоднозначно: 1,250 може означати 1,250 (десяткова кома) або 1\u00a0250 (тисячі): запишіть "
            "число з десятковими знаками (1 250,00 або 1,250.00)",
        ),
        (
            "rate is not a number written with the digits 0-9 and a dot as the decimal mark (no exponent, no "
            "other digits)",
            "курс — не число, записане цифрами 0-9 із крапкою як десятковим знаком (без експоненти та інших "
            "цифр)",
        ),
        (
            "changes 12.0% from the rate of 2026-01-02 (41.5); the terms allow 10% (fx.max_daily_change). If "
            "it is right, import again with --accept-jump",
            "відрізняється на 12,0% від курсу на 02.01.2026 (41,5); умови фонду допускають не більше ніж 10% "
            "за день (найбільша денна зміна курсу, за умовами фонду)",
        ),
        (
            "receipt R1 was already imported with different content\n      imported (a.csv:2): amount=1\n"
            "      this file: amount=2",
            "надходження R1 уже імпортовано з іншим змістом\n      імпортовано (a.csv:2): amount=1\n"
            "      у цьому файлі: amount=2",
        ),
        (
            "rates import refused (x.csv); nothing was imported",
            "імпорт відхилено: курси валют (x.csv); нічого не імпортовано",
        ),
    ],
)
def test_an_import_problem_reads_in_ukrainian_without_the_clis_options(english: str, ukrainian: str) -> None:
    assert said()(english) == ukrainian
    assert "--" not in said("en")(english)  # an English page drops the option's clause too


# Where the refusals of the member-signed forms are written (a vote, a proposal, a recusal, a key's
# replacement, a clearance's confirmation): module -> the functions those forms reach.
MEMBER_FORM_PATH = {
    "governance/vote.py": ("prepare", "refuse_if_conflicted", "cast"),
    "governance/proposal.py": (
        "get",
        "draft",
        "document_problems",
        "store_documents",
        "check_signature",
        "refuse_unless_open",
        "withdraw",
    ),  # fmt: skip
    "governance/recusal.py": ("prepare", "recuse"),
    "governance/rotation.py": ("prepare", "_by_old_key"),
    "governance/interest.py": ("prepare",),
    "governance/user.py": ("require_linked",),
    "governance/countersign.py": ("why_not",),
    "portfolio/screening.py": ("decide",),
    "ledger/authority.py": ("require",),
}


def _refusals(tree: ast.AST, functions: tuple[str, ...]) -> list[tuple[int, str]]:
    """The messages of the named functions: a Problem's or InputError's, and a Refused's, NotFound's or
    ConflictError's."""
    found = []
    for f in ast.walk(tree):
        if not (isinstance(f, ast.FunctionDef) and f.name in functions):
            continue
        found += _messages(f)
        for n in ast.walk(f):
            if isinstance(n, ast.Call) and getattr(n.func, "id", "") in (
                "Refused",
                "NotFound",
                "ConflictError",
            ):
                found += [(n.lineno, text) for text in _sample(n.args[0])] if n.args else []
            if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "of" and len(n.args) > 1:
                found += [(n.lineno, text) for text in _sample(n.args[1])]
    return [(line, text) for line, text in found if re.search(r"[a-z]+ [a-z]+", text) and text[0] != " "]


@pytest.mark.parametrize("module", MEMBER_FORM_PATH)
def test_every_refusal_of_the_member_forms_reads_in_ukrainian(module: str) -> None:
    """A refusal that a vote, a proposal, a recusal, a key's replacement or a confirmation can meet, new ones
    included, is recognised and has its Ukrainian (issue 12): add its template to web/texts.py MEMBER_FORMS
    and its translation to messages.po."""
    path = Path(jointfund.__file__).parent / module
    functions = MEMBER_FORM_PATH[module]
    found = _refusals(ast.parse(path.read_text(encoding="utf-8")), functions)
    assert found, f"no refusals found in {module} {functions}: the scan has lost them"
    english = [
        f"{module}:{line}: {text!r} -> {said()(text)!r}"
        for line, text in found
        if not any("\u0400" <= ch <= "\u04ff" for ch in said()(text))
    ]
    assert not english, "\n".join(english)


def _logged_actions() -> set[str]:
    """Every action the code appends to the log, read from the calls of append_event in src/ (a string, or a
    constant named in any module); actions built at run time (f-strings) are left out."""
    src = Path(jointfund.__file__).parent
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in src.rglob("*.py")}
    constants: dict[str, str] = {}  # by name, in any module (for module.NAME)
    local: dict[Path, dict[str, str]] = {}  # by module (for NAME), since names like ACTION repeat
    for path, tree in trees.items():
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                if isinstance(node.value.value, str):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            constants[target.id] = local.setdefault(path, {})[target.id] = node.value.value
    found: set[str] = set()
    for path, tree in trees.items():
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call) or len(call.args) < 3:
                continue
            name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
            owner = getattr(call.func.value, "id", "") if isinstance(call.func, ast.Attribute) else ""
            if not (name == "append_event" or (name, owner) == ("record", "book")):  # governance.book.record
                continue
            for arg in call.args[2:3]:  # (conn, actor, action, ...)
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    text = arg.value
                elif isinstance(arg, ast.Name):
                    text = local.get(path, {}).get(arg.id) or constants.get(arg.id, "")
                elif isinstance(arg, ast.Attribute):
                    text = constants.get(arg.attr, "")
                else:
                    continue
                if re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", text):
                    found.add(text)
    return found


def test_every_action_the_fund_logs_has_its_name_in_both_languages(site) -> None:  # noqa: ANN001
    """The dashboard's audit events and the public records say an action in words; a bare code
    ('application.move') is what a board member or auditor should not have to read. The actions: those a
    built fund's log holds, and those the code appends by a name it states."""
    from sqlalchemy import select

    from jointfund.store import db
    from jointfund.store import tables as t
    from jointfund.web.actions import WHAT

    with db.transaction(site.engine) as conn:
        held = set(conn.execute(select(t.event.c.action).distinct()).scalars())
    logged = _logged_actions() | held
    assert {"proposal.new", "user.member", "countersign.rule", "fund.create"} <= logged  # both ways work
    unnamed = sorted(a for a in logged if a not in WHAT and a != "entry")
    assert not unnamed, f"name these actions in web/actions.py: {unnamed}"
    tr = i18n.translations("uk")
    untranslated = sorted(text for text in WHAT.values() if tr.gettext(text) == text)
    assert not untranslated, untranslated
