"""Every bad input of issue 19 ("Tracebacks or 500s on bad input", "Odd input") and issue 12 ("Crashes on bad
files") replayed through the CLI on both backends: a clear error naming the file, line, field and bound, exit
1
(2 for a bad option), never a traceback, and nothing written. The API twin is tests/api/test_bounds.py."""

from __future__ import annotations

import io
import json
import zipfile

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from jointfund import bounds
from jointfund.ledger import log
from jointfund.store import db
from jointfund.store import tables as t

from .conftest import write

HEADER = "receipt_id,date,licence_id,stream,amount,currency"


def state(url: str) -> tuple[int, int, int]:
    """(receipts, rates, log size): what an import may change."""
    eng = db.make_engine(url)
    try:
        with db.transaction(eng) as conn:
            count = lambda table: conn.execute(select(func.count()).select_from(table)).scalar_one()  # noqa: E731
            return count(t.receipt), count(t.fx_rate), log.size(conn)
    finally:
        eng.dispose()


def no_traceback(r) -> None:  # noqa: ANN001 - a click Result
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert "Traceback" not in r.output + r.stderr


def refused(cli, args: list[str], *says: str, code: int = 1):  # noqa: ANN001, ANN201
    before = state(cli.url)
    r = cli(*args, ok=False)
    no_traceback(r)
    assert r.exit_code == code, (r.exit_code, r.output, r.stderr)
    for text in says:
        assert text in r.stderr, (text, r.stderr)
    assert state(cli.url) == before, "a refused command wrote something"
    return r


@pytest.mark.parametrize(
    ("amount", "says"),
    [
        ("9223372036854775808", "at most 9223372036854775807 minor units (64 bits)"),  # >= 2^63 minor units
        ("1e309", "no exponent"),
        ("1e999999999", "no exponent"),  # once 3 GB of memory for 17 s
        ("1e30", "no exponent"),
        ("١٢٣", "digits 0-9"),  # Arabic-Indic digits
        ("１２３", "digits 0-9"),  # full-width digits
        ("1" * 40, "longer than 32 characters"),
    ],
)
def test_an_amount_out_of_bounds_is_refused_naming_the_cell_and_the_bound(
    cli, licences_csv, tmp_path, amount, says
):
    cli("licences", "import", str(licences_csv))
    path = write(tmp_path, "r.csv", f"{HEADER}\nR-1,2025-06-02,L-NEW,rent,{amount},UAH\n")
    refused(cli, ["receipts", "import", str(path)], "r.csv:2:amount:", says)


@pytest.mark.parametrize("day", ["1900-01-01", "9999-12-31", "0001-01-01"])
def test_a_date_outside_the_funds_life_is_refused(cli, licences_csv, tmp_path, day):
    cli("licences", "import", str(licences_csv))
    path = write(tmp_path, "r.csv", f"{HEADER}\nR-1,{day},L-NEW,rent,1.00,UAH\n")
    refused(
        cli, ["receipts", "import", str(path)], "r.csv:2:date: date is outside the fund's life plus a margin"
    )


def test_cp1251_and_utf16_files_are_read_and_other_encodings_refused_by_name(cli, licences_csv, tmp_path):
    cli("licences", "import", str(licences_csv))
    text = f"{HEADER}\nКВ-1,2025-06-02,L-NEW,rent,1.00,UAH\n"
    (tmp_path / "win.csv").write_bytes(text.encode("cp1251"))
    (tmp_path / "u16.csv").write_bytes(
        text.replace("КВ-1", "КВ-2").encode("utf-16")
    )  # with its byte-order mark
    for name in ("win.csv", "u16.csv"):
        r = cli("receipts", "import", str(tmp_path / name), "--format", "json")
        assert json.loads(r.stdout)[0]["new"] == 1
    eng = db.make_engine(cli.url)
    with db.transaction(eng) as conn:
        assert sorted(conn.execute(select(t.receipt.c.receipt_id)).scalars()) == ["КВ-1", "КВ-2"]
    eng.dispose()
    (tmp_path / "bare16.csv").write_bytes(
        text.encode("utf-16-le")
    )  # no byte-order mark: cannot be told apart
    refused(
        cli,
        ["receipts", "import", str(tmp_path / "bare16.csv")],
        "bare16.csv: the file looks like UTF-16 text without a byte-order mark",
    )
    (tmp_path / "latin.csv").write_bytes(
        f"{HEADER}\nR-Café,2025-06-02,L-NEW,rent,1.00,UAH\n".encode("latin-1")
    )
    refused(
        cli,
        ["receipts", "import", str(tmp_path / "latin.csv")],
        "latin.csv: the file is not UTF-8 text, nor UTF-16",
    )


