"""Loading a terms file: a pipeline of pure steps.

text -> TOML document -> validated `Terms` -> `Terms` in force on a date.

Every validation problem is reported with the dotted key, the line in the file and
what was expected, so a treasury lawyer can fix a terms file without reading code.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import json
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from jointfund.errors import InputError, Problem
from jointfund.terms.model import Amendment, Inconsistent, Location, Terms

SHIPPED = "urif.toml"

# Lists of tables are merged by these keys when an amendment changes them.
MERGE_KEYS = ("code", "kind", "name")


def shipped_text() -> str:
    return resources.files("jointfund.terms").joinpath(SHIPPED).read_text(encoding="utf-8")


# Keys each schema version added, by dotted path. A fund's terms are stored as written and never rewritten,
# so a fund created on an older file would not load once the model requires a newer key: the loader fills
# each missing one from the shipped file (the policy this version of jointfund ships), and says so.
LATER_KEYS = {2: (("accounting",), ("fx", "plausible_rates"), ("fx", "max_daily_change"))}


def filled_from_shipped(doc: dict[str, Any]) -> list[str]:
    """Fill, in place, the keys added after `doc`'s schema version from the shipped terms; returns their
    paths."""
    version = doc.get("schema_version")
    if not isinstance(version, int):
        return []
    shipped = tomllib.loads(shipped_text())
    filled = []
    for added, paths in sorted(LATER_KEYS.items()):
        if version >= added:
            continue
        for path in paths:
            here: object = doc
            there: dict[str, Any] = shipped
            for part in path[:-1]:  # a key is added to a section the file has, never a section invented
                here, there = here.get(part) if isinstance(here, dict) else None, there.get(part, {})
            if isinstance(here, dict) and path[-1] not in here and path[-1] in there:
                here[path[-1]] = there[path[-1]]
                filled.append(".".join(path))
    return filled


def filled_keys(text: str) -> list[str]:
    """Which keys of this terms text come from the shipped file (see LATER_KEYS)."""
    try:
        return filled_from_shipped(tomllib.loads(text))
    except tomllib.TOMLDecodeError:
        return []


# Parsing and validating a terms text takes tens of milliseconds, and every read of the book asks for the
# terms (in force on a day) several times: each read after a write paid it again (profiled, issue 13). Terms
# are frozen values of their text (and the amendments adopted since), so the steps are cached by those.
TERMS_CACHED = 256


@functools.lru_cache(maxsize=TERMS_CACHED)
def load_text(text: str, source: str) -> Terms:
    """Parse and validate terms text. Raises InputError naming key, line and expectation."""
    doc = _toml(text, source, "malformed terms file")
    filled_from_shipped(doc)
    problems = _validate(doc, text, source)
    if problems:
        raise InputError(problems, f"terms file {source} is invalid")
    terms = Terms.model_validate(doc)
    # An amendment that would make the terms invalid is refused now, not on the day it applies.
    for i, amendment in enumerate(terms.amendments):
        try:
            merged = apply_amendments(doc, amendment.effective)
            Terms.model_validate(merged)
        except ValidationError as exc:
            # Named at the amendment's own line: that is what must be fixed, not the base terms.
            located = [
                p
                for err in exc.errors()
                for p in _problems(
                    err,
                    text,
                    source,
                    prefix=f"after amendment of {amendment.effective}: ",
                    at=("amendments", i, "changes"),
                )
            ]
            raise InputError(located, f"terms file {source} is invalid") from None
    return terms


def load_file(path: str | Path) -> Terms:
    return load_text(read_file(path, "terms file"), str(path))


def read_file(path: str | Path, what: str) -> str:
    """The UTF-8 text of a file, or an InputError naming it."""
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(
            [Problem(str(p), f"cannot read {what}: {exc.strerror}")], f"missing {what}"
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            [Problem(str(p), f"not UTF-8 text at byte {exc.start}")], f"malformed {what}"
        ) from None


def load_shipped() -> Terms:
    return load_text(shipped_text(), SHIPPED)


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=TERMS_CACHED)
def terms_in_force(terms_text: str, day: dt.date, adopted: tuple[str, ...] = ()) -> Terms:
    """The rules that apply on `day`: amendments effective on or before it merged in order.

    `adopted` are amendments decided after the file was written (governance.amendment), each as
    its canonical JSON text (dates YYYY-MM-DD); they join the file's own amendments.
    """
    doc = tomllib.loads(terms_text)
    filled_from_shipped(doc)
    doc = with_adopted(doc, adopted)
    merged = apply_amendments(doc, day)
    merged["as_of"] = day
    return Terms.model_validate(merged)


def with_adopted(doc: dict[str, Any], adopted: tuple[str, ...]) -> dict[str, Any]:
    """The terms document with the adopted amendments appended to its own."""
    if not adopted:
        return doc
    decoded = [json.loads(a) for a in adopted]
    # JSON has no dates: the effective date orders the merge, so it must be a date again.
    extra = [{**a, "effective": dt.date.fromisoformat(a["effective"])} for a in decoded]
    return {**doc, "amendments": [*doc.get("amendments", ()), *extra]}


def _toml(text: str, source: str, refusal: str) -> dict[str, Any]:
    """The TOML document of `text`; a syntax error is an InputError naming its line and column in `source`."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            [Problem(_syntax_location(str(exc), text, source), f"not valid TOML: {exc}")], refusal
        ) from None


