"""An agreement's commitments, as typed data loaded from a TOML file shipped with the package.

Two agreements ship: the 2024 bilateral security agreement (security_2024.toml, here) and the fund agreement's
obligations (terms/urif_commitments.toml, beside the fund's terms, whose calendar and lock it names rather
than
repeats). A problem in a file is reported with its key and line, as the terms loader reports them.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import Field, SkipValidation, ValidationError, field_validator, model_validator

from jointfund.commitments import due as rules
from jointfund.errors import InputError, Problem
from jointfund.terms.loader import _problems as located_problems  # one way to name a key and its line
from jointfund.terms.model import Frozen, Inconsistent

Kind = Literal["dated", "recurring", "triggered", "ongoing", "intent", "negative"]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]

# The files of the agreements the register holds, as (package, file name), in the order they are shown.
SHIPPED = (("jointfund.commitments", "security_2024.toml"), ("jointfund.terms", "urif_commitments.toml"))

Code = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)
Text = Field(min_length=1, max_length=2000)


class EventKind(Frozen):
    """Something that happens to an agreement: recorded with `commitments event`, or fixed by the text
    (`date`)."""

    code: str = Code
    name: str = Text
    name_uk: str = Text
    date: dt.date | None = Field(default=None, description="a fixed event (the signature) has its date here")
    clears: bool = Field(
        default=False, description="true for an event that settles an alert (extension_agreed)"
    )


class Area(Frozen):
    """An area of cooperation, which investments can be tagged with."""

    code: str = Code
    name: str = Text
    name_uk: str = Text


class Commitment(Frozen):
    """One commitment: who owes what to whom, and when (see due.py for the rules)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$", max_length=80)
    source: str = Text
    obligor: str = Field(min_length=1, max_length=80)
    beneficiary: str = Field(min_length=1, max_length=80)
    kind: Kind
    due: SkipValidation[rules.Rule | None] = None  # parsed by _rule below (rules.parse)
    area: str | None = Field(default=None, description="the area of cooperation it is about, if any")
    text: str = Text
    text_uk: str = Text

    @field_validator("due", mode="before")
    @classmethod
    def _rule(cls, value: object) -> object:
        return None if value is None else rules.parse(value)

    @model_validator(mode="after")
    def _rule_fits_kind(self) -> Commitment:
        rule, kind = self.due, self.kind
        fits = {
            "dated": isinstance(rule, rules.Fixed | rules.TermsDate | rules.After),
            "recurring": isinstance(rule, rules.Yearly | rules.CalendarDeadline),
            "triggered": isinstance(rule, rules.After),
        }.get(kind, rule is None or isinstance(rule, rules.Fixed | rules.TermsDate))
        if not fits:
            expected = {
                "dated": "a date, terms:NAME or a fixed event plus a delay",
                "recurring": "a yearly MM-DD or calendar:CODE",
                "triggered": "an event plus a delay",
            }
            raise Inconsistent(
                [
                    (
                        ("due",),
                        f"a {kind} commitment needs {expected.get(kind, 'no due rule, or an end date')}"
                        f"; got {rule or 'none'}",
                    )
                ]
            )
        return self


class AlertRule(Frozen):
    """A cross-agreement alert: `agreement` ends before the date `before` names, unless an event of
    `cleared_by`.

    The decision it asks for is due `lead_months` before the agreement's end.
    """

    code: str = Code
    agreement: str = Code
    before: str = Field(pattern=r"^terms:[a-z_]+$")
    before_label: str = Text
    before_label_uk: str = Text
    cleared_by: str = Code
    lead_months: int = Field(ge=0, le=120)
    decision: str = Text
    decision_uk: str = Text

    @field_validator("before")
    @classmethod
    def _known_date(cls, value: str) -> str:
        rules.parse(value)
        return value


class Header(Frozen):
    code: str = Code
    name: str = Text
    name_uk: str = Text
    short: str = Field(
        min_length=1, max_length=120, description="how a sentence names it: the security agreement"
    )
    short_uk: str = Field(min_length=1, max_length=120)
    parties: tuple[str, ...] = Field(min_length=1)
    source: str = Text
    ends: tuple[str, ...] = Field(
        default=(), description="commitments whose earliest due date ends the agreement"
    )
    due_soon_days: int = Field(
        default=30, ge=0, le=366, description="an open commitment due within this is due soon"
    )


class Agreement(Frozen):
    schema_version: Literal[1] = 1
    agreement: Header
    events: tuple[EventKind, ...] = ()
    areas: tuple[Area, ...] = ()
    commitments: tuple[Commitment, ...]
    alerts: tuple[AlertRule, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Agreement:
        problems: list[tuple[tuple, str]] = []
        ids = [c.id for c in self.commitments]
        events = {e.code: e for e in self.events}
        areas = {a.code for a in self.areas}
        for i, c in enumerate(self.commitments):
            if ids.index(c.id) != i:
                problems.append((("commitments", i, "id"), f"{c.id} is used twice"))
            if isinstance(c.due, rules.After):
                event = events.get(c.due.event)
                if event is None:
                    problems.append(
                        (
                            ("commitments", i, "due"),
                            f"event {c.due.event!r} is not among this "
                            f"agreement's events ({', '.join(events) or 'none'})",
                        )
                    )
                elif (event.date is None) != (c.kind == "triggered"):
                    problems.append(
                        (
                            ("commitments", i, "due"),
                            f"a {c.kind} commitment cannot follow "
                            f"{'a recorded' if event.date is None else 'a fixed'} event ({event.code})",
                        )
                    )
            if c.area is not None and c.area not in areas:
                problems.append(
                    (
                        ("commitments", i, "area"),
                        f"{c.area!r} is not among the areas ({', '.join(sorted(areas))})",
                    )
                )
        for i, end in enumerate(self.agreement.ends):
            if end not in ids:
                problems.append((("agreement", "ends", i), f"{end!r} is not a commitment of this file"))
        if len(events) != len(self.events):
            problems.append((("events",), "event codes must be unique"))
        if problems:
            raise Inconsistent(problems)
        return self

    def commitment(self, cid: str) -> Commitment | None:
        return next((c for c in self.commitments if c.id == cid), None)


def load_text(text: str, source: str) -> Agreement:
    """Parse and validate one agreement file; InputError naming each bad key and its line."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError([Problem(source, f"not valid TOML: {exc}")], "malformed commitments file") from None
    try:
        return Agreement.model_validate(doc)
    except ValidationError as exc:
        raise InputError(
            [p for err in exc.errors() for p in located_problems(err, text, source)],
            f"commitments file {source} is invalid",
        ) from None


@cache
def shipped() -> tuple[Agreement, ...]:
    """The agreements shipped with jointfund; event codes and commitment ids are unique across them."""
    out = tuple(
        load_text(resources.files(pkg).joinpath(name).read_text(encoding="utf-8"), name)
        for pkg, name in SHIPPED
    )
    seen: dict[str, str] = {}
    for a in out:
        for code in [e.code for e in a.events] + [c.id for c in a.commitments]:
            assert code not in seen, f"{code} is in both {seen[code]} and {a.agreement.code}"
            seen[code] = a.agreement.code
    return out