def test_a_file_that_turns_non_utf8_after_the_sample_is_refused_at_its_line(cli, licences_csv, tmp_path):
    cli("licences", "import", str(licences_csv))
    rows = [f"R-{i},2025-06-02,L-NEW,rent,1.00,UAH" for i in range(5000)]
    body = (HEADER + "\n" + "\n".join(rows) + "\n").encode() + "R-x,2025-06-02,L-NEW,rent,1.00,ГРН\n".encode(
        "cp1251"
    )
    (tmp_path / "late.csv").write_bytes(body)
    refused(
        cli, ["receipts", "import", str(tmp_path / "late.csv")], "late.csv:5002: not UTF-8 text from here on"
    )


def test_a_huge_field_a_nul_byte_and_an_empty_file_are_refused(cli, licences_csv, tmp_path):
    cli("licences", "import", str(licences_csv))
    huge = write(tmp_path, "huge.csv", f'{HEADER}\nR-1,2025-06-02,L-NEW,rent,1.00,"{"x" * 140_000}"\n')
    refused(
        cli,
        ["receipts", "import", str(huge)],
        "huge.csv:2: not readable as CSV: a field is longer than 131,072 characters (the bound of a CSV "
        "field)",
    )
    (tmp_path / "nul.csv").write_bytes(f"{HEADER}\nR-\x001,2025-06-02,L-NEW,rent,1.00,UAH\n".encode())
    refused(cli, ["receipts", "import", str(tmp_path / "nul.csv")], "nul.csv:")
    refused(
        cli, ["receipts", "import", str(write(tmp_path, "empty.csv", ""))], "empty.csv:1: the file is empty"
    )


@pytest.mark.parametrize("noun", ["licences", "receipts", "fx", "payments"])
def test_every_import_names_a_missing_corrupt_or_empty_file(cli, tmp_path, noun):
    refused(cli, [noun, "import", str(tmp_path / "nosuch.csv")], "nosuch.csv: no such file")
    refused(cli, [noun, "import", str(tmp_path)], "unsupported file type")
    (tmp_path / "folder.csv").mkdir()
    refused(cli, [noun, "import", str(tmp_path / "folder.csv")], "folder.csv: not a file")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    refused(cli, [noun, "import", str(tmp_path / "broken.xlsx")], "broken.xlsx: not a readable XLSX workbook")
    (tmp_path / "empty.xlsx").write_bytes(b"")
    refused(cli, [noun, "import", str(tmp_path / "empty.xlsx")], "empty.xlsx: not a readable XLSX workbook")
    refused(cli, [noun, "import", str(write(tmp_path, "blank.csv", ""))], "blank.csv:1: the file is empty")


def test_nbu_json_is_bounded_in_depth_and_in_its_numbers(cli, tmp_path):
    deep = write(tmp_path, "deep.json", "[" * 100_000 + "]" * 100_000)
    refused(
        cli, ["fx", "import", str(deep)], f"deep.json: JSON nested deeper than {bounds.MAX_JSON_DEPTH} levels"
    )
    digits = write(
        tmp_path, "digits.json", '[{"exchangedate": "20.12.2025", "cc": "USD", "rate": ' + "9" * 4300 + "}]"
    )
    refused(cli, ["fx", "import", str(digits)], "digits.json:item 1:rate: rate is longer than 32 characters")
    nan = write(tmp_path, "nan.json", '[{"exchangedate": "20.12.2025", "cc": "USD", "rate": NaN}]')
    refused(cli, ["fx", "import", str(nan)], "nan.json: not valid JSON: NaN is not a number")