def load_amendment(text: str, source: str) -> dict[str, Any]:
    """Parse and validate one amendment (an entry of `amendments`: effective, reference, changes).

    Returns its document as the model reads it (a quoted date is a date, the description defaults to "");
    raises InputError naming the key and its line.
    """
    doc = _toml(text, source, "malformed amendment file")
    try:
        amendment = Amendment.model_validate(doc)
    except ValidationError as exc:
        raise InputError(
            [p for err in exc.errors() for p in _problems(err, text, source)],
            f"amendment file {source} is invalid",
        ) from None
    return {
        "effective": amendment.effective,
        "reference": amendment.reference,
        "description": amendment.description,
        "changes": doc["changes"],
    }


def check_amended(
    terms_text: str, adopted: tuple[str, ...], amendment: dict[str, Any], text: str, source: str
) -> None:
    """Refuse `amendment` (loaded from `text`) if the terms with it would be invalid on its effective date.

    Problems are located in the amendment file, at its `changes`, naming the key of the amended terms.
    """
    doc = with_adopted(tomllib.loads(terms_text), adopted)
    doc = {**doc, "amendments": [*doc.get("amendments", ()), amendment]}
    day = amendment["effective"]
    try:
        Terms.model_validate(apply_amendments(doc, day))
    except ValidationError as exc:
        located = [
            p
            for err in exc.errors()
            for p in _problems(err, text, source, prefix=f"after amendment of {day}: ", at=("changes",))
        ]
        raise InputError(located, f"amendment file {source} would make the terms invalid") from None


def apply_amendments(doc: dict[str, Any], day: dt.date) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    amendments = sorted(doc.get("amendments", ()), key=lambda a: a["effective"])
    for amendment in amendments:
        changes = amendment.get("changes", {})
        # Changes that are not a table are left for validation, which names the amendment's key.
        if amendment["effective"] <= day and isinstance(changes, dict):
            out = _merge_tables(out, changes)
    return out


