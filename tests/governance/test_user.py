"""Users and roles: argon2 hashes only, disabling, and who acts while a fund has no users."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from jointfund.errors import ConflictError, InputError, NotFound, Refused
from jointfund.governance import user
from jointfund.governance.policy import OPERATOR, Actor
from jointfund.store import db
from jointfund.store import tables as t

PASSWORD = "correct horse battery"


def test_the_operator_acts_until_the_first_user_exists(fund_engine) -> None:
    with db.write(fund_engine) as conn:
        assert user.resolve(conn, None) == OPERATOR
        with pytest.raises(NotFound, match="no users yet"):
            user.resolve(conn, "alice")
        user.add(conn, OPERATOR.name, "alice", "administrator", PASSWORD)
        with pytest.raises(Refused, match="say who you are"):
            user.resolve(conn, None)
        assert user.resolve(conn, "alice") == Actor("alice", "administrator")
        with pytest.raises(NotFound):
            user.resolve(conn, "operator")


def test_passwords_are_stored_only_as_argon2_hashes(fund_engine) -> None:
    with db.write(fund_engine) as conn:
        user.add(conn, "operator", "bob", "auditor", PASSWORD)
        stored = conn.execute(select(t.app_user.c.password_hash)).scalar_one()
        events = conn.execute(select(t.event.c.data).where(t.event.c.action.like("user.%"))).scalars().all()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert not any(PASSWORD in e or "argon2" in e for e in events)
    with db.transaction(fund_engine) as conn:
        assert user.authenticate(conn, "bob", PASSWORD) == Actor("bob", "auditor")
        assert user.authenticate(conn, "bob", "wrong password") is None
        assert user.authenticate(conn, "nobody", PASSWORD) is None


def test_disable_keeps_the_user_and_refuses_them(fund_engine) -> None:
    with db.write(fund_engine) as conn:
        user.add(conn, "operator", "admin", "administrator", PASSWORD)
        user.add(conn, "admin", "tom", "treasury_officer", PASSWORD)
        user.disable(conn, "admin", "tom")
        with pytest.raises(Refused, match="already disabled"):
            user.disable(conn, "admin", "tom")
        with pytest.raises(Refused, match="tom is disabled"):
            user.resolve(conn, "tom")
        assert user.authenticate(conn, "tom", PASSWORD) is None
        with pytest.raises(Refused, match="last enabled administrator"):
            user.disable(conn, "admin", "admin")
        assert [(u.name, u.enabled) for u in user.users(conn)] == [("admin", True), ("tom", False)]


def test_bad_users_are_refused(fund_engine) -> None:
    with db.write(fund_engine) as conn:
        with pytest.raises(InputError) as exc:
            user.add(conn, "operator", "Operator!", "king", "short")
        assert all(w in str(exc.value) for w in ("NAME", "role:", "password:"))
        with pytest.raises(InputError, match="reserved"):
            user.add(conn, "operator", "operator", "auditor", PASSWORD)
        user.add(conn, "operator", "ann", "auditor", PASSWORD)
        with pytest.raises(ConflictError):
            user.add(conn, "operator", "ann", "auditor", PASSWORD)
