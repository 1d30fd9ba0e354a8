"""Results: tallies, award policies, result snapshots and their publication."""
