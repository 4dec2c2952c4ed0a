"""Cross-agreement alerts: rules over the register and the terms (an agreement's `alerts`), never literals.

A rule says: agreement A must not end before a date of the terms without a decision. It fires when A's end
(its
term, or six months after a termination notice) falls before that date, and clears once an event of the rule's
`cleared_by` kind (extension_agreed) is recorded after whatever set the end. The decision is due `lead_months`
before A ends.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from dateutil.relativedelta import relativedelta
from sqlalchemy import Connection

from jointfund.commitments import due as rules
from jointfund.commitments import register
from jointfund.fund import FundInfo


class Alert(NamedTuple):
    code: str
    agreement: str
    ends: dt.date
    before: dt.date
    decide_by: dt.date
    message: str
    message_uk: str


def alerts(conn: Connection, info: FundInfo, today: dt.date) -> list[Alert]:
    terms = info.terms(today)
    by_code = {a.agreement.code: a for a in register.agreements()}
    events = register.happened(conn)
    out = []
    for owner in register.agreements():
        for rule in owner.alerts:
            target = by_code.get(rule.agreement)
            assert target is not None, f"alert {rule.code} names no shipped agreement {rule.agreement}"
            ends = register.end_of(conn, info, today, rule.agreement)
            parsed = rules.parse(rule.before)
            assert isinstance(parsed, rules.TermsDate)
            before = rules.terms_date(parsed, terms)
            if ends is None or ends >= before:
                continue
            # What set the end last (a termination notice), if anything was recorded; an extension must come
            # after.
            setters = {
                c.due.event
                for cid in target.agreement.ends
                for c in [target.commitment(cid)]
                if c is not None and isinstance(c.due, rules.After)
            }
            last_set = max(
                (e.occurred_on for e in events if e.kind in setters and e.agreement == rule.agreement),
                default=dt.date.min,
            )
            if any(e.kind == rule.cleared_by and e.occurred_on >= last_set for e in events):
                continue
            decide_by = ends - relativedelta(months=rule.lead_months)
            h = target.agreement
            out.append(
                Alert(
                    rule.code,
                    rule.agreement,
                    ends,
                    before,
                    decide_by,
                    f"{h.short} ends {ends}, before {rule.before_label} ends {before}: {rule.decision} "
                    f"(by {decide_by}, {rule.lead_months} months ahead)",
                    f"{h.short_uk} спливає {ends}, раніше ніж {rule.before_label_uk} ({before}): "
                    f"{rule.decision_uk} "
                    f"(до {decide_by}, за {rule.lead_months} міс.)",
                )
            )
    return out
