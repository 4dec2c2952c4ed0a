"""Submitting applications from CSV, XLSX, JSON and --field: atomic, idempotent, every problem located."""

from __future__ import annotations

import csv
import json
from importlib import resources
from pathlib import Path

import openpyxl

FIELDS = [
    "reference",
    "applicant",
    "applicant_code",
    "title",
    "sector",
    "region",
    "resource",
    "amount",
    "currency",
    "instrument",
    "description",
    "contact",
    "documents",
]
GOOD = [
    "APP-A",
    "Velta",
    "34567890",
    "Ilmenite sands",
    "mining",
    "Dnipropetrovsk",
    "titanium",
    "12000000.00",
    "USD",
    "loan",
    "Expansion",
    "cfo@velta.example",
    "teaser.pdf;model.xlsx",
]


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([FIELDS, *rows])
    return path


def test_files_of_every_kind_submit_once(cli, tmp_path: Path) -> None:  # noqa: ANN001
    second = [*GOOD]
    second[0], second[3] = "APP-B", "Berth rehabilitation"
    cli("applications", "submit", str(_csv(tmp_path / "a.csv", [GOOD, second])))
    again = cli("applications", "submit", str(tmp_path / "a.csv"), "--format", "json")
    assert [r["new"] for r in json.loads(again.stdout)] == [False, False]
    book = openpyxl.Workbook()
    third = [*GOOD]
    third[0] = "APP-C"
    book.active.append(FIELDS)
    book.active.append(third)
    book.save(tmp_path / "c.xlsx")
    cli("applications", "submit", str(tmp_path / "c.xlsx"))
    fourth = dict(zip(FIELDS, GOOD, strict=True)) | {"reference": "APP-D"}
    (tmp_path / "d.json").write_text(json.dumps([fourth]))
    cli("applications", "submit", str(tmp_path / "d.json"))
    cli(
        "applications",
        "submit",
        *[f"--field={k}={v}" for k, v in zip(FIELDS, GOOD, strict=True) if k != "reference"],
    )
    rows = json.loads(cli("applications", "list", "--format", "json").stdout)
    assert [r["stage"] for r in rows] == ["submitted"] * 5
    shown = json.loads(cli("applications", "show", "1", "--format", "json").stdout)
    assert shown["application"]["documents"] == ["teaser.pdf", "model.xlsx"]
    assert shown["history"][0]["to"] == "submitted" and shown["history"][0]["from"] is None


def test_a_bad_file_names_every_problem_and_records_nothing(cli, tmp_path: Path) -> None:  # noqa: ANN001
    bad = [*GOOD]
    bad[2], bad[4], bad[7], bad[9] = "123", "minning", "1.001", "grant"
    result = cli("applications", "submit", str(_csv(tmp_path / "bad.csv", [GOOD, bad])), ok=False)
    assert result.exit_code == 1
    err = result.stderr
    assert "bad.csv:3:applicant_code" in err and "8 digits" in err
    assert "bad.csv:3:sector" in err and "did you mean mining" in err
    assert "bad.csv:3:amount" in err and "bad.csv:3:instrument" in err
    assert "nothing was recorded" in err
    assert json.loads(cli("applications", "list", "--format", "json").stdout) == []


def test_a_reference_reused_for_other_content_is_refused(cli, tmp_path: Path) -> None:  # noqa: ANN001
    cli("applications", "submit", str(_csv(tmp_path / "a.csv", [GOOD])))
    changed = [*GOOD]
    changed[7] = "13000000.00"
    result = cli("applications", "submit", str(_csv(tmp_path / "b.csv", [changed])), ok=False)
    assert result.exit_code == 1 and "already used for another application (APP-1" in result.stderr


def test_a_person_moves_with_a_reason_and_decision_stages_are_refused(cli, tmp_path: Path) -> None:  # noqa: ANN001
    cli("applications", "submit", str(_csv(tmp_path / "a.csv", [GOOD])))
    lists = resources.files("jointfund.demo").joinpath("sanctions")
    cli("sanctions", "import", str(lists.joinpath("targets.simple.csv")), "--list", "ua_nsdc")
    cli("applications", "screen", "1")  # no hit: cleared by the screener, as the screening stage needs
    cli("applications", "move", "1", "--to", "screening", "--reason", "complete file")
    refused = cli("applications", "move", "1", "--to", "due_diligence", "--reason", "looks good", ok=False)
    assert refused.exit_code == 1 and "needs a decision" in refused.stderr
    cli("applications", "move", "1", "--to", "withdrawn", "--reason", "financed elsewhere")
    final = cli("applications", "move", "1", "--to", "declined", "--reason", "late", ok=False)
    assert final.exit_code == 1 and "final stage" in final.stderr
    history = json.loads(cli("applications", "show", "1", "--format", "json").stdout)["history"]
    assert [(h["from"], h["to"], h["why"]) for h in history][1:] == [
        ("submitted", "screening", "complete file"),
        ("screening", "withdrawn", "financed elsewhere"),
    ]
    assert (
        json.loads(cli("applications", "list", "--stage", "withdrawn", "--format", "json").stdout)[0]["id"]
        == 1
    )
