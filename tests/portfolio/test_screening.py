"""Due diligence: sanctions lists in both public formats, screening, outcomes, the stage gate and verify."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert
from support import authorize, cli_ceremony

from jointfund import fund as fund_mod
from jointfund.errors import InputError
from jointfund.governance import user
from jointfund.ledger.log import append_event
from jointfund.portfolio import sanctions, screening
from jointfund.portfolio.clearance import ListVersion
from jointfund.store import tables as t
from jointfund.terms.model import Screening

DEMO = resources.files("jointfund.demo").joinpath("sanctions")
HEADER = ",".join(sanctions.OPENSANCTIONS_COLUMNS)
APP = {
    "applicant": "Velta Titanium",
    "applicant_code": "34567890",
    "title": "Ilmenite sands",
    "sector": "mining",
    "region": "Dnipropetrovsk",
    "amount": "12000000.00",
    "currency": "USD",
    "instrument": "loan",
}


def _os_row(
    id_: str, schema: str, name: str, aliases: str = "", birth: str = "", identifiers: str = ""
) -> str:
    return f"{id_},{schema},{name},{aliases},{birth},ru,,{identifiers},test measure,,,test,,,"


def _index(targets: list[sanctions.Target], fmt: str = sanctions.OPENSANCTIONS) -> screening.Index:
    return screening.Index.of(
        ListVersion(1, "test", fmt, "0" * 64, dt.date(2026, 1, 2), "t", len(targets), 1), targets
    )


def _submit(cli, owners: str = "", **fields: str) -> int:  # noqa: ANN001
    args = [f"--field={k}={v}" for k, v in {**APP, **fields}.items()]
    out = cli(
        "applications", "submit", *args, *([f"--field=owners={owners}"] if owners else []), "--format", "json"
    )
    return json.loads(out.stdout)[0]["id"]


def _hits(cli, app_id: int) -> list[dict]:  # noqa: ANN001
    return json.loads(cli("applications", "screen", str(app_id), "--format", "json").stdout)


# -- the two formats (pure) --


def test_opensanctions_file_reads_names_aliases_dates_and_identifiers() -> None:
    targets = sanctions.read_opensanctions(
        DEMO.joinpath("targets.simple.csv").read_text(encoding="utf-8"), "t.csv"
    )
    first = targets[0]
    assert (first.key, first.kind, first.name) == ("demo-nsdc-0001", "Person", "Taras Shevchenko")
    assert first.aliases == ("Тарас Шевченко", "Taras Schewtschenko") and first.birth_dates == ("1961-03-09",)
    assert targets[1].identifiers == ("12345678",)


def test_ofac_sdn_with_alt_reads_empty_marks_dates_and_aliases() -> None:
    sdn, alt = (DEMO.joinpath(f).read_text(encoding="utf-8") for f in ("sdn.csv", "alt.csv"))
    targets = {x.key: x for x in sanctions.read_ofac(sdn, "sdn.csv", alt)}
    person = targets["90001"]
    assert (
        person.kind == "Person" and person.birth_dates == ("1970-02-14",) and person.countries == ("Russia",)
    )
    assert person.aliases == ("VOVKODAV, Pyotr", "ВОВКОДАВ, Петр") and person.identifiers == ("7512345678",)
    entity = targets["90002"]
    assert entity.kind == "LegalEntity" and entity.birth_dates == () and "7701234567" in entity.identifiers
    assert targets["90003"].birth_dates == ("1966",)  # "DOB circa 1966"
    assert sanctions._ofac_dates("DOB Mar 1961; alt. DOB 1960 to 1962;") == (
        "1961-03",
        "1960",
        "1961",
        "1962",
    )


def test_bad_list_files_name_the_line_and_field() -> None:
    with pytest.raises(InputError) as missing:
        sanctions.read_opensanctions("id,schema,name\nx,Person,Y\n", "t.csv")
    assert "missing column(s) aliases" in str(missing.value.problems[0])
    bad_date = (
        HEADER
        + "\n"
        + _os_row("a", "Person", "A B", birth="12.03.1961")
        + "\n"
        + _os_row("a", "Person", "C D")
    )
    with pytest.raises(InputError) as dated:
        sanctions.read_opensanctions(bad_date, "t.csv")
    assert [p.location for p in dated.value.problems] == ["t.csv:2:birth_date"]
    with pytest.raises(InputError) as ofac:
        sanctions.read_ofac(
            '1,"A B","individual"\nx,"C","-0- ",,,,,,,,,\n', "sdn.csv", '9,1,"aka","Z","-0- "\n'
        )
    fields = [p.location for p in ofac.value.problems]
    assert fields == ["sdn.csv:1", "sdn.csv:2:ent_num", "alt.csv:1:ent_num"]
    with pytest.raises(InputError, match="neither OpenSanctions"):
        sanctions.detect("name,amount\nx,1\n")


# -- matching (pure) --


def test_a_name_matches_across_alphabets_and_spellings() -> None:
    listed = [sanctions.Target("1", "Person", "SHEVCHENKO, Taras", (), ("1961-03-09",), (), (), "p")]
    for spelling in ("Тарас Шевченко", "Taras Shevchenko", "Taras Schewtschenko", "Шевченко Тарас"):
        [hit] = screening.match(
            [screening.Party(1, spelling, "", dt.date(1961, 3, 9))], _index(listed), Screening()
        )
        assert (hit.score, hit.fields, hit.birth_date) == (100.0, ("name", "birth_date"), "agrees"), spelling
    assert (
        screening.match(
            [screening.Party(1, "Тарас Петренко", "", dt.date(1961, 3, 9))], _index(listed), Screening()
        )
        == []
    )


def test_a_disagreeing_date_of_birth_lowers_and_flags_the_hit() -> None:
    listed = [sanctions.Target("1", "Person", "Taras Shevchenko", (), ("1961", "1962-05"), (), (), "p")]
    rules = Screening(threshold=88, birth_date_penalty=15)
    [hit] = screening.match(
        [screening.Party(1, "Тарас Шевченко", "", dt.date(1984, 5, 17))], _index(listed), rules
    )
    assert (hit.score, hit.birth_date, hit.fields) == (85.0, "disagrees", ("name",))
    [year] = screening.match(
        [screening.Party(1, "Тарас Шевченко", "", dt.date(1962, 5, 1))], _index(listed), rules
    )
    assert (year.score, year.birth_date) == (100.0, "agrees")  # a month the publisher gave agrees
    [unknown] = screening.match(
        [screening.Party(1, "Taras Shevchenko", "", dt.date(1962, 5, 1))],
        _index([listed[0]._replace(birth_dates=())]),
        rules,
    )
    assert (unknown.score, unknown.birth_date) == (100.0, "")


def test_a_company_code_among_identifiers_is_a_strong_hit_whatever_the_name() -> None:
    listed = [
        sanctions.Target(
            "9", "Company", "Arctic Shelf Drilling Services", (), (), (), ("EDRPOU 12345678",), "p"
        ),
        sanctions.Target("8", "Person", "Ivan Velta", (), (), (), ("34567890",), "p"),
    ]
    [hit] = screening.match(
        [screening.Party(0, "ТОВ Зовсім Інша Назва", "12345678")], _index(listed), Screening()
    )
    assert (hit.entry, hit.score, hit.strong, hit.fields) == ("9", 100.0, True, ("identifiers",))
    # A person's identifier is not a company code, and a legal form is no part of a company's name.
    assert screening.match([screening.Party(0, "Nobody", "34567890")], _index(listed), Screening()) == []
    [named] = screening.match(
        [screening.Party(0, "Arctic Shelf Drilling Services LLC", "99999999")], _index(listed), Screening()
    )
    assert (named.score, named.strong, named.fields) == (100.0, False, ("name",))


# -- recording, the gate, verify (both backends) --


def _countersigner(cli, folder: Path, user: str = "admin") -> list[str]:  # noqa: ANN001
    """A board member with a key in `folder`, seated by its partner's authority key (after the genesis):
    the `--countersign-as/--countersign-key` options a confirmation of a clearance needs."""
    authorities = cli_ceremony(cli, folder)
    key = folder / "ua-board-1.key"
    cli("--user", user, "keys", "new", "--out", str(key))
    cli(
        "--user",
        user,
        "members",
        "appoint",
        "--partner",
        "UA",
        "--name",
        "ua-board-1",
        "--body",
        "board",
        "--pubkey",
        f"{key}.pub",
        "--authority-key",
        str(authorities["UA"]),
    )
    return ["--countersign-as", "ua-board-1", "--countersign-key", str(key)]


def _link(fund_url: str, name: str, member_id: int, linked: bool) -> None:
    """Link user `name` to member `member_id` (or unlink), as the UA partner's authority does."""
    engine = create_engine(fund_url)
    with engine.begin() as conn:
        fund_id = fund_mod.load(conn).id
        change = user.link_member if linked else user.unlink_member
        kind = "user.member" if linked else "user.unmember"
        st = authorize(fund_id, "UA", kind, user=name, member=member_id)
        change(conn, fund_id, "admin", name, member_id, st)
    engine.dispose()