def _merge_tables(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in change.items():
        out[k] = _merge(base[k], v) if k in base else v
    return out


def _merge(base: object, change: object) -> object:
    """Deep merge: tables merge by key, lists of tables by their code/kind/name, scalars replace.

    A list element with `remove = true` removes the element with the same key.
    """
    if isinstance(base, dict) and isinstance(change, dict):
        return _merge_tables(base, change)
    if (
        isinstance(base, list)
        and isinstance(change, list)
        and all(isinstance(x, dict) for x in base + change)
    ):
        key = next((k for k in MERGE_KEYS if all(k in x for x in base + change)), None)
        if key is None:
            return change
        merged = {x[key]: x for x in base}
        for item in change:
            if item.get("remove"):
                merged.pop(item[key], None)
            else:
                merged[item[key]] = _merge(merged[item[key]], item) if item[key] in merged else item
        return list(merged.values())
    return change


def _validate(doc: dict[str, Any], text: str, source: str) -> list[Problem]:
    try:
        Terms.model_validate(doc)
    except ValidationError as exc:
        return [p for err in exc.errors() for p in _problems(err, text, source)]
    return []


_SYNTAX_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def _syntax_location(message: str, text: str, source: str) -> str:
    """file:line:column of a TOML syntax error (tomllib gives them only in its message)."""
    found = _SYNTAX_AT.search(message)
    if found:
        return f"{source}:{found.group(1)}:{found.group(2)}"
    if "end of document" in message:
        return f"{source}:{max(1, len(text.splitlines()))}"
    return source


def _problems(
    err: ErrorDetails, text: str, source: str, prefix: str = "", at: Location = ()
) -> list[Problem]:
    """The problems of one pydantic error: one, or one per contradiction of the cross-field rules."""
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, Inconsistent):
        return [
            _located(tuple(err["loc"]) + loc, msg, None, text, source, prefix, at)
            for loc, msg in cause.problems
        ]
    return [_problem(err, text, source, prefix, at)]


def _problem(err: ErrorDetails, text: str, source: str, prefix: str = "", at: Location = ()) -> Problem:
    loc = tuple(err["loc"])
    msg = err["msg"]
    if err["type"] == "missing":
        msg = "required key is missing"
    elif err["type"] == "extra_forbidden":
        msg = "unknown key (check its spelling)"
    value = (
        err.get("input")
        if err["type"] not in ("missing",) and not isinstance(err.get("input"), dict)
        else None
    )
    return _located(loc, msg, value, text, source, prefix, at)


def _located(
    loc: Location, msg: str, value: object, text: str, source: str, prefix: str, at: Location
) -> Problem:
    """A Problem at `source:line (dotted.key)`; `at` is where in the file `loc` lives (an amendment's
    changes)."""
    line = locate(text, at + loc)
    where = f"{source}:{line}" if line else source
    if at:
        # `loc` is a key of the terms as amended (list indices of the merged terms), so it is named
        # in the message; the location is the amendment itself, which is what must change.
        return Problem(f"{where} ({_dotted(at)})", f"{prefix}{_dotted(loc) or 'terms'}: {msg}", value)
    dotted = _dotted(loc)
    return Problem(f"{where} ({dotted})" if dotted else where, prefix + msg, value)


def _dotted(loc: Location) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'.]+)\s*=")


def locate(text: str, loc: Location) -> int | None:
    """Best line for a pydantic error location: the deepest key or table header it names.

    TOML parsers do not keep positions, so this walks the text, tracking table headers and
    array-of-table indices, and maps each dotted path to the line that defines it.
    """
    lines: dict[Location, int] = {}
    counters: dict[Location, int] = {}
    current: Location = ()
    for number, raw in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(raw)
        if header:
            path = tuple(p.strip().strip('"') for p in header.group(2).split("."))
            if header.group(1) == "[[":
                idx = counters.get(path, -1) + 1
                counters[path] = idx
                # Deeper arrays restart when their parent element changes.
                for k in list(counters):
                    if len(k) > len(path) and k[: len(path)] == path:
                        del counters[k]
                current = _resolve(path, counters) + (idx,)
            else:
                current = _resolve(path, counters)
            lines.setdefault(current, number)
            continue
        key = _KEY.match(raw)
        if key:
            keypath = tuple(k.strip("\"'") for k in key.group(1).split("."))
            lines.setdefault(current + keypath, number)
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _resolve(path: Location, counters: dict[Location, int]) -> Location:
    """Insert the current index of every enclosing array of tables into a header path."""
    out: list[str | int] = []
    for i, part in enumerate(path):
        out.append(part)
        prefix = path[: i + 1]
        if prefix in counters and i < len(path) - 1:
            out.append(counters[prefix])
    return tuple(out)
