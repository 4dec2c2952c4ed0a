"""Joint management: members and seats, proposals, signed votes, decision rules, execution, users and roles.

Pure rules (model, canonical, rule, seats, policy) take values and return values; the
shell modules (member, proposal, vote, execution, user, audit, checks) read and write
the store inside the caller's transaction and append every change to the fund's log.
"""
