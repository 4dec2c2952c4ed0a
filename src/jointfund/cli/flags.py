"""Domain field names in the CLI's words: the flag that sets the field.

The domain says which field of a request is wrong ("amount", "actor"); only the CLI knows that the
user typed it as `--amount` or `--as`. Most flags are the field's name with hyphens, so only the
exceptions are listed. Rendering here keeps the CLI's messages as users know them ("--amount: ...").
"""

from __future__ import annotations

from jointfund.errors import InputError, JointfundError, Problem

# The fields whose flag is not "--" + the field with "_" as "-".
FLAGS = {
    "actor": "--as",  # who acts: the seated member, chosen with --as
    "user": "--user",
    "proposal": "--about",  # the proposal a vote, a document or an execution is about
    "payer_reference": "--reference",
}


def flag(field: str) -> str:
    """The flag that sets `field`: "amount" -> "--amount", "funded_by" -> "--funded-by"."""
    if field in FLAGS:
        return FLAGS[field]
    head, dot, rest = field.partition(".")  # "fields.sector" -> "--field sector"
    if dot and head == "fields":
        return f"--field {rest}"
    return "--" + field.replace("_", "-")


def located(p: Problem) -> Problem:
    """`p` at its flag, when it is about a field of the request."""
    return p if p.field is None else p._replace(location=flag(p.field))


def render(exc: JointfundError) -> str:
    """`exc` as the CLI says it: each problem at its flag, a field-bound error after its flag."""
    if isinstance(exc, InputError):
        return InputError([located(p) for p in exc.problems], exc.summary).render()
    return f"{flag(exc.field)}: {exc}" if exc.field else str(exc)
