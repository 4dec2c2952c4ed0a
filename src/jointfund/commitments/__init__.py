"""The register of the agreements' commitments (issue 15): the 2024 security agreement, the fund agreement's
obligations, their due dates, triggering events, recorded outcomes with evidence, and cross-agreement
alerts."""