def _two_officers(cli):  # noqa: ANN001, ANN202
    """Two administrators, so that one clears and the other confirms (four eyes): (admin, officer) runners."""
    cli("users", "add", "admin", "--role", "administrator", "--password", "long enough pw")
    cli(
        "--user",
        "admin",
        "users",
        "add",
        "officer",
        "--role",
        "administrator",
        "--password",
        "long enough pw",
    )
    admin = lambda *args, **kw: cli("--user", "admin", *args, **kw)  # noqa: E731
    admin.url = cli.url  # type: ignore[attr-defined] - what support.cli_ceremony opens
    return admin, lambda *args, **kw: cli("--user", "officer", *args, **kw)


def test_screening_outcomes_and_the_gate(cli, fund_url, tmp_path: Path) -> None:  # noqa: ANN001
    cli, officer = _two_officers(cli)
    near = _submit(cli, owners="Тарас Шевченко|1984-05-17|UA")
    listed = _submit(cli, owners="Petro Vovkodav|1970-02-14|UA", reference="B")
    coded = _submit(cli, applicant_code="12345678", reference="C")
    clean = _submit(cli, reference="D")
    late = _submit(cli, reference="E")
    refused = cli("applications", "move", str(clean), "--to", "screening", "--reason", "complete", ok=False)
    assert refused.exit_code == 1 and "no sanctions list is imported" in refused.stderr

    cli(
        "sanctions",
        "import",
        str(DEMO.joinpath("targets.simple.csv")),
        "--list",
        "ua_nsdc",
        "--date",
        "2026-01-02",
    )
    cli(
        "sanctions",
        "import",
        str(DEMO.joinpath("sdn.csv")),
        "--aliases",
        str(DEMO.joinpath("alt.csv")),
        "--list",
        "ofac_sdn",
    )
    again = cli(
        "sanctions",
        "import",
        str(DEMO.joinpath("sdn.csv")),
        "--aliases",
        str(DEMO.joinpath("alt.csv")),
        "--list",
        "ofac_sdn",
        "--format",
        "json",
    )
    assert json.loads(again.stdout)[0]["new"] is False
    versions = json.loads(cli("sanctions", "list", "--format", "json").stdout)
    assert [(v["list"], v["format"], v["entries"], v["current"]) for v in versions] == [
        ("ua_nsdc", "opensanctions", 4, True),
        ("ofac_sdn", "ofac_sdn", 4, True),
    ]

    not_yet = cli("applications", "move", str(clean), "--to", "screening", "--reason", "complete", ok=False)
    assert "has not been screened" in not_yet.stderr
    assert _hits(cli, clean) == []  # no hit: the screener clears it, and it may move
    cli("applications", "move", str(clean), "--to", "screening", "--reason", "complete")
    assert _hits(cli, late) == []

    [flagged] = _hits(cli, near)
    assert (flagged["party"], flagged["entry"], flagged["score"], flagged["birth_date"]) == (
        "owner 1",
        "demo-nsdc-0001",
        85.0,
        "disagrees",
    )
    waiting = cli("applications", "move", str(near), "--to", "screening", "--reason", "complete", ok=False)
    assert "no one has decided" in waiting.stderr
    cli("applications", "clear", str(near), "--reason", "born 1984, not 1961; passport checked")
    officer(
        "applications",
        "clear",
        str(near),
        "--reason",
        "confirmed: passport checked",
        *_countersigner(cli, tmp_path),
    )
    twice = cli("applications", "block", str(near), "--reason", "changed my mind", ok=False)
    assert "already cleared" in twice.stderr
    cli("applications", "move", str(near), "--to", "screening", "--reason", "complete")

    [sdn] = _hits(cli, listed)
    assert (sdn["list"], sdn["entry"], sdn["matched"], sdn["birth_date"]) == (
        "ofac_sdn",
        "90001",
        "name, birth_date",
        "agrees",
    )
    cli("applications", "block", str(listed), "--reason", "owner 1 is OFAC entry 90001")
    blocked = cli("applications", "move", str(listed), "--to", "screening", "--reason", "complete", ok=False)
    assert "was blocked" in blocked.stderr and "OFAC entry 90001" in blocked.stderr

    [strong] = _hits(cli, coded)
    assert (strong["party"], strong["score"], strong["strong"], strong["matched"]) == (
        "company",
        100.0,
        True,
        "identifiers",
    )
    empty = cli("applications", "clear", str(coded), "--reason", "", ok=False)
    assert empty.exit_code == 1 and "--reason" in empty.stderr

    # A new version of a list: the cleared screenings are no longer current; --all reports only new hits.
    updated = (
        DEMO.joinpath("targets.simple.csv").read_text(encoding="utf-8")
        + _os_row("demo-nsdc-0099", "Company", "Velta Titanium", identifiers="")
        + "\n"
    )
    (tmp_path / "v2.csv").write_text(updated, encoding="utf-8")
    cli("sanctions", "import", str(tmp_path / "v2.csv"), "--list", "ua_nsdc", "--date", "2026-02-01")
    stale = cli("applications", "move", str(late), "--to", "screening", "--reason", "complete", ok=False)
    assert (
        "did not match against the current lists: ua_nsdc (version of 2026-02-01, import 3)" in stale.stderr
    )
    before = cli("applications", "move", str(near), "--to", "due_diligence", "--reason", "x", ok=False)
    assert "needs a decision" in before.stderr  # the pipeline's rule speaks first
    report = cli("applications", "screen", "--all", "--format", "json")
    new = json.loads(report.stdout)
    # The hit blocked before is not new; the company code hit no one decided is.
    assert {(h["application"], h["entry"]) for h in new} == {
        *((a, "demo-nsdc-0099") for a in (near, listed, coded, clean, late)),
        (coded, "demo-nsdc-0002"),
    }
    assert "5 application(s) screened: 0 cleared, 5 waiting for a person, 6 new hit(s)" in report.stderr
    # The owners' personal data never enters the log: hits name "owner 1".
    events = json.loads(cli("audit", "--format", "json").stdout)
    audit = json.dumps([json.loads(e["what"]) for e in events], ensure_ascii=False)
    assert "Шевченко" not in audit and "1984-05-17" not in audit and "Vovkodav|" not in audit
    assert '"owner 1"' in audit and '"owners_sha256"' in audit and "Тарас" not in audit
    cli("verify")

    # A move written past the domain (raw SQL) is refused by the database itself: the coded application's
    # latest screening is undecided, the stale one's did not match the new list version.
    engine = create_engine(fund_url)

    def raw_move(conn, app: int, to: str = "screening") -> None:  # noqa: ANN001
        seq = append_event(conn, "mallory", "application.move", f"application:{app}", {"after": to})
        conn.execute(
            insert(t.application_stage).values(
                application_id=app,
                from_stage="submitted",
                to_stage=to,
                effective=dt.date(2026, 12, 1),
                actor="mallory",
                reason="x",
                seq=seq,
            )
        )

    for app in (coded, late, listed):
        with pytest.raises(Exception, match="needs a cleared sanctions screening"), engine.begin() as conn:
            raw_move(conn, app)
    with engine.begin() as conn:  # a stage the terms do not screen is not the gate's business
        raw_move(conn, late, "declined")
    # An operator who drops the guard gets past the database, not past verify; nor does emptying the gate.
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "DROP TRIGGER application_stage_screened"
            + ("" if engine.dialect.name == "sqlite" else " ON application_stage")
        )
        raw_move(conn, coded)
    found = cli("--format", "json", "verify", ok=False)
    assert found.exit_code == 1, found.stdout
    assert "trigger application_stage_screened is missing" in found.stdout
    assert "without a cleared screening" in found.stdout
    with engine.begin() as conn:
        conn.execute(t.screening_gate.delete())
    engine.dispose()
    found = cli("--format", "json", "verify", ok=False)
    assert "first: the database's screening gate lists nothing, but the terms screen from 2025-05-23: " in (
        found.stdout
    )


