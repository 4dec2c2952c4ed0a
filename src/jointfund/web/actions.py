"""Actions of the log in words: what a public record is, and what a recent audit event did."""

from __future__ import annotations

from jointfund.i18n import N_

# What a public record is, in words: the exact action first, then its family. The terms say which actions
# are public ([transparency] public_records); an action not named here is shown as its family or code.
WHAT = {
    "entry": N_("Ledger entry"),
    "proposal.new": N_("Proposal made"),
    "proposal.vote": N_("Signed vote"),
    "proposal.approved": N_("Proposal approved"),
    "proposal.rejected": N_("Proposal rejected"),
    "proposal.executed": N_("Decision carried out"),
    "proposal.expired": N_("Proposal expired"),
    "proposal.withdrawn": N_("Proposal withdrawn"),
    "investment.commit": N_("Investment committed"),
    "budget.adopt": N_("Budget adopted"),
    "decision.record": N_("Decision recorded"),
    "terms.amend": N_("Terms amended"),
    "capital.commit": N_("Capital committed"),
}
