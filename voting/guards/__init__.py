"""What slows abuse down wherever it comes in (registration, the ballot intake):
proof-of-work tokens and rate limits. Below accounts, contests and ballots, so
that each may use them without importing a layer above it."""