def test_owners_are_validated_and_kept_out_of_reused_references(cli) -> None:  # noqa: ANN001
    bad = cli(
        "applications",
        "submit",
        *[f"--field={k}={v}" for k, v in APP.items()],
        "--field=owners=Ann|1990-13-01|UA;Bob|1980-01-01|Ukraine;just a name",
        ok=False,
    )
    err = bad.stderr
    assert "--field owners:" in err and "owner 1: date of birth" in err and "owner 2: nationality" in err
    assert "owner 3: expected name|YYYY-MM-DD|nationality" in err and "nothing was recorded" in err
    first = _submit(cli, owners="Ann Lee|1990-01-01|GB", reference="R")
    assert _submit(cli, owners="Ann Lee|1990-01-01|GB", reference="R") == first  # the same again: nothing new
    other = cli(
        "applications",
        "submit",
        *[f"--field={k}={v}" for k, v in APP.items()],
        "--field=reference=R",
        "--field=owners=Ann Lee|1991-01-01|GB",
        ok=False,
    )
    assert "already used for another application" in other.stderr
    shown = json.loads(cli("applications", "show", str(first), "--format", "json").stdout)["application"]
    assert shown["owners"] == [
        {"position": 1, "name": "Ann Lee", "birth_date": "1990-01-01", "nationality": "GB"}
    ]