def test_an_absurd_rate_is_refused_and_a_jump_needs_confirmation(cli, tmp_path):
    """Finding 3: `2026-12-20,USD,0.000000000000000000000000000001` was accepted and broke verify for good."""
    tiny = write(
        tmp_path, "tiny.csv", "date,currency,rate\n2025-12-20,USD,0.000000000000000000000000000001\n"
    )
    refused(
        cli,
        ["fx", "import", str(tiny)],
        "tiny.csv:2:rate: outside the terms' plausible range for USD: 1 to 1000",
    )
    huge = write(tmp_path, "huge.csv", "date,currency,rate\n2025-12-20,USD,1e100\n")
    refused(cli, ["fx", "import", str(huge)], "huge.csv:2:rate: rate is not a number")
    gbp = write(tmp_path, "gbp.csv", "date,currency,rate\n2025-12-20,GBP,52.1\n")
    refused(
        cli,
        ["fx", "import", str(gbp)],
        "gbp.csv:2:currency: the terms give no plausible range for this currency",
    )
    cli("fx", "import", str(write(tmp_path, "ok.csv", "date,currency,rate\n2025-12-19,USD,41.50\n")))
    jump = write(tmp_path, "jump.csv", "date,currency,rate\n2025-12-22,USD,52.00\n2025-12-23,USD,52.10\n")
    refused(
        cli,
        ["fx", "import", str(jump)],
        "jump.csv:2:rate: changes 25.3% from the rate of 2025-12-19 (41.50)",
        "--accept-jump",
    )
    # Between two rates in one file, the file's own earlier row is the previous rate.
    inside = write(tmp_path, "inside.csv", "date,currency,rate\n2025-12-22,USD,41.60\n2025-12-23,USD,20.00\n")
    r = refused(
        cli, ["fx", "import", str(inside)], "inside.csv:3:rate: changes 51.9% from the rate of 2025-12-22"
    )
    assert "inside.csv:2" not in r.stderr
    out = json.loads(cli("fx", "import", str(jump), "--accept-jump", "--format", "json").stdout)
    assert out[0]["new"] == 2
    assert cli("verify").exit_code == 0


@pytest.mark.parametrize(
    "args",
    [
        ["proposals", "execute", "99999999999999999999"],
        ["proposals", "show", "99999999999999999999"],
        ["proposals", "vote", "9223372036854775808", "approve", "--as", "1", "--key", "k"],
        ["ledger", "reverse", "99999999999999999999", "--date", "2026-01-01"],
        ["ledger", "proof", "99999999999999999999"],
        ["ledger", "show", "99999999999999999999"],
        ["ledger", "consistency", "--from", "99999999999999999999", "--to", "1"],
        ["members", "remove", "99999999999999999999", "--reason", "x"],
        ["applications", "show", "99999999999999999999"],
        ["users", "revoke-token", "99999999999999999999"],
    ],
)
def test_an_id_beyond_63_bits_is_a_usage_error(cli, args):
    r = refused(cli, args, code=2)
    assert "less than or equal to 9223372036854775807" in r.output + r.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["calendar", "--year", "9999"],
        ["calendar", "--year", "0"],
        ["contributions", "--year", "9999"],
        ["report", "eiti", "--year", "9999"],
        ["reconcile", "--year", "9999"],
        ["transfers", "list", "--period", "9999"],
        ["capital", "accounts", "--as-of", "9999-12-31"],
        ["terms", "show", "--as-of", "9999-12-31"],
        ["ledger", "trial-balance", "--as-of", "9999-12-31"],
    ],
)
def test_a_year_or_date_outside_the_funds_life_is_a_usage_error(cli, args):
    r = refused(cli, args, code=2)
    assert "outside the fund's life plus a margin" in r.output + r.stderr


