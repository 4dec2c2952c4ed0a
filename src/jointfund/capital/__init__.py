"""Partners' capital: commitments, calls, contributions received, and capital accounts."""