def test_screening_needs_a_list_and_an_outcome_needs_a_screening(cli) -> None:  # noqa: ANN001
    app = _submit(cli)
    nothing = cli("applications", "screen", str(app), ok=False)
    assert nothing.exit_code == 1 and "no sanctions list is imported" in nothing.stderr
    unscreened = cli("applications", "clear", str(app), "--reason", "fine", ok=False)
    assert "has not been screened" in unscreened.stderr
    bad_name = cli("sanctions", "import", str(DEMO.joinpath("sdn.csv")), "--list", "OFAC SDN", ok=False)
    assert bad_name.exit_code == 1 and "--list" in bad_name.stderr
    assert json.loads(cli("sanctions", "list", "--format", "json").stdout) == []


def test_the_database_and_verify_refuse_a_forged_outcome(cli, fund_url) -> None:  # noqa: ANN001
    app = _submit(cli, owners="Petro Vovkodav|1970-02-14|UA")
    cli(
        "sanctions",
        "import",
        str(DEMO.joinpath("sdn.csv")),
        "--aliases",
        str(DEMO.joinpath("alt.csv")),
        "--list",
        "ofac_sdn",
    )
    [hit] = _hits(cli, app)
    assert hit["entry"] == "90001"
    engine = create_engine(fund_url)
    row = {"screening_id": 1, "reason": "x", "actor": "mallory", "decided_on": dt.date(2026, 12, 1)}
    with pytest.raises(Exception, match="(?i)check|constraint"), engine.begin() as conn:
        seq = append_event(conn, "mallory", "application.screening_outcome", f"application:{app}", {})
        conn.execute(insert(t.screening_outcome).values(**row, outcome="blocked", automatic=1, seq=seq))
    with (
        engine.begin() as conn
    ):  # only people block; an automatic clearance of a hit no one cleared is forged
        seq = append_event(conn, "mallory", "application.screening_outcome", f"application:{app}", {})
        conn.execute(insert(t.screening_outcome).values(**row, outcome="cleared", automatic=1, seq=seq))
    with pytest.raises(Exception, match="(?i)append-only|refused|not allowed|update"), engine.begin() as conn:
        conn.execute(t.screening_outcome.update().values(outcome="blocked"))
    engine.dispose()
    found = cli("--format", "json", "verify", ok=False)
    assert found.exit_code == 1 and "was cleared automatically, but a person had not cleared" in found.stdout