def test_an_amount_option_is_bounded(cli):
    r = refused(
        cli,
        [
            "capital",
            "commit",
            "--partner",
            "US",
            "--amount",
            "1e30",
            "--currency",
            "USD",
            "--date",
            "2025-06-01",
            "--reference",
            "C-1",
        ],
    )
    assert "--amount: amount is not a number" in r.stderr


# -- the fuzz test: random and truncated bytes into every import --


def _valid_files() -> dict[str, dict[str, bytes]]:
    """A good file of each import in each format, to be truncated and mutated."""
    csvs = {
        "licences": "licence_id,holder,holder_code,resource,deposit,region,issued,basis,psa\n"
        "L-NEW,Dobra,40000001,lithium,Dobra,Kirovohrad,2025-06-01,new,yes\n",
        "receipts": f"{HEADER}\nR-1,2025-06-02,L-NEW,rent,1000.00,UAH\n",
        "fx": "date,currency,rate\n2025-06-06,USD,41.4511\n",
        "payments": "payment_id,date,holder_code,licence_id,stream,amount\nP-1,2025-09-30,40000001,L-NEW,rent,10.00\n",  # noqa: E501 - data kept on one line, as the file holds it
    }
    out: dict[str, dict[str, bytes]] = {}
    for noun, text in csvs.items():
        book = openpyxl.Workbook()
        for line in text.splitlines():
            book.active.append(line.split(","))
        buffer = io.BytesIO()
        book.save(buffer)
        out[noun] = {".csv": text.encode(), ".xlsx": buffer.getvalue()}
    out["fx"][".json"] = json.dumps(
        [{"r030": 840, "cc": "USD", "rate": 41.45, "exchangedate": "06.06.2025"}]
    ).encode()
    return out


VALID = _valid_files()


@st.composite
def hostile(draw) -> tuple[str, str, bytes]:  # noqa: ANN001
    noun = draw(st.sampled_from(sorted(VALID)))
    suffix = draw(st.sampled_from(sorted(VALID[noun])))
    good = VALID[noun][suffix]
    how = draw(st.sampled_from(["random", "truncated", "flipped", "zip-member"]))
    if how == "random":  # behind a byte-order mark half the time, so the UTF-8 and UTF-16 decoders see it too
        head = draw(st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]))
        data = head + draw(st.binary(max_size=2048))
    elif how == "truncated":
        data = good[: draw(st.integers(0, len(good)))]
    elif how == "flipped":
        data = bytearray(good)
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
        data = bytes(data)
    else:  # a well-formed zip whose members are damaged: the XML parser and openpyxl see the garbage
        source = zipfile.ZipFile(io.BytesIO(VALID[noun][".xlsx"]))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as target:
            for name in source.namelist():
                body = source.read(name)
                if draw(st.booleans()):
                    body = body[: draw(st.integers(0, len(body)))] + draw(st.binary(max_size=64))
                target.writestr(name, body)
        data, suffix = buffer.getvalue(), ".xlsx"
    return noun, suffix, data


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=hostile())
def test_fuzz_no_import_ever_ends_in_a_traceback(cli, tmp_path, case):
    """Random, truncated and damaged files into every import command: a result or a clear error, never a
    traceback.
    (Storage is the same on both backends for a refused file, which writes nothing; SQLite keeps it quick.)"""
    noun, suffix, data = case
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    r = cli(noun, "import", str(path), ok=False)
    no_traceback(r)
    assert r.exit_code in (0, 1), (r.exit_code, r.stderr)
    if r.exit_code == 1:
        assert r.stderr.startswith("error: ") and "fuzz" in r.stderr
