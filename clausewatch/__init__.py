"""clausewatch."""