def test_one_person_alone_cannot_clear_a_hit(cli, fund_url, tmp_path: Path) -> None:  # noqa: ANN001
    """Four eyes: the first clearance waits; the same user cannot confirm it; nor can a second user the
    administrator made, without a seated member's countersignature; the move stays refused until a second
    person confirms; the database and verify refuse an outcome written past the domain."""
    cli, officer = _two_officers(cli)
    countersigned = _countersigner(cli, tmp_path)
    near = _submit(cli, owners="Тарас Шевченко|1984-05-17|UA")
    cli("sanctions", "import", str(DEMO.joinpath("targets.simple.csv")), "--list", "ua_nsdc")
    [hit] = _hits(cli, near)
    first = cli("applications", "clear", str(near), "--reason", "born 1984, not 1961")
    assert "a second person confirms it" in first.stderr + first.stdout
    alone = cli("applications", "clear", str(near), "--reason", "really, it is fine", ok=False)
    assert alone.exit_code == 1 and "needs a second person" in alone.stderr
    waiting = cli("applications", "move", str(near), "--to", "screening", "--reason", "complete", ok=False)
    assert "no one has decided" in waiting.stderr
    shown = json.loads(cli("applications", "screenings", str(near), "--format", "json").stdout)
    assert shown[-1]["outcome"] == "waiting"
    # The insider's attack: the administrator adds a second user and confirms their own clearance with it.
    made = officer("applications", "clear", str(near), "--reason", "confirmed by my other account", ok=False)
    assert made.exit_code == 1 and "needs a second person: a seated member's countersignature" in made.stderr
    # A member linked to the user who cleared is that same person: their countersignature is refused too.
    _link(fund_url, "admin", 1, linked=True)
    own = officer("applications", "clear", str(near), "--reason", "confirmed", *countersigned, ok=False)
    assert own.exit_code == 1 and "is linked to user admin, who asked for it" in own.stderr
    _link(fund_url, "admin", 1, linked=False)
    officer("applications", "clear", str(near), "--reason", "confirmed: passport checked", *countersigned)
    cli("applications", "move", str(near), "--to", "screening", "--reason", "complete")
    cli("verify")

    # Past the domain: a person's `cleared` with no clearance before, or confirming one's own, is refused.
    other = _submit(cli, owners="Taras Shevchenko|1984-05-17|UA", reference="B")
    _hits(cli, other)
    [sid] = [
        s["screening"]
        for s in json.loads(cli("applications", "screenings", str(other), "--format", "json").stdout)
    ]
    engine = create_engine(fund_url)
    row = {"screening_id": sid, "reason": "x", "actor": "admin", "decided_on": dt.date(2026, 12, 1)}
    with pytest.raises(Exception, match="second user"), engine.begin() as conn:
        seq = append_event(conn, "admin", "application.screening_outcome", f"application:{other}", {})
        conn.execute(insert(t.screening_outcome).values(**row, outcome="cleared", automatic=0, seq=seq))
    with pytest.raises(Exception, match="second user"), engine.begin() as conn:
        seq = append_event(conn, "admin", "application.screening_clearance", f"application:{other}", {})
        conn.execute(
            insert(t.screening_clearance).values(
                screening_id=sid, reason="x", actor="admin", cleared_on=dt.date(2026, 12, 1), seq=seq
            )
        )
        seq = append_event(conn, "admin", "application.screening_outcome", f"application:{other}", {})
        conn.execute(insert(t.screening_outcome).values(**row, outcome="cleared", automatic=0, seq=seq))
    # An operator who drops the guard gets past the database, not past verify.
    with engine.begin() as conn:
        name = "screening_four_eyes"
        conn.exec_driver_sql(
            f"DROP TRIGGER {name}"
            if engine.dialect.name == "sqlite"
            else f"DROP TRIGGER {name} ON screening_outcome"
        )
        seq = append_event(conn, "admin", "application.screening_outcome", f"application:{other}", {})
        conn.execute(insert(t.screening_outcome).values(**row, outcome="cleared", automatic=0, seq=seq))
    engine.dispose()
    found = cli("--format", "json", "verify", ok=False)
    assert (
        found.exit_code == 1 and "was cleared by admin alone" in found.stdout and "four eyes" in found.stdout
    )
    assert "trigger screening_four_eyes is missing" in found.stdout


