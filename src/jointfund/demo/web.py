"""The demo's web users: one per role that signs in, each with a fresh random password printed once.

The passwords are not stored anywhere but as argon2id hashes; the demo prints them for
whoever runs it, so that `jointfund serve` on the demo fund can be tried in every role.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from sqlalchemy import Engine

from jointfund.governance import policy, user
from jointfund.store import db

ACTOR = "demo"
PREFIX = "demo-"


def build(engine: Engine, say: Callable[[str], None]) -> dict[str, str]:
    """Add a demo user for every role but the public; returns name -> password."""
    made: dict[str, str] = {}
    with db.write(engine) as conn:
        for role in policy.ROLES:
            if role == policy.PUBLIC:
                continue  # the public needs no account: the public page is open
            name = PREFIX + role.replace("_", "-")
            password = secrets.token_urlsafe(12)
            user.add(conn, ACTOR, name, role, password)
            made[name] = password
    width = max(len(n) for n in made)
    lines = "\n".join(f"  {name.ljust(width)}  {password}" for name, password in made.items())
    say(f"web users for each role (passwords shown this once; the fund keeps only their hashes):\n{lines}")
    return made
