"""The one exception root, and input problems as data.

A user error is a `JointfundError` whose message is shown as it is; a programmer
error is an `AssertionError`. Input validation never stops at the first problem:
it collects `Problem` values, each naming where it is, and raises them together
as one `InputError`, the way beancount reports loader errors.

The domain names a problem in a request by its DOMAIN FIELD ("amount", "actor"), never by how a
surface spells it: the CLI renders the field as its flag (cli/flags.py: "--amount: ..."), the API as a
JSON path ({"loc": ["body", "amount"]}). So one rule speaks correctly on every surface.
"""

from __future__ import annotations

from typing import NamedTuple


class Problem(NamedTuple):
    """One thing wrong with the input.

    Attributes:
      location: where it is, as precise as the source allows: "file.csv:12:amount",
        "terms.toml:40 (contribution.streams[2].share)" or a field name.
      message: what is wrong and what was expected, in plain words.
      value: the offending value as given, or None when there is none.
      field: the domain field of a request this is about ("amount"), or None for a place in a file;
        each surface renders it in its own words (a CLI flag, a JSON path).
    """

    location: str
    message: str
    value: object = None
    field: str | None = None

    @classmethod
    def of(cls, field: str, message: str, value: object = None) -> Problem:
        """A problem with the request's domain field `field` (its location, until a surface renames it)."""
        return cls(field, message, value, field)

    def __str__(self) -> str:
        shown = "" if self.value is None else f" (got {_short(self.value)})"
        return f"{self.location}: {self.message}{shown}"


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class JointfundError(Exception):
    """Root of every error that is the user's or the data's, never a bug.

    `field` names the domain field of the request the error is about ("actor"), or is None; a surface
    puts it before the message in its own words (the CLI's "--as: ...").
    """

    def __init__(self, *args: object, field: str | None = None) -> None:
        super().__init__(*args)
        self.field = field


class InputError(JointfundError):
    """Input that failed validation; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], summary: str = "invalid input"):
        assert problems, "an InputError needs at least one problem"
        self.problems = tuple(problems)
        self.summary = summary
        super().__init__(self.render(), field=self.problems[0].field)

    def render(self, limit: int = 50) -> str:
        lines = [f"{self.summary}: {len(self.problems)} problem(s)"]
        lines += [f"  {p}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"  ... and {len(self.problems) - limit} more")
        return "\n".join(lines)


class ConflictError(JointfundError):
    """A request that contradicts what the book already holds (e.g. an idempotency key reused)."""


class NotFound(JointfundError):
    """A referenced thing does not exist."""


class Refused(JointfundError):
    """A well-formed request that the rules forbid; the message says which rule and why."""


class IntegrityError(JointfundError):
    """Verification found the stored book inconsistent or tampered with."""