def test_a_forged_countersignature_gets_past_the_database_but_not_verify(cli, fund_url, tmp_path) -> None:  # noqa: ANN001
    """The database holds who asked and that the member is seated; the signature is checked by verify: an
    operator with the database credential who writes a confirmation with a made-up signature is found."""
    cli, officer = _two_officers(cli)
    _countersigner(cli, tmp_path)
    near = _submit(cli, owners="Тарас Шевченко|1984-05-17|UA")
    cli("sanctions", "import", str(DEMO.joinpath("targets.simple.csv")), "--list", "ua_nsdc")
    _hits(cli, near)
    cli("applications", "clear", str(near), "--reason", "born 1984, not 1961")
    [sid] = [
        s["screening"]
        for s in json.loads(cli("applications", "screenings", str(near), "--format", "json").stdout)
    ]
    engine = create_engine(fund_url)
    row = {"screening_id": sid, "reason": "x", "actor": "officer", "decided_on": dt.date(2026, 12, 1)}
    forged = {"member": 1, "signature": "ab" * 64, "requested_by": "admin"}
    with pytest.raises(Exception, match="second user"), engine.begin() as conn:  # no countersignature row
        seq = append_event(conn, "officer", "application.screening_outcome", f"application:{near}", {})
        conn.execute(insert(t.screening_outcome).values(**row, outcome="cleared", automatic=0, seq=seq))
    with (
        pytest.raises(Exception, match="second user"),
        engine.begin() as conn,
    ):  # countersigning the wrong asker
        seq = append_event(conn, "officer", "application.screening_outcome", f"application:{near}", {})
        conn.execute(
            insert(t.countersignature).values(
                seq=seq, kind="screening.clear", member_id=1, signature="ab" * 64, requested_by="officer"
            )
        )
        conn.execute(insert(t.screening_outcome).values(**row, outcome="cleared", automatic=0, seq=seq))
    with engine.begin() as conn:
        seq = append_event(
            conn,
            "officer",
            "application.screening_outcome",
            f"application:{near}",
            {"countersignature": forged},
        )
        conn.execute(
            insert(t.countersignature).values(
                seq=seq,
                kind="screening.clear",
                member_id=1,
                signature=forged["signature"],
                requested_by="admin",
            )
        )
        conn.execute(insert(t.screening_outcome).values(**row, outcome="cleared", automatic=0, seq=seq))
    engine.dispose()
    found = cli("--format", "json", "verify", ok=False)
    assert found.exit_code == 1, found.stdout
    assert f"screening {sid}'s clearance: the countersignature does not verify with the key of member 1" in (
        found.stdout
    )
