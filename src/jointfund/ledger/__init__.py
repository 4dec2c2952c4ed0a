"""The book of record: accounts, entries and postings, the Merkle log and signed checkpoints."""
