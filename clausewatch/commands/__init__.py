"""clausewatch/commands."""
